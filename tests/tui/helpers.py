"""Helpers for the app tests: real stores in temp dirs, waiting on conditions with deadlines."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from openclaw_tui.tui.app import MainScreen, SessionBrowserApp
from openclaw_tui.tui.target import target_for_agent
from tests.shared_data import SMALL_JSON

SMALL_STORE = SMALL_JSON
FIXED_NOW = 1_795_612_000.0
"""A wall clock a few minutes after the fixture's sessions were written."""


def store_path(state_dir: Path, agent: str = "main") -> Path:
    return state_dir / "agents" / agent / "sessions" / "sessions.json"


def copy_small_store(state_dir: Path, agent: str = "main") -> Path:
    path = store_path(state_dir, agent)
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SMALL_STORE, path)
    path.chmod(0o600)
    return path


def write_json_store(path: Path, entries: dict[str, Any]) -> None:
    """Replace the file the way another program would (temp file + rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".test-tmp")
    tmp.write_text(json.dumps(entries, indent=2, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def make_app(state_dir: Path, **kwargs: Any) -> SessionBrowserApp:
    kwargs.setdefault("clock", lambda: FIXED_NOW)
    return SessionBrowserApp(target_for_agent("main", state_dir), **kwargs)


async def wait_until(
    pilot: Pilot, condition: Callable[[], object], *, timeout: float = 5.0, what: str = ""
) -> None:
    """Let the app run until ``condition()`` holds, or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what or condition}")
        await pilot.pause(0.01)


async def started(pilot: Pilot) -> MainScreen:
    """Wait until the app has opened its store and shown it."""
    app = pilot.app
    assert isinstance(app, SessionBrowserApp)
    await wait_until(pilot, lambda: app.main.target is not None, what="the store to open")
    await pilot.pause()
    return app.main


def line_text(screen: MainScreen, y: int) -> str:
    """The text of one rendered line of the table (0 is the header)."""
    strip = screen.table.render_line(y)
    return "".join(segment.text for segment in strip)


def row_line(screen: MainScreen, key: str) -> str:
    index = screen.vm.index_of(key)
    assert index is not None, f"{key} is not shown"
    return line_text(screen, index - round(screen.table.scroll_y) + 1)
