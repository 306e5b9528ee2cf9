"""``openclaw-agent.sqlite``: the per-agent session rows of OpenClaw >= 2026.8.

The table ``session_nodes`` holds one row per session key: the whole entry in ``entry_json`` plus
columns that mirror some of its fields (``label``, ``status``, lineage, timestamps, ...). What this
backend writes was learnt by watching OpenClaw 2026.9.6 write rows (see ``interop/``):

* ``current_session_id`` and ``updated_at`` must equal the entry's ``sessionId`` and ``updatedAt``;
* ``parent_session_key``/``spawned_by``/``fork_source_session_key`` must equal the entry's lineage,
  or OpenClaw demands a repair of the whole store;
* triggers reset ``entry_valid`` to 0 and queue the key in
  ``session_canonical_validation_pending`` whenever the entry changes. OpenClaw refuses to read a
  row whose ``entry_valid`` is not 1, and sets it to 1 itself, in the same transaction, once the
  row passes the identity check above. We run the same check and do the same; the pending queue is
  left to the triggers (OpenClaw re-validates queued keys itself);
* a delete of a row that still has its session window is a tombstone (``entry_json = '{}'``,
  ``entry_valid = -1``) that keeps the window and transcripts; a row without any window is deleted;
* ``session_windows`` is OpenClaw's projection: a window it misses is created by its next write.
  We only keep the current window's ``updated_at`` and ``display_name`` in step, as it does.

We never change the schema or the journal mode, each commit is one short ``BEGIN IMMEDIATE``
transaction, and no transaction is ever left open between calls.
"""

from __future__ import annotations

import contextlib
import errno as errno_mod
import hashlib
import os
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from openclaw_tui.store import codec
from openclaw_tui.store.backends.base import (
    DUPLICATE_KEYS,
    Backend,
    Changes,
    ConflictError,
    Issue,
    Signature,
    Snapshot,
)
from openclaw_tui.store.codec import entry_problem, is_safe_session_id
from openclaw_tui.store.errors import (
    TOO_LARGE_FIX,
    StoreCorruptError,
    StoreError,
    StoreLockedError,
    StoreLockTimeoutError,
    StoreReadError,
    StoreReadOnlyError,
    StoreTooLargeError,
    StoreUnreadableError,
    StoreWriteError,
    write_too_large,
)
from openclaw_tui.store.keys import canonical_key
from openclaw_tui.store.semantics import MAX_SAFE_INTEGER

# Schema versions whose rows we have verified OpenClaw accepts (2026.9.6 writes 23).
KNOWN_SCHEMA_VERSIONS: frozenset[int] = frozenset({23})
# Rows must have these columns for us to read them at all.
R = TypeVar("R")

CORE_COLUMNS = ("session_key", "current_session_id", "entry_json", "entry_valid", "updated_at")
OWNER_COLUMNS = (
    "owner_actor_type",
    "owner_actor_id",
    "owner_assigned_by_type",
    "owner_assigned_by_id",
    "owner_assigned_at",
)
TOMBSTONE_JSON = "{}"
STATUS_VALUES = frozenset({"running", "done", "failed", "killed", "timeout"})
CREATED_VIA_VALUES = frozenset(
    {"operator", "spawn", "channel", "cron", "talk", "run", "plugin", "internal"}
)
ACTOR_TYPES = frozenset({"human", "agent", "system"})
# Signature parts: ("sqlite", st_dev, st_ino, connection epoch, data_version, own commits).
_VERSION, _COMMITS = 4, 5
_IN_CHUNK = 500  # keys per "IN (...)" query, well under SQLite's variable limit
_CORRUPT_FIX = (
    "restore it from a backup, or stop the Gateway and run "
    "`openclaw doctor --session-sqlite recover`"
)

