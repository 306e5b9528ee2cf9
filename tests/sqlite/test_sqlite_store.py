"""SessionStore on OpenClaw 2026.9.6's SQLite store (a copy of the real database)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from openclaw_tui.store import (
    EntryAdded,
    EntryChanged,
    EntryRemoved,
    SessionStore,
    StoreCorruptError,
    StoreReadOnlyError,
)
from openclaw_tui.store.backends.base import Changes
from openclaw_tui.store.backends.sqlite import SqliteBackend
from openclaw_tui.store.errors import StoreLockTimeoutError, StoreWriteError
from tests.backends import make_store_copy
from tests.sqlite.conftest import dumped_entries, pending_keys, row, rows
from tests.store.helpers import wait_for

pytestmark = pytest.mark.anyio

MAIN = "agent:main:main"
WRITER = Path(__file__).with_name("writer_process.py")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def test_lists_every_row_with_its_fields_in_order(sqlite_store):
    expected = dumped_entries()
    async with SessionStore(sqlite_store) as store:
        snapshot = store.load()
        assert set(snapshot) == set(expected)
        for key, entry in expected.items():
            assert list(snapshot[key].items()) == list(entry.items()), key
        assert store.health.ok
        assert store.issues == []
        assert store.health.read_only_reason is None


async def test_update_entry_writes_the_row_as_openclaw_does(sqlite_store):
    other_rows = {k: v for k, v in rows(sqlite_store).items() if k != MAIN}
    async with SessionStore(sqlite_store) as store:
        before = store.get(MAIN)
        assert before is not None
        after = await store.update_entry(
            MAIN, {"thinkingLevel": "low", "label": "Ops", "tuiNote": {"kept": [1, "x"]}}
        )
        assert after is not None
    stored = row(sqlite_store, MAIN)
    assert stored is not None
    entry = json.loads(stored["entry_json"])
    # Every field OpenClaw wrote is kept, in order; the new ones follow.
    assert list(entry)[: len(before)] == list(before)
    assert entry["thinkingLevel"] == "low" and entry["tuiNote"] == {"kept": [1, "x"]}
    assert entry["delivery"] == before["delivery"]
    # The row's identity columns match the entry, the mirrors follow it, and it is certified.
    assert stored["updated_at"] == entry["updatedAt"] > before["updatedAt"]
    assert stored["current_session_id"] == entry["sessionId"] == before["sessionId"]
    assert stored["label"] == "Ops"
    assert stored["entry_valid"] == 1
    # The triggers did their bookkeeping: the key waits for OpenClaw's canonical re-validation.
    assert MAIN in pending_keys(sqlite_store)
    # Nothing else moved, byte for byte.
    assert {k: v for k, v in rows(sqlite_store).items() if k != MAIN} == other_rows


async def test_create_and_delete(sqlite_store):
    key = "agent:main:explicit:tui-created"
    async with SessionStore(sqlite_store) as store:
        assert await store.update_entry(key, {"label": "new"}) is None  # create=False
        created = await store.update_entry(key, {"label": "new", "x": 1}, create=True)
        assert created is not None
        stored = row(sqlite_store, key)
        assert stored is not None
        assert json.loads(stored["entry_json"]) == created
        assert stored["current_session_id"] == created["sessionId"]
        assert (stored["entry_valid"], stored["label"]) == (1, "new")

        # A row without a session window is deleted outright...
        assert await store.delete_entry(key) is True
        assert row(sqlite_store, key) is None
        # ...one with its window (written by OpenClaw) becomes OpenClaw's tombstone.
        portal = "agent:main:explicit:portal-123"
        assert await store.delete_entry(portal) is True
        assert store.get(portal) is None
        tomb = row(sqlite_store, portal)
        assert tomb is not None
        assert (tomb["entry_json"], tomb["entry_valid"], tomb["label"]) == ("{}", -1, None)

    async with SessionStore(sqlite_store) as again:
        assert portal not in again.load() and key not in again.load()
        # Re-creating a tombstoned key revives the row.
        revived = await again.update_entry(portal, {"label": "back"}, create=True)
        assert revived is not None
    stored = row(sqlite_store, portal)
    assert stored is not None and stored["entry_valid"] == 1
    assert json.loads(stored["entry_json"])["label"] == "back"


async def test_a_non_canonical_new_key_is_refused_with_the_fix(sqlite_store):
    before = digest(sqlite_store)
    async with SessionStore(sqlite_store) as store:
        with pytest.raises(StoreWriteError) as info:
            await store.update_entry("Agent:Main:Explicit:Upper", {"label": "x"}, create=True)
        assert "canonical" in str(info.value)
        assert "'agent:main:explicit:upper'" in str(info.value)
        # The store keeps working.
        assert await store.update_entry(MAIN, {"label": "fine"}) is not None
    assert digest(sqlite_store) != before
    assert row(sqlite_store, "Agent:Main:Explicit:Upper") is None


async def test_a_throwing_mutator_leaves_no_trace(sqlite_store):
    before = rows(sqlite_store)

    def explode(data):
        data[MAIN] = {**data[MAIN], "label": "half"}
        del data["agent:main:explicit:portal-123"]
        raise RuntimeError("mutator failed")

    async with SessionStore(sqlite_store) as store:
        generation = store.generation
        with pytest.raises(RuntimeError, match="mutator failed"):
            await store.update(explode)
        assert store.generation == generation
        assert "label" not in store.get(MAIN)
        assert store.stats["writes"] == 0
    assert rows(sqlite_store) == before


@pytest.mark.slow
async def test_concurrent_writer_in_another_process_loses_nothing(sqlite_store):
    count = 100
    proc = subprocess.Popen(
        [sys.executable, str(WRITER), str(sqlite_store), MAIN, "fromOther", str(count)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdin is not None
        assert proc.stdout.readline().strip() == "ready"
        async with SessionStore(sqlite_store) as store:
            proc.stdin.write("go\n")
            proc.stdin.flush()

            def bump(entry):
                return {"fromHere": int(entry.get("fromHere", 0)) + 1}

            # Write for as long as the other process does, so the two really overlap: a few
            # callers at a time (grouped into batches) against its one-by-one updates.
            ours = 0
            while proc.poll() is None and ours < 5_000:
                await asyncio.gather(*(store.update_entry(MAIN, bump) for _ in range(4)))
                ours += 4
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    entry = json.loads(row(sqlite_store, MAIN)["entry_json"])
    assert (entry["fromHere"], entry["fromOther"]) == (ours, count)


class LockHolder:
    """Another process holding the database's write lock until told to let go."""

    def __init__(self, path: Path) -> None:
        code = (
            "import sqlite3, sys\n"
            f"c = sqlite3.connect({str(path)!r}, isolation_level=None)\n"
            "c.execute('BEGIN IMMEDIATE')\n"
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


async def test_a_locked_database_is_a_clear_error_and_is_retried(sqlite_store):
    holder = LockHolder(sqlite_store)
    try:
        # Held for longer than the timeout: a clear error, nothing written, store usable.
        backend = SqliteBackend(sqlite_store, lock_timeout=0.3, busy_slice=0.05)
        async with SessionStore(sqlite_store, backend=backend) as store:
            with pytest.raises(StoreLockTimeoutError) as info:
                await store.update_entry(MAIN, {"label": "blocked"})
            message = str(info.value)
            assert str(sqlite_store) in message and "locked by another process" in message
            assert "label" not in json.loads(row(sqlite_store, MAIN)["entry_json"])

            # Released while we wait: the retry gets through.
            released = threading.Event()

            def on_busy(attempt: int) -> None:
                if not released.is_set():
                    released.set()
                    holder.release()

            backend.lock_timeout = 30.0
            backend.on_busy = on_busy
            assert await store.update_entry(MAIN, {"label": "after"}) is not None
            assert released.is_set()
        assert json.loads(row(sqlite_store, MAIN)["entry_json"])["label"] == "after"
    finally:
        holder.close()


async def test_an_unknown_schema_version_opens_read_only_with_the_reason(sqlite_store):
    conn = sqlite3.connect(sqlite_store)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    before = digest(sqlite_store)
    async with SessionStore(sqlite_store) as store:
        assert set(store.load()) == set(dumped_entries())
        reason = store.health.read_only_reason
        assert reason is not None
        assert "schema version 99" in reason and "read-only" in reason and "23" in reason
        with pytest.raises(StoreReadOnlyError, match="schema version 99"):
            await store.update_entry(MAIN, {"label": "nope"})
    assert digest(sqlite_store) == before


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
async def test_a_corrupt_file_is_a_clear_error_and_left_untouched(tmp_path, damage):
    path = make_store_copy("sqlite", tmp_path)
    data = path.read_bytes()
    if damage == "garbage":
        path.write_bytes(b"this is not a database" + bytes(4096))
    else:
        # Header intact, the pages holding the tables cut off.
        path.write_bytes(data[: 4096 * 3])
    before = digest(path)
    async with SessionStore(path) as store:
        assert not store.health.ok
        error = store.health.error
        assert isinstance(error, StoreCorruptError)
        assert str(path) in error.describe() and "left untouched" in error.describe()
        assert "Traceback" not in error.describe()
        with pytest.raises(StoreCorruptError):
            await store.update_entry(MAIN, {"label": "x"}, create=True)
    assert digest(path) == before
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


async def test_foreign_changes_arrive_as_events_without_rereading_every_row(sqlite_store):
    key = "agent:main:slack:channel:c0123abcd"
    async with SessionStore(sqlite_store, watch=True) as store:
        backend = store._core().backend
        assert isinstance(backend, SqliteBackend)
        store.load()
        reread_before = backend.rows_reread
        async with store.subscribe() as sub:
            # Another writer (its own connection, as the gateway would be).
            other = SqliteBackend(sqlite_store)
            snap = other.read()
            entry = {**snap.entries[key], "label": "from gateway"}
            entry["updatedAt"] = int(time.time() * 1000)
            other.commit(
                snap.signature,
                Changes(
                    entries={**snap.entries, key: entry}, upserts={key: entry}, removed=frozenset()
                ),
            )
            other.close()
            events = await wait_for(sub, lambda e: isinstance(e, EntryChanged) and e.key == key)
        changed = events[-1]
        assert changed.source == "external" and changed.after["label"] == "from gateway"
        assert "label" in changed.fields
        assert not [e for e in events if isinstance(e, (EntryAdded, EntryRemoved))]
        # Only the changed row was read again, not the twelve.
        assert backend.rows_reread - reread_before == 1
        assert backend.full_reads == 1


async def test_a_foreign_edit_that_keeps_updated_at_is_not_overwritten(sqlite_store):
    async with SessionStore(sqlite_store) as store:
        store.load()
        # OpenClaw's preserveActivity patches change the entry but not updatedAt/updated_at.
        conn = sqlite3.connect(sqlite_store, isolation_level=None)
        entry = json.loads(row(sqlite_store, MAIN)["entry_json"])
        entry["compactionCount"] = 7
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "UPDATE session_nodes SET entry_json = ? WHERE session_key = ?",
            (json.dumps(entry, separators=(",", ":")), MAIN),
        )
        conn.execute("UPDATE session_nodes SET entry_valid = 1 WHERE session_key = ?", (MAIN,))
        conn.execute("COMMIT")
        conn.close()
        after = await store.update_entry(MAIN, {"label": "ours"})
        assert after is not None and after["compactionCount"] == 7
    stored = json.loads(row(sqlite_store, MAIN)["entry_json"])
    assert (stored["compactionCount"], stored["label"]) == (7, "ours")


async def test_a_reset_then_deleted_session_keeps_its_windows(sqlite_store):
    portal = "agent:main:explicit:portal-123"
    old_id = dumped_entries()[portal]["sessionId"]
    async with SessionStore(sqlite_store) as store:
        reset = await store.update_entry(portal, {"sessionId": "0f7d3c1e-reset-new-window"})
        assert reset is not None
        stored = row(sqlite_store, portal)
        assert stored is not None and stored["current_session_id"] == "0f7d3c1e-reset-new-window"
        # The new session has no window yet; the tombstone keeps pointing at the old one.
        assert await store.delete_entry(portal) is True
    tomb = row(sqlite_store, portal)
    assert tomb is not None
    assert (tomb["entry_json"], tomb["entry_valid"], tomb["current_session_id"]) == (
        "{}",
        -1,
        old_id,
    )
