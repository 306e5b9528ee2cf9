"""The newest sessions of a big store (a ``sessions.json`` or an ``openclaw-agent.sqlite``) are
on screen before the store has read it all (issue #16), then every row; a store that cannot be
opened takes them away again.

The size thresholds are lowered so a few hundred sessions count as big (the real ones, 16 MiB
and 20,000 sessions, are about files of tens of thousands of sessions)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from openclaw_tui.store import SessionStore
from openclaw_tui.store.backends import scan_process
from openclaw_tui.store.errors import StoreUnreadableError
from openclaw_tui.store.synthetic import generate_store
from openclaw_tui.tui import app as app_module
from openclaw_tui.tui.app import PREVIEW_ROWS, SessionBrowserApp
from openclaw_tui.tui.preview import PreviewViewModel
from openclaw_tui.tui.target import StoreTarget
from tests.backends import StoreKind, make_store
from tests.tui.helpers import FIXED_NOW, make_app, wait_until

pytestmark = pytest.mark.anyio

SESSIONS = 500


@pytest.fixture(autouse=True)
def big_from_a_few_hundred(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scan_process, "PEEK_MIN_BYTES", 1)
    monkeypatch.setattr(app_module, "PROGRESSIVE_ROWS", 300)


class GatedStore(SessionStore):
    """A store whose opening waits until the test lets it (then fails, when told to)."""

    def __init__(self, *args, gate: asyncio.Event, fail: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.gate = gate
        self.fail = fail

    async def open(self) -> SessionStore:
        await self.gate.wait()
        if self.fail:
            raise StoreUnreadableError(self.path, "cannot read the store: an I/O error")
        return await super().open()


def _app(tmp_path: Path, kind: StoreKind, gate: asyncio.Event, *, fail: bool = False):
    entries = generate_store(SESSIONS, seed=9, now_ms=int(FIXED_NOW * 1000))
    make_store(kind, tmp_path, entries)

    def factory(target: StoreTarget, read_only: bool, watch: bool) -> SessionStore:
        return GatedStore(target.path, read_only=read_only, watch=watch, gate=gate, fail=fail)

    newest = sorted(entries, key=lambda k: (-entries[k]["updatedAt"], k))
    return make_app(tmp_path, store_factory=factory), newest


async def test_newest_sessions_are_shown_before_the_store_is_open(
    tmp_path: Path, store_kind: StoreKind
):
    gate = asyncio.Event()
    app, newest = _app(tmp_path, store_kind, gate)
    async with app.run_test(size=(140, 30)) as pilot:
        await wait_until(pilot, lambda: app.main.vm.total_count > 0, what="the first page")
        screen = app.main
        assert app.store is None  # still opening
        if store_kind == "json":
            # Every session of a sessions.json, each row read from the file when drawn.
            assert isinstance(screen.vm, PreviewViewModel)
            assert screen.vm.total_count == screen.vm.row_count == SESSIONS
            assert screen.vm.shown_keys() == newest
        else:
            assert screen.vm.total_count == PREVIEW_ROWS
        assert screen.vm.shown_keys()[:50] == newest[:50]
        assert screen.current_key == newest[0]
        await pilot.pause()
        assert f"loading {SESSIONS:,} sessions" in screen.status.text
        await pilot.press("down")
        assert screen.current_key == newest[1]
        gate.set()
        await wait_until(pilot, lambda: _loaded(app), timeout=30, what="the store's rows")
        await pilot.pause()
        assert screen.vm.shown_keys() == newest
        assert screen.current_key == newest[1]  # the cursor stayed on its session
        assert app.store is not None
        assert all(screen.vm.rows[k].entry is app.store.get(k) for k in newest[:50])
        assert "loading" not in screen.status.text


def _loaded(app: SessionBrowserApp) -> bool:
    vm = app.main.vm
    return (
        app.store is not None
        and not isinstance(vm, PreviewViewModel)
        and vm.total_count == SESSIONS
        and app.main._loading_total is None
    )


async def test_the_store_is_parsed_only_once_every_row_is_on_screen(tmp_path: Path):
    """The whole parse holds the interpreter: it starts after the preview's first frame."""
    gate = asyncio.Event()
    app, newest = _app(tmp_path, "json", gate)
    seen_at_open: list[object] = []
    original = GatedStore.open

    async def open_after_paint(self: GatedStore) -> SessionStore:
        main = app.main
        seen_at_open.append((type(main.vm), main.vm.total_count, main.table.cursor_key))
        return await original(self)

    GatedStore.open = open_after_paint  # type: ignore[method-assign]
    try:
        async with app.run_test(size=(140, 30)) as pilot:
            await wait_until(pilot, lambda: bool(seen_at_open), what="the store's open")
            assert seen_at_open == [(PreviewViewModel, SESSIONS, newest[0])]
            gate.set()
            await wait_until(pilot, lambda: _loaded(app), timeout=30, what="the store's rows")
    finally:
        GatedStore.open = original  # type: ignore[method-assign]


