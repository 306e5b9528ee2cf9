"""SqliteBackend directly: the row format, signatures, odd rows, and what it never does."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from openclaw_tui.store.backends.base import Changes, ConflictError, Snapshot
from openclaw_tui.store.backends.sqlite import SqliteBackend
from openclaw_tui.store.errors import StoreReadError, StoreReadOnlyError, StoreWriteError
from tests.sqlite.conftest import SQLITE_FIXTURE, row

MAIN = "agent:main:main"
SLACK = "agent:main:slack:channel:c0123abcd"


def now_ms() -> int:
    return int(time.time() * 1000)


def commit(backend: SqliteBackend, snap: Snapshot, upserts: dict[str, Any], removed=()) -> Any:
    entries = {**snap.entries, **upserts}
    for key in removed:
        entries.pop(key, None)
    return backend.commit(
        snap.signature, Changes(entries=entries, upserts=upserts, removed=frozenset(removed))
    )


def patched(snap: Snapshot, key: str, **fields: Any) -> dict[str, Any]:
    return {**snap.entries[key], **fields, "updatedAt": now_ms()}


def execute(path: Path, sql: str, params: tuple[Any, ...] = ()) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute(sql, params)
    finally:
        conn.close()


def test_mirrored_columns_follow_the_entry(sqlite_store):
    backend = SqliteBackend(sqlite_store)
    snap = backend.read()
    entry = patched(
        snap,
        MAIN,
        status="running",
        spawnedBy="agent:main:cron:daily-digest",
        archivedAt=1_795_000_000_000,
        createdActor={"type": "human", "id": "ada"},
        createdVia="operator",
        forkSource={"sessionKey": SLACK, "sessionId": "s-1", "entryId": "e-1"},
    )
    commit(backend, snap, {MAIN: entry})
    stored = row(sqlite_store, MAIN)
    assert stored is not None
    assert stored["status"] == "running"
    assert stored["spawned_by"] == stored["parent_session_key"] == "agent:main:cron:daily-digest"
    assert stored["archived_at"] == 1_795_000_000_000
    assert (stored["created_actor_type"], stored["created_actor_id"]) == ("human", "ada")
    assert stored["created_via"] == "operator"
    assert (stored["fork_source_session_key"], stored["fork_source_entry_id"]) == (SLACK, "e-1")
    assert stored["entry_valid"] == 1

    # A value the schema's CHECK would refuse stays in the entry; the column gets NULL.
    snap = backend.read()
    odd = patched(snap, MAIN, status="weird", createdVia="telepathy")
    commit(backend, snap, {MAIN: odd})
    stored = row(sqlite_store, MAIN)
    assert stored is not None
    assert (stored["status"], stored["created_via"]) == (None, None)
    assert json.loads(stored["entry_json"])["status"] == "weird"
    backend.close()


def test_owner_columns_are_authoritative(sqlite_store):
    execute(
        sqlite_store,
        "UPDATE session_nodes SET owner_actor_type = 'human', owner_actor_id = 'ada', "
        "owner_assigned_at = 5 WHERE session_key = ?",
        (MAIN,),
    )
    backend = SqliteBackend(sqlite_store)
    snap = backend.read()
    assert snap.entries[MAIN]["owner"] == {"actor": {"type": "human", "id": "ada"}, "assignedAt": 5}
    # Writing the entry back keeps the owner in the columns, not in entry_json.
    commit(backend, snap, {MAIN: patched(snap, MAIN, label="x")})
    stored = row(sqlite_store, MAIN)
    assert stored is not None
    assert "owner" not in json.loads(stored["entry_json"])
    assert (stored["owner_actor_id"], stored["owner_assigned_at"]) == ("ada", 5)
    # Removing the owner clears the columns.
    snap = backend.read()
    no_owner = patched(snap, MAIN)
    del no_owner["owner"]
    commit(backend, snap, {MAIN: no_owner})
    stored = row(sqlite_store, MAIN)
    assert stored is not None and stored["owner_actor_id"] is None
    # An owner of another shape is not ours to drop: it stays in the entry.
    snap = backend.read()
    odd = patched(snap, MAIN, owner={"type": "human", "id": "o1"})
    commit(backend, snap, {MAIN: odd})
    stored = row(sqlite_store, MAIN)
    assert stored is not None and stored["owner_actor_id"] is None
    assert json.loads(stored["entry_json"])["owner"] == {"type": "human", "id": "o1"}
    backend.close()


def test_bad_rows_are_kept_untouched_and_reported(sqlite_store):
    execute(
        sqlite_store,
        "UPDATE session_nodes SET entry_json = '{not json' WHERE session_key = ?",
        (SLACK,),
    )
    before = row(sqlite_store, SLACK)
    backend = SqliteBackend(sqlite_store)
    snap = backend.read()
    assert snap.entries[SLACK] == "{not json"
    [issue] = [i for i in snap.issues if i.key == SLACK]
    assert issue.code == "invalid_json" and "kept untouched" in issue.message
    commit(backend, snap, {MAIN: patched(snap, MAIN, label="other row")})
    assert row(sqlite_store, SLACK) == before
    backend.close()


def test_a_foreign_change_elsewhere_is_no_conflict_but_is_read_afterwards(sqlite_store):
    ours = SqliteBackend(sqlite_store)
    theirs = SqliteBackend(sqlite_store)
    base = ours.read()
    other = theirs.read()
    commit(theirs, other, {SLACK: patched(other, SLACK, label="theirs")})

    # A different row: our batch goes in, and the signature it returns says "not seen yet".
    signature = commit(ours, base, {MAIN: patched(base, MAIN, label="ours")})
    assert signature != ours.signature()
    again = ours.read()
    assert again.entries[SLACK]["label"] == "theirs"
    assert again.entries[MAIN]["label"] == "ours"
    assert ours.rows_reread == 1  # only the foreign row was read again
    assert again.signature == ours.signature()

    # The same row: a conflict, nothing written.
    other = theirs.read()
    commit(theirs, other, {MAIN: patched(other, MAIN, label="theirs again")})
    with pytest.raises(ConflictError):
        commit(ours, again, {MAIN: patched(again, MAIN, label="lost?")})
    stored = row(sqlite_store, MAIN)
    assert stored is not None and json.loads(stored["entry_json"])["label"] == "theirs again"
    ours.close()
    theirs.close()


@pytest.mark.parametrize("journal", ["wal", "delete"])
def test_journal_mode_untouched_and_never_left_locked(tmp_path, journal):
    path = tmp_path / "openclaw-agent.sqlite"
    shutil.copyfile(SQLITE_FIXTURE, path)
    execute(path, f"PRAGMA journal_mode = {journal}")
    backend = SqliteBackend(path)
    snap = backend.read()
    commit(backend, snap, {MAIN: patched(snap, MAIN, label="x")})
    backend.read()
    # Between calls no transaction is open: another process can write at once (no busy wait).
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("ROLLBACK")
    assert other.execute("PRAGMA journal_mode").fetchone()[0] == journal
    other.close()
    assert backend._conn is not None and not backend._conn.in_transaction
    backend.close()


def test_missing_store_is_empty_and_never_created(tmp_path):
    path = tmp_path / "agents" / "main" / "agent" / "openclaw-agent.sqlite"
    backend = SqliteBackend(path)
    assert backend.signature() is None
    snap = backend.read()
    assert (snap.entries, snap.signature) == ({}, None)
    entry = {"sessionId": "a1", "updatedAt": now_ms()}
    with pytest.raises(StoreWriteError, match="never creates"):
        backend.commit(
            None, Changes(entries={MAIN: entry}, upserts={MAIN: entry}, removed=frozenset())
        )
    assert not path.exists()


def test_read_only_and_foreign_files(sqlite_store, tmp_path):
    before = sqlite_store.read_bytes()
    backend = SqliteBackend(sqlite_store, read_only=True)
    snap = backend.read()
    with pytest.raises(StoreReadOnlyError):
        commit(backend, snap, {MAIN: patched(snap, MAIN, label="x")})
    backend.close()
    assert sqlite_store.read_bytes() == before

    plain = tmp_path / "other.sqlite"
    execute(plain, "CREATE TABLE t (x)")
    with pytest.raises(StoreReadError, match="not an OpenClaw agent database"):
        SqliteBackend(plain).read()


def test_entries_openclaw_would_refuse_are_not_written(sqlite_store):
    backend = SqliteBackend(sqlite_store)
    snap = backend.read()
    before = row(sqlite_store, MAIN)
    for bad, words in (
        ({**snap.entries[MAIN], "updatedAt": "soon"}, "updatedAt"),
        ({**snap.entries[MAIN], "sessionId": "../etc/passwd"}, "sessionId"),
        ({**snap.entries[MAIN], "spawnedBy": 7}, "spawnedBy"),
    ):
        with pytest.raises(StoreWriteError, match=words):
            commit(backend, snap, {MAIN: bad})
    assert row(sqlite_store, MAIN) == before
    backend.close()


def test_a_replaced_file_is_reopened(sqlite_store, tmp_path):
    backend = SqliteBackend(sqlite_store)
    first = backend.read()
    replacement = tmp_path / "replacement.sqlite"
    shutil.copyfile(sqlite_store, replacement)
    execute(replacement, "DELETE FROM session_nodes WHERE session_key = ?", (SLACK,))
    os.replace(replacement, sqlite_store)
    assert backend.signature() != first.signature
    assert SLACK not in backend.read().entries
    backend.close()


def test_watch_filter_ignores_the_shared_memory_file(sqlite_store):
    backend = SqliteBackend(sqlite_store)
    name = sqlite_store.name
    assert backend.watch_paths() == [sqlite_store.parent]
    assert backend.watch_filter(sqlite_store.parent / name)
    assert backend.watch_filter(sqlite_store.parent / f"{name}-wal")
    assert not backend.watch_filter(sqlite_store.parent / f"{name}-shm")
    assert not backend.watch_filter(sqlite_store.parent / "sessions.json")


def test_foreign_deletes_are_seen_without_a_full_read(sqlite_store):
    portal = "agent:main:explicit:portal-123"
    backend = SqliteBackend(sqlite_store)
    first = backend.read()
    assert portal in first.entries and SLACK in first.entries
    # OpenClaw's tombstone keeps updated_at; a hard delete removes the key.
    execute(
        sqlite_store,
        "UPDATE session_nodes SET entry_json = '{}', label = NULL WHERE session_key = ?",
        (portal,),
    )
    execute(
        sqlite_store, "UPDATE session_nodes SET entry_valid = -1 WHERE session_key = ?", (portal,)
    )
    execute(sqlite_store, "PRAGMA foreign_keys = ON")
    execute(sqlite_store, "DELETE FROM session_nodes WHERE session_key = ?", (SLACK,))
    assert backend.signature() != first.signature
    after = backend.read()
    assert portal not in after.entries and SLACK not in after.entries
    assert set(first.entries) - set(after.entries) == {portal, SLACK}
    assert (backend.full_reads, backend.rows_reread) == (1, 1)  # only the tombstone re-read
    # Unchanged entries are the very same objects.
    assert all(after.entries[k] is first.entries[k] for k in after.entries)
    backend.close()


def test_a_periodic_full_read_keeps_identities_and_issues(sqlite_store):
    execute(
        sqlite_store, "UPDATE session_nodes SET entry_json = '[1]' WHERE session_key = ?", (SLACK,)
    )
    backend = SqliteBackend(sqlite_store, full_rescan_interval=0.0)
    first = backend.read()
    second = backend.read()
    assert backend.full_reads == 2
    assert all(second.entries[k] is first.entries[k] for k in first.entries if k != SLACK)
    assert [i.code for i in second.issues if i.key == SLACK] == ["not_an_object"]
    backend.close()


class ForeignWriteRightAfterCommit(SqliteBackend):
    """Runs another writer's commit in the instant after ours, before we note what we wrote."""

    foreign: Any = None

    def _remember_commit(self, *args: Any) -> None:
        if self.foreign is not None:
            foreign, self.foreign = self.foreign, None
            foreign()
        super()._remember_commit(*args)


def test_a_foreign_write_right_after_our_commit_is_not_taken_for_ours(sqlite_store):
    ours = ForeignWriteRightAfterCommit(sqlite_store)
    theirs = SqliteBackend(sqlite_store)
    snap = ours.read()

    def their_write() -> None:
        other = theirs.read()
        commit(theirs, other, {MAIN: patched(other, MAIN, label="theirs")})

    ours.foreign = their_write
    signature = commit(ours, snap, {MAIN: patched(snap, MAIN, label="ours")})
    assert ours.signature() != signature  # the engine will read again...
    assert ours.read().entries[MAIN]["label"] == "theirs"  # ...and must see their write
    ours.close()
    theirs.close()


# A COMMIT refused as busy (rollback journal, a reader holding its lock) must not leave the
# transaction open: the commit is retried from scratch once the reader is gone.


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
