"""When each session's file transcript was last written: the stall detector's view of a run.

A run that keeps writing its transcript is alive even when its store entry stays unchanged
(OpenClaw updates the entry at the start and the end of a run). ``transcript_written_ms`` says
when the transcripts of some sessions were last written, cheaply and without reading them:

- 7.35 ``sessions.json``: the JSONL file's modification time (the path as ``open_file_transcript``
  resolves it, never outside the sessions directory);
- 9.6 ``openclaw-agent.sqlite``: ``created_at`` (epoch ms) of the session's newest
  ``transcript_events`` row (the primary key's order, one indexed lookup per session).

Blocking: call it in a worker thread. A session whose transcript is missing, refused or
unreadable is left out (no sign of activity), never an error.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from openclaw_tui.store.codec import is_safe_session_id
from openclaw_tui.store.transcripts.paths import resolve_transcript_path

__all__ = ["transcript_written_ms"]


def _is_sqlite(path: Path) -> bool:
    from openclaw_tui.store.transcripts import _is_sqlite as is_sqlite

    return is_sqlite(path)


def _jsonl_written(sessions_dir: Path, entry: Mapping[str, Any]) -> int | None:
    resolved = resolve_transcript_path(sessions_dir, entry)
    if not isinstance(resolved, Path):
        return None
    try:
        return os.stat(resolved).st_mtime_ns // 1_000_000
    except OSError:
        return None


def _sqlite_written(db: Path, entries: Mapping[str, Mapping[str, Any]]) -> dict[str, int]:
    found: dict[str, int] = {}
    try:
        conn = sqlite3.connect(
            f"{db.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None, timeout=1.0
        )
    except (sqlite3.Error, OSError):
        return found
    try:
        conn.execute("PRAGMA query_only = ON")
        for key, entry in entries.items():
            session_id = entry.get("sessionId")
            if not is_safe_session_id(session_id):
                continue
            row = conn.execute(
                "SELECT created_at FROM transcript_events WHERE session_id = ? "
                "ORDER BY seq DESC LIMIT 1",
                (str(session_id).strip(),),
            ).fetchone()
            if row is not None and isinstance(row[0], int) and row[0] > 0:
                found[key] = row[0]
    except sqlite3.Error:
        pass  # an older schema or a damaged file: what was found so far stands
    finally:
        with contextlib.suppress(sqlite3.Error):
            conn.close()
    return found


def transcript_written_ms(
    store_path: Path | str, entries: Mapping[str, Mapping[str, Any]]
) -> dict[str, int]:
    """key -> when that session's transcript was last written (epoch ms), for those known."""
    path = Path(store_path)
    if not entries:
        return {}
    if _is_sqlite(path):
        return _sqlite_written(path, entries)
    found: dict[str, int] = {}
    for key, entry in entries.items():
        written = _jsonl_written(path.parent, entry)
        if written is not None:
            found[key] = written
    return found
