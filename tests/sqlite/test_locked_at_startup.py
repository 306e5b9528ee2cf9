"""A SQLite store locked when the app starts recovers by itself (issue #10 item 4).

Another process holding ``BEGIN EXCLUSIVE`` on a rollback-journal database blocks every reader.
Opening the store then must not fail nor show an empty store as if it were one: it is a read
error saying what it waits for, and the sessions appear by themselves once the lock goes.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import anyio
import pytest

from openclaw_tui.store import SessionStore, StoreReloaded
from openclaw_tui.store.backends.sqlite import SqliteBackend
from openclaw_tui.store.errors import StoreLockedError
from tests.sqlite.conftest import dumped_entries
from tests.store.helpers import wait_for

pytestmark = pytest.mark.anyio


class ExclusiveHolder:
    """Another process holding ``BEGIN EXCLUSIVE`` until told to let go."""

    def __init__(self, path: Path) -> None:
        code = (
            "import sqlite3, sys\n"
            f"c = sqlite3.connect({str(path)!r}, isolation_level=None)\n"
            "c.execute('BEGIN EXCLUSIVE')\n"
            "print('locked', flush=True)\n"
            "sys.stdin.readline()\n"
            "c.execute('COMMIT')\n"
            "print('released', flush=True)\n"
        )
        self.proc = subprocess.Popen(
            [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.proc.stdout is not None
        assert self.proc.stdout.readline().strip() == "locked"

    def release(self) -> None:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write("\n")
        self.proc.stdin.flush()
        assert self.proc.stdout.readline().strip() == "released"

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)


def rollback_journal(path: Path) -> Path:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        assert conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0] == "delete"
    finally:
        conn.close()
    return path


async def test_a_store_locked_at_start_up_says_so_and_fills_in_when_the_lock_goes(sqlite_store):
    path = rollback_journal(sqlite_store)
    holder = ExclusiveHolder(path)
    try:
        # The write timeout is long; a read says it waits after a short wait of its own.
        backend = SqliteBackend(path, lock_timeout=30, busy_slice=0.05, read_timeout=0.3)
        with anyio.fail_after(10):
            store = await SessionStore(path, backend=backend, watch=True).open()
        async with store:
            sub = store.subscribe()
            health = store.health
            assert isinstance(health.error, StoreLockedError) and health.operation == "read"
            message = health.message or ""
            assert str(path) in message and "locked by another process" in message
            assert "waiting" in message and "appear by themselves" in message
            assert store.load() == {}
            with pytest.raises(StoreLockedError), anyio.fail_after(10):  # never a blind write
                await store.update_entry("agent:main:main", {"label": "x"})

            holder.release()
            await wait_for(sub, lambda e: isinstance(e, StoreReloaded), timeout=20)
            assert set(store.load()) == set(dumped_entries())
            assert store.health.ok
            assert await store.update_entry("agent:main:main", {"label": "after"}) is not None
    finally:
        holder.close()
