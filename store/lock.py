"""``<store>.lock``: the cross-process lock around a commit's read-check-write.

The scheme later OpenClaw versions use: the lock file is created with ``O_CREAT|O_EXCL`` and holds
JSON ``{"pid", "createdAt", ...}`` (older OpenClaw: ``startedAt``); waiters poll; a lock whose owner
is dead (or that is older than ``stale_after``) is broken. Breaking is inherently racy, so the lock
is re-read (inode and content) right before unlinking and only unlinked if unchanged.

A lock's age must survive clock skew (the holder's clock, the file system's and ours may differ,
and clocks jump). Its two timestamps, the ``createdAt`` the holder wrote and the file's mtime, are
each an age only when they are not in the future; when both are plausible the younger one counts
(breaking a live owner's lock loses updates, waiting only delays them); and what the waiter saw
itself on the monotonic clock, the same lock unchanged for ``stale_after`` seconds, makes it old
whatever the timestamps say.

The lock is held only while the commit checks the fingerprint and writes, never while a mutator
runs. It is a separate path: the data file is replaced on every write, so it cannot carry a lock.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from openclaw_tui.store.atomic import DEFAULT_SYSCALLS, Syscalls, ensure_dir, pid_alive
from openclaw_tui.store.errors import StoreLockTimeoutError, StoreWriteError, describe_oserror

DEFAULT_TIMEOUT = 10.0
DEFAULT_STALE_AFTER = 30.0
EMPTY_LOCK_STALE_AFTER = 2.0
# A timestamp this far ahead of our clock is skew, not a time: it says nothing about the age.
FUTURE_TOLERANCE = 2.0


def lock_path_for(store_path: Path) -> Path:
    return store_path.with_name(store_path.name + ".lock")


def _process_start_ticks(pid: int) -> int | None:
    """Start time of ``pid`` in clock ticks since boot (Linux); detects pid reuse."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            data = fh.read()
    except OSError:
        return None
    # The command name (field 2) may contain spaces and parentheses: split after the last ")".
    fields = data[data.rfind(b")") + 2 :].split()
    try:
        return int(fields[19])
    except (IndexError, ValueError):
        return None


_OWN_START = _process_start_ticks(os.getpid())
_own_start: tuple[int, int | None] = (os.getpid(), _OWN_START)


def _own_start_ticks() -> int | None:
    """This process's start time, read again after a fork (the child has its own)."""
    global _own_start
    pid = os.getpid()
    if _own_start[0] != pid:
        _own_start = (pid, _process_start_ticks(pid))
    return _own_start[1]


_HOST = socket.gethostname()


@dataclass(frozen=True, slots=True)
class LockInfo:
    pid: int | None
    created_at_ms: int | None
    start_ticks: int | None
    host: str | None


