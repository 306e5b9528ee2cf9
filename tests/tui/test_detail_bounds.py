"""The detail pane's work is bounded by what fits on screen, not by the size of the entry.

An entry with 100,000 fields or a 1 MB key or value must not freeze the UI: the pane renders the
first page of fields, says how many more there are and shows them on demand (``+``), and cuts
huge keys, names and values with their size. Work is counted (fields read from the entry, lines
rendered), not timed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from textual.app import App, ComposeResult

from openclaw_tui.widgets.detail_pane import FIELDS_PER_PAGE, DetailPane
from tests.tui.helpers import make_app, started, store_path, wait_until, write_json_store

pytestmark = pytest.mark.anyio

BIG = 100_000


class CountingEntry(Mapping[str, Any]):
    """A read-only entry that counts how many of its values were read."""

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data
        self.reads = 0

    def __getitem__(self, name: str) -> Any:
        self.reads += 1
        return self._data[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


def _wide_entry() -> dict[str, Any]:
    return {"sessionId": "s1", "updatedAt": 1, **{f"field{n:06d}": n for n in range(BIG)}}


class PaneHost(App[None]):
    def compose(self) -> ComposeResult:
        yield DetailPane(id="detail")


async def test_a_100k_field_entry_reads_one_page_and_more_on_demand() -> None:
    entry = CountingEntry(_wide_entry())
    app = PaneHost()
    async with app.run_test(size=(100, 40)) as pilot:
        pane = app.query_one(DetailPane)
        pane.show("agent:main:explicit:wide", entry, {})
        await pilot.pause()
        # One page: the fields shown, not the 100,002 the entry has.
        assert entry.reads <= FIELDS_PER_PAGE <= 500
        lines = pane.text.splitlines()
        assert len(lines) <= FIELDS_PER_PAGE + 5
        assert "field000000" in pane.text
        assert f"field{BIG - 1:06d}" not in pane.text
        remaining = BIG + 2 - FIELDS_PER_PAGE
        assert lines[-1] == f"… {remaining:,} more fields (press + to show more)"
        entry.reads = 0
        pane.show_more()
        await pilot.pause()
        assert entry.reads <= 2 * FIELDS_PER_PAGE
        assert len(pane.text.splitlines()) <= 2 * FIELDS_PER_PAGE + 5
        assert pane.text.splitlines()[-1].startswith(f"… {remaining - FIELDS_PER_PAGE:,} more")
        # The same session updated live keeps the page count; another session starts again.
        changed = CountingEntry({**entry._data, "label": "new"})
        pane.show("agent:main:explicit:wide", changed, {})
        assert changed.reads <= 2 * FIELDS_PER_PAGE
        other = CountingEntry(_wide_entry())
        pane.show("agent:main:explicit:other", other, {})
        assert other.reads <= FIELDS_PER_PAGE


async def test_a_small_entry_has_no_more_line() -> None:
    app = PaneHost()
    async with app.run_test(size=(100, 40)) as pilot:
        pane = app.query_one(DetailPane)
        pane.show("agent:main:main", {"sessionId": "s1", "updatedAt": 1, "label": "x"}, {})
        await pilot.pause()
        assert "more fields" not in pane.text
        assert '"x"' in pane.text


async def test_huge_keys_names_and_values_are_cut_with_their_size() -> None:
    huge_key = "agent:main:explicit:" + "k" * 1_000_000
    entry = {
        "sessionId": "s1",
        "big": "v" * 1_000_000,
        "n" * 1_000_000: 1,
        "list": list(range(BIG)),
        "lines": "\n".join("row" for _ in range(10_000)),
    }
    app = PaneHost()
    async with app.run_test(size=(100, 40)) as pilot:
        pane = app.query_one(DetailPane)
        pane.show(huge_key, entry, {})
        await pilot.pause()
        text = pane.text
        assert len(text) < 30_000  # from more than 3 MB of key, names and values
        assert "1,000,020 characters" in text  # the key
        assert "1,000,000 characters" in text  # the value and the name
        assert f"{BIG:,} items" in text  # the list
        assert "k" * 200 in text and "v" * 200 in text  # the start is shown
        assert "\\n" in text  # the multi-line string stays one spelled-out value


async def test_selecting_a_100k_field_entry_in_the_app_renders_a_page(tmp_path: Path) -> None:
    huge_key = "agent:main:explicit:" + "k" * 1_000_000
    write_json_store(
        store_path(tmp_path),
        {
            "agent:main:main": {"sessionId": "m1", "updatedAt": 3},
            "agent:main:explicit:wide": {**_wide_entry(), "updatedAt": 2},
            huge_key: {"sessionId": "h1", "updatedAt": 1, "label": "l" * 1_000_000},
        },
    )
    app = make_app(tmp_path)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await started(pilot)
        assert screen.table.move_cursor_to_key("agent:main:explicit:wide")
        await wait_until(pilot, lambda: "wide" in screen.detail.text, what="the detail pane")
        lines = screen.detail.text.splitlines()
        assert len(lines) <= FIELDS_PER_PAGE + 5
        assert "more fields (press + to show more)" in lines[-1]
        await pilot.press("plus")
        await pilot.pause()
        assert FIELDS_PER_PAGE + 5 < len(screen.detail.text.splitlines()) <= 2 * FIELDS_PER_PAGE + 5
        assert screen.table.move_cursor_to_key(huge_key)
        await wait_until(pilot, lambda: "h1" in screen.detail.text, what="the detail pane")
        assert len(screen.detail.text) < 30_000
        assert "1,000,020 characters" in screen.detail.text
        json.dumps(screen.detail.text)  # plain text, nothing unencodable
