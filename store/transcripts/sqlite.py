"""OpenClaw 2026.9.6 transcripts: ``transcript_events`` rows of ``openclaw-agent.sqlite``.

Each row holds one entry, the same JSON as a 7.35 JSONL line, either as text (``event_json``) or
zstd-compressed (``event_zstd``, with its decompressed size in ``event_utf8_bytes``, at most 4 MiB
by the table's CHECK). OpenClaw keeps the active branch in ``session_transcript_active_events``
(``active_position`` → ``event_seq``): we read that order, from the end, a page at a time, never
all rows. A session whose active index is missing (no rows there although it has events, or
``needs_rebuild``) is shown in ``seq`` order along its ``parentId`` chain, read backwards the same
way. Rows OpenClaw has written but not yet indexed appear once it indexes them.

The connection is read-only (``mode=ro``); no transaction is held between calls. ``follow`` polls
``PRAGMA data_version`` (it changes when another connection commits), which is cheap and needs no
watcher on the WAL file.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from pathlib import Path
from typing import Any

from openclaw_tui.store.transcript_model import TranscriptItem
from openclaw_tui.store.transcripts.base import (
    RETAIL,
    FileTranscript,
    PollResult,
    TranscriptPage,
    TranscriptUnavailable,
)
from openclaw_tui.store.transcripts.entries import Node, entry_node
from openclaw_tui.store.transcripts.jsonl import (
    HEAD_BYTES,
    HUGE_LINE_BYTES,
    _huge_node,
    _Line,
    _loads,
)
from openclaw_tui.store.transcripts.zstd import ZstdError, decompress

POLL_S = 0.25
"""How often ``follow`` checks ``data_version``."""
PAGE_ROWS = 64
FOLLOW_MAX_ROWS = 512
"""More new rows than this at once are not replayed item by item: the tail is read again."""
ZSTD_MAX_BYTES = 4 * 1024 * 1024
"""OpenClaw's own bound on one compressed event (the table's CHECK); more is refused as corrupt."""

_COLUMNS = (
    "e.seq, e.event_utf8_bytes, e.event_zstd, "
    f"CASE WHEN e.event_utf8_bytes > {HUGE_LINE_BYTES} THEN substr(e.event_json, 1, {HEAD_BYTES}) "
    "ELSE e.event_json END"
)


class SqliteTranscript(FileTranscript):
    """``TranscriptSource`` of one session id in an ``openclaw-agent.sqlite``."""

    def __init__(self, db_path: Path, session_id: str) -> None:
        super().__init__()
        self._db = db_path
        self._session_id = session_id
        self._conn: sqlite3.Connection | None = None
        self._reset_state()

    @property
    def path(self) -> str:
        return f"{self._db} (session {self._session_id})"

    def _reset_state(self) -> None:
        self._indexed = True
        self._oldest_position: int | None = None  # active index: next page ends before it
        self._last_position = -1  # active index: the newest position returned
        self._last_seq: int | None = None  # the event at _last_position
        self._cursor_seq: int | None = None  # seq walk: the next older seq to look at
        self._chain_next: str | None = None  # seq walk: the id the branch continues with
        self._held: list[TranscriptItem] = []  # walked, not yet returned (newest first)
        self._skipped = 0
        self._version: int | None = None
        self._mark: tuple[int, int] = (-1, -1)  # (max seq, max active position) last seen

    # -- connection --

    def _connect(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = sqlite3.connect(
                f"{self._db.resolve().as_uri()}?mode=ro",
                uri=True,
                isolation_level=None,
                check_same_thread=False,
                timeout=2.0,
            )
            conn.execute("PRAGMA query_only = ON")
            self._conn = conn
        return self._conn

    def _close_conn(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()
        self._conn = None

    def _error_of(self, exc: sqlite3.Error | OSError) -> TranscriptUnavailable:
        self._close_conn()
        name = getattr(exc, "sqlite_errorname", "") or ""
        if isinstance(exc, sqlite3.Error) and name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
            return TranscriptUnavailable(
                str(self._db), "corrupt", "the database is damaged; its transcript cannot be read"
            )
        if not self._db.exists():
            return TranscriptUnavailable(str(self._db), "missing", "the database does not exist")
        return TranscriptUnavailable(
            str(self._db), "unreadable", f"cannot read the session's transcript: {exc}"
        )

    # -- rows to nodes --

    def _node(self, row: tuple[Any, ...]) -> Node | None:
        _seq, size, compressed, text = row
        if compressed is not None:
            try:
                data = decompress(
                    bytes(compressed), min(int(size or ZSTD_MAX_BYTES), ZSTD_MAX_BYTES)
                )
            except (ZstdError, ValueError, TypeError):
                return None
            return entry_node(_loads(data))
        if not isinstance(text, str):
            return None
        raw = text.encode("utf-8", "surrogatepass")
        if isinstance(size, int) and size > HUGE_LINE_BYTES:
            return _huge_node(_Line(0, size, raw, huge=True))
        return entry_node(_loads(raw))

    def _items_of(self, rows: list[tuple[Any, ...]]) -> list[TranscriptItem]:
        """Items of rows given newest first, newest first."""
        out: list[TranscriptItem] = []
        for row in rows:
            node = self._node(row)
            if node is None:
                self._skipped += 1
                continue
            out.extend(reversed(node.items))
        return out

    # -- active index --

    def _uses_index(self, conn: sqlite3.Connection) -> bool:
        state = conn.execute(
            "SELECT needs_rebuild FROM session_transcript_index_state WHERE session_id = ?",
            (self._session_id,),
        ).fetchone()
        if state is not None and state[0]:
            return False
        has_active = conn.execute(
            "SELECT 1 FROM session_transcript_active_events WHERE session_id = ? LIMIT 1",
            (self._session_id,),
        ).fetchone()
        if has_active:
            return True
        has_events = conn.execute(
            "SELECT 1 FROM transcript_events WHERE session_id = ? LIMIT 1", (self._session_id,)
        ).fetchone()
        return not has_events

    def _active_rows(
        self, conn: sqlite3.Connection, before: int | None, after: int | None, limit: int
    ) -> list[tuple[Any, ...]]:
        where = "a.session_id = ?"
        args: list[Any] = [self._session_id]
        if before is not None:
            where += " AND a.active_position < ?"
            args.append(before)
        if after is not None:
            where += " AND a.active_position > ?"
            args.append(after)
        order = "ASC" if after is not None else "DESC"
        return conn.execute(
            f"SELECT a.active_position, {_COLUMNS} FROM session_transcript_active_events a "
            "JOIN transcript_events e ON e.session_id = a.session_id AND e.seq = a.event_seq "
            f"WHERE {where} ORDER BY a.active_position {order} LIMIT ?",
            (*args, limit),
        ).fetchall()

    def _walk_index(self, conn: sqlite3.Connection, n_items: int) -> bool:
        """Fill ``_held`` with at least ``n_items`` items (if there are); True if more remain."""
        more = True
        while len(self._held) < n_items and more:
            rows = self._active_rows(conn, self._oldest_position, None, PAGE_ROWS)
            more = len(rows) == PAGE_ROWS
            if not rows:
                break
            if self._last_seq is None:
                self._last_position, self._last_seq = rows[0][0], rows[0][1]
            self._oldest_position = rows[-1][0]
            self._held.extend(self._items_of([row[1:] for row in rows]))
        if self._oldest_position is not None and self._oldest_position <= 0:
            more = False
        return more

    # -- fallback: seq order along parentId --

    def _walk_seq(self, conn: sqlite3.Connection, n_items: int) -> bool:
        more = True
        while len(self._held) < n_items and more:
            where = "e.session_id = ?"
            args: list[Any] = [self._session_id]
            if self._cursor_seq is not None:
                where += " AND e.seq < ?"
                args.append(self._cursor_seq)
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM transcript_events e WHERE {where} "
                "ORDER BY e.seq DESC LIMIT ?",
                (*args, PAGE_ROWS),
            ).fetchall()
            more = len(rows) == PAGE_ROWS
            for row in rows:
                self._cursor_seq = row[0]
                if self._last_seq is None:
                    self._last_seq = row[0]
                node = self._node(row)
                if node is None:
                    self._skipped += 1
                    continue
                if node.is_header or node.id is None:
                    continue
                if self._chain_next is None and not self._held:
                    self._chain_next = node.leaf_target or node.id
                if node.id != self._chain_next:
                    continue  # not on the active branch
                self._chain_next = node.parent_id
                self._held.extend(reversed(node.items))
            if not rows:
                break
        return more and self._chain_next is not None

    # -- pages --

    def _take(self, conn: sqlite3.Connection, n_items: int) -> TranscriptPage:
        more = self._walk_index(conn, n_items) if self._indexed else self._walk_seq(conn, n_items)
        items = self._held[:n_items]
        self._held = self._held[n_items:]
        return TranscriptPage(
            self.path, tuple(reversed(items)), bool(self._held) or more, self._skipped
        )

    def _tail_sync(self, n_items: int) -> TranscriptPage | TranscriptUnavailable:
        with self._mutex:
            try:
                conn = self._connect()
                conn.execute("BEGIN")
                try:
                    self._reset_state()
                    self._version = conn.execute("PRAGMA data_version").fetchone()[0]
                    self._mark = self._latest(conn)
                    self._indexed = self._uses_index(conn)
                    return self._take(conn, n_items)
                finally:
                    conn.execute("COMMIT")
            except (sqlite3.Error, OSError) as exc:
                return self._error_of(exc)

    def _earlier_sync(self, n_items: int) -> TranscriptPage | TranscriptUnavailable:
        with self._mutex:
            try:
                return self._take(self._connect(), n_items)
            except (sqlite3.Error, OSError) as exc:
                return self._error_of(exc)

    def _latest(self, conn: sqlite3.Connection) -> tuple[int, int]:
        """(newest seq, newest active position): what changes when the transcript grows."""
        seq = conn.execute(
            "SELECT max(seq) FROM transcript_events WHERE session_id = ?", (self._session_id,)
        ).fetchone()[0]
        position = conn.execute(
            "SELECT max(active_position) FROM session_transcript_active_events "
            "WHERE session_id = ?",
            (self._session_id,),
        ).fetchone()[0]
        return (-1 if seq is None else seq, -1 if position is None else position)

    # -- following --

    def _poll_sync(self) -> PollResult:
        with self._mutex:
            try:
                conn = self._connect()
                version = conn.execute("PRAGMA data_version").fetchone()[0]
                if version == self._version:
                    return None
                conn.execute("BEGIN")
                try:
                    self._version = version
                    latest = self._latest(conn)
                    if latest == self._mark:
                        return None
                    if latest[0] < self._mark[0] or not self._indexed:
                        return RETAIL
                    if self._last_seq is not None:
                        row = conn.execute(
                            "SELECT event_seq FROM session_transcript_active_events "
                            "WHERE session_id = ? AND active_position = ?",
                            (self._session_id, self._last_position),
                        ).fetchone()
                        if row is None or row[0] != self._last_seq:
                            return RETAIL  # the branch moved under what is shown
                    rows = self._active_rows(conn, None, self._last_position, FOLLOW_MAX_ROWS + 1)
                    if len(rows) > FOLLOW_MAX_ROWS:
                        return RETAIL  # too many at once to replay: show the new tail
                    self._mark = latest
                    if not rows:
                        return None
                    self._last_position, self._last_seq = rows[-1][0], rows[-1][1]
                    items = list(reversed(self._items_of([row[1:] for row in reversed(rows)])))
                    return tuple(items) or None
                finally:
                    conn.execute("COMMIT")
            except (sqlite3.Error, OSError) as exc:
                return self._error_of(exc)

    # -- waiting for the next change (FileTranscript) --

    async def _wait_for_change(self) -> None:
        # Polled: _poll_sync asks PRAGMA data_version whether anything was committed.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), POLL_S)

    def _close_sync(self) -> None:
        with self._mutex:
            self._close_conn()