async def test_a_sort_filter_or_mark_made_while_previewing_is_kept(tmp_path: Path):
    """The preview cannot sort or filter 100,000 sessions it has not read: it says so and the
    whole store is shown sorted and filtered as asked, with the marks made meanwhile."""
    gate = asyncio.Event()
    app, newest = _app(tmp_path, "json", gate)
    async with app.run_test(size=(140, 30)) as pilot:
        await wait_until(pilot, lambda: app.main.vm.total_count > 0, what="the preview")
        screen = app.main
        await pilot.press("space")  # marks newest[0], moves to newest[1]
        assert screen.marked_keys == {newest[0]}
        screen.sort_by("key")
        assert screen.apply_filter("telegram")
        await pilot.pause()
        assert screen.vm.shown_keys()[:5] == newest[:5]  # nothing re-sorted yet
        assert "then sorted/filtered as asked" in screen.status.text
        assert "applies once the" in str(screen.filter_bar.query_one("#filter-message").render())
        gate.set()
        await wait_until(pilot, lambda: _loaded(app), timeout=30, what="the store's rows")
        await pilot.pause()
        vm = screen.vm
        assert (vm.sort_column, vm.sort_reverse, vm.filter_text) == ("key", False, "telegram")
        expected = sorted(k for k in newest if "telegram" in k or _matches(vm, k))
        assert vm.shown_keys() == expected
        assert screen.marked_keys == {newest[0]}
        assert "then sorted" not in screen.status.text


def _matches(vm: object, key: str) -> bool:
    from openclaw_tui.tui.viewmodel import matches, parse_filter

    entry = vm.entries[key]  # type: ignore[attr-defined]
    return matches(parse_filter("telegram"), key, entry, FIXED_NOW)


async def test_a_store_that_cannot_be_opened_takes_the_first_page_away(
    tmp_path: Path, store_kind: StoreKind
):
    gate = asyncio.Event()
    app, _ = _app(tmp_path, store_kind, gate, fail=True)
    async with app.run_test(size=(140, 30)) as pilot:
        await wait_until(pilot, lambda: app.main.vm.total_count > 0, what="the first page")
        screen = app.main
        gate.set()
        await wait_until(pilot, lambda: screen.banner.message is not None, what="the error")
        await pilot.pause()
        assert screen.vm.total_count == 0
        assert not isinstance(screen.vm, PreviewViewModel)
        assert "an I/O error" in (screen.banner.message or "")
        assert "loading" not in screen.status.text


async def test_a_small_store_is_shown_whole_at_once(tmp_path: Path, store_kind: StoreKind):
    """Below the thresholds nothing is shown early: the first paint is every row."""
    gate = asyncio.Event()
    app, newest = _app(tmp_path, store_kind, gate)
    app_module.PROGRESSIVE_ROWS = SESSIONS + 1  # undone by the fixture's monkeypatch
    async with app.run_test(size=(140, 30)) as pilot:
        await pilot.pause(0.3)
        assert app.main.vm.total_count == 0  # nothing before the store is open
        gate.set()
        await wait_until(pilot, lambda: app.main.vm.total_count == SESSIONS, what="every row")
        assert app.main.vm.shown_keys()[:10] == newest[:10]


async def test_the_store_is_made_only_once_the_preview_is_on_screen(tmp_path: Path):
    """The store (and the modules it needs, imported by the default factory) comes after the
    first frame: nothing of it is on the path to every row on screen."""
    gate = asyncio.Event()
    gate.set()
    entries = generate_store(SESSIONS, seed=9, now_ms=int(FIXED_NOW * 1000))
    make_store("json", tmp_path, entries)
    seen: list[object] = []
    app: SessionBrowserApp | None = None

    def factory(target: StoreTarget, read_only: bool, watch: bool) -> SessionStore:
        assert app is not None
        seen.append((type(app.main.vm), app.main.vm.total_count, app.main.table.cursor_key))
        return GatedStore(target.path, read_only=read_only, watch=watch, gate=gate)

    app = make_app(tmp_path, store_factory=factory)
    newest = sorted(entries, key=lambda k: (-entries[k]["updatedAt"], k))
    async with app.run_test(size=(140, 30)) as pilot:
        await wait_until(pilot, lambda: _loaded(app), timeout=30, what="the store's rows")
    assert seen == [(PreviewViewModel, SESSIONS, newest[0])]


async def test_a_store_factory_that_fails_takes_the_first_page_away(tmp_path: Path):
    entries = generate_store(SESSIONS, seed=9, now_ms=int(FIXED_NOW * 1000))
    make_store("json", tmp_path, entries)

    def factory(target: StoreTarget, read_only: bool, watch: bool) -> SessionStore:
        raise RuntimeError("no such backend here")

    app = make_app(tmp_path, store_factory=factory)
    async with app.run_test(size=(140, 30)) as pilot:
        screen = app.main
        await wait_until(pilot, lambda: screen.banner.message is not None, what="the error")
        await pilot.pause()
        assert "cannot open the store: no such backend here" in (screen.banner.message or "")
        assert "Traceback" not in (screen.banner.message or "")
        assert screen.vm.total_count == 0
        assert not isinstance(screen.vm, PreviewViewModel)
