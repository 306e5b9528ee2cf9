"""``openclaw-tui --demo``: a fresh state directory and a simulated gateway writing to it.

The gateway runs in the app's process and writes through its own ``SessionStore`` on the same
path, which shares the app's writer queue: exactly the path every other writer takes. It ticks
token counters, starts new sessions, changes thinking levels and models, removes sessions, and
starts and ends runs (about a dozen at once, each lasting seconds to a few minutes; some fail or
are stopped, three hang as stalled runs from the start), so a newcomer sees the table move
within seconds. The busy sessions have JSONL transcripts that grow while their
run is running (tui/demo_transcripts.py), so ``v`` shows a live transcript with tool calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio

from openclaw_tui.store import SessionStore
from openclaw_tui.store.errors import StoreError
from openclaw_tui.store.paths import json_store_path
from openclaw_tui.store.synthetic import (
    STALLED_RUN_MS,
    generate_store,
    is_stalled_demo_key,
    make_entry,
    pick_action,
    random_patch,
    run_patch,
)
from openclaw_tui.tui.demo_transcripts import DemoTranscripts, seed_transcripts

DEMO_SESSIONS = 2000
DEMO_AGENTS = {"main": DEMO_SESSIONS, "ops": 150}
STALLED_RUNS = 3
"""Runs that hang (started long ago, silent since): the demo's stalled ones, from the start."""
TARGET_RUNNING = 12
"""About how many runs go at once; each starts, runs for RUN_SECONDS and ends, as real ones."""
RUN_SECONDS = (4.0, 150.0)
"""Shortest and longest run (a log-normal draw between them: most take seconds, a few minutes)."""


def run_seconds(rng: random.Random) -> float:
    low, high = RUN_SECONDS
    return min(high, max(low, rng.lognormvariate(2.8, 0.9)))


def stalled_keys(keys: list[str]) -> list[str]:
    """The sessions whose runs hang in the demo (the first few that the generator marks)."""
    return [key for key in keys if is_stalled_demo_key(key)][:STALLED_RUNS]


def settle_seeded_runs(
    entries: dict[str, Any], now_ms: int, *, simulated: bool, seed: int
) -> dict[str, Any]:
    """Seeded ``running`` entries as the demo's gateway carries them on: the stalled few hang
    (started STALLED_RUN_MS ago, silent since); the others started seconds ago and were active
    just now, so nothing reads "stalled" at start-up that is not meant to. A store no gateway
    simulates (``simulated=False``) has no live runs: its running entries are ended."""
    rng = random.Random(seed)
    hanging = set(stalled_keys(list(entries))) if simulated else set()
    for key in hanging:
        started = now_ms - STALLED_RUN_MS
        entries[key] = {
            **entries[key],
            "status": "running",
            "startedAt": started,
            "lastInteractionAt": started,
            "updatedAt": started,
        }
        for name in ("endedAt", "runtimeMs"):
            entries[key].pop(name, None)
    for key, entry in entries.items():
        if key in hanging or entry.get("status") != "running":
            continue
        if simulated:
            started = now_ms - rng.randrange(3_000, 90_000)
            seen = now_ms - rng.randrange(0, 3_000)
            fresh = {**entry, "startedAt": started, "lastInteractionAt": seen, "updatedAt": seen}
            fresh.pop("endedAt", None)
            fresh.pop("runtimeMs", None)
            entries[key] = fresh
        else:
            ended = min(int(entry.get("updatedAt") or now_ms), now_ms)
            runtime = entry.get("runtimeMs")
            runtime = runtime if isinstance(runtime, int) else 30_000
            entries[key] = {
                **entry,
                "status": "done",
                "startedAt": ended - runtime,
                "endedAt": ended,
                "runtimeMs": runtime,
            }
    return entries


