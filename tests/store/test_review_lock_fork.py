"""A forked child's lock carries its own start time: another process must not take its live
lock for one whose pid was reused (the start time is read per pid, not once at import)."""

from __future__ import annotations

import json
import os
import time

from openclaw_tui.store.lock import StoreLock, is_stale, read_lock


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
