"""End to end in a real terminal: the installed ``openclaw-tui`` inside tmux, a change made by
another process, and the new value on screen within 2 seconds."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.tmux import PrivateTmux
from tests.tui.helpers import copy_small_store

pytestmark = pytest.mark.e2e

SCRIPT = Path(sys.executable).with_name("openclaw-tui")
WIDTH, HEIGHT = 200, 40


SESSION = "app"


def _wait_for_screen(tmux: PrivateTmux, needle: str, timeout: float) -> float:
    """Poll the pane until ``needle`` shows; returns the seconds it took."""
    return tmux.wait_for(SESSION, lambda screen: needle in screen, repr(needle), timeout)


@pytest.fixture
def tui_in_tmux(tmp_path: Path, private_tmux: PrivateTmux) -> Iterator[tuple[Path, PrivateTmux]]:
    """The installed app on a copy of the small store in a private tmux server, shown and ready;
    yields (store path, the server). The private_tmux fixture kills it and removes its socket."""
    store = copy_small_store(tmp_path)
    env_prefix = f"OPENCLAW_TUI_CONFIG={tmp_path / 'no-config.toml'} OPENCLAW_TUI_KEYMAP="
    command = f"{env_prefix} {SCRIPT} --store {store}"
    private_tmux.new_session(SESSION, WIDTH, HEIGHT, command)
    _wait_for_screen(private_tmux, "12 sessions", timeout=20)
    yield store, private_tmux


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (make system-deps)")
def test_change_from_another_process_shows_within_two_seconds(
    tui_in_tmux: tuple[Path, PrivateTmux],
):
    store, tmux = tui_in_tmux
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
    took = _wait_for_screen(tmux, label, timeout=2.0)
    print(f"new value on screen {took:.2f}s after the write")
    assert took < 2.0
    assert "Traceback" not in tmux.screen(SESSION)


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (make system-deps)")
def test_keys_typed_right_after_f_land_in_the_filter(tui_in_tmux: tuple[Path, PrivateTmux]):
    # tmux delivers "f" and the filter text in one burst, as a fast typist or a paste does: the
    # text must reach the filter, not the table's bindings ("a" agents, "/" command bar, ...).
    _store, tmux = tui_in_tmux
    keys = ["f", *"kind:cron", "Space", "a", "/"]
    burst = tmux.run("send-keys", "-t", SESSION, *keys)
    assert burst.returncode == 0, burst.stderr
    # Nothing matches "a/" among the cron rows: the filter shows 0 of 12, and neither the
    # agent switcher nor the command bar opened.
    _wait_for_screen(tmux, "0/12 sessions", timeout=5.0)
    screen = tmux.screen(SESSION)
    assert "Unknown command" not in screen and "Agents" not in screen.splitlines()[0]
    assert "filter kind:cron a/" in screen
    tmux.run("send-keys", "-t", SESSION, "BSpace", "BSpace", "BSpace")
    _wait_for_screen(tmux, "filter kind:cron ·", timeout=5.0)
    assert re.search(r"\b[1-9]\d*/12 sessions", tmux.screen(SESSION))
