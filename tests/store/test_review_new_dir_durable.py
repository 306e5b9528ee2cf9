"""A write into directories it had to create is acknowledged only once those directories'
entries are durable too: each created directory's parent is fsynced."""

from __future__ import annotations

import os

from openclaw_tui.store.atomic import Syscalls, atomic_write


class _Recording(Syscalls):
    def __init__(self) -> None:
        self.paths: dict[int, str] = {}
        self.synced: list[str] = []

    def open(self, path: str, flags: int, mode: int = 0o777) -> int:
        fd = super().open(path, flags, mode)
        self.paths[fd] = path
        return fd

    def fsync(self, fd: int) -> None:
        super().fsync(fd)
        self.synced.append(self.paths.get(fd, "?"))


def test_created_directories_are_synced_into_their_parents(tmp_path):
    target = tmp_path / "agents" / "main" / "sessions" / "sessions.json"
    sys = _Recording()
    atomic_write(target, b"{}", sys=sys)
    synced = {os.path.normpath(p) for p in sys.synced}
    for directory in (tmp_path, tmp_path / "agents", tmp_path / "agents" / "main"):
        assert str(directory) in synced, f"{directory} was not fsynced after a mkdir in it"
    assert str(target.parent) in synced
