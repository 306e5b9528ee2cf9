"""Recovering an unreadable store from the app: the palette entry and /recover, confirmation
first, then the banner goes and the message says where the copy was kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from openclaw_tui.tui.editing import EditingPanel
from openclaw_tui.widgets.confirm import ConfirmScreen
from tests.tui.helpers import make_app, started, store_path, wait_until

pytestmark = pytest.mark.anyio

CORRUPT = b'{"agent:main:main": {"sessionId": "m1", "updatedAt": 1},\n  "agent:main:x": {'


def _corrupt_store(state: Path) -> Path:
    path = store_path(state)
    path.parent.mkdir(parents=True)
    path.write_bytes(CORRUPT)
    path.chmod(0o600)
    return path


def _copies(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f"{path.name}.corrupt-*"))


async def test_palette_recovers_an_unreadable_store_after_confirmation(tmp_path: Path) -> None:
    path = _corrupt_store(tmp_path)
    app = make_app(tmp_path)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await started(pilot)
        await wait_until(pilot, lambda: screen.banner.message is not None, what="the banner")
        assert "/recover" in (screen.banner.message or "")  # the advice names the command
        panel = screen.query_one(EditingPanel)
        await pilot.press("ctrl+p")
        await pilot.press(*"recover the store")
        await wait_until(
            pilot,
            lambda: bool(app.screen.query("CommandList").first().option_count),
            what="the palette entry",
        )
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the question")
        confirm = app.screen
        assert isinstance(confirm, ConfirmScreen)
        assert str(path) in confirm.question and "copy" in confirm.detail
        assert path.read_bytes() == CORRUPT and _copies(path) == []  # nothing before "yes"
        await pilot.press("y")
        await wait_until(pilot, lambda: panel.last_outcome is not None, what="the recovery")
        ok, message = panel.last_outcome
        (kept,) = _copies(path)
        assert ok and str(kept) in message
        assert kept.read_bytes() == CORRUPT
        assert json.loads(path.read_bytes()) == {}
        await wait_until(pilot, lambda: screen.banner.message is None, what="the banner to go")
        await pilot.pause()
        assert "⚠" not in screen.status.text and "writes ok" in screen.status.text


async def test_typed_recover_answered_no_changes_nothing(tmp_path: Path) -> None:
    path = _corrupt_store(tmp_path)
    app = make_app(tmp_path)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await started(pilot)
        await wait_until(pilot, lambda: screen.banner.message is not None, what="the banner")
        panel = screen.query_one(EditingPanel)
        await pilot.press("slash", *"recover", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the question")
        await pilot.press("n")
        await wait_until(pilot, lambda: panel.last_outcome is not None, what="the answer")
        assert panel.last_outcome == (False, "Not confirmed: nothing was changed.")
        assert path.read_bytes() == CORRUPT and _copies(path) == []
        assert screen.banner.message is not None


async def test_recover_on_a_readable_store_says_so_without_asking(tmp_path: Path) -> None:
    path = store_path(tmp_path)
    path.parent.mkdir(parents=True)
    raw = json.dumps({"agent:main:main": {"sessionId": "m1", "updatedAt": 1}}).encode()
    path.write_bytes(raw)
    app = make_app(tmp_path)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await started(pilot)
        panel = screen.query_one(EditingPanel)
        await pilot.press("slash", *"recover", "enter")
        await wait_until(pilot, lambda: panel.last_outcome is not None, what="the answer")
        ok, message = panel.last_outcome
        assert ok and message.startswith("Nothing to recover") and str(path) in message
        assert not isinstance(app.screen, ConfirmScreen)
    assert path.read_bytes() == raw and _copies(path) == []
