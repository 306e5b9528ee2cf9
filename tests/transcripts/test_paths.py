"""Transcript paths resolve as OpenClaw's do and never leave the sessions directory."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest

from openclaw_tui.store.transcripts import (
    TranscriptPage,
    TranscriptUnavailable,
    open_file_transcript,
    resolve_transcript_path,
)
from tests.transcripts.helpers import MAIN, REAL_TURNS_ID, copy_real_turns

pytestmark = pytest.mark.anyio


class _OpenAudit:
    """Every path the process opens while armed (audit hooks cannot be removed: arm/disarm)."""

    def __init__(self) -> None:
        self.armed = False
        self.seen: list[str] = []
        sys.addaudithook(self._hook)

    def _hook(self, event: str, args: tuple[Any, ...]) -> None:
        if self.armed and event in ("open", "os.open") and args:
            first = args[0]
            if isinstance(first, str | bytes | os.PathLike):
                self.seen.append(os.fsdecode(first))


AUDIT = _OpenAudit()


def test_session_file_relative_absolute_inside_and_fallback(tmp_path):
    sessions = tmp_path / "sessions"
    sessions.mkdir()
    real = Path(os.path.realpath(sessions))
    assert resolve_transcript_path(sessions, {"sessionFile": "a.jsonl"}) == real / "a.jsonl"
    inside = str(sessions / "b.jsonl")
    assert resolve_transcript_path(sessions, {"sessionFile": inside}) == real / "b.jsonl"
    # Written by another state dir (as in the real-turns fixture): re-mapped here.
    moved = {"sessionFile": "/home/operator/.openclaw/agents/main/sessions/c.jsonl"}
    assert resolve_transcript_path(sessions, moved) == real / "c.jsonl"
    assert resolve_transcript_path(sessions, {"sessionId": " s-1 "}) == real / "s-1.jsonl"
    # A non-string sessionFile is ignored, as OpenClaw drops it.
    assert resolve_transcript_path(sessions, {"sessionFile": 7, "sessionId": "s"}) == (
        real / "s.jsonl"
    )


@pytest.mark.parametrize(
    "entry",
    [
        {"sessionFile": "../../outside/secret.jsonl"},
        {"sessionFile": ".."},
        {"sessionFile": "/etc/passwd"},
        {"sessionFile": "link.jsonl"},
        {"sessionFile": "linkdir/secret.jsonl"},
        {"sessionId": "../../outside/secret"},
    ],
)
async def test_paths_outside_the_sessions_dir_are_never_opened(tmp_path, entry):
    outside = tmp_path / "outside"
    outside.mkdir()
    canary = outside / "secret.jsonl"
    canary.write_text('{"type":"message","id":"x","message":{"role":"user","content":"s"}}\n')
    store, _ = copy_real_turns(tmp_path)
    (store.parent / "link.jsonl").symlink_to(canary)
    (store.parent / "linkdir").symlink_to(outside)
    AUDIT.seen.clear()
    AUDIT.armed = True
    try:
        source = open_file_transcript(store, MAIN, entry)
        page = await source.tail(10)
        updates = source.follow()
        update = await anext(updates)
        await source.close()
    finally:
        AUDIT.armed = False
    assert isinstance(page, TranscriptUnavailable)
    assert page.reason in ("outside", "no_session")
    assert update.notice == page.describe() and not update.items
    assert [p for p in AUDIT.seen if p.startswith(str(outside)) or "secret" in p] == []


async def test_a_symlink_inside_the_sessions_dir_is_followed(tmp_path):
    store, _entry = copy_real_turns(tmp_path)
    (store.parent / "alias.jsonl").symlink_to(store.parent / f"{REAL_TURNS_ID}.jsonl")
    source = open_file_transcript(store, MAIN, {"sessionFile": "alias.jsonl"})
    page = await source.tail(3)
    await source.close()
    assert isinstance(page, TranscriptPage) and len(page.items) == 3
