"""The <store>.lock cross-process lock: exclusive, stale recovery, timeout with a clear message."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from openclaw_tui.store.errors import StoreLockTimeoutError
from openclaw_tui.store.lock import StoreLock, lock_path_for, read_lock


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_lock_file_holds_pid_and_start_time_and_is_removed(tmp_path):
    store = tmp_path / "sessions.json"
    lock = StoreLock(store)
    with lock.hold():
        info = json.loads(lock_path_for(store).read_bytes())
        assert info["pid"] == os.getpid()
        assert abs(info["createdAt"] - time.time() * 1000) < 60_000
        assert isinstance(info["startTicks"], int)
        assert not lock.try_acquire()  # exclusive, even within the process
    assert not lock_path_for(store).exists()


def test_lock_of_a_dead_process_is_broken(tmp_path):
    store = tmp_path / "sessions.json"
    path = lock_path_for(store)
    path.write_text(json.dumps({"pid": _dead_pid(), "createdAt": int(time.time() * 1000)}))
    lock = StoreLock(store, timeout=2)
    with lock.hold():
        assert read_lock(path)[0].pid == os.getpid()
    assert lock.broken_stale == 1


def test_old_lock_is_broken_even_if_its_pid_lives(tmp_path):
    store = tmp_path / "sessions.json"
    path = lock_path_for(store)
    old = int((time.time() - 3600) * 1000)
    path.write_text(json.dumps({"pid": os.getppid(), "createdAt": old}))
    os.utime(path, (old / 1000, old / 1000))  # a lock is written once: its file time is as old
    lock = StoreLock(store, timeout=2, stale_after=30)
    with lock.hold():
        pass
    assert lock.broken_stale == 1


def test_reused_pid_is_detected_by_start_time(tmp_path):
    store = tmp_path / "sessions.json"
    path = lock_path_for(store)
    path.write_text(
        json.dumps({"pid": os.getppid(), "createdAt": int(time.time() * 1000), "startTicks": 1})
    )
    lock = StoreLock(store, timeout=2)
    with lock.hold():
        pass
    assert lock.broken_stale == 1


def test_live_lock_times_out_with_a_clear_message(tmp_path):
    store = tmp_path / "sessions.json"
    path = lock_path_for(store)
    path.write_text(json.dumps({"pid": os.getppid(), "createdAt": int(time.time() * 1000)}))
    lock = StoreLock(store, timeout=0.2)
    with pytest.raises(StoreLockTimeoutError) as info:
        lock.acquire()
    message = str(info.value)
    assert str(store) in message and f"pid {os.getppid()}" in message
    assert "remove the lock file" in message
    assert path.exists()  # a live owner's lock is never broken


def test_unparseable_young_lock_is_respected_then_broken_when_old(tmp_path):
    store = tmp_path / "sessions.json"
    path = lock_path_for(store)
    path.write_bytes(b"")
    with pytest.raises(StoreLockTimeoutError):
        StoreLock(store, timeout=0.1).acquire()
    old = time.time() - 3600
    os.utime(path, (old, old))
    with StoreLock(store, timeout=1).hold():
        pass


# -- clock skew (issue #10 item 8): the 30 s rule must hold whatever the clocks say ----------


def _write_lock(path, payload: dict, *, mtime_offset: float) -> None:
    path.write_text(json.dumps(payload))
    stamp = time.time() + mtime_offset
    os.utime(path, (stamp, stamp))


def test_lock_with_future_created_at_but_an_old_file_time_is_broken(tmp_path):
    # A writer whose clock runs an hour ahead (or a forged lock): createdAt is in the future,
    # but the file has not been touched for an hour, and its pid lives.
    store = tmp_path / "sessions.json"
    path = lock_path_for(store)
    future = int((time.time() + 3600) * 1000)
    _write_lock(path, {"pid": os.getppid(), "createdAt": future}, mtime_offset=-3600)
    lock = StoreLock(store, timeout=2, stale_after=30)
    with lock.hold():
        assert read_lock(path)[0].pid == os.getpid()
    assert lock.broken_stale == 1


def test_old_started_at_lock_of_older_openclaw_is_broken(tmp_path):
    # Pre-lock-scheme OpenClaw writes {pid, startedAt}: the same age rule applies.
    store = tmp_path / "sessions.json"
    path = lock_path_for(store)
    old = int((time.time() - 3600) * 1000)
    _write_lock(path, {"pid": os.getppid(), "startedAt": old}, mtime_offset=-3600)
    lock = StoreLock(store, timeout=2, stale_after=30)
    with lock.hold():
        pass
    assert lock.broken_stale == 1
    assert read_lock(path) is None


def test_fresh_started_at_keeps_a_live_lock_whose_file_time_lags(tmp_path):
    store = tmp_path / "sessions.json"
    path = lock_path_for(store)
    now = int(time.time() * 1000)
    _write_lock(path, {"pid": os.getppid(), "startedAt": now}, mtime_offset=-3600)
    with pytest.raises(StoreLockTimeoutError):
        StoreLock(store, timeout=0.3, stale_after=30).acquire()
    assert path.exists()


def test_fresh_live_lock_is_kept_when_only_one_clock_says_old(tmp_path):
    # createdAt is now, but the file time is an hour old (a file server whose clock lags):
    # the clocks disagree, so the fresher one wins and a live owner keeps its lock.
    store = tmp_path / "sessions.json"
    path = lock_path_for(store)
    now = int(time.time() * 1000)
    _write_lock(path, {"pid": os.getppid(), "createdAt": now}, mtime_offset=-3600)
    with pytest.raises(StoreLockTimeoutError):
        StoreLock(store, timeout=0.3, stale_after=30).acquire()
    assert path.exists()


def test_lock_whose_clocks_are_both_in_the_future_is_broken_after_being_watched(tmp_path):
    # The clock jumped back after the lock was taken: every timestamp is in the future. What
    # the waiter itself saw counts then: the same lock, unchanged for stale_after seconds.
    store = tmp_path / "sessions.json"
    path = lock_path_for(store)
    future = int((time.time() + 3600) * 1000)
    _write_lock(path, {"pid": os.getppid(), "createdAt": future}, mtime_offset=3600)
    lock = StoreLock(store, timeout=5, stale_after=0.3)
    started = time.monotonic()
    with lock.hold():
        waited = time.monotonic() - started
    assert lock.broken_stale == 1
    assert waited >= 0.3
