"""End to end in a real terminal: the installed ``openclaw-tui`` inside tmux, a change made by
another process, and the new value on screen within 2 seconds."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.tui.helpers import copy_small_store

pytestmark = pytest.mark.e2e

SCRIPT = Path(sys.executable).with_name("openclaw-tui")
WIDTH, HEIGHT = 200, 40


def _tmux(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, timeout=10)


def _screen(session: str) -> str:
    return _tmux("capture-pane", "-p", "-t", session).stdout


def _wait_for_screen(session: str, needle: str, timeout: float) -> float:
    """Poll the pane until ``needle`` shows; returns the seconds it took."""
    start = time.monotonic()
    while True:
        if needle in _screen(session):
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            raise AssertionError(
                f"{needle!r} not on screen after {timeout}s; screen was:\n{_screen(session)}"
            )
        time.sleep(0.05)  # polling interval of the capture loop, not synchronisation


@contextmanager
def _tui_in_tmux(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """The installed app on a copy of the small store in a fresh tmux session, shown and ready;
    yields (store path, tmux session name) and kills the session afterwards."""
    store = copy_small_store(tmp_path)
    session = f"openclaw-tui-e2e-{uuid.uuid4().hex[:8]}"
    env_prefix = f"OPENCLAW_TUI_CONFIG={tmp_path / 'no-config.toml'} OPENCLAW_TUI_KEYMAP="
    command = f"{env_prefix} {SCRIPT} --store {store}"
    started = _tmux(
        "new-session", "-d", "-s", session, "-x", str(WIDTH), "-y", str(HEIGHT), command
    )
    assert started.returncode == 0, started.stderr
    try:
        _wait_for_screen(session, "12 sessions", timeout=20)
        yield store, session
    finally:
        _tmux("kill-session", "-t", session)


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (make system-deps)")
def test_change_from_another_process_shows_within_two_seconds(tmp_path: Path):
    with _tui_in_tmux(tmp_path) as (store, session):
        label = f"E2E-{uuid.uuid4().hex[:6]}"
        writer = (
            "import asyncio, sys\n"
            "from openclaw_tui.store import SessionStore\n"
            "async def main():\n"
            "    async with SessionStore(sys.argv[1]) as store:\n"
            "        await store.update_entry('agent:main:explicit:portal-123', "
            "{'label': sys.argv[2]})\n"
            "asyncio.run(main())\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", writer, str(store), label],
            capture_output=True,
            text=True,
            timeout=30,
            cwd=Path(__file__).resolve().parents[2],
            env={**os.environ},
        )
        assert done.returncode == 0, done.stderr
        took = _wait_for_screen(session, label, timeout=2.0)
        print(f"new value on screen {took:.2f}s after the write")
        assert took < 2.0
        assert "Traceback" not in _screen(session)


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (make system-deps)")
def test_keys_typed_right_after_f_land_in_the_filter(tmp_path: Path):
    # tmux delivers "f" and the filter text in one burst, as a fast typist or a paste does: the
    # text must reach the filter, not the table's bindings ("a" agents, "/" command bar, ...).
    with _tui_in_tmux(tmp_path) as (_store, session):
        keys = ["f", *"kind:cron", "Space", "a", "/"]
        burst = _tmux("send-keys", "-t", session, *keys)
        assert burst.returncode == 0, burst.stderr
        # Nothing matches "a/" among the cron rows: the filter shows 0 of 12, and neither the
        # agent switcher nor the command bar opened.
        _wait_for_screen(session, "0/12 sessions", timeout=5.0)
        screen = _screen(session)
        assert "Unknown command" not in screen and "Agents" not in screen.splitlines()[0]
        assert "filter kind:cron a/" in screen
        _tmux("send-keys", "-t", session, "BSpace", "BSpace", "BSpace")
        _wait_for_screen(session, "filter kind:cron ·", timeout=5.0)
        assert re.search(r"\b[1-9]\d*/12 sessions", _screen(session))
