"""The detail pane follows the cursor cheaply (issue #16): once per frame whatever the number
of moves before it, in a frame after the cursor's, and without a layout when the session's
fields fit in the pane as the previous one's did; a session taller than the pane still lays
out and scrolls."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.visual import Visual, visualize

from openclaw_tui.tui.app import KNOWN_FIELDS
from openclaw_tui.widgets.detail_pane import DetailBody, DetailPane, render_entry
from tests.tui.helpers import FIXED_NOW, make_app, started, store_path

pytestmark = pytest.mark.anyio

NOW_MS = int(FIXED_NOW * 1000)


def write_store(tmp_path: Path) -> None:
    entries = {
        f"agent:main:explicit:s{n:02d}": {
            "sessionId": f"id-{n}",
            "updatedAt": NOW_MS - n * 1000,
            **{f"field{i}": i for i in range(n % 5)},  # each a different number of lines
        }
        for n in range(30)
    }
    path = store_path(tmp_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(entries), encoding="utf-8")


async def test_moves_before_a_frame_update_the_pane_once_with_the_last_row(tmp_path: Path):
    write_store(tmp_path)
    app = make_app(tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await started(pilot)
        shown: list[str | None] = []
        original = screen.detail.show

        def counting(key: str | None, *args: Any, **kwargs: Any) -> None:
            shown.append(key)
            original(key, *args, **kwargs)

        screen.detail.show = counting  # type: ignore[method-assign]
        for _ in range(5):
            screen.table.action_cursor_down()  # five moves, no frame between them
        await pilot.pause()
        assert shown == [screen.table.cursor_key]
        key = screen.table.cursor_key
        assert key is not None and key.endswith("s05")
        entry = screen.vm.entries[key]
        expected = render_entry(key, entry, screen.vm.rows[key].invalid, KNOWN_FIELDS).plain
        assert screen.detail.text == expected


class PaneHost(App[None]):
    def compose(self) -> ComposeResult:
        yield DetailPane(id="detail")


async def test_a_session_that_fits_is_shown_without_a_layout_and_a_tall_one_scrolls() -> None:
    app = PaneHost()
    async with app.run_test(size=(80, 30)) as pilot:
        pane = app.query_one(DetailPane)
        body = pane.query_one("#detail-body")
        layouts: list[bool] = []
        original = body.refresh

        def counting(*regions: Any, layout: bool = False, **kwargs: Any) -> Any:
            layouts.append(layout)
            return original(*regions, layout=layout, **kwargs)

        body.refresh = counting  # type: ignore[method-assign]
        pane.show("first", {"sessionId": "first"}, {})  # measured once: it may lay out
        await pilot.pause()
        for n in range(6):
            layouts.clear()
            pane.show(f"s{n}", {"sessionId": str(n), **{f"f{i}": i for i in range(n)}}, {})
            await pilot.pause()
            assert not any(layouts), f"session {n} was laid out"
            assert pane.text.startswith(f"Session s{n}") and pane.max_scroll_y == 0
        tall = {f"f{i}": i for i in range(60)}
        layouts.clear()
        pane.show("tall", tall, {})
        await pilot.pause()
        assert any(layouts)
        assert pane.max_scroll_y > 0  # 60 fields do not fit in 30 lines: the pane scrolls
        # And back to a short one: laid out again, nothing left to scroll.
        pane.show("short", {"sessionId": "x"}, {})
        await pilot.pause()
        assert pane.max_scroll_y == 0 and pane.text.startswith("Session short")


async def test_a_session_drawn_in_place_repaints_the_lines_that_differ_and_equals_a_fresh_draw():
    app = PaneHost()
    async with app.run_test(size=(80, 30)) as pilot:
        pane = app.query_one(DetailPane)
        body = pane.query_one(DetailBody)
        shared = {"origin": {"label": "Ada", "provider": "telegram"}, "model": "m"}
        pane.show("agent:main:a", {**shared, "sessionId": "first", "totalTokens": 10}, {})
        await pilot.pause()
        repainted: list[Region] = []
        original = body.refresh

        def counting(*regions: Region, **kwargs: Any) -> Any:
            repainted.extend(regions or [body.size.region])
            return original(*regions, **kwargs)

        body.refresh = counting  # type: ignore[method-assign]
        second = {**shared, "sessionId": "other", "totalTokens": 12345}
        pane.show("agent:main:b", second, {})
        await pilot.pause()
        # The key's line, the sessionId's and the tokens' (not the shared fields, not the
        # blank rest of the pane).
        assert sorted(region.y for region in repainted) == [0, 7, 8]
        assert all(region.height == 1 for region in repainted)
        width, height = body.size
        expected = render_entry("agent:main:b", second, {}, None)
        fresh = Visual.to_strips(
            body, visualize(body, expected, markup=False), width, height, body.visual_style
        )
        lines = [body.render_line(y) for y in range(height)]
        assert lines[: len(fresh)] == fresh and len(fresh) < height
        assert {strip.text.strip() for strip in lines[len(fresh) :]} == {""}
        assert pane.text == expected.plain
