"""Session transcripts of file stores: 7.35 JSONL files and 9.6 ``transcript_events`` rows.

``open_file_transcript(store_path, key, entry)`` gives the ``TranscriptSource`` of one session of
the store at ``store_path`` (a ``sessions.json`` or an ``openclaw-agent.sqlite``). It never raises
for what the entry or the disk holds: a transcript that cannot be shown is a
``TranscriptUnavailable`` naming the path, returned by ``tail`` and yielded by ``follow``.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

from openclaw_tui.store.codec import is_safe_session_id
from openclaw_tui.store.transcript_model import TranscriptUpdate
from openclaw_tui.store.transcripts.base import (
    MAX_TEXT_CHARS,
    TranscriptPage,
    TranscriptSource,
    TranscriptUnavailable,
)
from openclaw_tui.store.transcripts.jsonl import JsonlTranscript
from openclaw_tui.store.transcripts.paths import resolve_transcript_path
from openclaw_tui.store.transcripts.sqlite import SqliteTranscript

__all__ = [
    "MAX_TEXT_CHARS",
    "JsonlTranscript",
    "SqliteTranscript",
    "TranscriptPage",
    "TranscriptSource",
    "TranscriptUnavailable",
    "UnavailableTranscript",
    "open_file_transcript",
    "resolve_transcript_path",
]


class UnavailableTranscript:
    """The source of a session whose transcript cannot be opened at all (refused path, no id)."""

    def __init__(self, problem: TranscriptUnavailable) -> None:
        self.problem = problem
        self._stop = asyncio.Event()

    @property
    def path(self) -> str:
        return self.problem.path

    async def tail(self, n_items: int) -> TranscriptPage | TranscriptUnavailable:
        return self.problem

    async def earlier(self, n_items: int) -> TranscriptPage | TranscriptUnavailable:
        return self.problem

    async def follow(self) -> AsyncIterator[TranscriptUpdate]:
        yield self.problem.update()
        await self._stop.wait()

    async def close(self) -> None:
        self._stop.set()


def _is_sqlite(path: Path) -> bool:
    if path.suffix in (".sqlite", ".json"):
        return path.suffix == ".sqlite"
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)
    except OSError:
        return False
    try:
        return os.read(fd, 16) == b"SQLite format 3\x00"
    except OSError:
        return False
    finally:
        os.close(fd)


def open_file_transcript(
    store_path: Path | str, key: str, entry: Mapping[str, Any]
) -> TranscriptSource:
    """The transcript of session ``key`` (whose entry is ``entry``) in the store at ``store_path``.

    ``sessions.json``: the JSONL file named by ``sessionFile`` or ``<sessionId>.jsonl`` in the
    store's directory, never outside it. ``openclaw-agent.sqlite``: the ``transcript_events`` rows
    of the entry's ``sessionId``. Cheap: nothing is read until ``tail``.
    """
    path = Path(store_path)
    if _is_sqlite(path):
        session_id = entry.get("sessionId")
        if not is_safe_session_id(session_id):
            return UnavailableTranscript(
                TranscriptUnavailable(
                    str(path),
                    "no_session",
                    f"session {key!r} has no usable sessionId, so it has no transcript",
                )
            )
        return SqliteTranscript(path, str(session_id).strip())
    resolved = resolve_transcript_path(path.parent, entry)
    if isinstance(resolved, TranscriptUnavailable):
        return UnavailableTranscript(resolved)
    return JsonlTranscript(resolved)
