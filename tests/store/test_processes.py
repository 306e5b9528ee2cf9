"""Several processes on one store, and kill -9 at random moments (issue #5)."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from openclaw_tui.store.codec import loads
from tests.store.helpers import read_json

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _spawn(*args: str, **kwargs) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.Popen(
        [sys.executable, "-m", "tests.store.workers", *args], cwd=REPO, env=env, **kwargs
    )


def test_four_processes_times_500_updates_lose_nothing(small_store):
    workers, updates, shared = 4, 500, 5
    procs = [
        _spawn("counter", str(small_store), str(w), str(updates), str(shared))
        for w in range(workers)
    ]
    for proc in procs:
        assert proc.wait(timeout=120) == 0
    data = read_json(small_store)
    ours = {k: v for k, v in data.items() if k.startswith("agent:main:explicit:mp-")}
    assert sum(v["total"] for v in ours.values()) == workers * updates
    for w in range(workers):
        assert sum(v.get(f"w{w}", 0) for v in ours.values()) == updates
    shared_total = sum(v["total"] for k, v in ours.items() if "shared-" in k)
    assert shared_total == workers * updates // 2  # the overlapping keys lost nothing
    assert len(data) == 12 + shared + workers * 7  # the fixture's entries survived too
    assert not (small_store.parent / "sessions.json.lock").exists()


def test_kill_9_at_random_moments_loses_no_acknowledged_update(tmp_path):
    path = tmp_path / "sessions.json"
    rng = random.Random(1234)
    acked: set[int] = set()
    kills = 0
    for _ in range(50):
        proc = _spawn("acker", str(path), stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        # Wait for the first ack (the store is open and writing), then kill at a random moment.
        first = proc.stdout.readline()
        assert first, "the writer died before acknowledging anything"
        time.sleep(rng.uniform(0, 0.06))  # the kill moment, not synchronisation
        proc.send_signal(signal.SIGKILL)
        rest, _ = proc.communicate(timeout=30)
        kills += 1
        acked.update(int(line) for line in [first, *rest.splitlines()] if line.strip())
        raw = path.read_bytes()
        decoded = loads(raw, str(path)).entries  # always parses
        missing = [n for n in acked if f"acked:{n}" not in decoded]
        assert missing == [], f"acknowledged updates lost after kill {kills}: {missing[:5]}"
        assert all(decoded[f"acked:{n}"]["seq"] == n for n in acked)
    assert kills >= 50
    # A killed writer can leave a temp file behind; the next writer sweeps dead writers' temps.
    leftovers = [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]
    assert len(leftovers) <= 1
    assert json.loads(path.read_bytes())
