"""Issue #13 items 1-11: screens that must not mislead (Pilot tests on a real sessions.json)."""

from __future__ import annotations

from pathlib import Path

import pytest

from openclaw_tui.tui.app import MainScreen
from openclaw_tui.tui.editing import EditingPanel
from tests.backends import read_entries
from tests.tui.helpers import (
    copy_small_store,
    line_text,
    make_app,
    started,
    store_path,
    wait_until,
    write_json_store,
)

pytestmark = pytest.mark.anyio

PORTAL = "agent:main:explicit:portal-123"
WHATSAPP = "agent:main:whatsapp:group:120363041234567890@g.us"
NEW = "agent:main:explicit:arrived-while-paused"
SIZE = (140, 30)


def shown_entries(screen: MainScreen) -> dict[str, object]:
    return {key: dict(entry) for key, entry in screen.vm.entries.items()}


def other_program_writes(path: Path) -> None:
    """Another program changes one session and adds one (temp file + rename)."""
    entries = read_entries(path)
    entries[PORTAL] = {**entries[PORTAL], "label": "changed-while-paused"}
    entries[NEW] = {**entries[WHATSAPP], "label": "new-while-paused", "updatedAt": 1}
    write_json_store(path, entries)


@pytest.mark.parametrize("keys", [("s",), ("S",), ("3",), ("f", *"portal", "enter")])
async def test_sorting_or_filtering_while_paused_keeps_the_pending_changes(
    tmp_path: Path, keys: tuple[str, ...]
) -> None:
    path = copy_small_store(tmp_path)
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await started(pilot)
        await pilot.press("p")
        other_program_writes(path)
        await wait_until(pilot, lambda: screen.vm.pending_count >= 2, what="2 pending")
        pending = screen.vm.pending_count
        await pilot.press(*keys)
        await pilot.pause()
        assert screen.vm.pending_count == pending
        assert f"{pending} changes pending" in screen.status.text
        await pilot.press("p")
        await pilot.pause()
        assert not screen.paused
        assert shown_entries(screen) == read_entries(path)
        screen.apply_filter("arrived-while-paused")
        await pilot.pause()
        assert screen.vm.shown_keys() == [NEW]


async def test_changing_columns_while_paused_keeps_the_pending_changes(tmp_path: Path) -> None:
    path = copy_small_store(tmp_path)
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await started(pilot)
        screen.set_paused(True)
        other_program_writes(path)
        await wait_until(pilot, lambda: screen.vm.pending_count >= 2, what="2 pending")
        screen.set_columns(screen.vm.columns)  # a new view model, as on a gateway change
        assert screen.vm.pending_count >= 2
        screen.set_paused(False)
        assert shown_entries(screen) == read_entries(path)


async def type_command(pilot, screen: MainScreen, text: str) -> tuple[bool, str]:
    panel = screen.query_one(EditingPanel)
    panel.last_outcome = None
    await pilot.press("slash")
    await wait_until(pilot, lambda: panel.bar.is_open)
    await pilot.press(*text[1:])
    await pilot.press("enter")
    await wait_until(pilot, lambda: panel.last_outcome is not None, what=text)
    await pilot.pause()
    assert panel.last_outcome is not None
    return panel.last_outcome


async def test_own_edit_shows_at_once_while_paused(tmp_path: Path) -> None:
    path = copy_small_store(tmp_path)
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await started(pilot)
        assert screen.table.move_cursor_to_key(PORTAL)
        await pilot.press("p")
        ok, _ = await type_command(pilot, screen, "/think high")
        assert ok
        await wait_until(
            pilot,
            lambda: screen.vm.entries[PORTAL].get("thinkingLevel") == "high",
            what="own edit shown while paused",
        )
        assert screen.vm.rows[PORTAL].entry.get("thinkingLevel") == "high"
        assert screen.detail.key == PORTAL
        assert "thinkingLevel" in screen.detail.text and "high" in screen.detail.text
        # The store's own event of that edit is not "pending": it is shown. Another program's
        # later change is, and events arrive in order, so by then the own event was handled.
        entries = read_entries(path)
        entries[WHATSAPP] = {**entries[WHATSAPP], "label": "someone else"}
        write_json_store(path, entries)
        await wait_until(pilot, lambda: screen.vm.pending_count > 0, what="the other change")
        assert screen.vm.pending_count == 1
        assert read_entries(path)[PORTAL]["thinkingLevel"] == "high"
        assert screen.paused


