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
