"""kill -9 loop (reference §9.3): at least 50 kills, many of them inside a commit.

The child writes ``seq-<i>`` entries and prints ``ack <i>`` after each acknowledged write, plus
``commit started`` (temp file being created) and ``rename`` (about to rename) from inside the write
path. The parent kills it right after one of those lines, after a random number of acks, or at a
random moment, then checks: the file parses, holds every acknowledged entry and the fixture's own
sessions, and temp files never accumulate (a dead writer's temp is removed by the next writer).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import queue
import random
from pathlib import Path

import pytest

from openclaw_tui.store import SessionStore
from openclaw_tui.store.lock import lock_path_for
from tests.reliability.helpers import Child, record_figure, store_at, temp_files

pytestmark = pytest.mark.slow

KILLS = 52
MODES = ["commit started", "rename", "after-acks", "random-offset"]


def test_kill_9_loop_never_loses_an_acknowledged_write(tmp_path: Path) -> None:
    rng = random.Random(5)
    path = store_at(tmp_path)
    original = json.loads(path.read_bytes())
    acked: set[int] = set()
    by_mode = dict.fromkeys(MODES, 0)
    in_commit = 0
    max_temps = 0
    for kill in range(KILLS):
        mode = MODES[kill % len(MODES)]
        child = Child("crash", str(path))
        child.wait_for(lambda line: line == "ready")
        if mode in ("commit started", "rename"):
            # Skip a random number of commits, then kill right after the marker line.
            for _ in range(rng.randrange(0, 4)):
                child.wait_for(lambda line, m=mode: line == m)
            child.wait_for(lambda line, m=mode: line == m)
            in_commit += 1
        elif mode == "after-acks":
            for _ in range(rng.randrange(1, 8)):
                child.wait_for(lambda line: line.startswith("ack "))
        else:
            line = None
            with contextlib.suppress(queue.Empty):
                line = child.lines.get(timeout=rng.uniform(0.0, 0.05))  # the random offset
            if line is not None:
                child.seen.append(line)
        child.kill()
        by_mode[mode] += 1
        acked.update(child.acks())
        data = json.loads(path.read_bytes())  # always parses
        assert isinstance(data, dict)
        missing = [i for i in acked if f"agent:main:explicit:seq-{i}" not in data]
        assert missing == [], f"kill {kill} ({mode}): acknowledged writes lost: {missing}"
        for i in acked:
            assert data[f"agent:main:explicit:seq-{i}"]["n"] == i
        assert {k: v for k, v in data.items() if k in original} == original
        temps = temp_files(path.parent)
        max_temps = max(max_temps, len(temps))
        # At most the one temp of the writer just killed: earlier ones were swept.
        assert len(temps) <= 1, f"kill {kill}: temp files accumulate: {temps}"
    stale_lock = lock_path_for(path).exists()
    # The next writer cleans up after the last victim: no temp, no stale lock left.

    async def one_write() -> None:
        async with SessionStore(path) as store:
            await store.update_entry("agent:main:main", {"label": "after the kills"})

    asyncio.run(one_write())
    assert temp_files(path.parent) == []
    assert not lock_path_for(path).exists()
    assert json.loads(path.read_bytes())["agent:main:main"]["label"] == "after the kills"
    assert acked, "no write was ever acknowledged"
    assert in_commit >= 25
    assert sum(by_mode.values()) >= 50
    record_figure(
        "crash",
        {
            "kills": sum(by_mode.values()),
            "killed_inside_a_commit": in_commit,
            "acknowledged": len(acked),
            "lost": 0,
            "max_temp_files_seen": max_temps,
            "lock_left_by_last_kill": stale_lock,
        },
    )
