"""release() removes only the lock this StoreLock wrote, not any lock that carries our pid."""

from __future__ import annotations

import pytest

from openclaw_tui.store.errors import StoreLockTimeoutError
from openclaw_tui.store.lock import StoreLock, read_lock


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
