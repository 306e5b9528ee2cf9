"""Helpers for the store tests: waiting on events with timeouts, reading the file back."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import anyio

from openclaw_tui.store.events import StoreEvent
from openclaw_tui.store.subscription import Subscription


async def next_event(sub: Subscription, timeout: float = 5.0) -> StoreEvent:
    with anyio.fail_after(timeout):
        return await sub.get()


async def wait_for(sub: Subscription, predicate: Any, timeout: float = 5.0) -> list[StoreEvent]:
    """Collect events until one satisfies ``predicate``; return all collected."""
    seen: list[StoreEvent] = []
    with anyio.fail_after(timeout):
        while True:
            event = await sub.get()
            seen.append(event)
            if predicate(event):
                return seen


def read_json(path: Path) -> Any:
    return json.loads(path.read_bytes())


def temp_files(directory: Path) -> list[str]:
    if not directory.is_dir():
        return []
    return sorted(name for name in os.listdir(directory) if name.endswith(".tmp"))


def replace_atomically(path: Path, data: Any) -> None:
    """What OpenClaw 2026.7.35 does: temp file + rename, no lock."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.foreign.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False))
    os.replace(tmp, path)
