"""The one way tests drive tmux: a private server per test, never the operator's own.

``tmux`` without ``-L``/``-S`` talks to the default server, where the person running the suite
may have their sessions. Every test that needs a terminal takes the ``private_tmux`` fixture
(tests/conftest.py): a server on a socket of its own (``tmux -L openclaw-tui-test-<hex>``) that
the fixture's finaliser kills, and whose socket file it removes (``kill-server`` leaves it behind).
``tests/test_tmux_hygiene.py`` checks that no test runs ``tmux`` any other way.
"""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from collections.abc import Callable
from pathlib import Path

SOCKET_PREFIX = "openclaw-tui-test-"


class PrivateTmux:
    """A tmux server on a private socket: ``run(*args)`` is ``tmux -L <name> *args``."""

    def __init__(self) -> None:
        self.name = f"{SOCKET_PREFIX}{uuid.uuid4().hex[:12]}"
        # Where tmux puts a -L socket; the server itself says so once it runs (new_session).
        tmpdir = Path(os.environ.get("TMUX_TMPDIR") or "/tmp")
        self.socket_path = tmpdir / f"tmux-{os.getuid()}" / self.name

    def run(self, *args: str, timeout: float = 10) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["tmux", "-L", self.name, *args], capture_output=True, text=True, timeout=timeout
        )

    def new_session(self, name: str, width: int, height: int, command: str) -> None:
        """Start the server with one detached session running ``command``."""
        started = self.run(
            "new-session", "-d", "-s", name, "-x", str(width), "-y", str(height), command
        )
        assert started.returncode == 0, started.stderr
        socket = self.run("display-message", "-p", "#{socket_path}").stdout.strip()
        if socket:
            self.socket_path = Path(socket)

    def screen(self, target: str) -> str:
        return self.run("capture-pane", "-p", "-t", target).stdout

    def wait_for(
        self, target: str, condition: Callable[[str], bool], what: str, timeout: float
    ) -> float:
        """Poll the pane until ``condition(screen)``; returns the seconds it took."""
        start = time.monotonic()
        while not condition(self.screen(target)):
            if time.monotonic() - start > timeout:
                raise AssertionError(
                    f"timed out after {timeout}s waiting for {what}; screen was:\n"
                    f"{self.screen(target)}"
                )
            time.sleep(0.05)  # polling a real terminal: there is no event to wait on
        return time.monotonic() - start

    def close(self) -> None:
        """Kill the server and remove its socket file."""
        self.run("kill-server")
        self.socket_path.unlink(missing_ok=True)
