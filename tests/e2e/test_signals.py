"""SIGTERM and SIGHUP quit the way ``q`` does (issue #13 item 10): in a real terminal, the pane
is back to the shell (main screen, cursor shown) and the demo's temporary store is gone."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.tmux import PrivateTmux

pytestmark = pytest.mark.e2e

SCRIPT = Path(sys.executable).with_name("openclaw-tui")
SESSION = "sig"


def _pane(tmux: PrivateTmux, fmt: str) -> str:
    return tmux.run("display-message", "-p", "-t", SESSION, fmt).stdout.strip()


def _demo_shown(screen: str) -> bool:
    """The demo's status bar: its ~2,000 sessions (the simulated gateway adds some at once, so
    the count on the first frame a slow machine captures may already be past 2,000)."""
    return re.search(r"LIVE +[\d,]+ sessions", screen) is not None


def _app_pid(tmux: PrivateTmux) -> int:
    """The app: the one child of the pane's shell."""
    shell = _pane(tmux, "#{pane_pid}")
    children = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", shell], capture_output=True, text=True, timeout=10
    ).stdout.split()
    assert len(children) == 1, children
    return int(children[0])


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (make system-deps)")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_signal_restores_the_terminal_and_removes_the_demo_store(
    tmp_path: Path, private_tmux: PrivateTmux, signum: signal.Signals
):
    tmpdir = tmp_path / "tmp"  # where the demo makes its state directory (tempfile)
    tmpdir.mkdir()
    private_tmux.new_session(SESSION, 120, 30, "sh")
    command = (
        f"TMPDIR={tmpdir} OPENCLAW_TUI_CONFIG={tmp_path / 'none.toml'} OPENCLAW_TUI_KEYMAP= "
        f"{SCRIPT} --demo; echo app-exited-$?"
    )
    private_tmux.run("send-keys", "-t", SESSION, command, "Enter")
    private_tmux.wait_for(SESSION, _demo_shown, "the demo on screen", timeout=30)
    assert _pane(private_tmux, "#{alternate_on}") == "1"
    assert len(list(tmpdir.glob("openclaw-tui-demo-*"))) == 1

    os.kill(_app_pid(private_tmux), signum)
    private_tmux.wait_for(
        SESSION,
        lambda screen: f"app-exited-{128 + signum}" in screen,
        "the shell to say the app ended",
        timeout=20,
    )
    screen = private_tmux.screen(SESSION)
    # Back on the shell's screen (not a frozen frame on the alternate one), cursor shown.
    assert _pane(private_tmux, "#{alternate_on}") == "0", screen
    assert _pane(private_tmux, "#{cursor_flag}") == "1", screen
    assert not _demo_shown(screen) and "Traceback" not in screen
    # Cleaned up as q does: the demo's temporary state directory (store, lock) is gone.
    assert list(tmpdir.iterdir()) == []


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (make system-deps)")
def test_closing_the_terminal_removes_the_demo_store(tmp_path: Path, private_tmux: PrivateTmux):
    # A real hang-up: the window (its terminal) goes away under the app, which gets SIGHUP
    # and cannot draw any more; the cleanup still happens.
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    private_tmux.new_session(SESSION, 120, 30, "sh")
    command = (
        f"TMPDIR={tmpdir} OPENCLAW_TUI_CONFIG={tmp_path / 'none.toml'} OPENCLAW_TUI_KEYMAP= "
        f"{SCRIPT} --demo"
    )
    assert private_tmux.run("new-window", "-t", SESSION, command).returncode == 0
    window = f"{SESSION}:1"
    private_tmux.wait_for(window, _demo_shown, "the demo on screen", timeout=30)
    assert len(list(tmpdir.glob("openclaw-tui-demo-*"))) == 1
    assert private_tmux.run("kill-window", "-t", window).returncode == 0
    deadline = time.monotonic() + 20
    while list(tmpdir.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.05)  # another process's cleanup: there is no event to wait on
    assert list(tmpdir.iterdir()) == []