async def test_own_reset_and_delete_show_at_once_while_paused(tmp_path: Path) -> None:
    path = copy_small_store(tmp_path)
    before = read_entries(path)[PORTAL]["sessionId"]
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await started(pilot)
        assert screen.table.move_cursor_to_key(PORTAL)
        await pilot.press("p")
        panel = screen.query_one(EditingPanel)
        panel.last_outcome = None
        await pilot.press("slash", *"reset", "enter")
        await wait_until(pilot, lambda: app.screen is not screen, what="the confirmation")
        await pilot.press("y")
        await wait_until(pilot, lambda: panel.last_outcome is not None, what="/reset")
        assert panel.last_outcome[0], panel.last_outcome
        after = read_entries(path)[PORTAL]["sessionId"]
        assert after != before
        await wait_until(
            pilot,
            lambda: screen.vm.entries[PORTAL].get("sessionId") == after,
            what="the reset shown while paused",
        )
        assert after in screen.detail.text
        panel.last_outcome = None
        await pilot.press("delete")
        await wait_until(pilot, lambda: app.screen is not screen, what="the confirmation")
        await pilot.press("y")
        await wait_until(pilot, lambda: panel.last_outcome is not None, what="the delete")
        assert PORTAL not in read_entries(path)
        await wait_until(pilot, lambda: PORTAL not in screen.vm.rows, what="the delete shown")
        assert screen.paused


async def test_enter_on_an_invalid_filter_keeps_the_text_and_the_error(tmp_path: Path) -> None:
    copy_small_store(tmp_path)
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await started(pilot)
        await pilot.press("f", *"telegram !", "enter")
        await pilot.pause()
        bar = screen.filter_bar
        assert bar.is_open and bar.value == "telegram !"
        assert bar.input.has_focus  # the operator can fix it right away
        message = str(bar.query_one("#filter-message").render())
        assert "needs a word after it" in message
        assert screen.vm.filter_text == ""  # the bad filter is not applied
        await pilot.press("backspace", "backspace", "enter")
        await pilot.pause()
        assert not bar.is_open and screen.vm.filter_text == "telegram"
        assert screen.table.has_focus


async def test_errors_carry_a_textual_mark_besides_colour(tmp_path: Path) -> None:
    copy_small_store(tmp_path)
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await started(pilot)
        panel = screen.query_one(EditingPanel)
        ok, message = await type_command(pilot, screen, "/think banana")
        assert not ok
        assert panel.bar.feedback == "✖ " + message
        panel.bar.input.value = ""
        await pilot.press("escape")
        ok, message = await type_command(pilot, screen, "/think high")
        assert ok and panel.bar.feedback == message  # a success has no error mark
        await pilot.press("f", *"!", "enter")
        await pilot.pause()
        assert str(screen.filter_bar.query_one("#filter-message").render()).startswith("✖ ")
        await pilot.press("escape")
        app.notify("the gateway refused", severity="error")
        app.notify("a keymap entry was ignored", severity="warning")
        app.notify("copied")
        await pilot.pause()
        titles = [n.title for n in app._notifications]
        assert titles[-3:] == ["✖ Error", "⚠ Warning", ""]


async def test_the_first_escape_clears_filter_and_marks(tmp_path: Path) -> None:
    copy_small_store(tmp_path)
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await started(pilot)
        assert screen.table.move_cursor_to_key(PORTAL)
        await pilot.press("space")
        await pilot.press("f", *"portal", "enter")
        await pilot.pause()
        assert screen.marked_keys == {PORTAL} and screen.vm.filter_text == "portal"
        await pilot.press("escape")
        await pilot.pause()
        assert screen.vm.filter_text == "" and screen.marked_keys == set()
        assert screen.vm.row_count == screen.vm.total_count


