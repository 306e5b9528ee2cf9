"""Fault injection on every system call of the write path (durability doc §9.2).

For each primitive and each N, the Nth call (transient) or every call from the Nth on
(persistent) fails with EIO, ENOSPC, EACCES or EROFS. Then: the caller gets the error; the file
holds the old bytes, or the new ones with RenamedButNotDurableError; no temp file is left; memory
equals the disk; the next fault-free update succeeds.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from openclaw_tui.store import RenamedButNotDurableError, SessionStore, StoreWriteError
from openclaw_tui.store.atomic import Syscalls, atomic_write
from openclaw_tui.store.codec import dumps
from tests.store.helpers import read_json, temp_files

pytestmark = pytest.mark.anyio

PRIMITIVES = ["open", "write", "fsync", "fchmod", "replace", "mkdir"]
ERRNOS = [errno.EIO, errno.ENOSPC, errno.EACCES, errno.EROFS]


class FaultySyscalls(Syscalls):
    """Fails the Nth call of one primitive (and every later one when ``persistent``)."""

    def __init__(self, primitive: str, nth: int, code: int, persistent: bool) -> None:
        self.primitive = primitive
        self.nth = nth
        self.code = code
        self.persistent = persistent
        self.calls = 0
        self.fired = 0
        self.enabled = True

    def _maybe_fail(self, name: str) -> None:
        if not self.enabled or name != self.primitive:
            return
        self.calls += 1
        if self.calls == self.nth or (self.persistent and self.calls > self.nth):
            self.fired += 1
            raise OSError(self.code, os.strerror(self.code))

    def open(self, path, flags, mode=0o777):
        self._maybe_fail("open")
        return super().open(path, flags, mode)

    def write(self, fd, data):
        self._maybe_fail("write")
        # Short writes exercise the write loop.
        return super().write(fd, data[: max(1, len(data) // 2)])

    def fsync(self, fd):
        self._maybe_fail("fsync")
        super().fsync(fd)

    def fchmod(self, fd, mode):
        self._maybe_fail("fchmod")
        super().fchmod(fd, mode)

    def replace(self, src, dst):
        self._maybe_fail("replace")
        super().replace(src, dst)

    def mkdir(self, path, mode):
        self._maybe_fail("mkdir")
        super().mkdir(path, mode)


async def _run_matrix(path: Path, primitive: str, code: int, persistent: bool) -> int:
    faults = 0
    for nth in range(1, 30):
        sys = FaultySyscalls(primitive, nth, code, persistent)
        async with SessionStore(path, syscalls=sys) as store:
            old_bytes = path.read_bytes() if path.exists() else None
            key = f"k-{primitive}-{nth}"
            try:
                await store.update_entry(key, {"nth": nth}, create=True)
            except RenamedButNotDurableError:
                assert sys.fired, "an error without a fault"
                assert path.read_bytes() == dumps(dict(store.load()))  # memory follows disk
                assert key in store.load()
            except StoreWriteError as exc:
                assert sys.fired
                assert exc.errno == code
                assert exc.fix  # a message that names the fix
                actual = path.read_bytes() if path.exists() else None
                assert actual == old_bytes  # the old file is intact
                assert key not in store.load()
            else:
                assert not sys.fired
                return faults
            faults += 1
            assert temp_files(path.parent) == []
            on_disk = read_json(path) if path.exists() else {}
            assert on_disk == dict(store.load())
            sys.enabled = False
            await store.update_entry(key, {"retry": True}, create=True)
            assert read_json(path)[key]["retry"] is True
            assert temp_files(path.parent) == []
    raise AssertionError("the fault kept firing")


@pytest.mark.parametrize("persistent", [False, True], ids=["transient", "persistent"])
@pytest.mark.parametrize("code", ERRNOS, ids=[errno.errorcode[c] for c in ERRNOS])
@pytest.mark.parametrize("primitive", PRIMITIVES)
async def test_fault_matrix(small_store, primitive, code, persistent):
    faults = await _run_matrix(small_store, primitive, code, persistent)
    expected_min = {"open": 2, "fsync": 2, "write": 1, "fchmod": 1, "replace": 1, "mkdir": 0}
    assert faults >= expected_min[primitive]


async def test_fault_while_creating_the_directories(tmp_path):
    path = tmp_path / "a" / "b" / "sessions.json"
    faults = await _run_matrix(path, "mkdir", errno.EACCES, False)
    assert faults == 1  # the retry creates the directories; later rounds need no mkdir
    assert path.parent.is_dir()


def test_dir_fsync_failure_is_renamed_but_not_durable(tmp_path):
    target = tmp_path / "sessions.json"
    target.write_bytes(b"{}")
    sys = FaultySyscalls("fsync", 2, errno.EIO, False)
    with pytest.raises(RenamedButNotDurableError) as info:
        atomic_write(target, b'{"a": {}}', sys=sys)
    assert target.read_bytes() == b'{"a": {}}'
    assert "may not survive a power loss" in str(info.value)


def test_planted_symlink_or_file_at_the_temp_name_is_never_followed(tmp_path, monkeypatch):
    target = tmp_path / "sessions.json"
    target.write_bytes(b"{}")
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    names = iter(["planted-link.tmp", "planted-file.tmp", "fresh.tmp"])
    (tmp_path / "planted-link.tmp").symlink_to(victim)
    (tmp_path / "planted-file.tmp").write_bytes(b"someone else's")
    monkeypatch.setattr("openclaw_tui.store.atomic.temp_name", lambda _target: next(names))
    atomic_write(target, b'{"x": {}}')
    assert victim.read_bytes() == b"precious"
    assert (tmp_path / "planted-file.tmp").read_bytes() == b"someone else's"
    assert (tmp_path / "planted-link.tmp").is_symlink()
    assert target.read_bytes() == b'{"x": {}}'
    assert not (tmp_path / "fresh.tmp").exists()


async def test_stale_temp_files_of_dead_writers_are_swept(small_store):
    dead = small_store.parent / f".sessions.json.{2**22 + 12345}.abcdef.tmp"
    dead.write_bytes(b"partial")
    alive = small_store.parent / f".sessions.json.{os.getppid()}.abcdef.tmp"
    alive.write_bytes(b"in progress")
    async with SessionStore(small_store) as store:
        await store.update_entry("agent:main:main", {"n": 1})
    assert not dead.exists()
    assert alive.exists()


# A write into directories it had to create is acknowledged only once those directories'
# entries are durable too: each created directory's parent is fsynced.


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
