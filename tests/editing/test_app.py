"""Editing through the real app: keys on the session table, the real store, the table's update.

The edit goes through the command bar or an editor, the slash engine and ``update_entry``; the
table shows the new value only because the store published the change (one source of truth).

The store-backed tests run on both backends (``store_kind``): the app finds a sessions.json or an
openclaw-agent.sqlite under the state dir. "Nothing was written" compares ``store_state`` (JSON:
the file bytes; SQLite: every row of every table, since a database's bytes are no contract). The
snapshots stay on sessions.json: the picture of the bar does not depend on the backend.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.widgets import OptionList

from openclaw_tui.tui.app import MainScreen, SessionBrowserApp
from openclaw_tui.tui.editing import EditingPanel
from openclaw_tui.widgets.confirm import ConfirmScreen
from openclaw_tui.widgets.editors import ChoiceEditor
from tests.backends import StoreKind, make_store_copy, read_entries, store_state
from tests.scenes import SCENES_ROOT, scenes_lock
from tests.tui.helpers import copy_small_store, make_app, row_line, started, wait_until

from .host import CRON, GROUP, MAIN

pytestmark = [
    pytest.mark.anyio,
]

SIZE = (140, 30)


def on_disk(path: Path) -> dict[str, Any]:
    return read_entries(path)


def controller_of(screen: MainScreen) -> EditingPanel:
    return screen.query_one(EditingPanel)


async def type_command(pilot, screen: MainScreen, text: str) -> tuple[bool, str]:
    controller = controller_of(screen)
    controller.last_outcome = None
    await pilot.press("slash")
    await wait_until(pilot, lambda: controller.bar.is_open)
    await pilot.press(*text[1:] if text.startswith("/") else text)
    await pilot.press("enter")
    await wait_until(pilot, lambda: controller.last_outcome is not None, what=text)
    await pilot.pause()
    assert controller.last_outcome is not None
    return controller.last_outcome


async def test_typed_think_changes_file_and_table_follows_the_event(
    tmp_path: Path, store_kind: StoreKind
) -> None:
    path = make_store_copy(store_kind, tmp_path)
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await started(pilot)
        assert screen.table.move_cursor_to_key(GROUP)
        await pilot.pause()
        assert "medium" in row_line(screen, GROUP)
        ok, message = await type_command(pilot, screen, "/think high")
        assert (ok, message) == (True, "Thinking level set to high.")
        assert on_disk(path)[GROUP]["thinkingLevel"] == "high"
        await wait_until(pilot, lambda: "high" in row_line(screen, GROUP), what="table update")
        assert screen.table.has_focus, "focus goes back to the table"


async def test_error_stays_in_the_bar(tmp_path: Path, store_kind: StoreKind) -> None:
    path = make_store_copy(store_kind, tmp_path)
    before = store_state(path)
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await started(pilot)
        screen.table.move_cursor_to_key(GROUP)
        ok, message = await type_command(pilot, screen, "/think banana")
        bar = controller_of(screen).bar
        assert not ok and message.startswith('Unrecognized thinking level "banana". Valid levels:')
        assert bar.value == "/think banana" and bar.is_open and bar.feedback == "✖ " + message
    assert store_state(path) == before


async def test_thinking_chooser_key_t(tmp_path: Path, store_kind: StoreKind) -> None:
    path = make_store_copy(store_kind, tmp_path)
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await started(pilot)
        screen.table.move_cursor_to_key(CRON)
        await pilot.press("t")
        await wait_until(pilot, lambda: isinstance(app.screen, ChoiceEditor))
        assert app.screen.highlighted_value == "low"
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: app.screen is screen)
        await wait_until(pilot, lambda: on_disk(path)[CRON].get("thinkingLevel") == "medium")


async def test_bulk_edit_of_rows_marked_with_space(tmp_path: Path, store_kind: StoreKind) -> None:
    path = make_store_copy(store_kind, tmp_path)
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await started(pilot)
        for key in (GROUP, CRON):
            screen.table.move_cursor_to_key(key)
            await pilot.press("space")
        await wait_until(pilot, lambda: screen.marked_keys == {GROUP, CRON})
        screen.table.move_cursor_to_key(MAIN)
        ok, message = await type_command(pilot, screen, "/reasoning stream")
        assert ok and message == "⚙️ Reasoning stream enabled. (2 sessions)"
    data = on_disk(path)
    assert data[GROUP]["reasoningLevel"] == data[CRON]["reasoningLevel"] == "stream"
    assert "reasoningLevel" not in data[MAIN]


async def test_editor_on_marked_rows_shows_their_shared_value_not_the_highlighted_rows(
    tmp_path: Path, store_kind: StoreKind
) -> None:
    path = make_store_copy(store_kind, tmp_path)
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await started(pilot)
        for key in (GROUP, CRON):
            screen.table.move_cursor_to_key(key)
            await pilot.press("space")
        await wait_until(pilot, lambda: screen.marked_keys == {GROUP, CRON})
        ok, _ = await type_command(pilot, screen, "/think low")
        assert ok
        await wait_until(pilot, lambda: on_disk(path)[CRON].get("thinkingLevel") == "low")
        # The highlighted row is not marked and has another value: it is not "current".
        screen.table.move_cursor_to_key(MAIN)
        await pilot.pause()
        assert on_disk(path)[MAIN].get("thinkingLevel") != "low"
        await pilot.press("t")
        await wait_until(pilot, lambda: isinstance(app.screen, ChoiceEditor))
        editor = app.screen
        assert isinstance(editor, ChoiceEditor)
        assert editor.current == "low"
        assert editor.subject == "2 marked sessions (all: low)"
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen)
        # Marked rows that disagree: no value is called current.
        screen.table.move_cursor_to_key(MAIN)
        await pilot.press("space")
        await wait_until(pilot, lambda: len(screen.marked_keys) == 3)
        await pilot.press("t")
        await wait_until(pilot, lambda: isinstance(app.screen, ChoiceEditor))
        editor = app.screen
        assert isinstance(editor, ChoiceEditor)
        assert editor.current is None
        assert editor.subject == "3 marked sessions"
        # Nor is inherit (None) marked current: they do not all inherit.
        choices = editor.query_one("#editor-choices", OptionList)
        labels = [str(choices.get_option_at_index(i).prompt) for i in range(choices.option_count)]
        assert labels[0] == "inherit" and not any("current" in label for label in labels)


async def test_reset_asks_and_yes_applies(tmp_path: Path, store_kind: StoreKind) -> None:
    path = make_store_copy(store_kind, tmp_path)
    old = on_disk(path)[GROUP]["sessionId"]
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await started(pilot)
        screen.table.move_cursor_to_key(GROUP)
        controller = controller_of(screen)
        await pilot.press("slash", *"reset", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_until(pilot, lambda: controller.last_outcome is not None)
        assert controller.last_outcome == (True, f"session {GROUP} reset")
    assert on_disk(path)[GROUP]["sessionId"] != old


async def test_read_only_app_refuses_reset_inline(tmp_path: Path, store_kind: StoreKind) -> None:
    path = make_store_copy(store_kind, tmp_path)
    before = store_state(path)
    app = make_app(tmp_path, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await started(pilot)
        ok, message = await type_command(pilot, screen, "/reset")
        assert not isinstance(app.screen, ConfirmScreen)
        assert not ok and message.startswith("Read-only mode")
    assert store_state(path) == before


async def test_escape_closes_the_bar_and_the_table_keeps_working(
    tmp_path: Path, store_kind: StoreKind
) -> None:
    make_store_copy(store_kind, tmp_path)
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await started(pilot)
        bar = controller_of(screen).bar
        await pilot.press("colon", *"status")
        await wait_until(pilot, lambda: bar.value == "status")
        await pilot.press("escape")
        await wait_until(pilot, lambda: not bar.is_open and screen.table.has_focus)
        await pilot.press("space")  # the table's own key works again
        await wait_until(pilot, lambda: len(screen.marked_keys) == 1)


async def test_footer_key_opens_the_chooser_by_mouse(tmp_path: Path, store_kind: StoreKind) -> None:
    path = make_store_copy(store_kind, tmp_path)
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await started(pilot)
        screen.table.move_cursor_to_key(GROUP)
        await pilot.pause()
        footer_key = next(
            k
            for k in screen.query("FooterKey")
            if getattr(k, "action", "").startswith("editing") and "thinkingLevel" in k.action
        )
        await pilot.click(footer_key)
        await wait_until(pilot, lambda: isinstance(app.screen, ChoiceEditor))
        chooser = app.screen
        await pilot.pause()
        # Rows: inherit, off, minimal, low, medium, high, xhigh (gpt-5.2): click "xhigh".
        await pilot.click(chooser.query_one("#editor-choices"), offset=(2, 6))
        await wait_until(pilot, lambda: app.screen is screen)
        await wait_until(pilot, lambda: on_disk(path)[GROUP].get("thinkingLevel") == "xhigh")
        await wait_until(pilot, lambda: "xhigh" in row_line(screen, GROUP), what="table update")


def _scene(name: str) -> SessionBrowserApp:
    """The real store at a fixed path (the status bar shows it), a fixed clock: a stable picture.

    Take ``scenes_lock()`` around the snapshot: the path is shared by every run on the machine.
    """
    state_dir = SCENES_ROOT / name
    shutil.rmtree(state_dir, ignore_errors=True)
    copy_small_store(state_dir)
    return make_app(state_dir, monotonic=lambda: 1000.0)


def test_snapshot_inline_error_in_app(snap_compare) -> None:
    async def run_before(pilot) -> None:
        screen = await started(pilot)
        screen.table.move_cursor_to_key(GROUP)
        await type_command(pilot, screen, "/think banana")
        controller_of(screen).bar.input.cursor_blink = False
        await pilot.pause()

    with scenes_lock():
        app = _scene("editing-inline-error")
        assert snap_compare(app, terminal_size=(120, 30), run_before=run_before)


def test_snapshot_acknowledgement_in_app(snap_compare) -> None:
    async def run_before(pilot) -> None:
        screen = await started(pilot)
        screen.table.move_cursor_to_key(GROUP)
        await type_command(pilot, screen, "/verbose full")
        # The store stamps updatedAt with the real clock: hide the detail pane that prints it.
        await pilot.press("d")
        await pilot.pause()

    with scenes_lock():
        app = _scene("editing-acknowledgement")
        assert snap_compare(app, terminal_size=(120, 30), run_before=run_before)


async def test_edit_key_typed_in_one_burst_behind_cursor_keys_edits_the_row_reached(
    tmp_path: Path,
) -> None:
    # All three keys are in the app's queue before any is handled (a paste, tmux send-keys, a
    # fast typist). The edit key takes focus at dispatch time, so the cursor keys must too, or
    # the editor opens for the row the cursor is leaving.
    make_store_copy("json", tmp_path)
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await started(pilot)
        table = screen.table
        table.focus()
        await pilot.pause()
        first = screen.current_key
        third = table.source.row_at(2).key
        assert first != third
        for key, character in (("down", None), ("down", None), ("t", "t")):
            app.post_message(events.Key(key, character))
        await wait_until(pilot, lambda: isinstance(app.screen, ChoiceEditor))
        assert screen.current_key == third
        assert app.screen.subject.startswith(third)


async def test_a_command_finishing_does_not_clear_the_guard_of_a_delete_awaiting_confirmation(
    tmp_path: Path,
) -> None:
    path = make_store_copy("json", tmp_path)
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await started(pilot)
        controller = controller_of(screen)
        screen.table.move_cursor_to_key(CRON)
        await pilot.press("delete")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        # Another command starts and finishes while the delete waits for its answer.
        controller.last_outcome = None
        controller.run_command("/verbose on", reply=None, keys=[MAIN])
        await wait_until(pilot, lambda: controller.last_outcome is not None)
        assert controller.running  # the delete is still in flight
        await pilot.press("n")
        await wait_until(pilot, lambda: not controller.running)
        assert CRON in read_entries(path)
