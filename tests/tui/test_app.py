"""Pilot tests of the live session browser against real stores in temp dirs.

The tests that read or write the store take ``store_kind`` and run on both backends: the same 12
real sessions as a sessions.json (OpenClaw 2026.7.35) or as OpenClaw 2026.9.6's SQLite rows, found
by the app itself under the state dir. Another program's writes go through ``write_entries``
(sessions.json: temp file + rename; SQLite: a separate connection and transaction).
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from openclaw_tui.store import SessionStore, StoreWriteError
from openclaw_tui.store.atomic import Syscalls
from openclaw_tui.store.backends.sqlite import SqliteBackend
from openclaw_tui.store.synthetic import generate_store
from openclaw_tui.tui.target import StoreTarget
from tests.backends import (
    StoreKind,
    make_store,
    make_store_copy,
    read_entries,
    store_path_for,
    write_entries,
)
from tests.tui.helpers import (
    FIXED_NOW,
    copy_small_store,
    line_text,
    make_app,
    row_line,
    started,
    store_path,
    wait_until,
    write_json_store,
)

pytestmark = pytest.mark.anyio

PORTAL = "agent:main:explicit:portal-123"
WHATSAPP = "agent:main:whatsapp:group:120363041234567890@g.us"
MAIN = "agent:main:main"


async def test_update_that_reorders_rows_keeps_cursor_on_the_same_key(
    tmp_path: Path, store_kind: StoreKind
):
    make_store_copy(store_kind, tmp_path)
    app = make_app(tmp_path)
    async with app.run_test(size=(140, 30)) as pilot:
        screen = await started(pilot)
        assert screen.table.move_cursor_to_key(PORTAL)
        before = screen.table.cursor_index
        # The last row becomes the most recent one: it jumps to the top, above the cursor.
        assert app.store is not None
        await app.store.update_entry(WHATSAPP, {"thinkingLevel": "high"})
        await wait_until(pilot, lambda: screen.vm.row_at(0).key == WHATSAPP, what="the reorder")
        assert screen.current_key == PORTAL
        assert screen.table.cursor_index == before + 1
        assert screen.detail.key == PORTAL


async def test_scroll_position_follows_the_cursor_when_rows_move(
    tmp_path: Path, store_kind: StoreKind
):
    entries = generate_store(300, seed=5, now_ms=int(FIXED_NOW * 1000))
    make_store(store_kind, tmp_path, entries)
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 24)) as pilot:
        screen = await started(pilot)
        table = screen.table
        for _ in range(4):
            await pilot.press("pagedown")
        await pilot.press("down", "down")
        key = screen.current_key
        line_before = table.cursor_index - round(table.scroll_y)
        assert table.scroll_y > 0
        # A session far below the cursor becomes the newest: it moves above the cursor.
        mover = screen.vm.row_at(screen.vm.row_count - 1).key
        assert app.store is not None
        await app.store.update_entry(mover, {"label": "moved"})
        await wait_until(pilot, lambda: screen.vm.row_at(0).key == mover, what="the reorder")
        await pilot.pause()
        assert screen.current_key == key
        assert table.cursor_index - round(table.scroll_y) == line_before
        assert screen.vm.row_at(table.cursor_index).key == key


async def test_filter_and_sort_survive_live_updates(tmp_path: Path, store_kind: StoreKind):
    make_store_copy(store_kind, tmp_path)
    app = make_app(tmp_path)
    async with app.run_test(size=(140, 30)) as pilot:
        screen = await started(pilot)
        await pilot.press("f", *"channel:telegram", "enter")
        await wait_until(pilot, lambda: screen.vm.filter_text == "channel:telegram")
        assert screen.vm.row_count == 3  # main (telegram DM), the group and its topic
        screen.sort_by("key", reverse=False)
        assert app.store is not None
        store = app.store
        await store.update_entry(
            "agent:main:telegram:group:-1001234567890:topic:42", {"totalTokens": 5}
        )
        new_discord = "agent:main:discord:channel:555"
        new_telegram = "agent:main:telegram:group:-100777"
        await store.update_entry(new_discord, {"channel": "discord"}, create=True)
        await store.update_entry(new_telegram, {"channel": "telegram"}, create=True)
        await wait_until(pilot, lambda: new_telegram in screen.vm.rows, what="the new session")
        keys = screen.vm.shown_keys()
        assert new_discord not in keys
        assert all("telegram" in k or k == MAIN for k in keys)
        assert keys == sorted(keys)  # still sorted by key, the new one in its sort position
        assert screen.vm.filter_text == "channel:telegram"
        assert screen.vm.sort_column == "key"
        assert "filter channel:telegram" in screen.status.text
        assert screen.vm.total_count == 14


async def test_sort_by_header_click_and_repeat_reverses(tmp_path: Path):
    copy_small_store(tmp_path)
    app = make_app(tmp_path)
    async with app.run_test(size=(140, 30)) as pilot:
        screen = await started(pilot)
        layout = screen.table._layout(screen.table.scrollable_content_region.width)
        tokens_x = next(x for i, x, _w in layout if screen.vm.columns[i].id == "tokens")
        await pilot.click("#sessions", offset=(tokens_x + 1, 0))
        assert screen.vm.sort_column == "tokens" and screen.vm.sort_reverse
        assert screen.vm.row_at(0).key == MAIN  # the most tokens (1,868)
        await pilot.click("#sessions", offset=(tokens_x + 1, 0))
        assert not screen.vm.sort_reverse
        assert "Tokens ▲" in line_text(screen, 0)
        shown = screen.table.shown_column_ids()
        await pilot.press("s")  # the next column on screen (hidden ones are skipped)
        assert screen.vm.sort_column == shown[shown.index("tokens") + 1]


async def test_pause_counts_pending_changes_then_applies_them_at_once(
    tmp_path: Path, store_kind: StoreKind
):
    make_store_copy(store_kind, tmp_path)
    app = make_app(tmp_path)
    async with app.run_test(size=(140, 30)) as pilot:
        screen = await started(pilot)
        await pilot.press("p")
        assert screen.paused
        assert app.store is not None
        for level in ("low", "medium", "high"):
            await app.store.update_entry(PORTAL, {"thinkingLevel": level})
        await app.store.delete_entry(WHATSAPP)
        await wait_until(pilot, lambda: screen.vm.pending_count == 4, what="4 pending")
        await pilot.pause()
        assert "4 changes pending" in screen.status.text
        assert screen.vm.rows[PORTAL].entry.get("thinkingLevel") is None  # not applied yet
        assert WHATSAPP in screen.vm.rows
        updates = screen.table_updates
        await pilot.press("p")
        assert not screen.paused
        assert screen.vm.rows[PORTAL].entry["thinkingLevel"] == "high"
        assert WHATSAPP not in screen.vm.rows
        assert screen.vm.pending_count == 0
        assert "changes pending" not in screen.status.text and "PAUSED" not in screen.status.text
        assert screen.table_updates <= updates + 1


async def test_a_burst_of_1000_changes_is_one_table_update(tmp_path: Path, store_kind: StoreKind):
    entries = generate_store(1000, seed=2, now_ms=int(FIXED_NOW * 1000))
    make_store(store_kind, tmp_path, entries)
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 24)) as pilot:
        screen = await started(pilot)
        updates = screen.table_updates
        assert app.store is not None

        def bump_all(store: dict) -> None:
            for key, entry in list(store.items()):
                store[key] = {**entry, "totalTokens": 7}

        await app.store.update(bump_all)
        await wait_until(
            pilot,
            lambda: all(r.entry.get("totalTokens") == 7 for r in screen.vm.rows.values()),
            what="all 1000 changes applied",
        )
        assert screen.table_updates - updates == 1


async def test_external_change_by_another_program_shows_up(tmp_path: Path, store_kind: StoreKind):
    path = make_store_copy(store_kind, tmp_path)
    app = make_app(tmp_path)
    async with app.run_test(size=(180, 30)) as pilot:
        screen = await started(pilot)
        entries = read_entries(path)
        entries[PORTAL]["label"] = "Renamed elsewhere"
        if store_kind == "sqlite":
            # OpenClaw's writers bump updatedAt (= the row's updated_at); the SQLite backend
            # finds foreign changes by data_version then updated_at, so a foreign write that
            # keeps updated_at shows only at its periodic full rescan (full_rescan_interval).
            entries[PORTAL]["updatedAt"] += 1
        write_entries(path, entries)
        await wait_until(
            pilot,
            lambda: screen.vm.rows[PORTAL].entry.get("label") == "Renamed elsewhere",
            what="the foreign write",
        )
        assert "Renamed elsewhere" in row_line(screen, PORTAL)


async def test_corrupt_store_shows_a_banner_and_recovers_by_itself(
    tmp_path: Path, store_kind: StoreKind
):
    path = make_store_copy(store_kind, tmp_path)
    good = path.read_bytes()
    app = make_app(tmp_path)
    async with app.run_test(size=(140, 30)) as pilot:
        screen = await started(pilot)
        path.write_text('{"agent:main:main": {"sessionId": ')  # truncated by a crash
        await wait_until(pilot, lambda: screen.banner.message is not None, what="the banner")
        assert str(path) in screen.banner.message
        assert "clears by itself" in screen.banner.message
        assert screen.vm.total_count == 12  # the last good sessions stay on screen
        assert screen.banner.display
        # Someone puts a good store back (JSON: rewritten by OpenClaw; SQLite: restored from a
        # backup copy, a new file renamed over the broken one).
        if store_kind == "json":
            write_json_store(path, json.loads(good))
        else:
            restored = path.with_name("restored.tmp")
            restored.write_bytes(good)
            os.replace(restored, path)
        await wait_until(pilot, lambda: screen.banner.message is None, what="recovery")
        assert screen.vm.total_count == 12
        assert not screen.banner.has_class("-visible")


async def test_corrupt_store_at_startup_names_path_and_cause(tmp_path: Path, store_kind: StoreKind):
    path = store_path_for(store_kind, tmp_path)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\x00\x01 not json")
    app = make_app(tmp_path)
    async with app.run_test(size=(140, 30)) as pilot:
        screen = await started(pilot)
        await wait_until(pilot, lambda: screen.banner.message is not None, what="the banner")
        assert str(path) in screen.banner.message
        assert "Traceback" not in screen.banner.message


async def test_missing_store_shows_empty_state_then_fills_in(tmp_path: Path, store_kind: StoreKind):
    state_dir = tmp_path / "nowhere"
    app = make_app(state_dir)
    async with app.run_test(size=(140, 30)) as pilot:
        screen = await started(pilot)
        empty = screen.empty_state
        assert empty.has_class("-visible")
        assert str(store_path(state_dir)) in empty.text
        assert str(store_path_for("sqlite", state_dir)) in empty.text
        assert "--store" in empty.text and "--state-dir" in empty.text
        make_store_copy(store_kind, state_dir)
        await wait_until(pilot, lambda: screen.vm.total_count == 12, timeout=8, what="store")
        await pilot.pause()
        assert not empty.has_class("-visible")


async def test_store_text_is_shown_literally(tmp_path: Path, store_kind: StoreKind):
    nasty_label = "[red]x[/red] [@click=app.quit]q[/]"
    escape_label = "\x1b[31mred\x1b[0m\x1b]8;;http://e.x\x07link\u202eevil"
    nasty_key = "agent:main:explicit:[bold]k"
    make_store(
        store_kind,
        tmp_path,
        {
            "agent:main:explicit:a": {"sessionId": "a1", "updatedAt": 3, "label": nasty_label},
            "agent:main:explicit:b": {"sessionId": "b1", "updatedAt": 2, "label": escape_label},
            nasty_key: {"sessionId": "c1", "updatedAt": 1, "thinkingLevel": "banana"},
        },
    )
    app = make_app(tmp_path)
    async with app.run_test(size=(200, 30)) as pilot:
        screen = await started(pilot)
        shown_a = row_line(screen, "agent:main:explicit:a")
        assert "[red]x[/red]" in shown_a
        shown_b = row_line(screen, "agent:main:explicit:b")
        assert "\\x1b[31mred" in shown_b
        for y in range(4):
            strip = screen.table.render_line(y)
            assert not any("\x1b" in seg.text or "\u202e" in seg.text for seg in strip)
        assert screen.table.move_cursor_to_key("agent:main:explicit:b")
        await pilot.pause()
        assert "\\x1b]8;;http://e.x\\x07link\\u202eevil" in screen.detail.text
        assert screen.table.move_cursor_to_key(nasty_key)
        await pilot.pause()
        assert '"banana"' in screen.detail.text and "invalid" in screen.detail.text
        await pilot.press("c")
        assert app.clipboard == nasty_key
        message = list(app._notifications)[-1].message
        assert nasty_key in message
        assert not list(app._notifications)[-1].markup


async def test_copy_key_and_session_id(
    tmp_path: Path, store_kind: StoreKind, monkeypatch: pytest.MonkeyPatch
):
    """OSC 52 is never acknowledged by the terminal: the toast says the text was sent, not
    that it was copied (issue #13 item 14)."""
    monkeypatch.delenv("TMUX", raising=False)
    monkeypatch.delenv("TERM_PROGRAM", raising=False)
    make_store_copy(store_kind, tmp_path)
    app = make_app(tmp_path)
    async with app.run_test(size=(140, 30)) as pilot:
        screen = await started(pilot)
        screen.table.move_cursor_to_key(MAIN)
        await pilot.press("c")
        assert app.clipboard == MAIN
        message = list(app._notifications)[-1].message
        assert message == (
            f"Sent the session key to the clipboard (the terminal did not confirm): {MAIN}"
        )
        assert "Copied" not in message
        await pilot.press("C")
        assert app.clipboard == "28921b8e-df92-4f18-85a7-3ce27f266e77"
        message = list(app._notifications)[-1].message
        assert message.startswith("Sent the sessionId to the clipboard (the terminal did not")
        assert "Copied" not in message


async def test_copy_says_what_tmux_and_macos_terminal_need(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    copy_small_store(tmp_path)
    app = make_app(tmp_path)
    async with app.run_test(size=(140, 30)) as pilot:
        screen = await started(pilot)
        screen.table.move_cursor_to_key(MAIN)
        monkeypatch.setenv("TMUX", "/tmp/tmux-1000/default,1,0")
        monkeypatch.delenv("TERM_PROGRAM", raising=False)
        await pilot.press("c")
        assert "set -g set-clipboard on" in list(app._notifications)[-1].message
        monkeypatch.setenv("TERM_PROGRAM", "Apple_Terminal")
        await pilot.press("c")
        last = list(app._notifications)[-1]
        assert last.message.startswith("Not copied: macOS Terminal ignores")
        assert last.severity == "warning"


async def test_marks_survive_updates_and_removed_sessions_drop_out(
    tmp_path: Path, store_kind: StoreKind
):
    make_store_copy(store_kind, tmp_path)
    app = make_app(tmp_path)
    async with app.run_test(size=(140, 30)) as pilot:
        screen = await started(pilot)
        screen.table.move_cursor_to_key(PORTAL)
        await pilot.press("space")
        screen.table.move_cursor_to_key(WHATSAPP)
        await pilot.press("space")
        assert screen.marked_keys == {PORTAL, WHATSAPP}
        assert row_line(screen, PORTAL).startswith("●")
        assert app.store is not None
        await app.store.update_entry(PORTAL, {"label": "still marked"})
        await app.store.delete_entry(WHATSAPP)
        await wait_until(pilot, lambda: WHATSAPP not in screen.vm.entries, what="removal")
        assert screen.marked_keys == {PORTAL}
        assert "1 marked" in screen.status.text


async def test_agent_switcher_lists_agents_and_switches(tmp_path: Path, store_kind: StoreKind):
    # The other agent keeps the other kind of store: the switcher finds either by itself.
    make_store_copy(store_kind, tmp_path, "main")
    ops_path = make_store(
        "sqlite" if store_kind == "json" else "json",
        tmp_path,
        {"agent:ops:main": {"sessionId": "o1", "updatedAt": 1, "label": "Ops main"}},
        agent="ops",
    )
    app = make_app(tmp_path)
    async with app.run_test(size=(140, 30)) as pilot:
        screen = await started(pilot)
        assert screen.vm.total_count == 12
        await pilot.press("a")
        await wait_until(pilot, lambda: app.screen.id != "main", what="the agent list")
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: screen.vm.total_count == 1, what="the ops store")
        assert app.target.agent_id == "ops"
        assert screen.current_key == "agent:ops:main"
        assert str(ops_path) in screen.status.text


class _DeniedWrites(Syscalls):
    """The disk refuses new files, as a directory without write permission does."""

    def open(self, path: str, flags: int, mode: int = 0o777) -> int:
        if flags & os.O_CREAT:
            raise PermissionError(errno.EACCES, "Permission denied", path)
        return super().open(path, flags, mode)


class _DeniedSqliteWrites(SqliteBackend):
    """SQLite refuses the write (SQLITE_READONLY), as when the directory does not let it create
    the journal: the rows are written, then the transaction fails and rolls back."""

    def _apply(self, *args: Any, **kwargs: Any) -> None:
        super()._apply(*args, **kwargs)
        denied = sqlite3.OperationalError("attempt to write a readonly database")
        denied.sqlite_errorname = "SQLITE_READONLY"  # type: ignore[attr-defined]
        raise denied


async def test_permission_denied_on_write_switches_to_read_only(
    tmp_path: Path, store_kind: StoreKind
):
    make_store_copy(store_kind, tmp_path)

    def factory(target: StoreTarget, read_only: bool, watch: bool) -> SessionStore:
        if store_kind == "sqlite":
            backend = _DeniedSqliteWrites(target.path, read_only=read_only)
            return SessionStore(target.path, read_only=read_only, watch=watch, backend=backend)
        return SessionStore(target.path, read_only=read_only, watch=watch, syscalls=_DeniedWrites())

    app = make_app(tmp_path, store_factory=factory)
    async with app.run_test(size=(140, 30)) as pilot:
        screen = await started(pilot)
        assert not app.read_only
        assert app.store is not None
        with pytest.raises(StoreWriteError) as refused:
            await app.store.update_entry(MAIN, {"label": "x"})
        assert refused.value.errno == errno.EACCES
        await wait_until(pilot, lambda: app.read_only, what="read-only")
        assert "ermission" in (app.read_only_reason or "")
        await pilot.pause()
        assert "READ-ONLY" in screen.status.text
        assert screen.banner.message is not None and "read-only" in screen.banner.message


async def test_read_only_flag_is_shown(tmp_path: Path, store_kind: StoreKind):
    make_store_copy(store_kind, tmp_path)
    app = make_app(tmp_path, read_only=True)
    async with app.run_test(size=(140, 30)) as pilot:
        screen = await started(pilot)
        assert app.read_only and app.read_only_reason == "started with --read-only"
        await pilot.pause()
        assert "READ-ONLY" in screen.status.text


async def test_keymap_remaps_bindings_by_id(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from openclaw_tui.tui.config import load_config

    copy_small_store(tmp_path)
    monkeypatch.setenv("OPENCLAW_TUI_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("OPENCLAW_TUI_KEYMAP", "pause=z")
    app = make_app(tmp_path, config=load_config())
    async with app.run_test(size=(140, 30)) as pilot:
        screen = await started(pilot)
        await pilot.press("p")
        assert not screen.paused
        await pilot.press("z")
        assert screen.paused


def _help_lines(app: Any) -> list[str]:
    """Every line the help screen renders (the whole of each Static, scrolled or not)."""
    from textual.widgets import Static

    lines = []
    for static in app.screen.query(Static):
        for y in range(static.size.height):
            lines.append("".join(s.text for s in static.render_line(y)).rstrip())
    return lines


def _expected_help_rows(app: Any, screen: Any) -> dict[str, tuple[set[str], str]]:
    """Binding id -> (keys as the footer shows them, description), from the bindings active on
    the main screen (after the keymap): what the help must list."""
    rows: dict[str, tuple[set[str], str]] = {}
    for active in screen.active_bindings.values():
        binding = active.binding
        if not binding.id or (binding.id.startswith("sort-") and binding.id[5:].isdigit()):
            continue  # id-less bindings are Textual's own; sort-1 … sort-9 share one row
        keys, _ = rows.setdefault(binding.id, (set(), binding.description))
        keys.add(app.get_key_display(binding))
    return rows


async def test_help_screen_lists_bindings_with_ids(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from openclaw_tui.tui.config import load_config

    copy_small_store(tmp_path)
    monkeypatch.setenv("OPENCLAW_TUI_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("OPENCLAW_TUI_KEYMAP", "pause=z;copy-key=y")
    app = make_app(tmp_path, config=load_config())
    async with app.run_test(size=(140, 60)) as pilot:
        screen = await started(pilot)
        expected = _expected_help_rows(app, screen)
        # The app's own bindings, remapped ones included, are what the help is checked against.
        assert {"filter", "pause", "copy-key", "table.mark", "command-bar", "help"} <= set(expected)
        assert expected["pause"][0] == {"z"} and expected["copy-key"][0] == {"y"}
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "HelpScreen")
        await pilot.pause()
        lines = _help_lines(app)
        for binding_id, (keys, description) in expected.items():
            row = [line for line in lines if line.endswith(f"  {binding_id}")]
            assert len(row) == 1, f"help has no single row for {binding_id!r}: {row}"
            shown_keys, _, rest = row[0].partition("  ")
            assert set(shown_keys.split(", ")) == keys, (binding_id, row[0])
            assert rest.strip().startswith(description), (binding_id, row[0])
        assert any(line.startswith("1 … 9") and "sort-1 … sort-9" in line for line in lines)
        # The remapped keys, not the defaults.
        pause_row = next(line for line in lines if line.endswith("  pause"))
        assert pause_row.split()[0] == "z"
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen.id == "main")
        await pilot.press("f1")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "HelpScreen")


async def test_palette_jumps_to_a_session(tmp_path: Path):
    copy_small_store(tmp_path)
    app = make_app(tmp_path)
    async with app.run_test(size=(140, 30)) as pilot:
        screen = await started(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"portal-123")
        await wait_until(
            pilot,
            lambda: bool(app.screen.query("CommandList").first().option_count),
            what="palette hits",
        )
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen.current_key == PORTAL, what="the jump")


async def test_bad_filter_is_explained_inline_and_keeps_the_previous_one(tmp_path: Path):
    copy_small_store(tmp_path)
    app = make_app(tmp_path)
    async with app.run_test(size=(140, 30)) as pilot:
        screen = await started(pilot)
        assert screen.apply_filter("kind:cron")
        assert not screen.apply_filter("!")
        assert screen.vm.filter_text == "kind:cron"
        assert screen.vm.shown_keys() == ["agent:main:cron:daily-digest"]  # kinds match exactly


async def test_demo_gateway_moves_the_table(tmp_path: Path):
    from openclaw_tui.tui.demo import DemoGateway, prepare_state_dir

    state_dir = prepare_state_dir(tmp_path / "demo", sessions=300, seed=3)
    gateway = DemoGateway(state_dir, seed=4)
    app = make_app(state_dir)
    async with app.run_test(size=(140, 30)) as pilot:
        screen = await started(pilot)
        assert screen.vm.total_count == 300
        before = {k: r.entry for k, r in screen.vm.rows.items()}
        async with SessionStore(gateway.path) as store:
            for _ in range(10):
                await gateway.step(store)
        assert gateway.writes >= 10 and gateway.errors == 0
        await wait_until(
            pilot,
            lambda: sum(before.get(k) is not r.entry for k, r in screen.vm.rows.items()) >= 5,
            what="the demo's changes on screen",
        )
        assert screen.vm.last_change_at is not None
        top = screen.vm.row_at(0)
        assert before.get(top.key) is not top.entry  # the newest row is one the demo wrote


async def test_narrow_terminal_hides_the_detail_pane_until_asked(tmp_path: Path):
    copy_small_store(tmp_path)
    app = make_app(tmp_path)
    async with app.run_test(size=(90, 24)) as pilot:
        screen = await started(pilot)
        assert not screen.detail.display
        await pilot.press("d")
        assert screen.detail.display


async def test_a_gateway_column_can_be_added_and_state_is_kept(tmp_path: Path):
    from openclaw_tui.tui.viewmodel import DEFAULT_COLUMNS, gateway_column

    copy_small_store(tmp_path)
    app = make_app(tmp_path)
    async with app.run_test(size=(180, 30)) as pilot:
        screen = await started(pilot)
        screen.apply_filter("kind:group")
        screen.sort_by("key", reverse=False)
        screen.table.move_cursor_to_key(WHATSAPP)
        await pilot.press("space")
        highlighted = screen.current_key  # space moved down
        columns = (*DEFAULT_COLUMNS, gateway_column(lambda key, entry: "gw-[b]one"))
        screen.set_columns(columns)
        await pilot.pause()
        assert "Gateway" in line_text(screen, 0)
        assert "gw-[b]one" in row_line(screen, WHATSAPP)
        assert screen.vm.filter_text == "kind:group" and screen.vm.sort_column == "key"
        assert screen.marked_keys == {WHATSAPP} and screen.current_key == highlighted


async def test_resync_while_paused_rebuilds_from_the_store_on_resume(
    tmp_path: Path, store_kind: StoreKind
):
    make_store_copy(store_kind, tmp_path)

    def factory(target: StoreTarget, read_only: bool, watch: bool) -> SessionStore:
        # A tiny backlog: a 12-entry batch makes the store give this subscriber a Resync.
        return SessionStore(target.path, read_only=read_only, watch=watch, max_backlog=4)

    app = make_app(tmp_path, store_factory=factory)
    async with app.run_test(size=(140, 30)) as pilot:
        screen = await started(pilot)
        screen.set_paused(True)
        assert app.store is not None

        def relabel_all(store: dict) -> None:
            for key, entry in list(store.items()):
                store[key] = {**entry, "label": "resynced"}

        await app.store.update(relabel_all)
        await wait_until(pilot, lambda: screen.vm.needs_reload, what="the Resync")
        assert all(r.entry.get("label") != "resynced" for r in screen.vm.rows.values())
        screen.set_paused(False)
        assert not screen.vm.needs_reload
        assert all(r.entry.get("label") == "resynced" for r in screen.vm.rows.values())
        assert screen.vm.total_count == 12


async def test_entries_that_are_not_objects_are_announced_not_dropped(
    tmp_path: Path, store_kind: StoreKind
):
    if store_kind == "json":
        path = store_path(tmp_path)
        write_json_store(
            path,
            {
                "agent:main:explicit:ok": {"sessionId": "a", "updatedAt": 1},
                "agent:main:explicit:five": 5,
            },
        )
    else:
        # A row whose entry_json is a JSON number (another program's plain UPDATE).
        path = make_store(
            store_kind,
            tmp_path,
            {
                "agent:main:explicit:ok": {"sessionId": "a", "updatedAt": 1},
                "agent:main:explicit:five": {"sessionId": "f", "updatedAt": 0},
            },
        )
        with sqlite3.connect(path) as conn:
            conn.execute(
                "UPDATE session_nodes SET entry_json = '5' WHERE session_key = ?",
                ("agent:main:explicit:five",),
            )
        conn.close()
    app = make_app(tmp_path)
    async with app.run_test(size=(140, 30)) as pilot:
        screen = await started(pilot)
        assert screen.vm.shown_keys() == ["agent:main:explicit:ok"]
        assert screen.banner.message is not None
        assert "agent:main:explicit:five" in screen.banner.message
        assert "kept in the file" in screen.banner.message
    assert read_entries(path)["agent:main:explicit:five"] == 5


async def test_big_store_shows_first_page_then_every_row_keeping_the_cursor(tmp_path: Path):
    entries = generate_store(25_000, seed=9, now_ms=int(FIXED_NOW * 1000))
    write_json_store(store_path(tmp_path), entries)
    newest = max(entries, key=lambda k: entries[k]["updatedAt"])
    app = make_app(tmp_path)
    async with app.run_test(size=(140, 30)) as pilot:
        screen = await started(pilot)
        await wait_until(pilot, lambda: screen.vm.total_count == 25_000, timeout=20)
        await pilot.pause()
        assert screen.vm.row_count == 25_000
        assert screen.vm.row_at(0).key == newest
        assert screen.current_key == newest
        assert "loading" not in screen.status.text
        await pilot.press("down")
        assert screen.current_key == screen.vm.row_at(1).key


async def test_the_highlighted_row_keeps_its_screen_line_as_rows_move_above_it(
    tmp_path: Path, store_kind: StoreKind
):
    """btop's follow-selected (issue #13 item 15): newest first, live, at the top of the table,
    busy sessions jump above the highlighted row; the view follows it instead of letting it
    slide down the screen, and the header's gutter says rows are above the view."""
    entries = generate_store(300, seed=6, now_ms=int(FIXED_NOW * 1000))
    make_store(store_kind, tmp_path, entries)
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 24)) as pilot:
        screen = await started(pilot)
        table = screen.table
        await pilot.press(*["down"] * 8)
        key = screen.current_key
        assert table.scroll_y == 0 and table.cursor_index == 8
        assert line_text(screen, 0).startswith("  ")
        assert app.store is not None
        for n, index in enumerate((200, 150, 250), start=1):
            mover = screen.vm.row_at(index).key
            await app.store.update_entry(mover, {"label": f"busy {n}"})
            await wait_until(pilot, lambda m=mover: screen.vm.row_at(0).key == m, what="reorder")
            await pilot.pause()
            assert screen.current_key == key
            assert table.cursor_index == 8 + n
            assert table.cursor_index - round(table.scroll_y) == 8, "the row slid on screen"
        assert line_text(screen, 0).startswith("↑"), "rows above the view are not hidden silently"
        await pilot.press("g")
        assert table.scroll_y == 0 and "busy 3" in line_text(screen, 1)
        assert line_text(screen, 0).startswith("  ")


