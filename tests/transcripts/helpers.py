"""Shared bits of the transcript tests: fixture paths, entry builders, follow with a timeout."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from openclaw_tui.store.transcript_model import TranscriptItem, TranscriptUpdate, merge_items
from tests.shared_data import FIXTURES

REAL_TURNS_735 = FIXTURES / "openclaw-2026.7.35" / "real-turns" / "sessions"
REAL_TURNS_JSON = REAL_TURNS_735 / "sessions.json"
REAL_TURNS_ID = "c620183e-887e-4d76-b2da-bd24200e9525"
REAL_TURNS_JSONL = REAL_TURNS_735 / f"{REAL_TURNS_ID}.jsonl"
REAL_TURNS_SQLITE = FIXTURES / "openclaw-2026.9.6" / "real-turns" / "openclaw-agent.sqlite"
REAL_TURNS_SQLITE_ID = "e1768c82-d04d-4dca-a7c0-d158ea3ea127"
MAIN = "agent:main:main"


def copy_real_turns(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    """The 7.35 real-turns sessions dir copied to ``tmp_path``: (sessions.json, main entry)."""
    sessions = tmp_path / "agents" / "main" / "sessions"
    sessions.mkdir(parents=True)
    for source in (REAL_TURNS_JSON, REAL_TURNS_JSONL):
        shutil.copyfile(source, sessions / source.name)
    store = sessions / "sessions.json"
    return store, json.loads(store.read_text())[MAIN]


def copy_sqlite(tmp_path: Path) -> Path:
    target = tmp_path / "openclaw-agent.sqlite"
    shutil.copyfile(REAL_TURNS_SQLITE, target)
    return target


def message(
    entry_id: str, parent: str | None, role: str, content: Any, **fields: Any
) -> dict[str, Any]:
    return {
        "type": "message",
        "id": entry_id,
        "parentId": parent,
        "timestamp": "2026-12-02T07:00:00.000Z",
        "message": {"role": role, "content": content, "timestamp": 1796194800000, **fields},
    }


def line(entry: dict[str, Any]) -> bytes:
    return json.dumps(entry).encode() + b"\n"


def append(path: Path, *entries: dict[str, Any]) -> None:
    with path.open("ab") as handle:
        for entry in entries:
            handle.write(line(entry))


async def next_update(updates: AsyncIterator[TranscriptUpdate], timeout: float = 10.0) -> Any:
    return await asyncio.wait_for(anext(updates), timeout)


def apply(shown: list[TranscriptItem], update: TranscriptUpdate) -> None:
    """What the view does with an update."""
    if update.reset:
        shown.clear()
    merge_items(shown, update.items)
