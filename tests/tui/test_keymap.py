"""A remap in config.toml moves the key (tui/keymap.py): the new key does the action wherever
another action had it, the old one stops, and what cannot be done is said at start-up."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from openclaw_tui.tui.app import key_contexts
from openclaw_tui.tui.config import load_config
from openclaw_tui.tui.keymap import is_key_name, resolve_keymap
from openclaw_tui.widgets.footer import UNBOUND_KEY, SessionFooter
from tests.tui.helpers import copy_small_store, make_app, started, wait_until

pytestmark = pytest.mark.anyio


def _config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, toml: str) -> Any:
    path = tmp_path / "config.toml"
    path.write_text(toml, encoding="utf-8")
    monkeypatch.setenv("OPENCLAW_TUI_CONFIG", str(path))
    monkeypatch.delenv("OPENCLAW_TUI_KEYMAP", raising=False)
    return load_config()


def _footer_keys(app: Any) -> dict[str, str]:
    """Footer description -> the key it shows."""
    from textual.widgets._footer import FooterKey

    footer = app.main.query_one(SessionFooter)
    return {key.description: key.key for key in footer.query(FooterKey)}


def _help_rows(app: Any) -> dict[str, str]:
    """Binding id -> the keys column of its help row."""
    from textual.widgets import Static

    rows: dict[str, str] = {}
    for static in app.screen.query(Static):
        for y in range(static.size.height):
            line = "".join(s.text for s in static.render_line(y)).rstrip()
            parts = line.split()
            if parts:
                rows[parts[-1]] = line
    return rows


async def test_readme_example_space_pauses_and_p_no_longer_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    copy_small_store(tmp_path)
    config = _config(tmp_path, monkeypatch, '[keymap]\npause = "space"\n')
    app = make_app(tmp_path, config=config)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await started(pilot)
        first = screen.table.cursor_key
        await pilot.press("space")
        assert screen.paused, "space must pause once pause = space"
        assert not screen.marked_keys and screen.table.cursor_key == first
        await pilot.press("p")  # the old key does nothing now
        assert screen.paused
        await pilot.press("space")
        assert not screen.paused
        # Said at start-up, naming the file, the action that lost its key and the fix.
        problems = app.keymap_problems
        assert len(problems) == 1
        assert str(tmp_path / "config.toml") in problems[0]
        assert "table.mark (Mark)" in problems[0] and 'table.mark = "' in problems[0]
        # The footer and the help show the keys in effect.
        footer = _footer_keys(app)
        assert footer["Pause"] == "space" and "Mark" not in footer
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "HelpScreen")
        await pilot.pause()
        rows = _help_rows(app)
        assert rows["pause"].split()[0] == "space"
        assert rows["table.mark"].startswith("no key")
        assert UNBOUND_KEY not in "".join(rows.values())


async def test_displaced_action_can_take_another_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    copy_small_store(tmp_path)
    config = _config(tmp_path, monkeypatch, '[keymap]\npause = "space"\n"table.mark" = "x"\n')
    app = make_app(tmp_path, config=config)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await started(pilot)
        first = screen.table.cursor_key
        await pilot.press("x")
        assert screen.marked_keys == {first} and not screen.paused
        await pilot.press("space")
        assert screen.paused
        assert app.keymap_problems == [] and app.keymap_notes == []
        footer = _footer_keys(app)
        assert footer["Pause"] == "space" and footer["Mark"] == "x"


async def test_remap_onto_a_key_of_another_action_moves_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # "f" belongs to filter by default; pause takes it, filter keeps ctrl+f and F3.
    copy_small_store(tmp_path)
    config = _config(tmp_path, monkeypatch, '[keymap]\npause = "f"\n')
    app = make_app(tmp_path, config=config)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await started(pilot)
        await pilot.press("f")
        assert screen.paused and not screen.filter_bar.display
        await pilot.press("f3")
        await wait_until(pilot, lambda: screen.filter_bar.display, what="F3 to open the filter")
        assert any('"f" no longer does filter' in note for note in app.keymap_notes)


async def test_conflicts_and_bad_names_are_reported_not_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    copy_small_store(tmp_path)
    config = _config(
        tmp_path,
        monkeypatch,
        '[keymap]\npause = "z"\nfilter = "z"\npausse = "y"\n"copy-key" = "spcae,y"\n'
        'toggle-detail = "left"\n',
    )
    app = make_app(tmp_path, config=config)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await started(pilot)
        problems = "\n".join(app.keymap_problems)
        where = str(tmp_path / "config.toml")
        assert all(p.startswith(where) for p in app.keymap_problems), problems
        assert 'pause and filter both ask for "z"' in problems
        assert 'no action has the id "pausse" (did you mean "pause"?)' in problems
        assert "'spcae' is not a key name" in problems
        assert "'Scroll Left' in the session table, a key that cannot be remapped" in problems
        # What was right still applies: z pauses, y copies, filter and detail keep their keys.
        await pilot.press("z")
        assert screen.paused
        await pilot.press("f")
        await wait_until(pilot, lambda: screen.filter_bar.display, what="f to open the filter")
        # Shown at start-up as warnings, not a traceback.
        messages = [n.message for n in app._notifications]
        assert any("pausse" in m for m in messages)


def test_every_default_key_is_a_key_name_and_an_empty_keymap_changes_nothing():
    resolved = resolve_keymap({}, key_contexts())
    assert resolved.keymap == {} and resolved.problems == [] and resolved.notes == []
    from openclaw_tui.tui.keymap import declared_bindings

    for context in key_contexts():
        for cls, _ in context.owners:
            for binding in declared_bindings(cls):
                assert is_key_name(binding.key), (cls.__name__, binding.key)
    assert not is_key_name("spcae") and not is_key_name("hyper+") and not is_key_name(UNBOUND_KEY)
    assert is_key_name("ctrl+shift+up") and is_key_name("question_mark") and is_key_name("?")


def test_env_keymap_problems_name_the_variable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("OPENCLAW_TUI_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("OPENCLAW_TUI_KEYMAP", "nope=x")
    config = load_config()
    resolved = resolve_keymap(config.keymap, key_contexts(), where=config.where)
    assert resolved.problems[0].startswith("$OPENCLAW_TUI_KEYMAP: nope=x: no action has the id")


async def test_the_help_prose_names_the_keys_in_effect_after_a_remap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Not only the keys table: the section titles and the editing note say the remapped keys
    (they were written out as the defaults, and stayed so after a remap)."""
    from textual.widgets import Static

    copy_small_store(tmp_path)
    config = _config(tmp_path, monkeypatch, '[keymap]\nfilter = "ctrl+g"\nbulk = "ctrl+b"\n')
    app = make_app(tmp_path, config=config)
    async with app.run_test(size=(160, 40)) as pilot:
        await started(pilot)
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "HelpScreen")
        await pilot.pause()
        filter_keys = _help_rows(app)["filter"].split()[0]
        bulk_keys = _help_rows(app)["bulk"].split()[0]
        assert filter_keys != "f" and bulk_keys != "B"
        title = str(app.screen.query_one("#help-filter-title", Static).render())
        assert title == f"Filter ({filter_keys})"
        note = " ".join(str(s.render()) for s in app.screen.query("#help-notes Static"))
        assert f"({bulk_keys} fills in the current filter)" in note
        assert "(B fills in" not in note
