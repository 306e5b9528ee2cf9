"""The byte scan of a big ``sessions.json`` (``json_scan.py``) in a process of its own, started
as soon as the file's path is known.

The scan holds an interpreter for ~0.3-0.4 s at 100,000 sessions. Run beside the app, it costs
the app only the wait for its answer; started by the command line before the app's imports
(``tui/cli.py``: ~0.5 s of CPU), it runs on another core meanwhile and is usually done when
the app asks for it (``json_file.peek_indexed(scan=...)``). This module is imported on that
early path, so it needs nothing but the standard library and ``json_scan`` (itself lean).

Nothing the process says is trusted: ``codec.EntryIndex.of`` checks the answer's shape, and
each entry is checked when it is parsed. A process that cannot start, fails or says nothing
usable leaves the fd it was given, and the app scans that same fd itself.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import stat as stat_mod
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from openclaw_tui.store.backends import json_scan

DEFAULT_MAX_BYTES = 512 * 2**20
"""The largest store read by default (``json_file.DEFAULT_MAX_BYTES``, defined here so that
the command line has it without importing the store's parse)."""

PEEK_MIN_BYTES = 16 * 2**20
"""Below this size a file is parsed whole before the first paint anyway (~0.15 s)."""

SCAN_PROGRAM = Path(json_scan.__file__)

NOT_SCANNED: Any = object()
"""What ``ScanProcess.take`` gives when the process said nothing usable."""


def open_big(path: Path, max_bytes: int | None) -> int | None:
    """An fd of a regular file of ``PEEK_MIN_BYTES`` up to ``max_bytes``; None otherwise."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        big = stat_mod.S_ISREG(st.st_mode) and st.st_size >= PEEK_MIN_BYTES
        if big and (max_bytes is None or st.st_size <= max_bytes):
            return fd
    except OSError:
        pass
    os.close(fd)
    return None


def _spawn(fd: int) -> subprocess.Popen[bytes]:
    # -I -S: no site, no environment, nothing of the app: the program is the file alone. Its
    # argv is the fd's number, never a path or anything from the environment.
    return subprocess.Popen(
        [sys.executable, "-I", "-S", str(SCAN_PROGRAM), str(fd)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        pass_fds=(fd,),
    )


def _answer(process: subprocess.Popen[bytes]) -> Any:
    """What the process marshalled (the whole of it once it has exited), or ``NOT_SCANNED``."""
    try:
        out, _ = process.communicate()
    except (OSError, ValueError):
        return NOT_SCANNED
    if process.returncode != 0:
        return NOT_SCANNED
    try:
        return marshal.loads(out)
    except (ValueError, EOFError, TypeError):
        return NOT_SCANNED


class ScanProcess:
    """A scan of the file open at ``fd`` (``path``'s when it was opened), running in another
    process. ``take()`` waits for its answer and hands over the fd; ``close()`` ends whatever
    was not taken (the process, the fd). Both may come from different threads."""

    def __init__(self, path: Path, fd: int, process: subprocess.Popen[bytes]) -> None:
        self.path = path
        self._fd: int | None = fd
        self._process = process
        self._lock = threading.Lock()

    @classmethod
    def start(cls, path: Path, max_bytes: int | None) -> ScanProcess | None:
        """The scan of ``path``, started; None for a file that is not worth it (small, not a
        regular file, over ``max_bytes``, unreadable) or when no process can be started: the
        app's own peek then does what it does without one."""
        fd = open_big(path, max_bytes)
        if fd is None:
            return None
        try:
            process = _spawn(fd)
        except (OSError, ValueError, subprocess.SubprocessError):
            os.close(fd)
            return None
        return cls(path, fd, process)

    def take(self) -> tuple[int, Any] | None:
        """(the fd scanned, what the scan found: ``json_scan.scan``'s answer, None for a file
        not in OpenClaw's layout, ``NOT_SCANNED`` when the process failed). The fd is the
        caller's to close from then on. None when closed or taken already."""
        with self._lock:
            fd, self._fd = self._fd, None
        if fd is None:
            return None
        return fd, _answer(self._process)

    def close(self) -> None:
        """End the process and close the fd, unless they were taken (then ``take``'s caller
        owns both: it waits for the process, and closes the fd)."""
        with self._lock:
            fd, self._fd = self._fd, None
        if fd is None:
            return
        with contextlib.suppress(OSError):
            self._process.kill()
        with contextlib.suppress(OSError, ValueError, subprocess.SubprocessError):
            self._process.communicate()
        os.close(fd)


def scan_elsewhere(fd: int) -> Any:
    """``json_scan.scan`` of the file open at ``fd``, by another process, waited for here
    (``NOT_SCANNED`` when it cannot run or says nothing usable). The fd stays the caller's."""
    try:
        process = _spawn(fd)
    except (OSError, ValueError, subprocess.SubprocessError):
        return NOT_SCANNED
    return _answer(process)
