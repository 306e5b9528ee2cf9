"""Issue #13 items 1-11: screens that must not mislead (Pilot tests on a real sessions.json)."""

from __future__ import annotations

from pathlib import Path

import pytest

from openclaw_tui.tui.app import MainScreen
from tests.backends import read_entries
from tests.tui.helpers import copy_small_store, make_app, started, wait_until, write_json_store

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
