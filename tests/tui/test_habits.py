"""Habits from k9s, htop and lazygit (issue #13 item 13)."""

from __future__ import annotations

import pytest
from textual.widgets._footer import FooterKey

from openclaw_tui.tui.editing import EditingPanel
from openclaw_tui.tui.viewmodel import matches, parse_filter
from openclaw_tui.widgets.confirm import ConfirmScreen
from tests.tui.helpers import copy_small_store, make_app, started, wait_until


def test_filter_main_does_not_match_through_the_hidden_agent_prefix() -> None:
    terms = parse_filter("main")
    assert not matches(terms, "agent:main:discord:channel:123456789012345678", {})
    assert not matches(terms, "gw1/agent:main:cron:daily-digest", {})
    assert matches(terms, "agent:main:main", {})
    assert matches(terms, "agent:main:explicit:main-portal", {})
    # The whole key stays searchable on purpose.
    assert matches(parse_filter("key:agent:main"), "agent:main:discord:channel:1", {})


def test_filter_by_agent_name_matches_only_what_is_shown() -> None:
    assert not matches(parse_filter("ops"), "agent:ops:slack:channel:c0123", {})
    assert matches(parse_filter("slack"), "agent:ops:slack:channel:c0123", {})


# --- keys in the app -----------------------------------------------------------------------


SIZE = (140, 30)


@pytest.mark.anyio
async def test_space_marks_and_moves_down(tmp_path) -> None:
    copy_small_store(tmp_path)
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await started(pilot)
        first, second, third = screen.vm.shown_keys()[:3]
        screen.table.move_cursor_to_key(first)
        await pilot.press("space", "space")
        await wait_until(pilot, lambda: screen.marked_keys == {first, second})
        assert screen.current_key == third


@pytest.mark.anyio
async def test_ctrl_c_quits_when_nothing_is_in_flight(tmp_path) -> None:
    copy_small_store(tmp_path)
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await pilot.press("ctrl+c")
        await wait_until(pilot, lambda: app.return_code is not None, what="the app to exit")


@pytest.mark.anyio
async def test_ctrl_c_asks_first_while_a_command_is_typed(tmp_path) -> None:
    copy_small_store(tmp_path)
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await started(pilot)
        bar = screen.query_one(EditingPanel).bar
        await pilot.press("colon", *"/think hi")
        await wait_until(pilot, lambda: bar.value == "/think hi")
        await pilot.press("ctrl+c")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the question")
        await pilot.press("n")
        await wait_until(pilot, lambda: app.screen is screen)
        assert app.return_code is None
        assert bar.is_open and bar.value == "/think hi"
        await pilot.press("ctrl+c")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the question")
        await pilot.press("ctrl+c")  # a second ctrl+c means it
        await wait_until(pilot, lambda: app.return_code is not None, what="the app to exit")


@pytest.mark.anyio
async def test_f_keys_as_htop(tmp_path) -> None:
    copy_small_store(tmp_path)
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await started(pilot)
        await pilot.press("f3")
        await wait_until(pilot, lambda: screen.filter_bar.input.has_focus, what="the filter")
        await pilot.press("escape")
        await wait_until(pilot, lambda: screen.table.has_focus)
        before = (screen.vm.sort_column, screen.vm.sort_reverse)
        await pilot.press("f6")
        await wait_until(pilot, lambda: (screen.vm.sort_column, screen.vm.sort_reverse) != before)
        screen.set_paused(True)
        await pilot.press("f5")
        await wait_until(pilot, lambda: not screen.paused, what="F5 to resume")
        await pilot.press("f9")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="delete")
        await pilot.press("n")
        await wait_until(pilot, lambda: app.screen is screen)
        await pilot.press("f10")
        await wait_until(pilot, lambda: app.return_code is not None, what="F10 to quit")


@pytest.mark.anyio
async def test_footer_shows_details_sort_copy_and_delete(tmp_path) -> None:
    copy_small_store(tmp_path)
    app = make_app(tmp_path)
    async with app.run_test(size=(200, 30)) as pilot:
        await started(pilot)
        await pilot.pause()
        keys = {key.key: key for key in app.screen.query(FooterKey)}
        for key in ("d", "s", "c", "delete", "question_mark", "q"):
            assert key in keys, sorted(keys)
            assert keys[key].region.right <= 200
