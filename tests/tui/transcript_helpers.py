"""Builders and Pilot steps shared by the transcript view's tests and snapshots."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from openclaw_tui.tui.transcript_screen import TranscriptScreen
from tests.transcripts.helpers import message
from tests.tui.helpers import copy_small_store, started, wait_until


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Timestamps are shown in local time: pin it, so expectations do not depend on the host."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def texts(screen: TranscriptScreen) -> str:
    return "\n".join(screen.view.rendered_text())


def shown_lines(screen: TranscriptScreen) -> list[str]:
    """The lines on screen now (render_line of each visible row)."""
    view = screen.view
    return [view.render_line(y).text for y in range(view.scrollable_content_region.height)]


async def open_transcript(pilot: Pilot, key: str | None = None) -> TranscriptScreen:
    screen = await started(pilot)
    if key is not None:
        await wait_until(pilot, lambda: screen.table.move_cursor_to_key(key), what=key)
    await pilot.press("v")
    app = pilot.app
    await wait_until(pilot, lambda: isinstance(app.screen, TranscriptScreen), what="the screen")
    transcript = app.screen
    assert isinstance(transcript, TranscriptScreen)
    await wait_until(pilot, lambda: transcript.loaded, what="the tail")
    await pilot.pause()
    return transcript


def write_transcript(path: Path, entries: list[dict[str, Any]]) -> None:
    header = {"type": "session", "version": 3, "id": "s", "timestamp": "2026-12-02T07:00:00.000Z"}
    path.write_text("".join(json.dumps(e) + "\n" for e in [header, *entries]), encoding="utf-8")


def chain(count: int, prefix: str = "m", parent: str | None = None) -> list[dict[str, Any]]:
    """``count`` alternating user / assistant messages, each a child of the one before."""
    entries = []
    for n in range(count):
        entry_id = f"{prefix}{n}"
        role = "user" if n % 2 == 0 else "assistant"
        content: Any = f"{prefix} message {n}"
        if role == "assistant":
            content = [{"type": "text", "text": content}]
        entries.append(message(entry_id, parent, role, content))
        parent = entry_id
    return entries


def small_store_with_transcript(tmp_path: Path, key: str, entries: list[dict[str, Any]]) -> Path:
    """The 12 real sessions; ``key``'s transcript (``<sessionId>.jsonl``) holds ``entries``."""
    store = copy_small_store(tmp_path)
    session_id = json.loads(store.read_text())[key]["sessionId"]
    path = store.parent / f"{session_id}.jsonl"
    write_transcript(path, entries)
    return path