BusyHook = Callable[[int], None]
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _utf8_ok(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _text(value: Any) -> str | None:
    """A text column's value. SQLite holds UTF-8, which has no lone surrogates: they become
    U+FFFD, as OpenClaw's JavaScript-to-UTF-8 conversion writes them (the entry keeps them)."""
    if not isinstance(value, str):
        return None
    if _utf8_ok(value):
        return value
    return _LONE_SURROGATE.sub("\ufffd", value)


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and abs(value) <= MAX_SAFE_INTEGER:
        return value
    if isinstance(value, float) and value.is_integer() and abs(value) <= MAX_SAFE_INTEGER:
        return int(value)
    return None


def _sub(entry: Mapping[str, Any], field: str, sub: str) -> Any:
    value = entry.get(field)
    return value.get(sub) if isinstance(value, Mapping) else None


def _actor(value: Any) -> tuple[str, str] | None:
    if not isinstance(value, Mapping):
        return None
    kind, ident = value.get("type"), value.get("id")
    # An id SQLite cannot hold exactly (a lone surrogate) is no well-formed owner: it stays in
    # the entry as it is rather than be changed in a column.
    if kind in ACTOR_TYPES and isinstance(ident, str) and ident.strip() and _utf8_ok(ident):
        return kind, ident
    return None


def mirrored_columns(entry: Mapping[str, Any]) -> dict[str, Any]:
    """The ``session_nodes`` columns OpenClaw derives from an entry, as it fills them.

    A value of the wrong type gives NULL, as OpenClaw writes it (the entry keeps the value).
    """
    status = entry.get("status")
    if status == "interrupted":  # OpenClaw files it under "failed"
        status = "failed"
    created_actor = _actor(entry.get("createdActor"))
    spawned_by = _text(entry.get("spawnedBy"))
    created_via = entry.get("createdVia")
    return {
        "status": status if status in STATUS_VALUES else None,
        "created_at": _int(entry.get("createdAt")),
        "created_via": created_via if created_via in CREATED_VIA_VALUES else None,
        "created_actor_type": created_actor[0] if created_actor else None,
        "created_actor_id": created_actor[1] if created_actor else None,
        "project_id": _text(entry.get("projectId")),
        "parent_session_key": _text(entry.get("parentSessionKey")) or spawned_by,
        "spawned_by": spawned_by,
        "fork_source_session_key": _text(_sub(entry, "forkSource", "sessionKey")),
        "fork_source_session_id": _text(_sub(entry, "forkSource", "sessionId")),
        "fork_source_entry_id": _text(_sub(entry, "forkSource", "entryId")),
        "label": _text(entry.get("label")),
        "display_name": _text(entry.get("displayName")),
        "category": _text(entry.get("category")),
        "icon": _text(entry.get("icon")),
        "pinned_at": _int(entry.get("pinnedAt")),
        "archived_at": _int(entry.get("archivedAt")),
        "last_read_at": _int(entry.get("lastReadAt")),
        "last_interaction_at": _int(entry.get("lastInteractionAt")),
        "last_activity_at": _int(entry.get("lastActivityAt")),
    }


def owner_from_columns(values: tuple[Any, ...]) -> dict[str, Any] | None:
    """The ``owner`` OpenClaw projects onto an entry from the owner columns (they win)."""
    actor = _actor({"type": values[0], "id": values[1]})
    if actor is None:
        return None
    owner: dict[str, Any] = {"actor": {"type": actor[0], "id": actor[1]}}
    assigned_by = _actor({"type": values[2], "id": values[3]})
    if assigned_by is not None:
        owner["assignedBy"] = {"type": assigned_by[0], "id": assigned_by[1]}
    assigned_at = _int(values[4])
    if assigned_at is not None:
        owner["assignedAt"] = assigned_at
    return owner


def owner_to_columns(owner: Any) -> tuple[Any, ...] | None:
    """Owner columns for an entry's ``owner``; None when it has not the shape OpenClaw reads."""
    if not isinstance(owner, Mapping):
        return None
    actor = _actor(owner.get("actor"))
    if actor is None:
        return None
    assigned_by = _actor(owner.get("assignedBy"))
    return (
        actor[0],
        actor[1],
        assigned_by[0] if assigned_by else None,
        assigned_by[1] if assigned_by else None,
        _int(owner.get("assignedAt")),
    )


def encode_entry(entry: Mapping[str, Any]) -> str:
    """``JSON.stringify(entry)``: compact, key order and non-ASCII kept, every value exact."""
    return codec.dumps_compact(entry)


def decode_entry(text: str) -> tuple[Any, list[str]]:
    """(value, repeated keys) of an ``entry_json``, by the exact rules of a ``sessions.json``."""
    return codec.loads_value(text)


@dataclass(slots=True)
class _Row:
    """What we last saw of one row, to tell foreign changes from our own."""

    updated_at: Any
    entry_valid: Any
    current_session_id: Any
    # A digest of entry_json, not the text: keeping every row's text beside its parsed entry
    # took ~60 MiB more at 100,000 rows.
    entry_digest: Any
    owner: tuple[Any, ...]


def _text_digest(text: Any) -> Any:
    """What tells one entry_json from another: 128-bit BLAKE2b of a text or blob, else the
    value itself (NULL, a number)."""
    if isinstance(text, str):
        return hashlib.blake2b(
            text.encode("utf-8", "surrogatepass"), digest_size=16, person=b"text"
        ).digest()
    if isinstance(text, bytes):
        return hashlib.blake2b(text, digest_size=16, person=b"blob").digest()
    return text


@dataclass(slots=True)
class _SchemaInfo:
    cookie: tuple[int, int]
    user_version: int
    meta_version: int | None
    columns: frozenset[str]
    has_windows: bool
    read_only_reason: str | None


class SqliteBackend(Backend):
    """One agent's ``openclaw-agent.sqlite`` (table ``session_nodes``)."""

    kind: ClassVar[str] = "sqlite"

    def __init__(
        self,
        path: Path,
        *,
        read_only: bool = False,
        max_bytes: int | None = None,
        lock_timeout: float = 10.0,
        busy_slice: float = 0.25,
        full_rescan_interval: float = 60.0,
        on_busy: BusyHook | None = None,
        read_timeout: float | None = None,
    ) -> None:
        super().__init__(Path(path), read_only=read_only, max_bytes=max_bytes)
        self.lock_timeout = lock_timeout
        # A read is retried by the engine anyway (StoreLockedError): waiting less before saying
        # so shows "locked, waiting" within seconds instead of an empty screen for the whole
        # write timeout.
        self.read_timeout = min(lock_timeout, 2.0) if read_timeout is None else read_timeout
        self.busy_slice = busy_slice
        self.full_rescan_interval = full_rescan_interval
        # Called (from the worker thread) each time the database was found locked and the
        # operation is about to be retried: for logs and for tests that release the lock then.
        self.on_busy = on_busy
        self._mutex = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._conn_ident: tuple[int, int] | None = None
        self._conn_read_only = False
        self._epoch = 0
        self._local_commits = 0
        self._schema: _SchemaInfo | None = None
        self._rows: dict[str, _Row] = {}
        self._sharer: codec.ValueSharer | None = None  # during a full scan
        self._entries: dict[str, Any] = {}
        self._issues: dict[str, Issue] = {}
        self._last_full_scan = 0.0
        self._last_signature: Signature | None = None
        self._suspects: set[str] = set()  # keys to re-read whatever their updated_at says
        self.full_reads = 0
        self.incremental_reads = 0
        self.rows_reread = 0

    # -- connection ----------------------------------------------------------------------------

    def _uri(self, mode: str) -> str:
        return f"{self.path.resolve().as_uri()}?mode={mode}"

    def _open(self, st: os.stat_result) -> sqlite3.Connection:
        self._close_conn()
        # A store we must not write is opened read-only too: SQLite would otherwise create its
        # journal beside the file.
        read_only = (
            self.read_only or self.write_refusal is not None or not os.access(self.path, os.W_OK)
        )
        try:
            conn = sqlite3.connect(
                self._uri("ro" if read_only else "rw"),
                uri=True,
                isolation_level=None,  # autocommit: we open every transaction ourselves
                check_same_thread=False,  # worker threads; self._mutex serializes use
                timeout=self.busy_slice,
            )
        except sqlite3.Error as exc:
            raise self._read_error(exc, "cannot open the database") from None
        # Deletes cascade to the rows that hang off a session, as when OpenClaw deletes.
        conn.execute("PRAGMA foreign_keys = ON")
        self._conn = conn
        self._conn_ident = (st.st_dev, st.st_ino)
        self._conn_read_only = read_only
        self._epoch += 1
        self._schema = None
        self._forget_all()
        return conn

    def _close_conn(self) -> None:
        if self._conn is not None:
            with suppress(sqlite3.Error):
                self._conn.close()
        self._conn = None
        self._conn_ident = None

    def _connection(self) -> sqlite3.Connection | None:
        """The open connection (reopened if the file was replaced), or None if it is missing."""
        try:
            st = os.stat(self.path)
        except (FileNotFoundError, NotADirectoryError):
            self._close_conn()
            return None
        except OSError as exc:
            raise StoreUnreadableError(
                self.path, f"cannot stat the database: {exc.strerror or exc}"
            ) from None
        if not os.path.isfile(self.path):
            raise StoreUnreadableError(
                self.path,
                "the store path is not a regular file",
                fix="point --store at the agent's openclaw-agent.sqlite",
            )
        if self._conn is None or self._conn_ident != (st.st_dev, st.st_ino):
            return self._open(st)
        return self._conn

    def close(self) -> None:
        with self._mutex:
            self._close_conn()

    def newest(self, count: int) -> tuple[dict[str, Any], int] | None:
        """The ``count`` rows with the highest ``updated_at``, made into entries exactly as
        ``read`` makes them, and how many sessions there are: the first page of a big store
        before the whole read. None when the rows cannot be read now (``read``
        says why); it never waits for a lock."""
        with self._mutex:
            try:
                conn = self._connection()
                if conn is None:
                    return None
                with self._transaction(conn, "BEGIN"):
                    schema = self._schema_info(conn)
                    # Deleted sessions (OpenClaw keeps their rows as tombstones) left out.
                    live = " WHERE NOT (entry_valid = -1 AND entry_json = ?)"
                    total = conn.execute(
                        "SELECT count(*) FROM session_nodes" + live, (TOMBSTONE_JSON,)
                    ).fetchone()[0]
                    # Along the (updated_at, session_key) index: no other row's text is read.
                    rows = conn.execute(
                        self._select(schema) + live + " ORDER BY updated_at DESC LIMIT ?",
                        (TOMBSTONE_JSON, count),
                    ).fetchall()
            except (sqlite3.Error, StoreError):
                return None
            entries: dict[str, Any] = {}
            for row in rows:
                key, text = row[0], row[4]
                state = self._row_state(row)
                if state.entry_valid == -1 and text == TOMBSTONE_JSON:
                    continue
                entry = self._entry_from_row(key, state, text)
                if isinstance(entry, dict):
                    entries[key] = entry
            return entries, total

    # -- errors and retries --------------------------------------------------------------------

    def _read_error(self, exc: sqlite3.Error, doing: str) -> StoreReadError:
        name = getattr(exc, "sqlite_errorname", "") or ""
        if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
            return StoreCorruptError(
                self.path,
                f"the file is not a readable SQLite database ({exc}); it was left untouched",
                fix=_CORRUPT_FIX,
            )
        if name.startswith(("SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH")):
            return StoreUnreadableError(
                self.path,
                f"{doing}: {exc}",
                fix="check the owner and mode of the file and its directory",
            )
        return StoreUnreadableError(self.path, f"{doing}: {exc} [{name or 'sqlite error'}]")

    def _write_error(self, exc: sqlite3.Error) -> StoreWriteError:
        name = getattr(exc, "sqlite_errorname", "") or ""
        code = next(
            (
                errno
                for prefix, errno in (
                    ("SQLITE_FULL", errno_mod.ENOSPC),
                    ("SQLITE_IOERR", errno_mod.EIO),
                    ("SQLITE_READONLY", errno_mod.EACCES),
                    ("SQLITE_PERM", errno_mod.EACCES),
                )
                if name.startswith(prefix)
            ),
            None,
        )
        if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
            return StoreWriteError(
                self.path,
                f"the database is corrupt ({exc}); nothing was written",
                fix=_CORRUPT_FIX,
            )
        if name.startswith("SQLITE_CONSTRAINT"):
            return StoreWriteError(
                self.path,
                f"the database refused the row ({exc}); nothing was written",
                fix="this OpenClaw schema constrains the value; report it with the entry",
            )
        return StoreWriteError(self.path, f"the write failed: {exc} [{name}]", errno=code)

    @staticmethod
    def _is_busy(exc: sqlite3.Error) -> bool:
        name = getattr(exc, "sqlite_errorname", "") or ""
        return name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in str(exc)

    def _retry_busy(self, operation: Callable[[], R], what: str, timeout: float | None = None) -> R:
        """Run ``operation``, retrying while another process holds the database's lock."""
        timeout = self.lock_timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        attempt = 0
        while True:
            try:
                return operation()
            except sqlite3.OperationalError as exc:
                if not self._is_busy(exc):
                    raise
                attempt += 1
                if time.monotonic() >= deadline:
                    raise StoreLockTimeoutError(
                        self.path,
                        f"the database stayed locked by another process for over "
                        f"{timeout:g} s while {what}; nothing was changed",
                        fix="retry in a moment; if it persists, look for a stuck process "
                        f"holding the database (`fuser {self.path}`)",
                    ) from None
                if self.on_busy is not None:
                    self.on_busy(attempt)
                # SQLite's own busy handler already waited busy_slice; this only keeps a lock
                # that fails fast (e.g. WAL recovery in progress) from spinning the CPU.
                time.sleep(min(0.002 * attempt, 0.05))

    @contextmanager
    def _transaction(self, conn: sqlite3.Connection, begin: str) -> Iterator[None]:
        conn.execute(begin)
        try:
            yield
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        try:
            conn.execute("COMMIT")
        except BaseException:
            # A COMMIT refused (SQLITE_BUSY: a reader still holds its lock in rollback-journal
            # mode) leaves the transaction open: roll it back so a retry starts afresh and no
            # lock is kept between calls.
            if conn.in_transaction:
                with suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
            raise

    # -- schema --------------------------------------------------------------------------------

    def _schema_info(self, conn: sqlite3.Connection) -> _SchemaInfo:
        user_version = conn.execute("PRAGMA user_version").fetchone()[0]
        # The schema cookie moves with every CREATE/ALTER/DROP, so a migration is noticed.
        cookie = conn.execute("PRAGMA schema_version").fetchone()[0]
        if self._schema is not None and self._schema.cookie == (user_version, cookie):
            return self._schema
        columns = frozenset(
            row[1] for row in conn.execute("SELECT * FROM pragma_table_info('session_nodes')")
        )
        if not columns:
            raise StoreReadError(
                self.path,
                "this SQLite file has no session_nodes table, so it is not an OpenClaw agent "
                "database (OpenClaw >= 2026.8 keeps sessions in "
                "<state>/agents/<agent>/agent/openclaw-agent.sqlite)",
                fix="point --store at the agent's openclaw-agent.sqlite or its sessions.json",
            )
        missing = [c for c in CORE_COLUMNS if c not in columns]
        if missing:
            raise StoreReadError(
                self.path,
                f"session_nodes lacks the columns {', '.join(missing)}; this OpenClaw schema "
                f"(user_version {user_version}) is not one openclaw-tui can read",
                fix="use the openclaw-tui release that matches this OpenClaw",
            )
        meta_version: int | None = None
        try:
            row = conn.execute(
                "SELECT schema_version FROM schema_meta WHERE meta_key = 'primary'"
            ).fetchone()
            meta_version = row[0] if row else None
        except sqlite3.OperationalError:
            meta_version = None
        has_windows = bool(
            conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'session_windows'"
            ).fetchone()
        )
        reason = None
        versions = {user_version} | ({meta_version} if meta_version is not None else set())
        unknown = sorted(v for v in versions if v not in KNOWN_SCHEMA_VERSIONS)
        if unknown:
            known = ", ".join(str(v) for v in sorted(KNOWN_SCHEMA_VERSIONS))
            reason = (
                f"{self.path}: the database has schema version {unknown[0]}, which openclaw-tui "
                f"does not know (it knows {known}, written by OpenClaw 2026.9.6); it is shown "
                "read-only because writing rows in a layout this OpenClaw may not accept could "
                "make it refuse the store (update openclaw-tui to edit it)"
            )
        elif self.write_refusal is not None:
            reason = self.write_refusal
        elif self._conn_read_only and not self.read_only:
            reason = (
                f"{self.path}: no write permission on the database; it is shown read-only "
                "(check the owner and mode of the file and its directory)"
            )
        self._schema = _SchemaInfo(
            (user_version, cookie), user_version, meta_version, columns, has_windows, reason
        )
        return self._schema

    # -- reading -------------------------------------------------------------------------------

    def signature(self) -> Signature | None:
        with self._mutex:
            try:
                conn = self._connection()
            except StoreReadError as exc:
                return Signature(("error", exc.message))
            if conn is None:
                return None
            try:
                version = self._retry_busy(
                    lambda: conn.execute("PRAGMA data_version").fetchone()[0],
                    "checking it",
                    self.read_timeout,
                )
            except (sqlite3.Error, StoreLockTimeoutError) as exc:
                # Not "unchanged": make the engine read, which reports the real error.
                return Signature(("error", str(exc)))
            assert self._conn_ident is not None
            return Signature(
                ("sqlite", *self._conn_ident, self._epoch, version, self._local_commits)
            )

    def read(self) -> Snapshot:
        with self._mutex:
            conn = self._connection()
            if conn is None:
                self._forget_all()
                return Snapshot(entries={}, signature=None)
            try:
                return self._retry_busy(lambda: self._read(conn), "reading it", self.read_timeout)
            except sqlite3.Error as exc:
                raise self._read_error(exc, "cannot read the session rows") from None
            except StoreLockTimeoutError:
                # A read error, not an empty store: the engine keeps retrying (the watcher's
                # heartbeat) and the view fills in by itself once the lock goes.
                raise StoreLockedError(
                    self.path,
                    f"the database is locked by another process (an exclusive transaction has "
                    f"held it for over {self.read_timeout:g} s); waiting for it to be released, "
                    "the sessions appear by themselves",
                    fix="if it persists, look for the process holding the database "
                    f"(`fuser {self.path}`)",
                ) from None

    def _read(self, conn: sqlite3.Connection) -> Snapshot:
        # One read transaction: the rows, the schema and data_version all from the same state.
        with self._transaction(conn, "BEGIN"):
            schema = self._schema_info(conn)
            if self.max_bytes is not None and self._stored_bytes_bound() > self.max_bytes:
                total = self._entry_json_bytes(conn)
                if total > self.max_bytes:
                    raise StoreTooLargeError(
                        self.path,
                        f"the session rows hold {total:,} bytes of entry_json, over the "
                        f"{self.max_bytes:,}-byte limit; they were not loaded",
                        fix=TOO_LARGE_FIX,
                    )
            version = conn.execute("PRAGMA data_version").fetchone()[0]
            full = not self._rows or (
                time.monotonic() - self._last_full_scan > self.full_rescan_interval
            )
            if full:
                self._full_scan(conn, schema)
            else:
                self._incremental_scan(conn, schema)
        assert self._conn_ident is not None
        signature = Signature(
            ("sqlite", *self._conn_ident, self._epoch, version, self._local_commits)
        )
        self._last_signature = signature
        return Snapshot(
            entries=dict(self._entries),
            signature=signature,
            issues=list(self._issues.values()),
            read_only_reason=schema.read_only_reason,
        )

    def _select(self, schema: _SchemaInfo) -> str:
        owner = ", ".join(OWNER_COLUMNS) if all(c in schema.columns for c in OWNER_COLUMNS) else ""
        cols = "session_key, updated_at, entry_valid, current_session_id, entry_json"
        return f"SELECT {cols}{', ' + owner if owner else ''} FROM session_nodes"

    def _full_scan(self, conn: sqlite3.Connection, schema: _SchemaInfo) -> None:
        previous_rows, previous_entries = self._rows, self._entries
        self._rows, self._entries = {}, {}
        # Repeated field values (channel, model, route...) stored once across the rows read.
        self._sharer = codec.ValueSharer()
        try:
            for row in conn.execute(self._select(schema) + " ORDER BY rowid"):
                self._take_row(row, previous_entries, previous_rows)
        finally:
            self._sharer = None
        self._issues = {k: v for k, v in self._issues.items() if k in self._entries}
        self._last_full_scan = time.monotonic()
        self.full_reads += 1

    def _incremental_scan(self, conn: sqlite3.Connection, schema: _SchemaInfo) -> None:
        # The (updated_at, session_key) index gives every key with its updated_at without
        # touching the entry text; only rows whose updated_at or validity moved are re-read.
        current: dict[str, Any] = dict(
            conn.execute("SELECT session_key, updated_at FROM session_nodes ORDER BY updated_at")
        )
        not_valid = dict(
            conn.execute(
                "SELECT session_key, entry_valid FROM session_nodes WHERE entry_valid != 1"
            )
        )
        suspects, self._suspects = self._suspects, set()
        changed = [
            key
            for key, updated_at in current.items()
            if key in suspects
            or (seen := self._rows.get(key)) is None
            or seen.updated_at != updated_at
            or (seen.entry_valid != 1) != (key in not_valid)
            or (key in not_valid and seen.entry_valid != not_valid[key])
        ]
        for key in [k for k in self._rows if k not in current]:
            self._forget(key)
        self._reread(conn, schema, changed)
        self.incremental_reads += 1

    def _reread(self, conn: sqlite3.Connection, schema: _SchemaInfo, keys: list[str]) -> None:
        for row in self._fetch(conn, schema, keys):
            self._take_row(row, self._entries, self._rows)
        self.rows_reread += len(keys)

    @staticmethod
    def _row_state(row: tuple[Any, ...]) -> _Row:
        owner = tuple(row[5:10]) if len(row) >= 10 else (None,) * 5
        return _Row(row[1], row[2], row[3], _text_digest(row[4]), owner)

    def _take_row(
        self,
        row: tuple[Any, ...],
        previous_entries: Mapping[str, Any],
        previous_rows: Mapping[str, _Row],
        known: Any = None,
    ) -> None:
        key = row[0]
        state = self._row_state(row)
        seen = previous_rows.get(key)
        self._rows[key] = state
        text = row[4]
        if state.entry_valid == -1 and text == TOMBSTONE_JSON:
            # OpenClaw's delete: the row stays (keeping the session's window), the entry is gone.
            self._entries.pop(key, None)
            self._issues.pop(key, None)
            return
        if known is not None:
            # A row we just wrote: publish the caller's own dict, no decoding.
            self._issues.pop(key, None)
            self._entries[key] = known
        elif seen == state and key in previous_entries:
            # Unchanged row: keep the very same entry object (and its issue, if any), so
            # consumers can diff by identity.
            self._entries[key] = previous_entries[key]
        else:
            self._issues.pop(key, None)
            self._entries[key] = self._entry_from_row(key, state, text)

    def _entry_from_row(self, key: str, row: _Row, text: Any) -> Any:
        repeated: list[str] = []
        try:
            entry, repeated = decode_entry(text) if isinstance(text, str) else (None, [])
        except ValueError as exc:
            self._issues[key] = Issue(
                key,
                "invalid_json",
                f"row {key!r} holds entry_json that is not valid JSON ({exc}); it is kept "
                "untouched and hidden from the session list",
            )
            return text
        if not isinstance(entry, dict):
            problem = entry_problem(key, entry)
            code, message = problem or ("not_an_object", f"row {key!r} is not an object")
            self._issues[key] = Issue(key, code, message)
            return entry
        owner = owner_from_columns(row.owner)
        if owner is not None:
            entry["owner"] = owner
        if self._sharer is not None:
            with contextlib.suppress(TypeError):  # a value only the exact parser reads: as is
                self._sharer.share({key: entry})
        problem = entry_problem(key, entry)
        if repeated:
            # As for a sessions.json that repeats keys: shown (the last value wins, as in
            # JavaScript), but never written back, which would drop the other values.
            names = ", ".join(sorted({repr(name) for name in repeated})[:5])
            self._issues[key] = Issue(
                key,
                DUPLICATE_KEYS,
                f"row {key!r} repeats fields in its entry_json ({names}); only the last of each "
                "is shown, and writing the row is refused because it would drop the others "
                "(remove the duplicates by hand)",
            )
        elif problem is not None:
            self._issues[key] = Issue(key, problem[0], problem[1])
        elif (
            entry.get("sessionId") != row.current_session_id
            or entry.get("updatedAt") != row.updated_at
        ):
            self._issues[key] = Issue(
                key,
                "row_mismatch",
                f"row {key!r}: its sessionId/updatedAt differ from the row's current_session_id/"
                "updated_at, so OpenClaw treats it as needing repair (openclaw doctor --fix); "
                "saving it from openclaw-tui writes them consistently",
            )
        elif row.entry_valid == -1:
            self._issues[key] = Issue(
                key, "invalid_row", f"OpenClaw marked row {key!r} invalid (entry_valid = -1)"
            )
        return entry

    # -- writing -------------------------------------------------------------------------------

    def commit(self, base: Signature | None, changes: Changes) -> Signature:
        with self._mutex:
            if self.read_only:
                raise StoreReadOnlyError(self.path, "the store is open read-only")
            if self.write_refusal is not None:
                raise StoreReadOnlyError(self.path, self.write_refusal)
            conn = self._connection()
            if conn is None:
                raise StoreWriteError(
                    self.path,
                    "the SQLite store does not exist, and openclaw-tui never creates OpenClaw's "
                    "schema",
                    fix="start the OpenClaw Gateway once for this agent, or use a sessions.json",
                )
            rows = self._prepare(changes)
            touched = [key for key, _, _ in rows] + sorted(changes.removed)
            result: list[Signature] = []
            written: list[tuple[Any, ...]] = []

            def attempt() -> None:
                with self._transaction(conn, "BEGIN IMMEDIATE"):
                    schema = self._schema_info(conn)
                    if schema.read_only_reason is not None:
                        raise StoreReadOnlyError(self.path, schema.read_only_reason)
                    now = self._current_signature(conn)
                    foreign = base is None or now.parts != base.parts
                    # Something else may have committed since the batch's base. The gateway
                    # writes transcripts all the time, so that is only a conflict when a row
                    # this batch touches moved (rows are independent); the rows are compared in
                    # any case, because a writer that keeps updated_at is invisible to the
                    # incremental read. Without a conflict the batch goes in, and the returned
                    # signature keeps the base's version so the engine still reads the foreign
                    # changes afterwards.
                    if foreign and (base is None or base != self._last_signature):
                        raise ConflictError(str(self.path))
                    existing = self._rows_moved(conn, schema, touched)
                    if existing is None:
                        raise ConflictError(str(self.path))
                    stale = base.parts[_VERSION] if foreign and base is not None else None
                    self._check_size_after(conn, rows, touched)
                    self._apply(conn, schema, rows, changes.removed, existing)
                    # The rows as committed, read in the same transaction: read after COMMIT,
                    # a foreign write in between would be taken for ours and never re-read.
                    written[:] = self._fetch(conn, schema, touched)
                    parts = list(now.parts)
                    parts[_COMMITS] = self._local_commits + 1
                    if stale is not None:
                        parts[_VERSION] = stale
                    result[:] = [Signature(tuple(parts))]

            try:
                self._retry_busy(attempt, "writing to it")
            except sqlite3.Error as exc:
                raise self._write_error(exc) from None
            except UnicodeEncodeError as exc:  # _prepare makes every value UTF-8; a last guard
                raise StoreWriteError(
                    self.path, f"a value cannot be stored as UTF-8 ({exc}); nothing was written"
                ) from None
            self._local_commits += 1
            self._remember_commit(written, rows, touched)
            self._last_signature = result[0]
            return result[0]

    # -- the size limit ---------------------------------------------------------------------------

    def _stored_bytes_bound(self) -> int:
        """An upper bound of the rows' bytes that costs two stats: the database and its WAL."""
        total = 0
        for name in (str(self.path), f"{self.path}-wal"):
            with suppress(OSError):
                total += os.stat(name).st_size
        return total

    def _entry_json_bytes(self, conn: sqlite3.Connection, skip: Iterable[str] = ()) -> int:
        """The bytes of every row's entry_json (but ``skip``'s), without reading any of them: a
        blob handle knows a value's size from its record header (~1.4 us a row)."""
        skipped = set(skip)
        total = 0
        for rowid, key in conn.execute("SELECT rowid, session_key FROM session_nodes"):
            if key in skipped:
                continue
            try:
                with conn.blobopen("session_nodes", "entry_json", rowid, readonly=True) as blob:
                    total += len(blob)
            except sqlite3.Error:  # NULL or a number: no text to count
                continue
        return total

    def _check_size_after(
        self,
        conn: sqlite3.Connection,
        rows: list[tuple[str, dict[str, Any], str]],
        touched: list[str],
    ) -> None:
        """Refuse a batch whose rows would be over ``max_bytes``: the next read would refuse the
        store. Runs inside the write transaction, so the sizes are those being replaced."""
        if self.max_bytes is None:
            return
        added = sum(len(text.encode("utf-8")) for _, _, text in rows)
        added += len(TOMBSTONE_JSON) * (len(touched) - len(rows))
        if self._stored_bytes_bound() + added <= self.max_bytes:
            return
        total = self._entry_json_bytes(conn, skip=touched) + added
        if total > self.max_bytes:
            raise write_too_large(self.path, total, self.max_bytes)

    def _current_signature(self, conn: sqlite3.Connection) -> Signature:
        version = conn.execute("PRAGMA data_version").fetchone()[0]
        assert self._conn_ident is not None
        return Signature(("sqlite", *self._conn_ident, self._epoch, version, self._local_commits))

    def _rows_moved(
        self, conn: sqlite3.Connection, schema: _SchemaInfo, keys: list[str]
    ) -> set[str] | None:
        """None if any of ``keys`` differs in the database from the row we last read, else the
        set of those keys that have a row."""
        found = {row[0]: self._row_state(row) for row in self._fetch(conn, schema, keys)}
        moved = {key for key in keys if found.get(key) != self._rows.get(key)}
        if moved:
            # Make sure the re-read that follows the conflict takes these rows, whatever their
            # updated_at says (OpenClaw's preserveActivity patches keep it).
            self._suspects |= moved
            return None
        return set(found)

    def _prepare(self, changes: Changes) -> list[tuple[str, dict[str, Any], str]]:
        """Check every upsert before touching the database: (key, entry, entry_json)."""
        key = ""
        try:
            prepared: list[tuple[str, dict[str, Any], str]] = []
            for key in [*changes.upserts, *changes.removed]:
                issue = self._issues.get(key)
                if issue is not None and issue.code == DUPLICATE_KEYS:
                    raise StoreReadOnlyError(self.path, issue.message)
                if not _utf8_ok(key):
                    raise StoreWriteError(
                        self.path,
                        f"the session key {key!r} holds a lone surrogate (half of a UTF-16 pair), "
                        "which SQLite's UTF-8 text cannot store; nothing was written",
                        fix="use a key made of whole characters",
                    )
            for key, entry in changes.upserts.items():
                if not isinstance(entry, dict):
                    raise StoreWriteError(
                        self.path,
                        f"entry {key!r} is not an object; OpenClaw cannot read such a row",
                        fix="edit the entry into an object first",
                    )
                session_id = entry.get("sessionId")
                if not is_safe_session_id(session_id) or session_id != session_id.strip():
                    raise StoreWriteError(
                        self.path,
                        f"entry {key!r} has no valid sessionId ({session_id!r}); OpenClaw rejects "
                        "such a row and then refuses the whole store",
                        fix="give the entry a sessionId like a UUID",
                    )
                if _int(entry.get("updatedAt")) is None:
                    raise StoreWriteError(
                        self.path,
                        f"entry {key!r} has no integral updatedAt ({entry.get('updatedAt')!r}); "
                        "OpenClaw requires a millisecond timestamp in every row",
                        fix="set updatedAt to the current time in milliseconds",
                    )
                for field in ("spawnedBy", "parentSessionKey"):
                    if (
                        field in entry
                        and entry[field] is not None
                        and not isinstance(entry[field], str)
                    ):
                        raise StoreWriteError(
                            self.path,
                            f"entry {key!r} has a {field} that is not a string; OpenClaw would "
                            "refuse the store",
                            fix=f"make {field} a session key or remove it",
                        )
                row = entry
                if owner_to_columns(entry.get("owner")) is not None:
                    # A well-formed owner lives in the owner columns (authoritative; OpenClaw
                    # projects them back onto the entry). Anything else stays in the entry as is.
                    row = {k: v for k, v in entry.items() if k != "owner"}
                prepared.append((key, entry, encode_entry(row)))
            return prepared
        except StoreError as exc:
            # Only this row is refused and nothing was written: the writer lands the others.
            exc.row_key = key
            raise

    def _apply(
        self,
        conn: sqlite3.Connection,
        schema: _SchemaInfo,
        rows: list[tuple[str, dict[str, Any], str]],
        removed: Iterable[str],
        existing: set[str],
    ) -> None:
        owner_columns = all(c in schema.columns for c in OWNER_COLUMNS)
        for key, entry, text in rows:
            if key not in existing:
                self._check_new_key(key)
            values = {
                "current_session_id": entry["sessionId"],
                "entry_json": text,
                "updated_at": _int(entry["updatedAt"]),
            }
            values.update(
                (col, value)
                for col, value in mirrored_columns(entry).items()
                if col in schema.columns
            )
            if owner_columns:
                owner = owner_to_columns(entry.get("owner"))
                values.update(zip(OWNER_COLUMNS, owner or (None,) * 5, strict=True))
            names = list(values)
            if key not in existing:
                conn.execute(
                    f"INSERT INTO session_nodes (session_key, {', '.join(names)}) "
                    f"VALUES (?, {', '.join('?' * len(names))})",
                    [key, *(values[n] for n in names)],
                )
            else:
                conn.execute(
                    f"UPDATE session_nodes SET {', '.join(f'{n} = ?' for n in names)} "
                    "WHERE session_key = ?",
                    [*(values[n] for n in names), key],
                )
            # The triggers have just reset entry_valid to 0; the row passed OpenClaw's identity
            # check in _prepare (sessionId/updatedAt present and equal to the columns), so it is
            # certified valid in the same transaction, as OpenClaw's own writer does.
            conn.execute("UPDATE session_nodes SET entry_valid = 1 WHERE session_key = ?", (key,))
            if schema.has_windows:
                display = _text(entry.get("displayName")) or _text(entry.get("label"))
                conn.execute(
                    "UPDATE session_windows SET updated_at = max(updated_at, ?), "
                    "display_name = ? WHERE session_id = ? AND session_key = ?",
                    (values["updated_at"], display, entry["sessionId"], key),
                )
        for key in removed:
            self._delete_row(conn, schema, key)

    def _check_new_key(self, key: str) -> None:
        canonical = canonical_key(key)
        suggestion = canonical if canonical.startswith("agent:") else f"agent:main:{canonical}"
        if key != canonical or not (key.startswith("agent:") or key in ("global", "unknown")):
            refusal = StoreWriteError(
                self.path,
                f"the new session key {key!r} is not in OpenClaw's canonical form; OpenClaw "
                "2026.9.6 refuses the whole store when a row's key is not canonical",
                fix=f"use {suggestion!r}",
            )
            refusal.row_key = key  # raised inside the transaction, which is rolled back
            raise refusal

    def _delete_row(self, conn: sqlite3.Connection, schema: _SchemaInfo, key: str) -> None:
        row = conn.execute(
            "SELECT current_session_id FROM session_nodes WHERE session_key = ?", (key,)
        ).fetchone()
        if row is None:
            return
        windows = [
            window[0]
            for window in (
                conn.execute(
                    "SELECT session_id FROM session_windows WHERE session_key = ? "
                    "ORDER BY updated_at DESC, session_id",
                    (key,),
                )
                if schema.has_windows
                else []
            )
        ]
        if not windows:
            conn.execute("DELETE FROM session_nodes WHERE session_key = ?", (key,))
            return
        # A tombstone as OpenClaw writes it: the row keeps pointing at a window of this key, so
        # the windows and transcripts stay reachable. A session we reset has no window yet
        # (OpenClaw makes it on its next write): then the newest window this key has is kept.
        retained = row[0] if row[0] in windows else windows[0]
        conn.execute(
            "UPDATE session_nodes SET entry_json = ?, current_session_id = ?, label = NULL, "
            "display_name = NULL WHERE session_key = ?",
            (TOMBSTONE_JSON, retained, key),
        )
        conn.execute("UPDATE session_nodes SET entry_valid = -1 WHERE session_key = ?", (key,))

    def _fetch(
        self, conn: sqlite3.Connection, schema: _SchemaInfo, keys: list[str]
    ) -> Iterator[tuple[Any, ...]]:
        """The rows of ``keys`` (those that exist), queried ``_IN_CHUNK`` keys at a time."""
        query = self._select(schema)
        for start in range(0, len(keys), _IN_CHUNK):
            chunk = keys[start : start + _IN_CHUNK]
            marks = ",".join("?" * len(chunk))
            yield from conn.execute(f"{query} WHERE session_key IN ({marks})", chunk)

    def _remember_commit(
        self,
        written: list[tuple[Any, ...]],
        rows: list[tuple[str, dict[str, Any], str]],
        keys: list[str],
    ) -> None:
        """Record our own rows as seen, so the next read neither re-reads nor re-decodes them."""
        entries = {key: entry for key, entry, _ in rows}
        found: set[str] = set()
        for row in written:
            found.add(row[0])
            self._take_row(row, self._entries, self._rows, entries.get(row[0]))
        for key in keys:
            if key not in found:
                self._forget(key)

    def _forget_all(self) -> None:
        self._rows, self._entries, self._issues = {}, {}, {}

    def _forget(self, key: str) -> None:
        self._rows.pop(key, None)
        self._entries.pop(key, None)
        self._issues.pop(key, None)

    def watch_paths(self) -> list[Path]:
        return [self.path.parent]

    def watch_filter(self, path: Path) -> bool:
        # The -shm file changes on every read (ours too); the db, WAL and journal carry commits.
        name = self.path.name
        return path.name in (name, f"{name}-wal", f"{name}-journal")


def peek_newest(
    path: Path, count: int, min_bytes: int, max_bytes: int | None = None
) -> tuple[dict[str, Any], int] | None:
    """``SqliteBackend.newest`` of a database of at least ``min_bytes`` (a smaller one is read
    whole before the first paint anyway), through a read-only connection of its own that waits
    for no lock (busy: None, the store's read then says so)."""
    try:
        size = os.stat(path).st_size
    except OSError:
        return None
    if size < min_bytes or (max_bytes is not None and size > max_bytes):
        return None
    backend = SqliteBackend(path, read_only=True, busy_slice=0.0)
    try:
        return backend.newest(count)
    finally:
        backend.close()
