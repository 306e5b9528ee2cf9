"""A COMMIT refused as busy (rollback journal, a reader holding its lock) must not leave the
transaction open: the commit is retried from scratch once the reader is gone."""

from __future__ import annotations

import json
import shutil
import sqlite3
import time

from openclaw_tui.store.backends.base import Changes
from openclaw_tui.store.backends.sqlite import SqliteBackend
from tests.sqlite.conftest import SQLITE_FIXTURE, row

MAIN = "agent:main:main"


def test_a_busy_commit_is_rolled_back_and_retried(tmp_path):
    path = tmp_path / "openclaw-agent.sqlite"
    shutil.copyfile(SQLITE_FIXTURE, path)
    setup = sqlite3.connect(path, isolation_level=None)
    setup.execute("PRAGMA journal_mode = delete")
    setup.close()
    reader = sqlite3.connect(path, isolation_level=None)
    busy: list[int] = []

    def on_busy(attempt: int) -> None:
        busy.append(attempt)
        if reader.in_transaction:
            reader.execute("COMMIT")  # the reader finishes: its SHARED lock goes

    backend = SqliteBackend(path, lock_timeout=5.0, busy_slice=0.05, on_busy=on_busy)
    snap = backend.read()
    # A reader inside a read transaction: BEGIN IMMEDIATE succeeds, COMMIT cannot get EXCLUSIVE.
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM session_nodes").fetchone()
    entry = {**snap.entries[MAIN], "label": "after busy", "updatedAt": int(time.time() * 1000)}
    backend.commit(
        snap.signature,
        Changes(entries={**snap.entries, MAIN: entry}, upserts={MAIN: entry}, removed=frozenset()),
    )
    assert busy, "the reader never made the commit wait"
    assert backend._conn is not None and not backend._conn.in_transaction
    stored = row(path, MAIN)
    assert stored is not None and json.loads(stored["entry_json"])["label"] == "after busy"
    assert stored["entry_valid"] == 1
    reader.close()
    backend.close()
