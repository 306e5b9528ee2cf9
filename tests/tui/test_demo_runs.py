"""The demo's simulated runs (``tui/demo.py``): they start and end as real ones do, about
TARGET_RUNNING at once, and only the STALLED_RUNS hanging ones read "stalled", from the first
frame on (the seeded running sessions are not stale at start-up). A fake clock drives ten
simulated minutes of the demo gateway's steps against a real store in a temp dir."""

from __future__ import annotations

import json
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from openclaw_tui.store import SessionStore
from openclaw_tui.store.paths import json_store_path
from openclaw_tui.store.runs import run_state
from openclaw_tui.tui import demo
from openclaw_tui.tui.viewmodel import is_stalled

pytestmark = pytest.mark.anyio

LIMIT_MS = 10 * 60_000


def counts(entries, now_ms: float) -> tuple[int, int]:
    running = stalled = 0
    for entry in entries.values():
        state = run_state(entry)
        if state is not None and state.is_running:
            running += 1
            stalled += is_stalled(entry, now_ms, LIMIT_MS)
    return running, stalled


async def test_demo_runs_start_and_end_and_only_the_hanging_ones_stall(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [time.time()]
    monkeypatch.setattr(demo, "time", SimpleNamespace(time=lambda: clock[0]))
    state_dir = demo.prepare_state_dir(tmp_path / "demo", sessions=400, seed=3)
    gateway = demo.DemoGateway(state_dir, seed=4)
    async with SessionStore(gateway.path) as store:
        running, stalled = counts(store.load(), clock[0] * 1000)
        # At start-up: the seeded runs are going, and only the hanging ones are stalled.
        assert running > demo.STALLED_RUNS and stalled == demo.STALLED_RUNS
        seen: list[int] = []
        for _ in range(200):  # a step every 3 simulated seconds: ten minutes
            clock[0] += 3.0
            await gateway.step(store)
            running, stalled = counts(store.load(), clock[0] * 1000)
            assert stalled == demo.STALLED_RUNS, f"at +{3 * len(seen)} s"
            seen.append(running)
    # Runs end as well as start, and the count stays near the target instead of growing.
    assert gateway.started_runs >= 30 and gateway.ended_runs >= 30
    assert max(seen[-100:]) <= demo.TARGET_RUNNING + demo.STALLED_RUNS + 4
    assert min(seen[-100:]) >= demo.STALLED_RUNS + 1


def test_a_store_no_gateway_simulates_has_no_live_runs(tmp_path: Path) -> None:
    state_dir = demo.prepare_state_dir(tmp_path / "demo", sessions=50, seed=3)
    ops = json.loads(json_store_path("ops", state_dir).read_text())
    assert any(entry.get("status") == "done" for entry in ops.values())
    assert not any(entry.get("status") == "running" for entry in ops.values())
