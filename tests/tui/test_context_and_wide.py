"""The context header (k9s' context line) and wide mode (whole keys, scrolled sideways)."""

from __future__ import annotations

from pathlib import Path

import pytest

from openclaw_tui.widgets.context_header import ContextInfo, render_context
from openclaw_tui.widgets.session_table import WIDE_SCROLL_STEP
from openclaw_tui.widgets.status_bar import ConnectionNote
from tests.tui.helpers import copy_small_store, line_text, make_app, started, wait_until

pytestmark = pytest.mark.anyio

LONG = "agent:main:cron:daily-digest:run:3f1c2a9e-8b7d-4c6e-9f01-2a3b4c5d6e7f"
LONG_SHOWN = "cron:daily-digest:run:3f1c2a9e-8b7d-4c6e-9f01-2a3b4c5d6e7f"


async def test_header_names_agent_store_and_running_count_at_80_columns(tmp_path: Path):
    path = copy_small_store(tmp_path)
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await started(pilot)
        header = screen.query_one("#context")
        text = header.text
        assert text.startswith(" agent main · sessions.json ")
        assert text.rstrip().endswith(f"{len(screen.vm.running_keys)} running") or (
            not screen.vm.running_keys and text.rstrip().endswith("none running")
        )
        assert len(text) == 80
        # The path is cut in the middle, its ends kept (the file name stays readable).
        assert "…" in text and "sessions/sessions.json" in text.split("…")[1]
        await pilot.resize_terminal(200, 30)
        await pilot.pause()
        assert str(path) in header.text


def test_header_keeps_what_matters_when_narrow_and_shows_gateway_states():
    info = ContextInfo(
        agent="ops",
        source="SQLite",
        location="~/.openclaw/agents/ops/agent/openclaw-agent.sqlite",
        running=3,
        stalled=1,
    )
    for width in (120, 80, 60, 40):
        plain = render_context(info, width).plain
        assert len(plain) == width, (width, plain)
        assert plain.startswith(" agent ops") and plain.endswith("3 running (1 stalled) ")
    assert "openclaw-agent.sqlite" in render_context(info, 120).plain
    one = ContextInfo(
        location="ws://127.0.0.1:18789", gateways=(ConnectionNote("home", "connected"),)
    )
    assert render_context(one, 80).plain.startswith(" gateway home connected · ws://127.0.0.1")
    many = ContextInfo(
        gateways=(ConnectionNote("home", "connected"), ConnectionNote("lab", "pairing")),
        running=2,
    )
    plain = render_context(many, 80).plain
    assert plain.startswith(" gateways home connected, lab pairing")
    assert plain.endswith("2 running ")


async def test_wide_mode_shows_a_whole_key_and_scrolls_sideways(tmp_path: Path):
    copy_small_store(tmp_path)
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await started(pilot)
        table = screen.table
        assert table.move_cursor_to_key(LONG)
        await pilot.pause()

        def row() -> str:
            index = screen.vm.index_of(LONG)
            assert index is not None
            return line_text(screen, index - round(table.scroll_y) + 1)

        assert LONG_SHOWN not in row() and "…" in row()  # shortened from the middle to fit
        await pilot.press("W")
        await pilot.pause()
        assert table.wide and LONG_SHOWN in row()
        assert table.max_scroll_x > 0  # the other columns are to the right, not dropped
        before, header = row(), line_text(screen, 0)
        step = WIDE_SCROLL_STEP
        await pilot.press("right", "right")
        await wait_until(pilot, lambda: round(table.scroll_x) == 2 * step, what="scrolled")
        # The rows and the header move together.
        shift = 2 * step
        assert row()[: 80 - shift] == before[shift:]
        assert line_text(screen, 0)[: 80 - shift] == header[shift:]
        await pilot.press("left")
        await wait_until(pilot, lambda: round(table.scroll_x) == step, what="scrolled back")
        await pilot.press(*["right"] * 100)  # never past the last column
        await wait_until(pilot, lambda: table.scroll_x == table.max_scroll_x, what="at the end")
        await pilot.press("W")
        await pilot.pause()
        assert not table.wide and round(table.scroll_x) == 0 and LONG_SHOWN not in row()
