"""The crash-safe write protocol: a store file is replaced whole or not at all.

temp file in the same directory (``O_CREAT|O_EXCL|O_NOFOLLOW``, mode 0600) -> ``fchmod`` to the
target's mode -> write all bytes -> ``fsync`` -> fingerprint check -> ``rename`` -> ``fsync`` the
directory. Every system call goes through a :class:`Syscalls` object so tests can make the Nth call
of any of them fail.

Error semantics:

* a failure before the rename unlinks the temp file; the target is untouched
  (:class:`StoreWriteError`);
* a failure of the directory fsync after the rename raises :class:`RenamedButNotDurableError`:
  the new bytes are visible but not known to be durable.
"""

from __future__ import annotations

import contextlib
import errno as errno_mod
import os
import secrets
import stat as stat_mod
from collections.abc import Callable, Sequence
from pathlib import Path

from openclaw_tui.store.errors import RenamedButNotDurableError, StoreWriteError, describe_oserror

NEW_FILE_MODE = 0o600
NEW_DIR_MODE = 0o700
_TEMP_SUFFIX = ".tmp"


class Syscalls:
    """The system calls of the write path. Subclass (or wrap) to inject faults in tests."""

    def open(self, path: str, flags: int, mode: int = 0o777) -> int:
        return os.open(path, flags, mode)

    def write(self, fd: int, data: memoryview) -> int:
        return os.write(fd, data)

    def fsync(self, fd: int) -> None:
        os.fsync(fd)

    def copy_range(self, src: int, dst: int, offset: int, count: int) -> int:
        """Copy up to ``count`` bytes at ``offset`` of ``src`` to ``dst``'s position, in the
        kernel where it can (``copy_file_range``); return how many were copied (0: end of
        ``src``)."""
        if _COPY_FILE_RANGE is not None:
            try:
                copied: int = _COPY_FILE_RANGE(src, dst, count, offset)
                return copied
            except OSError as exc:
                if exc.errno not in _NO_COPY_FILE_RANGE:
                    raise
        data = os.pread(src, min(count, 1 << 20), offset)
        view = memoryview(data)
        while view:
            view = view[self.write(dst, view) :]
        return len(data)

    def fchmod(self, fd: int, mode: int) -> None:
        os.fchmod(fd, mode)

    def fchown(self, fd: int, uid: int, gid: int) -> None:
        os.fchown(fd, uid, gid)

    def fstat(self, fd: int) -> os.stat_result:
        return os.fstat(fd)

    def close(self, fd: int) -> None:
        os.close(fd)

    def replace(self, src: str, dst: str) -> None:
        os.replace(src, dst)

    def unlink(self, path: str) -> None:
        os.unlink(path)

    def mkdir(self, path: str, mode: int) -> None:
        os.mkdir(path, mode)

    def stat(self, path: str) -> os.stat_result:
        return os.stat(path)


# Not on every platform, and refused by some file systems or across them: pread + write then.
_COPY_FILE_RANGE = getattr(os, "copy_file_range", None)
_NO_COPY_FILE_RANGE = {
    errno_mod.ENOSYS,
    errno_mod.EXDEV,
    errno_mod.EINVAL,
    errno_mod.EOPNOTSUPP,
    errno_mod.EBADF,
    errno_mod.ETXTBSY,
}

CopyRange = tuple[int, int, int]
"""(source fd, offset, length): bytes ``atomic_write`` copies from another open file."""

DEFAULT_SYSCALLS = Syscalls()

_ORPHANS: set[str] = set()
"""Our temp files whose unlink failed after a failed write: removed by the next write."""


def temp_name(target: Path) -> str:
    """``.<name>.<pid>.<random>.tmp`` next to the target (rename is atomic within one fs only)."""
    return f".{target.name}.{os.getpid()}.{secrets.token_hex(6)}{_TEMP_SUFFIX}"


def temp_owner_pid(target: Path, name: str) -> int | None:
    """The pid encoded in one of our temp names for ``target``, else None."""
    prefix = f".{target.name}."
    if not (name.startswith(prefix) and name.endswith(_TEMP_SUFFIX)):
        return None
    middle = name[len(prefix) : -len(_TEMP_SUFFIX)].split(".")
    if len(middle) != 2 or not middle[0].isdigit():
        return None
    return int(middle[0])


def ensure_dir(directory: Path, sys: Syscalls = DEFAULT_SYSCALLS) -> None:
    """Create ``directory`` and missing parents with mode 0700 (existing ones are left alone)."""
    missing: list[Path] = []
    current = directory
    while True:
        try:
            sys.stat(str(current))
            break
        except FileNotFoundError:
            missing.append(current)
            if current.parent == current:
                break
            current = current.parent
    for path in reversed(missing):
        with contextlib.suppress(FileExistsError):
            sys.mkdir(str(path), NEW_DIR_MODE)
    # A new directory's entry lives in its parent: until the parent is synced, a crash can
    # lose the directory and with it a store write already acknowledged.
    for path in reversed(missing):
        fsync_dir(path.parent, sys)