def write_store(path: Path, entries: dict[str, Any]) -> None:
    """Write a store the way OpenClaw does (indent 2, no trailing newline, mode 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    data = json.dumps(entries, indent=2, ensure_ascii=False).encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def prepare_state_dir(
    root: Path | None = None, *, sessions: int = DEMO_SESSIONS, seed: int = 42
) -> Path:
    """A new state directory with a realistic store per demo agent; returns its path."""
    state_dir = Path(root) if root else Path(tempfile.mkdtemp(prefix="openclaw-tui-demo-"))
    now_ms = int(time.time() * 1000)
    for offset, (agent, count) in enumerate(DEMO_AGENTS.items()):
        count = sessions if agent == "main" else count
        entries = generate_store(count, seed=seed + offset, now_ms=now_ms, agent=agent)
        # Only the main store has a simulated gateway (DemoGateway writes to it alone).
        settle_seeded_runs(entries, now_ms, simulated=agent == "main", seed=seed + offset)
        write_store(json_store_path(agent, state_dir), entries)
        if agent == "main":
            sessions_dir = json_store_path(agent, state_dir).parent
            seed_transcripts(sessions_dir, entries, now_ms=now_ms, seed=seed)
    return state_dir


class DemoGateway:
    """Writes plausible changes to the ``main`` store at about ``rate`` changes per second."""

    def __init__(self, state_dir: Path, *, rate: float = 25.0, seed: int | None = None) -> None:
        self.state_dir = state_dir
        self.rate = rate
        self.rng = random.Random(seed)
        self.path = json_store_path("main", state_dir)
        self.writes = 0
        self.errors = 0
        # Runs draw from their own generator, so the other changes stay what the seed made them.
        self.run_rng = random.Random(None if seed is None else seed + 1)
        self._runs_seeded = False
        # The runs going now that this gateway will end, and when (epoch ms); the stalled
        # ones are not in it (they hang).
        self.run_ends: dict[str, int] = {}
        self.started_runs = 0
        self.ended_runs = 0
        self.transcripts = DemoTranscripts(
            self.path.parent, seed=None if seed is None else seed + 2
        )

    async def run(self, app: Any = None) -> None:
        store = SessionStore(self.path)
        try:
            await store.open()
            while True:
                await self.step(store)
                # Pacing of the simulation itself (not synchronisation): a gateway writes at
                # its own rhythm, in small bursts.
                await asyncio.sleep(self.rng.expovariate(self.rate / 3))
        except asyncio.CancelledError:
            raise
        finally:
            with contextlib.suppress(Exception):
                await store.aclose()

    async def step(self, store: SessionStore) -> None:
        """One burst of one to five changes."""
        now_ms = int(time.time() * 1000)
        keys = list(store.load().keys())
        for _ in range(self.rng.randint(1, 5)):
            action = pick_action(self.rng) if keys else "add"
            try:
                if action == "add":
                    key, entry = make_entry(self.rng, now_ms=now_ms)
                    if entry.get("status") == "running":
                        # A run spawned just now (a cron run): it ends like the others.
                        entry = {**entry, "startedAt": now_ms, "lastInteractionAt": now_ms}
                        self.run_ends[key] = now_ms + int(run_seconds(self.run_rng) * 1000)
                        self.started_runs += 1
                    await store.update_entry(key, entry, create=True)
                elif action == "remove" and len(keys) > 50:
                    key = keys[self.rng.randrange(len(keys))]
                    if key.endswith(":main"):
                        continue
                    await store.delete_entry(key)
                else:
                    # A few busy sessions take most of the traffic, as in a real gateway.
                    pool = keys[:60] if self.rng.random() < 0.6 else keys
                    key = pool[self.rng.randrange(len(pool))]
                    rng = self.rng

                    def patch(entry: Any, rng: random.Random = rng) -> dict[str, Any]:
                        return random_patch(rng, entry, now_ms)

                    await store.update_entry(key, patch)
                self.writes += 1
            except StoreError:
                # The app shows store errors from its own subscription; the demo keeps going.
                self.errors += 1
        await self.step_runs(store, now_ms, keys)
        await anyio.to_thread.run_sync(self.transcripts.step, store.load(), now_ms)

    async def step_runs(self, store: SessionStore, now_ms: int, keys: list[str]) -> None:
        """Runs start and end as real ones do (some fail or are stopped), about
        TARGET_RUNNING at once; the STALLED_RUNS hanging ones stay as they are."""
        if not keys:
            return
        entries = store.load()
        if not self._runs_seeded:
            self._runs_seeded = True
            hanging = set(stalled_keys(keys))
            for key, seeded in entries.items():
                if key not in hanging and seeded.get("status") == "running":
                    self.run_ends[key] = now_ms + int(run_seconds(self.run_rng) * 1000)
        due = [key for key, end in self.run_ends.items() if end <= now_ms]
        chosen: list[str] = []
        for key in due:
            del self.run_ends[key]
            ending = entries.get(key)
            if ending is not None and ending.get("status") == "running":
                chosen.append(key)  # its run ends now
        # New runs, until about TARGET_RUNNING go at once: mostly the busy sessions.
        if len(self.run_ends) < TARGET_RUNNING and self.run_rng.random() < 0.5:
            pool = keys[:40] if self.run_rng.random() < 0.7 else keys
            key = pool[self.run_rng.randrange(len(pool))]
            idle = entries.get(key)
            if (
                idle is not None
                and idle.get("status") != "running"
                and not is_stalled_demo_key(key)
            ):
                chosen.append(key)
                self.run_ends[key] = now_ms + int(run_seconds(self.run_rng) * 1000)
        for key in chosen:
            rng = self.run_rng

            def patch(
                entry: Any, key: str = key, rng: random.Random = rng
            ) -> dict[str, Any] | None:
                return run_patch(rng, key, entry, now_ms) or None

            try:
                result = await store.update_entry(key, patch)
                self.writes += 1
            except StoreError:
                self.errors += 1
                continue
            if result is not None and result.get("status") == "running":
                self.started_runs += 1
            else:
                self.run_ends.pop(key, None)
                self.ended_runs += 1


def remove_state_dir(state_dir: Path) -> None:
    shutil.rmtree(state_dir, ignore_errors=True)
