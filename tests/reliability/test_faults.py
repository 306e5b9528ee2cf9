"""A fault-injection matrix over every system call of the write path (reference §9.2).

For each system call, errno and mode (transient: only the Nth call fails; persistent: every call
from the Nth on), and N = 1, 2, ... until an update completes without reaching the fault:

(a) the caller gets a clear error (path, errno name, fix) and no acknowledgement;
(b) the file is byte-identical to before, or holds the new bytes with RenamedButNotDurableError
    when the fault came after the rename;
(c) no temp file is left; (d) the cache equals the disk; (e) the next fault-free write succeeds.
"""

from __future__ import annotations

import errno
import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from openclaw_tui.store import SessionStore
from openclaw_tui.store.atomic import Syscalls
from openclaw_tui.store.errors import RenamedButNotDurableError, StoreError, StoreWriteError
from openclaw_tui.store.events import EntryChanged, StoreErrorEvent
from tests.reliability.helpers import record_figure, store_at, temp_files

pytestmark = pytest.mark.anyio

KEY = "agent:main:main"
ERRNOS = {
    "EIO": errno.EIO,
    "ENOSPC": errno.ENOSPC,
    "EACCES": errno.EACCES,
    "EROFS": errno.EROFS,
}
FIXES = {
    errno.EIO: "I/O error",
    errno.ENOSPC: "disk is full",
    errno.EACCES: "permission denied",
    errno.EROFS: "read-only",
}
# "fsync_dir" is an fsync of a directory descriptor; "fsync" of the temp file.
CALLS = [
    "stat",
    "open",
    "fchmod",
    "fchown",
    "write",
    "fsync",
    "replace",
    "fstat",
    "fsync_dir",
    "close",
    "unlink",
]


@dataclass
class Faulty(Syscalls):
    """Real system calls, except that the Nth (and, if persistent, every later) call of one fails.

    ``close`` really closes before failing (as Linux does on EIO), so no descriptor leaks.
    ``unlink`` is only reached when a write fails: it is tested together with a failing write.
    """

    call: str = ""
    code: int = errno.EIO
    nth: int = 1
    persistent: bool = False
    also_fail_write: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    hit: int = 0
    dir_fds: set[int] = field(default_factory=set)

    def _check(self, name: str, path: str | None = None) -> None:
        if not self.call:
            return
        if self.also_fail_write and name == "write":
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        if name != self.call:
            return
        n = self.counts[name] = self.counts.get(name, 0) + 1
        if n == self.nth or (self.persistent and n > self.nth):
            self.hit += 1
            raise OSError(self.code, os.strerror(self.code), path)

    def open(self, path: str, flags: int, mode: int = 0o777) -> int:
        self._check("open", path)
        fd = super().open(path, flags, mode)
        if flags & os.O_DIRECTORY:
            self.dir_fds.add(fd)
        return fd

    def write(self, fd: int, data: memoryview) -> int:
        self._check("write")
        return super().write(fd, data)

    def fsync(self, fd: int) -> None:
        self._check("fsync_dir" if fd in self.dir_fds else "fsync")
        super().fsync(fd)

    def fchmod(self, fd: int, mode: int) -> None:
        self._check("fchmod")
        super().fchmod(fd, mode)

    def fchown(self, fd: int, uid: int, gid: int) -> None:
        self._check("fchown")
        super().fchown(fd, uid, gid)

    def stat(self, path: str) -> os.stat_result:
        self._check("stat", path)
        return super().stat(path)

    def fstat(self, fd: int) -> os.stat_result:
        self._check("fstat")
        return super().fstat(fd)

    def close(self, fd: int) -> None:
        self.dir_fds.discard(fd)
        super().close(fd)
        self._check("close")

    def replace(self, src: str, dst: str) -> None:
        self._check("replace", dst)
        super().replace(src, dst)

    def unlink(self, path: str) -> None:
        self._check("unlink", path)
        super().unlink(path)


def _disk(path: Path) -> dict[str, object]:
    return json.loads(path.read_bytes())


TOTALS = {"runs": 0, "faults_hit": 0}