async def test_a_row_moving_below_the_cursor_at_the_top_keeps_the_cursor_on_screen(
    tmp_path: Path, store_kind: StoreKind
):
    """At the top the view cannot scroll further up: the cursor stays on its session, in view."""
    entries = generate_store(300, seed=6, now_ms=int(FIXED_NOW * 1000))
    make_store(store_kind, tmp_path, entries)
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 24)) as pilot:
        screen = await started(pilot)
        await pilot.press("down", "down")
        key = screen.current_key
        screen.sort_by("key", reverse=False)
        await pilot.pause()
        assert screen.current_key == key
        table = screen.table
        assert 0 <= table.cursor_index - round(table.scroll_y) < table.size.height - 1


async def test_big_store_filters_and_sorts_in_the_background_without_losing_changes(
    tmp_path: Path,
):
    entries = generate_store(25_000, seed=10, now_ms=int(FIXED_NOW * 1000))
    write_json_store(store_path(tmp_path), entries)
    app = make_app(tmp_path)
    async with app.run_test(size=(140, 30)) as pilot:
        screen = await started(pilot)
        await wait_until(pilot, lambda: screen.vm.total_count == 25_000, timeout=20)
        assert app.store is not None
        cron = next(k for k in entries if ":cron:" in k and ":run:" not in k)
        assert screen.apply_filter("kind:cron")
        # A change that lands while the filtered rows are being built is not lost.
        await app.store.update_entry(cron, {"label": "changed meanwhile"})
        await wait_until(pilot, lambda: screen.vm.filter_text == "kind:cron", timeout=20)
        await wait_until(
            pilot,
            lambda: screen.vm.rows[cron].entry.get("label") == "changed meanwhile",
            timeout=10,
        )
        assert all(":cron:" in k and ":run:" not in k for k in screen.vm.shown_keys())
        screen.sort_by("label", reverse=False)
        await wait_until(pilot, lambda: screen.vm.sort_column == "label", timeout=20)
        labels = [screen.vm.row_at(i).cells[screen.vm.column_index("label")] for i in range(5)]
        assert labels == sorted(labels, key=str.casefold)
        assert "re-sorting" not in screen.status.text