def read_lock(path: Path) -> tuple[LockInfo, bytes, int] | None:
    """Parse a lock file: (info, raw bytes, inode), or None when it does not exist."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
    except FileNotFoundError:
        return None
    try:
        inode = os.fstat(fd).st_ino
        raw = os.read(fd, 4096)
    finally:
        os.close(fd)
    info = LockInfo(None, None, None, None)
    with contextlib.suppress(ValueError, TypeError, AttributeError):
        data = json.loads(raw)
        created = data.get("createdAt")
        if created is None:
            created = data.get("startedAt")  # the pre-seed OpenClaw lock
        if isinstance(created, bool):
            created = None
        info = LockInfo(
            pid=data.get("pid") if isinstance(data.get("pid"), int) else None,
            created_at_ms=int(created) if isinstance(created, int | float) else None,
            start_ticks=data.get("startTicks") if isinstance(data.get("startTicks"), int) else None,
            host=data.get("hostname") if isinstance(data.get("hostname"), str) else None,
        )
    return info, raw, inode


def lock_age(info: LockInfo, lock_mtime: float, now: float) -> float | None:
    """How old the lock's timestamps say it is (seconds), or None when neither is plausible.

    ``createdAt`` and the mtime are both ages unless they lie in the future (skew); when both are
    plausible the younger counts, so one lagging clock never breaks a live owner's lock.
    """
    stamps = [lock_mtime]
    if info.created_at_ms is not None:
        stamps.append(info.created_at_ms / 1000)
    ages = [now - stamp for stamp in stamps if stamp <= now + FUTURE_TOLERANCE]
    return min(ages) if ages else None


def is_stale(
    info: LockInfo,
    lock_mtime: float,
    stale_after: float,
    now: float,
    *,
    watched_for: float = 0.0,
) -> bool:
    """Whether the lock may be broken. ``watched_for``: seconds (monotonic) this waiter has seen
    the very same lock (inode and bytes) unchanged: an age no clock skew can fake."""
    age = lock_age(info, lock_mtime, now)
    if (age is not None and age > stale_after) or watched_for > stale_after:
        return True
    if info.pid is None:
        # Unparseable: a writer that creates then writes (OpenClaw's "wx") died in between, or
        # is about to write. Writing takes microseconds, so a few seconds settles it.
        return now - lock_mtime > min(stale_after, EMPTY_LOCK_STALE_AFTER)
    if info.host not in (None, _HOST):
        return False  # another machine's pid says nothing here
    if not pid_alive(info.pid):
        return True
    if info.start_ticks is not None:
        current = _process_start_ticks(info.pid)
        if current is not None and current != info.start_ticks:
            return True  # the pid was reused by another process
    return False


class StoreLock:
    """An O_EXCL lock file. Use ``with lock.hold(): ...`` from a worker thread."""

    def __init__(
        self,
        store_path: Path,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        stale_after: float = DEFAULT_STALE_AFTER,
        syscalls: Syscalls = DEFAULT_SYSCALLS,
    ) -> None:
        self.store_path = store_path
        self.syscalls = syscalls
        self.path = lock_path_for(store_path)
        self.timeout = timeout
        self.stale_after = stale_after
        self.broken_stale = 0  # how many stale locks this object broke (for tests and reports)
        self._held: bytes | None = None  # the exact bytes of the lock we hold (see release)
        # (inode, bytes, monotonic time first seen) of the foreign lock we are waiting on; kept
        # across acquire() calls, so successive timed-out writes add up to stale_after.
        self._watched: tuple[int, bytes, float] | None = None

    def _payload(self) -> bytes:
        return json.dumps(
            {
                "pid": os.getpid(),
                "createdAt": int(time.time() * 1000),
                "startTicks": _own_start_ticks(),
                "hostname": _HOST,
                "tool": "openclaw-tui",
                # Tells our lock from another holder's in this process (same pid, same ms).
                "nonce": secrets.token_hex(8),
            }
        ).encode()

    def try_acquire(self) -> bool:
        # The lock appears with its content in one step: write a private temp file, then
        # link() it to the lock name (fails with EEXIST like O_EXCL). A writer killed in between
        # leaves no empty lock behind, only a temp file that is swept by pid.
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | os.O_NOFOLLOW
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        fd = os.open(tmp, flags, 0o600)
        payload = self._payload()
        try:
            try:
                os.write(fd, payload)
            finally:
                os.close(fd)
            try:
                os.link(tmp, self.path)
            except FileExistsError:
                return False
            self._held = payload
            return True
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)

    def acquire(self) -> None:
        deadline = time.monotonic() + self.timeout
        delay = 0.001
        while True:
            try:
                if self.try_acquire():
                    return
            except FileNotFoundError:
                # The store's directory is missing: create it (0700) as the commit would.
                try:
                    ensure_dir(self.path.parent, self.syscalls)
                except OSError as exc:
                    raise StoreWriteError(
                        self.store_path,
                        f"could not create the store directory: {describe_oserror(exc)}",
                        errno=exc.errno,
                    ) from None
                continue
            except OSError as exc:
                raise StoreWriteError(
                    self.store_path,
                    f"could not create the lock file {self.path.name}: {describe_oserror(exc)}",
                    errno=exc.errno,
                ) from None
            self._break_if_stale()
            if time.monotonic() >= deadline:
                try:
                    holder = read_lock(self.path)
                except OSError:  # a directory or symlink there: the message still names it
                    holder = None
                who = f" (held by pid {holder[0].pid})" if holder and holder[0].pid else ""
                raise StoreLockTimeoutError(
                    self.store_path,
                    f"timed out after {self.timeout:g} s waiting for the lock {self.path}{who}",
                    fix="another program is writing this store; retry, or remove the lock file "
                    "if no such program is running",
                )
            # Polling is the protocol (OpenClaw's lock has no wakeup); back off to stay cheap.
            time.sleep(delay)
            delay = min(delay * 2, 0.025)

    def _break_if_stale(self) -> None:
        try:
            found = read_lock(self.path)
            if found is None:
                return
            info, raw, inode = found
            st = os.lstat(self.path)
            if st.st_ino != inode:
                return
            seen_now = time.monotonic()
            watched = self._watched
            if watched is None or watched[0] != inode or watched[1] != raw:
                watched = self._watched = (inode, raw, seen_now)
            stale = is_stale(
                info,
                st.st_mtime,
                self.stale_after,
                time.time(),
                watched_for=seen_now - watched[2],
            )
            if not stale:
                return
            again = read_lock(self.path)
            if again is None or again[1] != raw or again[2] != inode:
                return  # someone else broke or re-took it meanwhile
            os.unlink(self.path)
            self._watched = None
            self.broken_stale += 1
        except OSError:
            return

    def release(self) -> None:
        # Only the lock we wrote: if ours was broken as stale and re-taken meanwhile (even by
        # another holder in this process, with the same pid), the new holder's lock stays.
        held, self._held = self._held, None
        try:
            found = read_lock(self.path)
        except OSError:
            return  # not a lock file we could have written
        if found is not None and held is not None and found[1] == held:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path)

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        self.acquire()
        try:
            yield
        finally:
            self.release()
