"""Where a session's JSONL transcript is, as OpenClaw resolves it, never outside the sessions dir.

OpenClaw's rule: the entry's ``sessionFile``, preferably relative to the sessions directory (the
one holding ``sessions.json``); an old absolute path written by another state directory is
re-mapped into this one; without ``sessionFile`` the transcript is
``<sessions dir>/<sessionId>.jsonl``. A non-string ``sessionFile`` is ignored
(OpenClaw removes it on load).

The store's existing rule (README "Hostile input", ``codec.is_safe_session_id``): a path that
points outside the sessions directory — ``../``, an absolute path elsewhere, or a symlink whose
target is elsewhere — is never opened or followed, and an unsafe ``sessionId`` is never used as a
path. Such an entry gets a ``TranscriptUnavailable`` naming the value, not a file.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from openclaw_tui.store.codec import is_safe_session_id
from openclaw_tui.store.transcripts.base import TranscriptUnavailable

_OUTSIDE_FIX = (
    "OpenClaw keeps transcripts in the sessions directory; the entry's sessionFile is ignored"
)


def _within(path: str, directory: str) -> bool:
    return path == directory or path.startswith(directory.rstrip(os.sep) + os.sep)


def resolve_transcript_path(
    sessions_dir: Path, entry: Mapping[str, Any]
) -> Path | TranscriptUnavailable:
    """The real path of the entry's transcript inside ``sessions_dir`` (it may not exist yet).

    The result is fully resolved (symlinks followed, checked to stay inside the real sessions
    directory), so opening it with ``O_NOFOLLOW`` follows nothing further.
    """
    base = os.path.realpath(sessions_dir)
    raw = entry.get("sessionFile")
    candidate: str | None = None
    if isinstance(raw, str) and raw.strip():
        value = raw.strip()
        if os.path.isabs(value):
            normal = os.path.normpath(value)
            if _within(normal, os.path.normpath(str(sessions_dir))) or _within(normal, base):
                candidate = normal
            elif os.path.basename(os.path.dirname(normal)) == "sessions":
                # An absolute path from another state directory (moved, or rewritten like the
                # fixtures' /home/operator/...): OpenClaw re-maps it into this sessions dir.
                candidate = os.path.join(base, os.path.basename(normal))
            else:
                return TranscriptUnavailable(
                    value,
                    "outside",
                    "sessionFile points outside the sessions directory",
                    _OUTSIDE_FIX,
                )
        else:
            normal = os.path.normpath(value)
            if normal == ".." or normal.startswith(".." + os.sep) or normal == ".":
                return TranscriptUnavailable(
                    value,
                    "outside",
                    "sessionFile points outside the sessions directory",
                    _OUTSIDE_FIX,
                )
            candidate = os.path.join(base, normal)
    else:
        session_id = entry.get("sessionId")
        if not is_safe_session_id(session_id):
            shown = session_id if isinstance(session_id, str) else str(sessions_dir)
            return TranscriptUnavailable(
                shown,
                "no_session",
                "the entry has no usable sessionId, so it has no transcript file",
            )
        candidate = os.path.join(base, f"{str(session_id).strip()}.jsonl")
    real = os.path.realpath(candidate)
    if not _within(real, base) or real == base:
        return TranscriptUnavailable(
            candidate,
            "outside",
            "the transcript path leads outside the sessions directory (symlink); not followed",
            _OUTSIDE_FIX,
        )
    return Path(real)
