"""Helpers for the reliability tests: child processes with line acks, deadlines, file checks."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from openclaw_tui.store.events import StoreEvent
from openclaw_tui.store.paths import json_store_path
from openclaw_tui.store.subscription import Subscription
from tests.backends import copy_fixture
from tests.shared_data import SMALL_JSON as SMALL_STORE
from tests.store.helpers import read_json, wait_for  # noqa: F401 - read_json re-exported

ROOT = Path(__file__).resolve().parents[2]


class Child:
    """A worker process whose stdout lines are collected by a thread (never blocking the test)."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.workers", *args],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        self._thread = threading.Thread(target=self._pump, daemon=True)
        self._thread.start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def next_line(self, timeout: float = 30.0) -> str | None:
        """The next stdout line, or None at EOF; fails after ``timeout`` seconds."""
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"child {self.proc.args} said nothing for {timeout}s") from None
        if line is not None:
            self.seen.append(line)
        return line

    def wait_for(self, predicate: Callable[[str], bool], timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            line = self.next_line(max(0.01, deadline - time.monotonic()))
            if line is None:
                raise AssertionError(f"child exited before the line was seen: {self.stderr()}")
            if predicate(line):
                return line

    def go(self) -> None:
        """Release a worker waiting on its start gate (a line on stdin)."""
        assert self.proc.stdin is not None
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()

    def _drain(self) -> None:
        """Move every line still queued into ``seen`` (after the pump thread has finished)."""
        while True:
            try:
                line = self.lines.get_nowait()
            except queue.Empty:
                break
            if line is not None:
                self.seen.append(line)

    def finish(self, timeout: float = 120.0) -> list[str]:
        """Wait for exit, collect every remaining line; fail on a non-zero exit."""
        code = self.proc.wait(timeout=timeout)
        self._thread.join(timeout)
        self._drain()
        assert code == 0, f"child {self.proc.args} exited {code}: {self.stderr()}"
        return self.seen

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=30)
        self._thread.join(30)
        self._drain()

    def stderr(self) -> str:
        if self.proc.poll() is None or self.proc.stderr is None:
            return ""
        return self.proc.stderr.read()[-3000:]

    def acks(self) -> list[int]:
        return [int(line.split()[1]) for line in self.seen if line.startswith("ack ")]


def store_at(tmp_path: Path, source: Path | None = SMALL_STORE) -> Path:
    """Agent main's sessions.json under ``tmp_path``: a copy of ``source``, or absent when None."""
    path = json_store_path("main", tmp_path)
    if source is None:
        path.parent.mkdir(parents=True, exist_ok=True)
        return path
    return copy_fixture(source, path)


def temp_files(directory: Path) -> list[str]:
    return sorted(n for n in os.listdir(directory) if n.endswith(".tmp"))


async def wait_for_event(
    sub: Subscription, predicate: Callable[[StoreEvent], bool], timeout: float = 10.0
) -> list[StoreEvent]:
    """``tests.store.helpers.wait_for`` with the longer timeout these tests allow."""
    return await wait_for(sub, predicate, timeout)


def record_figure(name: str, value: Any) -> None:
    """Append a measured figure to $RELIABILITY_FIGURES (a JSON-lines file) when set."""
    target = os.environ.get("RELIABILITY_FIGURES")
    line = json.dumps({"figure": name, "value": value})
    print(line)
    if target:
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")
