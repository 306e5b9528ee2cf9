"""Both store backends behind one fixture: the same 12 real sessions as sessions.json or SQLite.

``store_kind`` is parametrized over ("json", "sqlite"); ``backend_store`` is a writable temp copy of
the real fixture of that kind, at the path ``openclaw-tui`` finds for agent ``main`` under
``tmp_path`` (so ``target_for_agent("main", tmp_path)`` opens it). The other helpers read and
write a store of either kind *from outside the SessionStore under test*, the way another program
(an OpenClaw gateway) would:

* ``read_entries(path)``: every entry as the backend reads it (for JSON: the file's JSON itself).
* ``store_state(path)``: what a no-op must leave identical. JSON: the file bytes. SQLite: a dump
  of every table through a separate read-only connection (the file bytes of a database are no
  contract: SQLite may rewrite pages and headers without changing any row).
* ``write_entries(path, entries)``: replace the whole content (JSON: temp file + rename, as
  OpenClaw does; SQLite: one transaction by a separate connection, as the gateway does).
* ``make_store(kind, tmp_path, entries)``: a store of ``kind`` holding exactly ``entries``.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import pytest

from openclaw_tui.store.backends.base import Changes
from openclaw_tui.store.backends.sqlite import SqliteBackend
from openclaw_tui.store.paths import json_store_path, sqlite_store_path
from tests.shared_data import FIXTURES as SHARED_FIXTURES
from tests.shared_data import SMALL_JSON, SQLITE_DB

StoreKind = Literal["json", "sqlite"]
KINDS: tuple[StoreKind, ...] = ("json", "sqlite")
FIXTURES: dict[StoreKind, Path] = {"json": SMALL_JSON, "sqlite": SQLITE_DB}


def store_path_for(kind: StoreKind, state_dir: Path, agent: str = "main") -> Path:
    """Where OpenClaw keeps agent ``agent``'s store of ``kind`` under ``state_dir``."""
    if kind == "json":
        return json_store_path(agent, state_dir)
    return sqlite_store_path(agent, state_dir)


def copy_fixture(source: Path, target: Path) -> Path:
    """A writable copy (mode 0600) of ``source`` at ``target``, creating its directories."""
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    target.chmod(0o600)
    return target


def make_store_copy(kind: StoreKind, tmp_path: Path, agent: str = "main") -> Path:
    """A writable copy (mode 0600) of the 12-session fixture of ``kind``, at the agent's path."""
    return copy_fixture(FIXTURES[kind], store_path_for(kind, tmp_path, agent))


def kind_of(path: Path) -> StoreKind:
    return "sqlite" if path.suffix == ".sqlite" else "json"


@pytest.fixture(params=KINDS)
def store_kind(request: pytest.FixtureRequest) -> StoreKind:
    return request.param


@pytest.fixture
def backend_store(store_kind: StoreKind, tmp_path: Path) -> Path:
    """The 12 real sessions, as a sessions.json or an OpenClaw 2026.9.6 SQLite database."""
    return make_store_copy(store_kind, tmp_path)


def read_entries(path: Path) -> dict[str, Any]:
    """Every entry of the store at ``path``, read by a reader of its own (not the app's store)."""
    # A SQLite reader leaves -wal/-shm beside the database: never one beside a shared fixture.
    assert not path.resolve().is_relative_to(SHARED_FIXTURES.resolve()), (
        f"{path} is a shared fixture: read a copy (make_store_copy / copy_fixture)"
    )
    if kind_of(path) == "json":
        return json.loads(path.read_bytes())
    backend = SqliteBackend(path, read_only=True)
    try:
        return dict(backend.read().entries)
    finally:
        backend.close()


@contextmanager
def read_only(path: Path) -> Iterator[sqlite3.Connection]:
    """A separate read-only connection to the SQLite database at ``path``, closed on exit."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        yield conn
    finally:
        conn.close()


def store_state(path: Path) -> object:
    """What must stay identical when nothing was written: the bytes, or every row of every table."""
    if kind_of(path) == "json":
        return path.read_bytes()
    with read_only(path) as conn:
        return list(conn.iterdump())


def write_entries(path: Path, entries: Mapping[str, Any]) -> None:
    """Replace the store's content as another program would (not through a SessionStore)."""
    if kind_of(path) == "json":
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".test-tmp")
        tmp.write_text(json.dumps(entries, indent=2, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
        return
    backend = SqliteBackend(path)
    try:
        snapshot = backend.read()
        upserts = {k: v for k, v in entries.items() if snapshot.entries.get(k) != v}
        removed = frozenset(snapshot.entries) - frozenset(entries)
        backend.commit(
            snapshot.signature, Changes(entries=dict(entries), upserts=upserts, removed=removed)
        )
    finally:
        backend.close()


def make_store(
    kind: StoreKind, tmp_path: Path, entries: Mapping[str, Any], agent: str = "main"
) -> Path:
    """A store of ``kind`` for ``agent`` under ``tmp_path`` holding exactly ``entries``.

    A SQLite store starts as a copy of OpenClaw's database (openclaw-tui never creates the
    schema), whose 12 sessions are then replaced.
    """
    if kind == "json":
        path = store_path_for(kind, tmp_path, agent)
    else:
        path = make_store_copy(kind, tmp_path, agent)
    write_entries(path, entries)
    return path