def atomic_write(
    target: Path,
    data: bytes | Sequence[bytes | CopyRange],
    *,
    sys: Syscalls = DEFAULT_SYSCALLS,
    before_replace: Callable[[], None] | None = None,
) -> os.stat_result:
    """Durably replace ``target`` with ``data``; return the new file's stat (for its signature).

    ``data`` may be pieces: bytes, and ``CopyRange`` s copied from another open file (the
    unchanged part of a store, from the file last written, without passing through memory).
    A source shorter than its range fails the write, like any other I/O error.

    ``before_replace`` runs after the temp file is durable and right before the rename; it may
    raise (e.g. a fingerprint mismatch) to abandon the write with the target untouched.
    """
    directory = target.parent
    try:
        ensure_dir(directory, sys)
    except OSError as exc:
        raise _write_error(target, "could not create the store directory", exc) from None
    mode = NEW_FILE_MODE
    owner: tuple[int, int] | None = None
    try:
        existing = sys.stat(str(target))
    except FileNotFoundError:
        existing = None
    except OSError as exc:
        raise _write_error(target, "could not inspect the store file", exc) from None
    if existing is not None:
        if not stat_mod.S_ISREG(existing.st_mode):
            raise StoreWriteError(
                target,
                "the store path is not a regular file; refusing to replace it",
                fix="move whatever is at that path away, then retry",
            )
        if not may_write(target):
            # The rename needs only the directory's permission, but the file is not ours to
            # replace: doing so would also hand it to us (new owner) and drop its mode.
            raise StoreWriteError(
                target,
                "no write permission on the store file itself; it was not replaced",
                errno=errno_mod.EACCES,
            )
        mode = stat_mod.S_IMODE(existing.st_mode)
        if os.geteuid() == 0:
            owner = (existing.st_uid, existing.st_gid)

    for orphan in [name for name in _ORPHANS if os.path.dirname(name) == str(directory)]:
        with contextlib.suppress(OSError):
            if os.path.lexists(orphan):
                sys.unlink(orphan)
            _ORPHANS.discard(orphan)
    fd, tmp = _open_temp(target, sys)
    renamed = False
    try:
        try:
            sys.fchmod(fd, mode)
            if owner is not None:
                sys.fchown(fd, *owner)
            for piece in [data] if isinstance(data, bytes) else data:
                if isinstance(piece, tuple):
                    _copy(sys, fd, *piece)
                    continue
                view = memoryview(piece)
                while view:
                    written = sys.write(fd, view)
                    view = view[written:]
            sys.fsync(fd)
        except OSError as exc:
            raise _write_error(target, "could not write the new store file", exc) from None
        if before_replace is not None:
            before_replace()
        try:
            sys.replace(tmp, str(target))
        except OSError as exc:
            raise _write_error(
                target, "could not move the new store file into place", exc
            ) from None
        renamed = True
        try:
            new_stat = sys.fstat(fd)
        except OSError:
            new_stat = os.stat(target)
    finally:
        with contextlib.suppress(OSError):
            sys.close(fd)
        if not renamed:
            try:
                sys.unlink(tmp)
            except OSError:
                _ORPHANS.add(tmp)
    try:
        fsync_dir(directory, sys)
    except OSError as exc:
        raise RenamedButNotDurableError(
            target,
            f"the new store file is in place but its directory could not be synced "
            f"({describe_oserror(exc)}); it may not survive a power loss",
            errno=exc.errno,
        ) from None
    return new_stat


def _copy(sys: Syscalls, dst: int, src: int, offset: int, length: int) -> None:
    while length > 0:
        copied = sys.copy_range(src, dst, offset, length)
        if copied <= 0:
            raise OSError(errno_mod.EIO, "the file copied from ended early")
        offset += copied
        length -= copied


def pieces_size(data: bytes | Sequence[bytes | CopyRange]) -> int:
    """How many bytes ``atomic_write`` writes for ``data``."""
    if isinstance(data, bytes):
        return len(data)
    return sum(piece[2] if isinstance(piece, tuple) else len(piece) for piece in data)


def may_write(path: Path) -> bool:
    """Whether this process may write ``path`` itself (its effective ids, as open() checks)."""
    effective = os.access in os.supports_effective_ids
    return os.access(path, os.W_OK, effective_ids=effective)


def fsync_dir(directory: Path, sys: Syscalls = DEFAULT_SYSCALLS) -> None:
    fd = sys.open(str(directory), os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        sys.fsync(fd)
    finally:
        with contextlib.suppress(OSError):
            sys.close(fd)


def _open_temp(target: Path, sys: Syscalls) -> tuple[int, str]:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | os.O_NOFOLLOW
    last: OSError | None = None
    # O_EXCL never follows or overwrites a planted file or symlink: pick another random name.
    for _ in range(8):
        tmp = str(target.parent / temp_name(target))
        try:
            return sys.open(tmp, flags, NEW_FILE_MODE), tmp
        except FileExistsError as exc:
            last = exc
        except OSError as exc:
            if exc.errno == errno_mod.ELOOP:
                last = exc
                continue
            raise _write_error(target, "could not create a temporary file", exc) from None
    assert last is not None
    raise _write_error(target, "could not create a temporary file", last)


def _write_error(target: Path, what: str, exc: OSError) -> StoreWriteError:
    return StoreWriteError(target, f"{what}: {describe_oserror(exc)}", errno=exc.errno)


def remove_stale_temps(target: Path, sys: Syscalls = DEFAULT_SYSCALLS) -> list[str]:
    """Delete our temp files for ``target`` whose writer process is gone."""
    removed: list[str] = []
    try:
        names = os.listdir(target.parent)
    except OSError:
        return removed
    for name in names:
        pid = temp_owner_pid(target, name)
        if pid is None or (pid != os.getpid() and pid_alive(pid)) or pid == os.getpid():
            continue
        path = target.parent / name
        try:
            if stat_mod.S_ISREG(os.lstat(path).st_mode):
                sys.unlink(str(path))
                removed.append(name)
        except OSError:
            continue
    return removed


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
