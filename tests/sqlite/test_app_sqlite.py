"""The app on OpenClaw 2026.9.6's SQLite store: found by itself, live, edits land as rows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from openclaw_tui.store.backends.base import Changes
from openclaw_tui.store.backends.sqlite import SqliteBackend
from tests.backends import make_store_copy
from tests.sqlite.conftest import dumped_entries, row
from tests.tui.helpers import make_app, started, wait_until

pytestmark = pytest.mark.anyio

SLACK = "agent:main:slack:channel:c0123abcd"
MAIN = "agent:main:main"


async def test_the_app_shows_the_sqlite_store_live_and_edits_it(tmp_path: Path):
    path = make_store_copy("sqlite", tmp_path)
    app = make_app(tmp_path)
    async with app.run_test(size=(140, 30)) as pilot:
        screen = await started(pilot)
        assert app.main.target is not None and app.main.target.kind == "sqlite"
        await wait_until(pilot, lambda: screen.vm.row_count == len(dumped_entries()), what="rows")
        shown = {screen.vm.row_at(i).key for i in range(screen.vm.row_count)}
        assert shown == set(dumped_entries())

        # Another writer (as the gateway would) changes a row: the view follows.
        other = SqliteBackend(path)
        snap = other.read()
        entry = {**snap.entries[SLACK], "label": "renamed by the gateway"}
        entry["updatedAt"] = snap.entries[SLACK]["updatedAt"] + 10_000_000
        other.commit(
            snap.signature,
            Changes(
                entries={**snap.entries, SLACK: entry}, upserts={SLACK: entry}, removed=frozenset()
            ),
        )
        other.close()
        assert app.store is not None
        await wait_until(
            pilot,
            lambda: (app.store.get(SLACK) or {}).get("label") == "renamed by the gateway",
            what="the foreign change",
        )
        await wait_until(pilot, lambda: screen.vm.row_at(0).key == SLACK, what="the reorder")

        # An edit goes through the store into the row, certified for OpenClaw.
        await app.store.update_entry(MAIN, {"thinkingLevel": "low"})
    stored = row(path, MAIN)
    assert stored is not None and stored["entry_valid"] == 1
    assert json.loads(stored["entry_json"])["thinkingLevel"] == "low"