class _LoadBug(SessionStore):
    """A store that opens, then fails to hand over its sessions (a bug, not a StoreError)."""

    def load(self) -> Any:
        raise RuntimeError("entry index out of step\nsecond line of detail")


async def test_a_failing_worker_is_said_in_the_banner_and_the_app_goes_on(tmp_path: Path):
    copy_small_store(tmp_path)

    def factory(target: StoreTarget, read_only: bool, watch: bool) -> SessionStore:
        return _LoadBug(target.path, read_only=read_only, watch=watch)

    app = make_app(tmp_path, store_factory=factory)
    async with app.run_test(size=(140, 30)) as pilot:
        screen = await started(pilot)
        await wait_until(pilot, lambda: screen.banner.message is not None, what="the banner")
        assert screen.banner.message == (
            "Watching the store failed: RuntimeError: entry index out of step. "
            "The rest of the view carries on."
        )
        assert screen.banner.severity == "warning"
        await pilot.press("d")  # still answering keys
        await pilot.pause()
        assert app.is_running


async def test_palette_key_hints_follow_the_keymap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from openclaw_tui.tui.config import load_config

    copy_small_store(tmp_path)
    monkeypatch.setenv("OPENCLAW_TUI_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("OPENCLAW_TUI_KEYMAP", "pause=z;toggle-detail=x")
    app = make_app(tmp_path, config=load_config())
    async with app.run_test(size=(140, 30)) as pilot:
        screen = await started(pilot)
        hints = {command.title: command.help for command in app.get_system_commands(screen)}
        assert hints["Pause / resume live updates"] == "z"
        assert hints["Show / hide the detail pane"] == "x"
        assert hints["Copy the session key"] == "c"
        # A keymap set while running: the hints and the help follow it.
        app.set_keymap({"pause": "w"})
        hints = {command.title: command.help for command in app.get_system_commands(screen)}
        assert hints["Pause / resume live updates"] == "w"
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "HelpScreen")
        await pilot.pause()
        pause_row = next(line for line in _help_lines(app) if line.endswith("  pause"))
        assert pause_row.split()[0] == "w"
