"""The editing controller against the real SessionStore and the real slash engine.

Every test edits a temp copy of the 12 real sessions and checks the store itself, on both
backends (``store_path`` is parametrized by ``store_kind``): the sessions.json OpenClaw 2026.7.35
wrote, or OpenClaw 2026.9.6's SQLite rows. A store is read and written from outside the app's
SessionStore through tests/backends.py, the way another program would. Where "nothing was written"
is checked, ``store_state`` compares the file bytes (JSON) or every row of every table (SQLite: the
bytes of a database are no contract, SQLite may rewrite pages without changing a row).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.widgets import Input, OptionList

from openclaw_tui.store import SessionStore
from openclaw_tui.widgets.confirm import ConfirmScreen
from openclaw_tui.widgets.editors import ChoiceEditor, EditMenu, ModelEditor, TextEditor
from tests.backends import kind_of, read_entries, store_state, write_entries
from tests.tui.helpers import wait_until

from .host import CRON, GROUP, MAIN, HostApp, HostScreen

pytestmark = pytest.mark.anyio


def on_disk(path: Path) -> dict[str, Any]:
    return read_entries(path)


async def run_typed(pilot, app: HostApp, text: str) -> tuple[bool, str]:
    """Type ``text`` into the bar as an operator would (opened with "/") and press Enter."""
    controller = app.controller
    controller.last_outcome = None
    await pilot.press("slash")
    await wait_until(pilot, lambda: controller.bar.is_open)
    controller.bar.input.value = ""
    controller.bar.input.insert_text_at_cursor(text)
    await pilot.press("enter")
    await wait_until(pilot, lambda: controller.last_outcome is not None, what=f"outcome of {text}")
    await pilot.pause()
    assert controller.last_outcome is not None
    return controller.last_outcome


async def test_typed_command_lands_in_the_file(store_path: Path) -> None:
    async with SessionStore(store_path) as store:
        app = HostApp(store)
        async with app.run_test() as pilot:
            await pilot.press("slash", *"think", "space", *"low", "enter")
            bar = app.controller.bar
            await wait_until(pilot, lambda: app.controller.last_outcome is not None)
            await pilot.pause()
            assert app.controller.last_outcome == (True, "Thinking level set to low.")
            assert bar.feedback == "Thinking level set to low."
            assert not bar.is_open and bar.value == ""
    assert on_disk(store_path)[MAIN]["thinkingLevel"] == "low"


async def test_colon_opens_the_bar_without_slash(store_path: Path) -> None:
    async with SessionStore(store_path) as store:
        app = HostApp(store, current_key=GROUP)
        async with app.run_test() as pilot:
            await pilot.press("colon")
            bar = app.controller.bar
            await wait_until(pilot, lambda: bar.is_open)
            assert bar.value == ""
            await pilot.press(*"verbose", "space", *"full", "enter")
            await wait_until(pilot, lambda: app.controller.last_outcome is not None)
            assert app.controller.last_outcome == (True, "⚙️ Verbose logging set to full.")
    assert on_disk(store_path)[GROUP]["verboseLevel"] == "full"


async def test_error_keeps_text_and_file_unchanged(store_path: Path) -> None:
    before = store_state(store_path)
    async with SessionStore(store_path) as store:
        app = HostApp(store)
        async with app.run_test() as pilot:
            ok, message = await run_typed(pilot, app, "/think banana")
            bar = app.controller.bar
            assert not ok
            # agent:main:main overrides to anthropic/claude-opus-4-5: off..high.
            assert message == (
                'Unrecognized thinking level "banana". '
                "Valid levels: off, minimal, low, medium, high."
            )
            assert bar.value == "/think banana" and bar.is_open and bar.input.has_focus
            assert bar.feedback == "✖ " + message
            ok, message = await run_typed(pilot, app, "/frobnicate")
            assert not ok and "/help" in message and bar.value == "/frobnicate"
    assert store_state(store_path) == before


async def test_completion_offers_levels_of_the_highlighted_model(store_path: Path) -> None:
    async with SessionStore(store_path) as store:
        app = HostApp(store)
        async with app.run_test() as pilot:
            await pilot.press("slash", *"think", "space", "x")
            bar = app.controller.bar
            await pilot.pause()
            # claude-opus-4-5 has no xhigh: nothing to complete.
            assert app.controller.complete("/think x") == []
            assert "/think high" in app.controller.complete("/think h")
            assert "/model openai/gpt-5.2" in app.controller.complete("/model openai/gpt-5.")
            bar.input.value = "/th"
            await wait_until(pilot, lambda: bar.input._suggestion == "/think")


async def test_thinking_chooser_by_key_lands_in_the_file(store_path: Path) -> None:
    async with SessionStore(store_path) as store:
        app = HostApp(store)
        async with app.run_test() as pilot:
            await pilot.press("t")
            await wait_until(pilot, lambda: isinstance(app.screen, ChoiceEditor))
            editor = app.screen
            assert editor.highlighted_value == "high"  # the stored value
            await pilot.press("up", "enter")  # medium
            await wait_until(pilot, lambda: not isinstance(app.screen, ChoiceEditor))
            assert app.controller.bar.feedback == "Thinking level set to medium."
    assert on_disk(store_path)[MAIN]["thinkingLevel"] == "medium"


async def test_inherit_clears_the_field(store_path: Path) -> None:
    async with SessionStore(store_path) as store:
        app = HostApp(store, current_key=CRON)
        async with app.run_test() as pilot:
            await pilot.press("t")
            await wait_until(pilot, lambda: isinstance(app.screen, ChoiceEditor))
            await pilot.press("home", "enter")
            await wait_until(pilot, lambda: not isinstance(app.screen, ChoiceEditor))
    assert "thinkingLevel" not in on_disk(store_path)[CRON]


async def test_model_editor_sets_override_like_openclaw(store_path: Path) -> None:
    async with SessionStore(store_path) as store:
        app = HostApp(store)
        async with app.run_test() as pilot:
            await pilot.press("m")
            await wait_until(pilot, lambda: isinstance(app.screen, ModelEditor))
            field = app.screen.query_one(Input)
            assert field.value == "anthropic/claude-opus-4-5"
            field.value = ""
            await pilot.press(*"openai/gpt-4.1", "enter")
            await wait_until(pilot, lambda: not isinstance(app.screen, ModelEditor))
            assert app.controller.bar.feedback == "Model set to openai/gpt-4.1 for this session."
    entry = on_disk(store_path)[MAIN]
    assert (entry["providerOverride"], entry["modelOverride"]) == ("openai", "gpt-4.1")
    assert entry["modelOverrideSource"] == "user"
    # The stale runtime model and its context window go, as applyModelOverride does.
    assert "model" not in entry and "contextTokens" not in entry


async def test_model_editor_default_clears_override(store_path: Path) -> None:
    async with SessionStore(store_path) as store:
        app = HostApp(store, current_key=CRON)
        async with app.run_test() as pilot:
            await pilot.press("m")
            await wait_until(pilot, lambda: isinstance(app.screen, ModelEditor))
            await pilot.press("down", "enter")  # "default (clear the override)"
            await wait_until(pilot, lambda: not isinstance(app.screen, ModelEditor))
    entry = on_disk(store_path)[CRON]
    assert "modelOverride" not in entry and "providerOverride" not in entry


async def test_label_editor_and_inline_refusal(store_path: Path) -> None:
    async with SessionStore(store_path) as store:
        app = HostApp(store, current_key=CRON)
        async with app.run_test() as pilot:
            await pilot.press("l")
            await wait_until(pilot, lambda: isinstance(app.screen, TextEditor))
            editor = app.screen
            field = editor.query_one(Input)
            assert field.value == "Cron: daily-digest"
            field.value = "bell\x07"
            await pilot.press("enter")
            await wait_until(pilot, lambda: editor.last_error is not None)
            assert app.screen is editor and "control" in editor.last_error
            field.value = "Digest [b]bold?[/b]"
            await pilot.press("enter")
            await wait_until(pilot, lambda: app.screen is not editor)
            assert app.controller.bar.feedback == '⚙️ Label set to "Digest [b]bold?[/b]".'
    assert on_disk(store_path)[CRON]["label"] == "Digest [b]bold?[/b]"


async def test_edit_menu_reaches_every_field_by_key_and_mouse(store_path: Path) -> None:
    async with SessionStore(store_path) as store:
        app = HostApp(store, current_key=GROUP)
        async with app.run_test() as pilot:
            await pilot.press("e")
            await wait_until(pilot, lambda: isinstance(app.screen, EditMenu))
            menu = app.screen
            assert [f.field for f in menu.fields if not f.action] == [
                "thinkingLevel",
                "verboseLevel",
                "reasoningLevel",
                "elevatedLevel",
                "sendPolicy",
                "queueMode",
                "responseUsage",
                "groupActivation",
                "label",
                "model",
            ]
            await pilot.press("down", "down", "enter")  # reasoning
            await wait_until(pilot, lambda: isinstance(app.screen, ChoiceEditor))
            chooser = app.screen
            await pilot.pause()
            # By mouse: the third row of the choices is "on" (inherit, off, on, stream).
            await pilot.click(chooser.query_one(OptionList), offset=(2, 2))
            await wait_until(pilot, lambda: app.screen is not chooser)
            await pilot.press("e")
            await wait_until(pilot, lambda: isinstance(app.screen, EditMenu))
            await pilot.press(*["down"] * 7, "enter")  # group activation
            await wait_until(pilot, lambda: isinstance(app.screen, ChoiceEditor))
            await pilot.press("end", "enter")  # always
            await wait_until(pilot, lambda: not isinstance(app.screen, ChoiceEditor))
    entry = on_disk(store_path)[GROUP]
    assert entry["reasoningLevel"] == "on"
    assert entry["groupActivation"] == "always"
    assert entry["groupActivationNeedsSystemIntro"] is True


async def test_bulk_apply_to_marked_rows(store_path: Path) -> None:
    main_before = on_disk(store_path)[MAIN]
    async with SessionStore(store_path) as store:
        app = HostApp(store)
        async with app.run_test() as pilot:
            app.screen.marked_keys = {GROUP, CRON}
            ok, message = await run_typed(pilot, app, "/verbose on")
            assert ok and message == "⚙️ Verbose logging enabled. (2 sessions)"
    data = on_disk(store_path)
    assert data[GROUP]["verboseLevel"] == "on" and data[CRON]["verboseLevel"] == "on"
    assert data[MAIN] == main_before, "the highlighted but unmarked session is not touched"


@pytest.mark.parametrize("answer", ["y", "n"])
async def test_destructive_command_asks_first(store_path: Path, answer: str) -> None:
    before = store_state(store_path)
    old_id = on_disk(store_path)[GROUP]["sessionId"]
    async with SessionStore(store_path) as store:
        app = HostApp(store, current_key=GROUP)
        async with app.run_test() as pilot:
            await pilot.press("slash", *"reset", "enter")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            assert store_state(store_path) == before, "nothing is written before the answer"
            await pilot.press(answer)
            await wait_until(pilot, lambda: app.controller.last_outcome is not None)
            ok, message = app.controller.last_outcome
    if answer == "y":
        assert ok and message == f"session {GROUP} reset"
        entry = on_disk(store_path)[GROUP]
        assert entry["sessionId"] != old_id and "totalTokens" not in entry
        assert entry["sendPolicy"] == "allow", "carried settings are kept"
    else:
        assert not ok and "nothing was changed" in message
        assert store_state(store_path) == before


async def test_read_only_refuses_destructive_inline_without_asking(store_path: Path) -> None:
    before = store_state(store_path)
    async with SessionStore(store_path) as store:
        app = HostApp(store, read_only=True)
        async with app.run_test() as pilot:
            ok, message = await run_typed(pilot, app, "/new")
            assert not isinstance(app.screen, ConfirmScreen)
            assert not ok and message.startswith("Read-only mode")
            assert app.controller.bar.value == "/new"
    assert store_state(store_path) == before


def external_write(path: Path, key: str, field: str, value: Any) -> None:
    """Another process's write, the way OpenClaw does it: read, change, write back (JSON: temp
    file + rename; SQLite: one transaction of its own connection)."""
    data = on_disk(path)
    data[key][field] = value
    if kind_of(path) == "sqlite":
        # OpenClaw's writers bump updatedAt (= the row's updated_at); the SQLite backend's quick
        # re-read only looks at rows whose updated_at moved.
        data[key]["updatedAt"] += 1
    write_entries(path, data)


async def test_edit_racing_external_write_keeps_both(store_path: Path) -> None:
    async with SessionStore(store_path) as store:
        app = HostApp(store)
        async with app.run_test() as pilot:
            await pilot.press("slash", *"think low")
            # The other process writes the label of the same entry after the app read the store
            # and before the edit is applied: the edit must patch the fresh entry.
            external_write(store_path, MAIN, "label", "set elsewhere")
            await pilot.press("enter")
            await wait_until(pilot, lambda: app.controller.last_outcome is not None)
            assert app.controller.last_outcome[0]
    entry = on_disk(store_path)[MAIN]
    assert entry["thinkingLevel"] == "low"
    assert entry["label"] == "set elsewhere"


async def test_unexpected_failure_is_shown_not_raised(store_path: Path) -> None:
    async with SessionStore(store_path) as store:
        app = HostApp(store)
        async with app.run_test() as pilot:
            await pilot.pause()
            await store.aclose()  # the store goes away under the app
            ok, message = await run_typed(pilot, app, "/think low")
            assert not ok and message and app.controller.bar.value == "/think low"


@pytest.mark.parametrize("answer", ["y", "n"])
async def test_delete_from_edit_menu_asks_first(store_path: Path, answer: str) -> None:
    before = store_state(store_path)
    async with SessionStore(store_path) as store:
        app = HostApp(store, current_key=CRON)
        async with app.run_test() as pilot:
            await pilot.press("e")
            await wait_until(pilot, lambda: isinstance(app.screen, EditMenu))
            await pilot.press("end", "enter")  # the last row: "Delete session…"
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            assert store_state(store_path) == before
            await pilot.press(answer)
            await wait_until(pilot, lambda: app.controller.last_outcome is not None)
            ok, message = app.controller.last_outcome
    if answer == "y":
        assert ok and message == f"Deleted session {CRON}."
        assert CRON not in on_disk(store_path) and MAIN in on_disk(store_path)
    else:
        assert not ok and store_state(store_path) == before


async def test_bulk_delete_with_delete_key_and_read_only_refusal(store_path: Path) -> None:
    before = store_state(store_path)
    async with SessionStore(store_path) as store:
        app = HostApp(store, read_only=True)
        async with app.run_test() as pilot:
            app.screen.marked_keys = {GROUP, CRON}
            await pilot.press("delete")
            await wait_until(pilot, lambda: app.controller.last_outcome is not None)
            assert not isinstance(app.screen, ConfirmScreen)
            ok, message = app.controller.last_outcome
            assert not ok and message.startswith("Read-only mode: deleting 2 sessions")
            assert store_state(store_path) == before
            app.read_only = False
            app.controller.last_outcome = None
            await pilot.press("delete")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            await pilot.press("y")  # Enter would answer the default, No
            await wait_until(pilot, lambda: app.controller.last_outcome is not None)
            assert app.controller.last_outcome == (True, "Deleted 2 sessions.")
    data = on_disk(store_path)
    assert GROUP not in data and CRON not in data and len(data) == 10


async def test_keys_typed_in_a_burst_after_slash_land_in_the_bar(store_path: Path) -> None:
    """A fast typist (or a paste, or tmux) sends "/think high" before the bar is even shown."""
    async with SessionStore(store_path) as store:
        app = HostApp(store)
        async with app.run_test() as pilot:
            await pilot.pause()
            burst = [("slash", "/")] + [("space" if c == " " else c, c) for c in "think high"]
            for key, character in burst:
                app.post_message(events.Key(key, character))
            bar = app.controller.bar
            await wait_until(pilot, lambda: bar.value == "/think high", what="the typed text")
            assert isinstance(app.screen, HostScreen), "no editor opened by the typed letters"
            assert app.screen.marked_keys == set(), "the space did not mark a row"


async def test_editing_keys_type_into_text_fields(store_path: Path) -> None:
    async with SessionStore(store_path) as store:
        app = HostApp(store)
        async with app.run_test() as pilot:
            await pilot.press("colon")
            bar = app.controller.bar
            await wait_until(pilot, lambda: bar.is_open)
            await pilot.press(*"label", "space", *"t/m:e", "delete")
            assert bar.value == "label t/m:e"
            assert isinstance(app.screen, HostScreen)


@pytest.mark.parametrize("marked", [(MAIN, GROUP), (GROUP, MAIN)], ids=["main", "group"])
async def test_editor_on_marked_rows_offers_what_all_of_them_accept(
    store_path: Path, marked: tuple[str, str]
) -> None:
    # claude-opus-4-5 (MAIN) has no xhigh, gpt-5.2 (GROUP) has: one edit for both offers the
    # levels both accept, whichever is first (the order marks come in is no promise).
    async with SessionStore(store_path) as store:
        app = HostApp(store, current_key=GROUP)
        async with app.run_test() as pilot:
            app.screen.marked_keys = marked  # type: ignore[assignment]  # an order, on purpose
            await pilot.press("t")
            await wait_until(pilot, lambda: isinstance(app.screen, ChoiceEditor))
            editor = app.screen
            assert isinstance(editor, ChoiceEditor)
            assert editor.values == [None, "off", "minimal", "low", "medium", "high"]


async def test_editor_applies_to_marked_rows_and_says_so(store_path: Path) -> None:
    async with SessionStore(store_path) as store:
        app = HostApp(store, current_key=GROUP)
        async with app.run_test() as pilot:
            app.screen.marked_keys = {GROUP, CRON}
            await pilot.press("l")
            await wait_until(pilot, lambda: isinstance(app.screen, TextEditor))
            editor = app.screen
            assert editor.subject.startswith("2 marked sessions")
            editor.query_one(Input).value = "Ops"
            await pilot.press("enter")
            await wait_until(pilot, lambda: app.screen is not editor)
            assert app.controller.bar.feedback == '⚙️ Label set to "Ops". (2 sessions)'
    data = on_disk(store_path)
    assert data[GROUP]["label"] == data[CRON]["label"] == "Ops"


async def test_model_candidates_come_from_store_and_configuration(
    store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENCLAW_TUI_MODELS", "acme/rocket-1, openai/gpt-4.1")
    async with SessionStore(store_path) as store:
        app = HostApp(store)
        async with app.run_test() as pilot:
            await pilot.pause()
            models = app.controller.models()
            # Seen in the fixture (overrides and runtime models) ...
            assert {"anthropic/claude-opus-4-5", "openai/gpt-5.2", "openai/gpt-5-mini"} <= set(
                models
            )
            # ... plus the configured list, without duplicates.
            assert "acme/rocket-1" in models and models.count("openai/gpt-4.1") == 1
            assert "/model acme/rocket-1" in app.controller.complete("/model acme")


async def test_entry_removed_meanwhile_is_an_inline_error(store_path: Path) -> None:
    async with SessionStore(store_path) as store:
        app = HostApp(store, current_key=CRON)
        async with app.run_test() as pilot:
            await pilot.pause()
            data = on_disk(store_path)
            del data[CRON]
            write_entries(store_path, data)
            ok, message = await run_typed(pilot, app, "/think high")
            assert not ok and "no longer exists" in message
            assert app.controller.bar.value == "/think high"
    assert CRON not in on_disk(store_path), "the edit did not bring the entry back"


async def test_corrupt_store_refuses_the_write_inline(store_path: Path) -> None:
    async with SessionStore(store_path) as store:
        app = HostApp(store)
        async with app.run_test() as pilot:
            await pilot.pause()
            store_path.write_text('{"agent:main:main": {', encoding="utf-8")
            ok, message = await run_typed(pilot, app, "/think low")
            assert not ok and str(store_path) in message, message
            assert app.controller.bar.value == "/think low"
    assert store_path.read_text(encoding="utf-8") == '{"agent:main:main": {', "nothing replaced"


@pytest.mark.parametrize(
    ("field", "value", "stored"),
    [
        ("verboseLevel", "full", "full"),
        ("elevatedLevel", "ask", "ask"),
        ("sendPolicy", "deny", "deny"),
        ("queueMode", "steer-backlog", "steer-backlog"),
        ("responseUsage", "tokens", "tokens"),
        ("sendPolicy", None, None),  # inherit deletes the stored "allow"
        ("queueMode", None, None),
    ],
)
async def test_every_chooser_lands_in_the_file(
    store_path: Path, field: str, value: str | None, stored: str | None
) -> None:
    async with SessionStore(store_path) as store:
        app = HostApp(store, current_key=GROUP)
        async with app.run_test() as pilot:
            app.controller.edit_field(field)
            await wait_until(pilot, lambda: isinstance(app.screen, ChoiceEditor))
            editor = app.screen
            await pilot.press("home", *["down"] * editor.values.index(value), "enter")
            await wait_until(pilot, lambda: app.screen is not editor)
            ok, _message = app.controller.last_outcome
            assert ok
    entry = on_disk(store_path)[GROUP]
    assert entry.get(field) == stored


async def test_editor_edits_the_session_it_was_opened_for(store_path: Path) -> None:
    async with SessionStore(store_path) as store:
        app = HostApp(store, current_key=GROUP)
        async with app.run_test() as pilot:
            host = app.screen
            await pilot.press("l")
            await wait_until(pilot, lambda: isinstance(app.screen, TextEditor))
            editor = app.screen
            host.current_key = CRON  # the table moved on underneath the modal
            editor.query_one(Input).value = "Family"
            await pilot.press("enter")
            await wait_until(pilot, lambda: app.screen is not editor)
    data = on_disk(store_path)
    assert data[GROUP]["label"] == "Family" and data[CRON]["label"] == "Cron: daily-digest"


# An editor keeps editing the session it was opened for after a refused first attempt: the
# finished command must not forget the targets of the editor that is still open.


async def test_editor_keeps_its_session_after_a_refusal(store_path: Path) -> None:
    async with SessionStore(store_path) as store:
        app = HostApp(store, current_key=GROUP)
        async with app.run_test() as pilot:
            host = app.screen
            await pilot.press("l")
            await wait_until(pilot, lambda: isinstance(app.screen, TextEditor))
            editor = app.screen
            field = editor.query_one(Input)
            field.value = "bell\x07"  # refused: the editor stays open with the error
            await pilot.press("enter")
            await wait_until(pilot, lambda: editor.last_error is not None)
            assert app.screen is editor
            host.current_key = CRON  # the table moved on underneath the modal
            field.value = "Family"
            await pilot.press("enter")
            await wait_until(pilot, lambda: app.screen is not editor)
    data = read_entries(store_path)
    assert data[GROUP]["label"] == "Family"
    assert data[CRON]["label"] == "Cron: daily-digest"
