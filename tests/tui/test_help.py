"""The help screen (issue #13 item 14): keys and slash commands, how to close it, and search."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, Static

from openclaw_tui.tui.help import HelpScreen
from openclaw_tui.tui.slash.parse import COMMANDS
from tests.tui.helpers import copy_small_store, make_app, started, wait_until

pytestmark = pytest.mark.anyio

SIZE = (140, 60)


def help_lines(app: Any) -> list[str]:
    """Every line the help shows now (hidden sections have no lines)."""
    lines = []
    for static in app.screen.query(Static):
        if not static.display:
            continue
        for y in range(static.size.height):
            lines.append("".join(s.text for s in static.render_line(y)).rstrip())
    return lines


async def open_help(pilot: Any) -> HelpScreen:
    await pilot.press("question_mark")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, HelpScreen), what="the help")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, HelpScreen)
    return screen


async def test_help_lists_every_slash_command_and_says_how_to_close(tmp_path: Path) -> None:
    copy_small_store(tmp_path)
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        help_screen = await open_help(pilot)
        text = "\n".join(help_lines(app))
        flat = "".join(text.split())  # a long usage wraps (or folds) in its column

        def shown(words: str) -> bool:
            return "".join(words.split()) in flat

        # From the command table itself: a command added there shows here with no other edit.
        for spec in COMMANDS:
            assert all(shown(word) for word in spec.usage.split()), spec.name
            assert shown(spec.summary), spec.name
            for alias in spec.aliases:
                assert f"/{alias}" in text, alias
        assert shown(
            "Type to search · Esc clears the search, then closes · F1 (or ? before typing)"
        )
        assert help_screen.query_one("#help-box").border_subtitle == "Esc closes"
        assert help_screen.query_one("#help-search", Input).has_focus


async def test_typing_searches_keys_commands_and_filter_terms(tmp_path: Path) -> None:
    copy_small_store(tmp_path)
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        help_screen = await open_help(pilot)
        assert any("toggle-detail" in line for line in help_lines(app))
        await pilot.press(*"think")
        await pilot.pause()
        assert help_screen.query_text == "think"
        lines = help_lines(app)
        text = "\n".join(lines)
        assert "edit-thinking" in text  # the key t
        assert "/think <level|default>" in text  # the command
        assert "think:high" in text  # the filter term
        assert "toggle-detail" not in text and "/recover" not in text and "Keymap" not in text
        # Words combine: both must be in a row.
        await pilot.press("space", *"default")
        await pilot.pause()
        text = "\n".join(help_lines(app))
        assert "/think <level|default>" in text and "/verbose" not in text
        assert "edit-thinking" not in text


async def test_a_search_matching_nothing_says_so_and_escape_clears_then_closes(
    tmp_path: Path,
) -> None:
    copy_small_store(tmp_path)
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        main = await started(pilot)
        help_screen = await open_help(pilot)
        # q types into the search: only ?, F1 and Esc close while searching.
        await pilot.press(*"qzzy")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        lines = help_lines(app)
        assert any("Nothing matches 'qzzy'. Esc clears the search." in line for line in lines)
        assert not any(line.strip() == "Keys" for line in lines)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen) and help_screen.query_text == ""
        assert any("toggle-detail" in line for line in help_lines(app))
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is main, what="the help to close")
        # ? closes it before anything is typed (the search field has focus); F1 always does.
        await open_help(pilot)
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: app.screen is main, what="? to close the help")
        help_screen = await open_help(pilot)
        await pilot.press(*"x?")
        await pilot.pause()
        assert help_screen.query_text == "x?", "after a letter, ? is searched for"
        await pilot.press("f1")
        await wait_until(pilot, lambda: app.screen is main, what="F1 to close the help")
