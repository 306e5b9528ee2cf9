"""The table repaints only the lines that changed (issue #16), and what it shows is what a full
repaint draws: after changes, cursor moves, scrolling, marks, wide mode and its sideways scroll,
the tree view, activity marks and the clock ticking, every line on screen equals a fresh one."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from textual.geometry import Region

from openclaw_tui.store.events import EntryChanged
from openclaw_tui.store.synthetic import apply_patch, generate_store, random_patch
from openclaw_tui.tui.app import MainScreen
from openclaw_tui.widgets.session_table import SessionTable
from tests.tui.helpers import FIXED_NOW, make_app, started, store_path

pytestmark = pytest.mark.anyio

NOW_MS = int(FIXED_NOW * 1000)


def on_screen(table: SessionTable) -> list[list[tuple[str, Any]]]:
    """The table's lines as the screen has them (unchanged lines come from Textual's cache),
    scrollbars left out."""
    view = table.scrollable_content_region
    strips = table.render_lines(Region(0, 0, view.width, view.height))
    return [[(segment.text, segment.style) for segment in strip] for strip in strips]


async def full_repaint(pilot: Any, table: SessionTable) -> list[list[tuple[str, Any]]]:
    table.refresh()  # every line drawn again
    await pilot.pause()
    return on_screen(table)


def write_store(tmp_path: Path, count: int) -> dict[str, Any]:
    entries = generate_store(count, seed=5, now_ms=NOW_MS)
    path = store_path(tmp_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(entries), encoding="utf-8")
    return entries


def change(screen: MainScreen, rng: random.Random, now_ms: int) -> None:
    keys = list(screen.vm.entries)
    for key in rng.sample(keys, rng.randint(1, 3)):
        before = screen.vm.entries[key]
        after = apply_patch(before, random_patch(rng, before, now_ms))
        screen.handle_store_event(EntryChanged(key, before, after, frozenset(), "external", 1))
    screen._flush_pending()


async def test_lines_on_screen_equal_a_full_repaint_after_every_kind_of_update(tmp_path: Path):
    write_store(tmp_path, 150)
    clock = [FIXED_NOW]
    mono = [1000.0]
    app = make_app(tmp_path, clock=lambda: clock[0], monotonic=lambda: mono[0])
    rng = random.Random(16)
    async with app.run_test(size=(110, 24)) as pilot:
        screen = await started(pilot)
        table = screen.table
        actions = [
            "change",
            "change",
            "down",
            "up",
            "pagedown",
            "pageup",
            "g",
            "space",
            "tick",
            "fade",
            "activity",
            "wide",
            "right",
            "left",
            "tree",
            "escape",
        ]
        done: set[str] = set()
        for step in range(70):
            action = actions[step] if step < len(actions) else rng.choice(actions)
            done.add(action)
            if action == "change":
                change(screen, rng, int(clock[0] * 1000))
            elif action == "tick":
                clock[0] += rng.choice([1, 7, 61])
                screen._tick()
            elif action == "fade":
                mono[0] += 1.5  # change highlights fade (HIGHLIGHT_SECONDS)
                table.refresh_highlights()
            elif action == "activity":
                running = sorted(screen.vm.running_keys)
                if running:
                    key = rng.choice(running)
                    screen.vm.note_activity({key: int(clock[0] * 1000)})
                    table.repaint()
            elif action == "wide":
                await pilot.press("W")
            elif action == "tree":
                await pilot.press("T")
            else:
                await pilot.press(action)
            await pilot.pause()
            shown = on_screen(table)
            assert shown == await full_repaint(pilot, table), f"step {step}: {action}"
        assert done == set(actions)


async def test_a_cursor_move_repaints_two_lines_and_an_idle_tick_none(tmp_path: Path):
    write_store(tmp_path, 150)
    app = make_app(tmp_path)
    async with app.run_test(size=(110, 24)) as pilot:
        screen = await started(pilot)
        table = screen.table
        drawn: list[int] = []
        original = table.render_line

        def counting(y: int) -> Any:
            drawn.append(y)
            return original(y)

        table.render_line = counting  # type: ignore[method-assign]
        await full_repaint(pilot, table)
        drawn.clear()
        await pilot.press("down")
        await pilot.pause()
        assert sorted(drawn) == [1, 2]  # the line the cursor left and the one it reached
        drawn.clear()
        screen._tick()  # the clock is fixed: no age or run time changed
        await pilot.pause()
        assert drawn == []


async def test_a_change_that_scrolls_with_the_cursor_compares_each_line_once(tmp_path: Path):
    entries = write_store(tmp_path, 150)
    app = make_app(tmp_path)
    async with app.run_test(size=(110, 24)) as pilot:
        screen = await started(pilot)
        table = screen.table
        for _ in range(5):
            await pilot.press("down")
        await full_repaint(pilot, table)
        compared: list[int] = []
        original = table._line_signature

        def counting(y: int) -> Any:
            compared.append(y)
            return original(y)

        table._line_signature = counting  # type: ignore[method-assign]
        # The oldest session changes: newest first, it moves above the cursor, and the view
        # scrolls one line to keep the highlighted row on its line.
        top = round(table.scroll_y)
        key = min(entries, key=lambda k: entries[k]["updatedAt"])
        before = screen.vm.entries[key]
        after = {**before, "updatedAt": NOW_MS + 60_000}
        screen.handle_store_event(EntryChanged(key, before, after, frozenset(), "external", 1))
        screen._flush_pending()
        assert round(table.scroll_y) == top + 1
        height = table.scrollable_content_region.height
        assert sorted(compared) == list(range(height))
        await pilot.pause()
        assert on_screen(table) == await full_repaint(pilot, table)
