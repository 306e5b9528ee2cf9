"""The load scenario shared by ``tests/reliability/test_load.py`` (~10 s) and
``bench/bench_load.py`` (60 s): another process changes RATE entries per second while the real
app (headless Pilot, real SessionStore and watcher) shows the store.

Measured: keystroke-to-redraw latency during the load (a key press processed, the cursor moved
and the cursor's line rendered again), memory (RSS and, optionally, tracemalloc) sampled over
time, and the time for the screen to match the file exactly once the load stops.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import time
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textual import events

from openclaw_tui.store.synthetic import generate_store
from openclaw_tui.tui.app import SessionBrowserApp
from openclaw_tui.tui.target import target_for_agent
from tests.reliability.helpers import Child

NOW = 1_795_612_000.0


def rss_bytes() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@dataclass
class LoadFigures:
    seconds: float
    rate: int
    sessions: int
    foreign_writes: int = 0
    entries_changed: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    sample_times: list[float] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)
    traced_mb: list[float] = field(default_factory=list)
    converge_ms: float = 0.0
    table_updates: int = 0
    screen_matches_file: bool = False

    def summary(self) -> dict[str, Any]:
        lat = sorted(self.latencies_ms)

        def pct(p: float) -> float:
            return round(lat[min(len(lat) - 1, int(p * len(lat)))], 1) if lat else 0.0

        third = max(1, len(self.rss_mb) // 3)

        def slope(values: list[float]) -> float | None:
            # MB per minute over the samples after the first fifth (warm-up): ~0 when flat.
            skip = len(values) // 5
            xs, ys = self.sample_times[skip:], values[skip:]
            if len(xs) < 3 or len(set(xs)) < 2:
                return None
            return round(statistics.linear_regression(xs, ys).slope * 60, 2)

        return {
            "seconds": self.seconds,
            "rate_per_s": self.rate,
            "sessions": self.sessions,
            "foreign_writes": self.foreign_writes,
            "entries_changed": self.entries_changed,
            "keystrokes": len(lat),
            "key_to_redraw_ms": {
                "p50": pct(0.5),
                "p95": pct(0.95),
                "max": round(max(lat), 1) if lat else 0.0,
            },
            "rss_mb": {
                "early": round(statistics.mean(self.rss_mb[:third]), 1),
                "late": round(statistics.mean(self.rss_mb[-third:]), 1),
                "max": round(max(self.rss_mb), 1),
                "slope_mb_per_min": slope(self.rss_mb),
            },
            "traced_mb": (
                {
                    "early": round(statistics.mean(self.traced_mb[:third]), 1),
                    "late": round(statistics.mean(self.traced_mb[-third:]), 1),
                    "slope_mb_per_min": slope(self.traced_mb),
                }
                if self.traced_mb
                else None
            ),
            "table_updates": self.table_updates,
            "converge_ms": round(self.converge_ms, 1),
            "screen_matches_file": self.screen_matches_file,
        }


def prepare(state_dir: Path, sessions: int) -> Path:
    path = state_dir / "agents" / "main" / "sessions" / "sessions.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    entries = generate_store(sessions, seed=11, now_ms=int(NOW * 1000))
    path.write_text(json.dumps(entries, indent=2, ensure_ascii=False), encoding="utf-8")
    return path


async def run_load(
    state_dir: Path,
    *,
    seconds: float,
    rate: int = 1000,
    sessions: int = 2000,
    use_tracemalloc: bool = False,
    probe_every: float = 0.2,
) -> LoadFigures:
    path = prepare(state_dir, sessions)
    figures = LoadFigures(seconds=seconds, rate=rate, sessions=sessions)
    app = SessionBrowserApp(target_for_agent("main", state_dir), clock=lambda: NOW)
    if use_tracemalloc:
        tracemalloc.start()
    try:
        async with app.run_test(size=(140, 40)) as pilot:
            screen = app.main
            deadline = time.monotonic() + 30
            while app.main.target is None or screen.vm.row_count < sessions:
                if time.monotonic() > deadline:
                    raise AssertionError("the app did not open the store")
                await pilot.pause(0.02)
            updates_before = screen.table_updates
            churn = Child("churn", str(path), str(rate), str(seconds), str(sessions))
            try:
                churn.wait_for(lambda line: line == "ready")
                direction = "down"
                while churn.proc.poll() is None:
                    before = screen.current_key
                    start = time.perf_counter()
                    # What Pilot.press does, minus its wait for the whole process to go idle
                    # (which under load measures the load, not the key): the terminal's key
                    # event, then poll every millisecond until the cursor has moved.
                    key = events.Key(direction, None)
                    key.set_sender(app)
                    driver = app._driver
                    assert driver is not None
                    driver.send_message(key)
                    while screen.current_key == before:
                        if time.perf_counter() - start > 10:
                            raise AssertionError("a key press was not handled within 10 s")
                        await asyncio.sleep(0.001)
                    table = screen.table
                    table.render_line(table.cursor_index - round(table.scroll_y) + 1)
                    figures.latencies_ms.append((time.perf_counter() - start) * 1000)
                    direction = "up" if direction == "down" else "down"
                    figures.sample_times.append(time.monotonic())
                    figures.rss_mb.append(rss_bytes() / 2**20)
                    if use_tracemalloc:
                        figures.traced_mb.append(tracemalloc.get_traced_memory()[0] / 2**20)
                    await pilot.pause(probe_every)  # pacing the probes, not synchronisation
                done = churn.finish(timeout=seconds + 60)
            finally:
                churn.kill()
            last = [line for line in done if line.startswith("done ")][-1].split()
            figures.foreign_writes, figures.entries_changed = int(last[1]), int(last[2])
            stop = time.perf_counter()
            file_entries = json.loads(path.read_bytes())
            while not _matches(screen, file_entries):
                if time.perf_counter() - stop > 15:
                    break
                await pilot.pause(0.02)
            figures.converge_ms = (time.perf_counter() - stop) * 1000
            figures.screen_matches_file = _matches(screen, file_entries)
            figures.table_updates = screen.table_updates - updates_before
    finally:
        if use_tracemalloc:
            tracemalloc.stop()
    return figures


def _matches(screen: Any, file_entries: dict[str, Any]) -> bool:
    """The view model's rows are exactly the file's entries, and the table shows that order."""
    vm = screen.vm
    if dict(vm.entries) != file_entries or vm.row_count != len(file_entries):
        return False
    if any(vm.rows[key].entry != entry for key, entry in file_entries.items()):
        return False
    return screen.table.row_count == vm.row_count if hasattr(screen.table, "row_count") else True