@pytest.mark.parametrize("persistent", [False, True], ids=["transient", "persistent"])
@pytest.mark.parametrize("code_name", list(ERRNOS))
@pytest.mark.parametrize("call", CALLS)
async def test_fault_matrix(tmp_path: Path, call: str, code_name: str, persistent: bool) -> None:
    path = store_at(tmp_path)
    code = ERRNOS[code_name]
    sys = Faulty()
    outcomes: list[str] = []
    async with SessionStore(path, syscalls=sys) as store:
        sub = store.subscribe()
        for nth in range(1, 8):
            before_bytes = path.read_bytes()
            before_mode = stat.S_IMODE(path.stat().st_mode)
            label = f"{call}-{code_name}-{nth}"
            sys.call, sys.code, sys.nth, sys.persistent = call, code, nth, persistent
            sys.counts, sys.hit = {}, 0
            sys.also_fail_write = call == "unlink"
            while sub.get_nowait() is not None:
                pass
            error: Exception | None = None
            try:
                await store.update_entry(KEY, {"label": label})
            except StoreError as exc:
                error = exc
            hit = sys.hit
            sys.call, sys.also_fail_write = "", False
            TOTALS["runs"] += 1
            TOTALS["faults_hit"] += hit
            events = []
            while (event := sub.get_nowait()) is not None:
                events.append(event)
            acked_local = [e for e in events if isinstance(e, EntryChanged) and e.source == "local"]
            # (c) never a temp file left behind, whatever failed; only when removing it failed
            # too may it stay, until the next write removes it (checked after the retry below).
            if call != "unlink" or hit == 0:
                assert temp_files(path.parent) == [], f"{label}: temp file left"
            # (d) the cache is what is on disk
            assert dict(store.load()) == _disk(path), f"{label}: cache differs from disk"
            if error is None:
                # Acknowledged: it is on disk (a failing close after the rename is harmless).
                assert _disk(path)[KEY]["label"] == label
                outcomes.append("ok")
                if hit == 0 and call != "unlink":
                    break  # the update completed without reaching the fault: done
                if call == "unlink":
                    break
                continue
            # (a) a clear error: the path, the errno name and a fix
            text = str(error)
            # With a failing unlink, the write failure that caused it is what the caller hears.
            expected_name = "EIO" if call == "unlink" else code_name
            assert str(path) in text and expected_name in text, text
            assert isinstance(error, StoreWriteError), type(error)
            if error.errno in FIXES:
                assert FIXES[error.errno].lower() in text.lower(), text
            assert all(
                isinstance(e, StoreErrorEvent) and e.operation == "write"
                for e in events
                if not isinstance(e, EntryChanged)
            )
            assert store.health.error is not None and store.health.operation == "write"
            if isinstance(error, RenamedButNotDurableError):
                # (b) after the rename: the new bytes are visible, memory follows, but the
                # caller was told it may not be durable.
                assert _disk(path)[KEY]["label"] == label
                outcomes.append("renamed-not-durable")
            else:
                # (b) before the rename: the old file, byte for byte, and its mode
                assert path.read_bytes() == before_bytes, f"{label}: old file changed"
                assert stat.S_IMODE(path.stat().st_mode) == before_mode
                assert acked_local == [], f"{label}: events for a failed write"
                outcomes.append("refused")
            # (e) the next fault-free write succeeds and clears the error
            await store.update_entry(KEY, {"label": label + "-retry"})
            assert _disk(path)[KEY]["label"] == label + "-retry"
            assert dict(store.load()) == _disk(path)
            assert store.health.ok
            assert temp_files(path.parent) == []
        sub.close()
    # Every call of the write path is reachable: the matrix really injected something.
    assert any(o != "ok" for o in outcomes) or call in ("close", "fstat"), outcomes
    if call in ("fsync_dir",):
        assert "renamed-not-durable" in outcomes
    if call in ("stat", "open", "fchmod", "fchown", "write", "fsync", "replace", "unlink"):
        assert "refused" in outcomes
    record_figure(f"faults.{call}.{code_name}.{'p' if persistent else 't'}", outcomes)


async def test_real_errors_parent_is_a_file_and_target_is_a_directory(tmp_path: Path) -> None:
    """Real (not injected) failures that work as root: ENOTDIR and a directory at the path."""
    blocker = tmp_path / "agents"
    blocker.write_text("not a directory")
    path = blocker / "main" / "sessions" / "sessions.json"
    async with SessionStore(path) as store:
        with pytest.raises(StoreWriteError) as info:
            await store.update_entry(KEY, {"label": "x"}, create=True)
        assert "ENOTDIR" in str(info.value) and str(path) in str(info.value)
    assert blocker.read_text() == "not a directory"

    target = tmp_path / "d" / "sessions.json"
    target.mkdir(parents=True)
    (target / "keep.txt").write_text("mine")
    async with SessionStore(target) as store:
        assert store.health.error is not None
        assert "directory" in store.health.error.describe()
        with pytest.raises(StoreError) as info2:
            await store.update_entry(KEY, {"label": "x"}, create=True)
        assert str(target) in str(info2.value)
    assert (target / "keep.txt").read_text() == "mine"
    assert temp_files(target.parent) == []


def test_zz_report_fault_totals() -> None:
    """Runs last in this module (alphabetical order is not relied on for correctness)."""
    record_figure("faults.totals", dict(TOTALS))
