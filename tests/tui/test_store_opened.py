"""The store worker hands an opened store to the screen by a message (``StoreOpened``).

The screen builds the snapshot in a worker of its own and resolves the message's future when
the rows are on screen; these tests hold that build at a gate to see what happens meanwhile:
the screen's queue keeps moving, the store's events wait, a failed build is said once, and a
newer target cancels the build still running.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from openclaw_tui.store.api import SessionStoreAPI
from openclaw_tui.tui.app import MainScreen
from openclaw_tui.tui.target import StoreTarget, target_for_agent
from tests.backends import StoreKind, make_store, make_store_copy, read_entries, write_entries
from tests.tui.helpers import make_app, wait_until

pytestmark = pytest.mark.anyio

NEW_KEY = "agent:main:explicit:written-meanwhile"


class GatedBuild:
    """Holds every ``MainScreen.store_opened`` until ``release`` is set."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.release = asyncio.Event()
        self.entered: list[StoreTarget] = []
        self.cancelled: list[StoreTarget] = []
        self.fail: Exception | None = None
        original = MainScreen.store_opened
        gate = self

        async def gated(screen: MainScreen, store: SessionStoreAPI, target: StoreTarget) -> None:
            gate.entered.append(target)
            try:
                await gate.release.wait()
            except asyncio.CancelledError:
                gate.cancelled.append(target)
                raise
            if gate.fail is not None:
                raise gate.fail
            await original(screen, store, target)

        monkeypatch.setattr(MainScreen, "store_opened", gated)


async def test_the_screen_keeps_handling_messages_and_events_wait_while_a_store_is_shown(
    tmp_path: Path, store_kind: StoreKind, monkeypatch: pytest.MonkeyPatch
):
    path = make_store_copy(store_kind, tmp_path)
    gate = GatedBuild(monkeypatch)
    app = make_app(tmp_path)
    async with app.run_test(size=(140, 30)) as pilot:
        await wait_until(pilot, lambda: gate.entered, what="the build to start")
        screen = app.main
        ran: list[int] = []
        screen.call_later(ran.append, 1)  # goes through the screen's own message queue
        await wait_until(pilot, lambda: ran == [1], what="the screen's queue to move")

        # Another program writes while the snapshot is not yet on screen: the store sees it,
        # the screen must not apply it to rows it has not shown yet.
        entries = read_entries(path)
        entries[NEW_KEY] = {"sessionId": "n1", "updatedAt": 5}
        write_entries(path, entries)
        store = app.store
        assert store is not None
        await wait_until(pilot, lambda: NEW_KEY in store.load(), timeout=10, what="the write")
        assert screen.target is None
        assert screen.vm.total_count == 0

        gate.release.set()
        await wait_until(pilot, lambda: screen.vm.total_count == 13, timeout=10)
        assert NEW_KEY in screen.vm.entries
        assert gate.cancelled == []


async def test_a_build_that_fails_is_said_once_and_the_app_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    make_store_copy("json", tmp_path)
    gate = GatedBuild(monkeypatch)
    gate.fail = RuntimeError("the table could not be built")
    app = make_app(tmp_path)
    shown: list[str] = []
    async with app.run_test(size=(140, 30)) as pilot:
        await wait_until(pilot, lambda: gate.entered, what="the build to start")
        screen = app.main
        original_show = screen.banner.show_message

        def recording_show(message: str, *args: object, **kwargs: object) -> None:
            shown.append(message)
            original_show(message, *args, **kwargs)  # type: ignore[arg-type]

        screen.banner.show_message = recording_show  # type: ignore[method-assign]
        gate.release.set()
        await wait_until(
            pilot,
            lambda: any("the table could not be built" in m for m in shown),
            what="the failure in the banner",
        )
        await pilot.pause()
        failures = [m for m in shown if "the table could not be built" in m]
        assert len(failures) == 1
        assert failures[0].startswith("Watching the store failed")
        assert app.is_running


async def test_a_newer_target_cancels_the_build_still_running(
    tmp_path: Path, store_kind: StoreKind, monkeypatch: pytest.MonkeyPatch
):
    make_store_copy(store_kind, tmp_path, "main")
    make_store(
        store_kind,
        tmp_path,
        {"agent:ops:main": {"sessionId": "o1", "updatedAt": 1, "label": "Ops main"}},
        agent="ops",
    )
    gate = GatedBuild(monkeypatch)
    app = make_app(tmp_path)
    async with app.run_test(size=(140, 30)) as pilot:
        await wait_until(pilot, lambda: gate.entered, what="the first build to start")
        first = gate.entered[0]
        ops = target_for_agent("ops", tmp_path)
        app.open_target(ops)
        await wait_until(pilot, lambda: len(gate.entered) == 2, what="the second build")
        await wait_until(pilot, lambda: gate.cancelled == [first], what="the first cancelled")

        gate.release.set()
        screen = app.main
        await wait_until(pilot, lambda: screen.target is not None, timeout=10)
        await wait_until(pilot, lambda: screen.vm.total_count == 1, timeout=10)
        assert screen.target.agent_id == "ops"
        assert list(screen.vm.entries) == ["agent:ops:main"]