async def test_sorting_applies_to_visible_columns_and_the_arrow_always_shows(
    tmp_path: Path,
) -> None:
    copy_small_store(tmp_path)
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await started(pilot)
        screen.detail.display = True  # the pane takes room: some columns give way
        await pilot.pause()
        shown = screen.table.shown_column_ids()
        assert len(shown) < len(screen.vm.columns)
        for n in range(1, 10):
            await pilot.press(str(n))
            await pilot.pause()
            header = line_text(screen, 0)
            assert "▲" in header or "▼" in header, (n, header)
            if n <= len(shown):
                assert screen.vm.sort_column == shown[n - 1]
        for _ in range(len(screen.vm.columns) + 1):
            await pilot.press("s")
            await pilot.pause()
            assert screen.vm.sort_column in shown
            header = line_text(screen, 0)
            assert "▲" in header or "▼" in header, header
        hidden = next(c.id for c in screen.vm.columns if c.id not in shown)
        screen.sort_by(hidden)  # the palette lists every column: the sorted one is then shown
        await pilot.pause()
        assert hidden in screen.table.shown_column_ids()
        header = line_text(screen, 0)
        assert "▲" in header or "▼" in header, header


@pytest.mark.parametrize("content", ["{}", "{}\n", ""])
async def test_a_store_that_appears_empty_is_one_state_said_once(
    tmp_path: Path, content: str
) -> None:
    state_dir = tmp_path / "fresh"
    app = make_app(state_dir)
    async with app.run_test(size=SIZE) as pilot:
        screen = await started(pilot)
        assert screen.empty_state.has_class("-visible")
        path = store_path(state_dir)
        path.parent.mkdir(parents=True)
        path.write_text(content)
        # The empty state goes as soon as the file is seen (the once-a-second look or the
        # watcher, whichever comes first); an unreadable file's banner follows the watcher's
        # read: wait for the state the file leads to, then check nothing else is said.
        if content:
            settled = lambda: screen.table.empty_message == "No sessions in this store."  # noqa: E731
        else:
            settled = lambda: screen.banner.message is not None  # noqa: E731
        await wait_until(
            pilot,
            lambda: settled() and not screen.empty_state.has_class("-visible"),
            timeout=8,
            what="the store's state",
        )
        await pilot.pause()
        if content:
            assert screen.banner.message is None
            assert screen.table.empty_message == "No sessions in this store."
        else:  # a 0-byte file is not JSON: unreadable, said alike in banner and body
            assert (screen.banner.message or "").startswith("Cannot read the store")
            assert "Nothing is shown until it can be read" in (screen.banner.message or "")
            assert screen.table.empty_message.startswith("Nothing to show: the store cannot")
        assert not screen.empty_state.has_class("-visible")  # not "No session store here yet"
        assert "missing" not in screen.status.text
        assert "sessions.json" in screen.status.text


async def test_a_corrupt_store_at_start_up_does_not_claim_last_good_sessions(
    tmp_path: Path,
) -> None:
    path = store_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text('{"agent:main:main": {"sessionId": ')
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await started(pilot)
        await wait_until(pilot, lambda: screen.banner.message is not None, what="the banner")
        banner = screen.banner.message or ""
        assert "last good" not in banner
        assert "Nothing is shown" in banner
        assert screen.table.empty_message.startswith("Nothing to show: the store cannot be read")


async def test_escape_dismisses_command_feedback(tmp_path: Path) -> None:
    copy_small_store(tmp_path)
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await started(pilot)
        panel = screen.query_one(EditingPanel)
        ok, _ = await type_command(pilot, screen, "/think high")
        assert ok and panel.bar.feedback == "Thinking level set to high."
        assert screen.table.has_focus
        await pilot.press("escape")
        await pilot.pause()
        assert panel.bar.feedback == ""
