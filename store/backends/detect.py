"""Which backend a store path gets: SQLite by its ``.sqlite`` suffix or its file header, else
``sessions.json``."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from openclaw_tui.store.atomic import DEFAULT_SYSCALLS, Syscalls
from openclaw_tui.store.backends.base import Backend
from openclaw_tui.store.backends.json_file import DEFAULT_MAX_BYTES, JsonFileBackend


def backend_for_path(
    path: Path,
    *,
    read_only: bool = False,
    max_bytes: int | None = DEFAULT_MAX_BYTES,
    syscalls: Syscalls = DEFAULT_SYSCALLS,
    lock_timeout: float = 10.0,
) -> Backend:
    if path.suffix == ".sqlite" or looks_like_sqlite(path):
        # Imported here: opening a sessions.json must not need the SQLite backend.
        from openclaw_tui.store.backends.sqlite import SqliteBackend

        return SqliteBackend(
            path, read_only=read_only, max_bytes=max_bytes, lock_timeout=lock_timeout
        )
    return JsonFileBackend(
        path,
        read_only=read_only,
        max_bytes=max_bytes,
        syscalls=syscalls,
        lock_timeout=lock_timeout,
    )


def looks_like_sqlite(path: Path) -> bool:
    try:
        # O_NONBLOCK: opening a FIFO planted at the store path must not hang.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        return os.read(fd, 16) == b"SQLite format 3\x00"
    except OSError:
        return False
    finally:
        os.close(fd)
