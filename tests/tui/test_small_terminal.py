"""Small terminals (issue #13 item 12): at 80x24 help, quit and write health stay on screen,
and at 60x20 a toast never covers a command's error."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets._footer import FooterKey
from textual.widgets._toast import Toast

from openclaw_tui.widgets.status_bar import StatusInfo, render_status
from tests.tui.helpers import copy_small_store, make_app, started, wait_until


def _footer_key(app, action: str) -> FooterKey:
    keys = [key for key in app.screen.query(FooterKey) if key.action == action]
    assert keys, f"no footer key for {action}"
    return keys[0]


@pytest.mark.anyio
@pytest.mark.parametrize("size", [(80, 24), (60, 20)])
async def test_help_and_quit_visible_in_a_small_footer(tmp_path: Path, size) -> None:
    copy_small_store(tmp_path)
    app = make_app(tmp_path)
    async with app.run_test(size=size) as pilot:
        await started(pilot)
        await pilot.pause()
        for action in ("help", "quit"):
            key = _footer_key(app, action)
            assert key.region.width > 0
            assert key.region.right <= size[0], (action, key.region)


@pytest.mark.anyio
@pytest.mark.parametrize("size", [(80, 24), (60, 20)])
async def test_write_health_visible_in_a_small_status_bar(tmp_path: Path, size) -> None:
    copy_small_store(tmp_path)
    app = make_app(tmp_path)
    async with app.run_test(size=size) as pilot:
        screen = await started(pilot)
        await pilot.pause()
        line = screen.status.render().plain
        assert "writes ok" in line
        assert len(line) <= size[0]
        # Paused, filtered and with a mark: the extras give way, write health does not.
        await pilot.press("p", "space", "f", *"a", "enter")
        await wait_until(pilot, lambda: screen.vm.paused and screen.vm.marked_keys)
        await wait_until(pilot, lambda: screen.vm.filter_text == "a")
        await pilot.pause()
        line = screen.status.render().plain
        assert "PAUSED" in line and "writes ok" in line, line
        assert len(line) <= size[0]


def test_status_bar_keeps_health_and_drops_details_first() -> None:
    info = StatusInfo(
        path="/home/operator/.openclaw/agents/main/sessions/sessions.json",
        kind="json",
        shown=2002,
        total=2002,
        last_change="3s ago",
        rate=1.5,
        running=36,
        stalled=22,
        totals="84.7M tok $2.92",
        health="disk full",
    )
    wide = render_status(info, 200).plain
    assert "changed 3s ago" in wide and "1.5/s" in wide and "sessions.json" in wide
    narrow = render_status(info, 60).plain
    assert "⚠ disk full" in narrow
    assert "2,002 sessions" in narrow
    assert "1.5/s" not in narrow
    assert len(narrow) <= 60


@pytest.mark.anyio
async def test_toast_does_not_cover_command_error_at_60x20(tmp_path: Path) -> None:
    copy_small_store(tmp_path)
    app = make_app(tmp_path)
    async with app.run_test(size=(60, 20), notifications=True) as pilot:
        await started(pilot)
        await pilot.press("colon", *"/think bogus", "enter")
        feedback = app.screen.query_one("#command-feedback")
        await wait_until(pilot, lambda: "bogus" in str(feedback.render()), what="the error")
        app.notify("Something else happened meanwhile", timeout=30)
        await wait_until(pilot, lambda: bool(app.screen.query(Toast)), what="the toast")
        await pilot.pause()
        toast = app.screen.query_one(Toast)
        assert not toast.region.overlaps(feedback.region), (toast.region, feedback.region)


@pytest.mark.anyio
async def test_toasts_leave_write_health_and_the_footer_visible_at_80x24(tmp_path: Path) -> None:
    copy_small_store(tmp_path)
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await started(pilot)
        # Four clipboard-sized toasts in a row (c pressed on four rows): eight lines each.
        said = [
            f"Sent the session key to the clipboard ({n}): " + "agent:main:x " * 12 for n in "1234"
        ]
        for message in said:
            app.notify(message, markup=False, timeout=60)
        bottom = screen.status.region.y  # the status bar, then the footer under it

        def settled() -> bool:
            toasts = list(app.screen.query(Toast))
            newest = [t for t in toasts if t._notification.message == said[-1]]
            return bool(newest) and all(t.region.bottom <= bottom for t in toasts)

        await wait_until(pilot, settled, what="toasts above the status bar, the newest shown")
        assert "writes ok" in screen.status.render().plain


@pytest.mark.anyio
async def test_the_footer_offers_only_the_keys_that_act_in_a_focused_text_field(
    tmp_path: Path,
) -> None:
    copy_small_store(tmp_path)
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await started(pilot)

        def footer_actions() -> set[str]:
            return {key.action for key in app.screen.query(FooterKey)}

        await wait_until(pilot, lambda: "editing('delete')" in footer_actions())
        for opener, field in (("f", "#filter-input"), ("colon", "#command-input")):
            await pilot.press(opener)
            await wait_until(pilot, lambda f=field: app.focused is screen.query_one(f))
            # del deletes a character there and ctrl+f a word: neither is offered.
            await wait_until(pilot, lambda: "editing('delete')" not in footer_actions())
            assert {"filter", "editing('delete')"}.isdisjoint(footer_actions())
            assert {"help", "quit"} <= footer_actions()
            await pilot.press("escape")
            await wait_until(pilot, lambda: app.focused is screen.table)
            await wait_until(pilot, lambda: "editing('delete')" in footer_actions())
