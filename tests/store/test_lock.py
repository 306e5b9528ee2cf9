"""The <store>.lock cross-process lock: exclusive, stale recovery, timeout with a clear message."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from openclaw_tui.store.errors import StoreLockTimeoutError
from openclaw_tui.store.lock import StoreLock, is_stale, lock_path_for, read_lock


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


# A forked child's lock carries its own start time: another process must not take its live
# lock for one whose pid was reused (the start time is read per pid, not once at import).


def test_forked_childs_live_lock_is_not_stale(tmp_path):
    target = tmp_path / "sessions.json"
    lock = StoreLock(target)
    ready_r, ready_w = os.pipe()
    go_r, go_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: hold the lock until the parent has judged it
        code = 1
        try:
            os.close(ready_r)
            os.close(go_w)
            lock.acquire()
            os.write(ready_w, b"x")
            os.read(go_r, 1)
            lock.release()
            code = 0
        finally:
            os._exit(code)
    os.close(ready_w)
    os.close(go_r)
    try:
        assert os.read(ready_r, 1) == b"x"
        data = json.loads(lock.path.read_bytes())
        assert data["pid"] == pid
        info = read_lock(lock.path)[0]
        assert not is_stale(info, time.time(), 30.0, time.time()), "a live child's lock"
    finally:
        os.write(go_w, b"x")
        _, status = os.waitpid(pid, 0)
        os.close(ready_r)
        os.close(go_w)
    assert os.waitstatus_to_exitcode(status) == 0


# release() removes only the lock this StoreLock wrote, not any lock that carries our pid.


def test_release_keeps_a_lock_taken_over_by_another_holder_of_this_process(tmp_path):
    target = tmp_path / "sessions.json"
    first = StoreLock(target, timeout=1.0, stale_after=0.0)
    second = StoreLock(target, timeout=1.0, stale_after=-1.0)
    first.acquire()
    # The first holder's lock is taken for stale (stale_after) and broken; the second takes it.
    second.acquire()
    assert second.broken_stale == 1
    taken = read_lock(second.path)
    assert taken is not None
    first.release()  # the first holder finishes late: the lock is no longer its own
    still = read_lock(second.path)
    assert still is not None and still[1] == taken[1], "release() removed someone else's lock"
    second.release()
    assert read_lock(second.path) is None


def test_something_odd_at_the_lock_path_times_out_with_the_lock_named(tmp_path):
    target = tmp_path / "sessions.json"
    lock = StoreLock(target, timeout=0.05)
    lock.path.mkdir()  # not a lock file: nothing can take or break it
    with pytest.raises(StoreLockTimeoutError) as caught:
        lock.acquire()
    assert str(lock.path) in str(caught.value)


def test_a_lock_retaken_while_judged_stale_is_not_unlinked(tmp_path, monkeypatch):
    """The stale-lock race: between the staleness check and the unlink another process broke
    the old lock and took a new one. The re-read (inode + content) must spare the new one."""
    import json
    import os

    import openclaw_tui.store.lock as lock_mod

    target = tmp_path / "sessions.json"
    lock = StoreLock(target, timeout=1.0)
    lock.path.write_text(json.dumps({"pid": 999_999_999, "createdAt": 0}))
    fresh = json.dumps({"pid": os.getppid(), "createdAt": 1, "by": "the other breaker"})
    real_is_stale = lock_mod.is_stale

    def racing_is_stale(*args, **kwargs):
        verdict = real_is_stale(*args, **kwargs)
        os.unlink(lock.path)  # another process breaks it first ...
        lock.path.write_text(fresh)  # ... and takes the lock (a new file)
        return verdict

    monkeypatch.setattr(lock_mod, "is_stale", racing_is_stale)
    lock._break_if_stale()
    assert lock.path.read_text() == fresh
    assert lock.broken_stale == 0
