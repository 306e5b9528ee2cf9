"""What a change, a tick and a cursor move cost the app's UI at 100,000 sessions (issue #16).

The real app runs headless (160x50, detail pane open) on a 100,000-session ``sessions.json``;
each phase in its own process. Measured in the same run for the baseline (the app as it was
before this work, put back in the process by ``baseline()``: every line of the table repainted
on each refresh and scroll, the stalled count read from every running session's entry each
tick, the detail pane redrawn with the cursor's frame with a layout, the subagent tree arranged
anew on a change to a parent or a child) and for the app as it is:

- one tick (ages, run times, the running and stalled counts): CPU of the tick and its frame;
- one foreign change applied (a random session's fields, as a store event): CPU until the
  screen is idle again, and the main thread's longest stretch (the UI's stall);
- the same in the subagent tree (T), to a subagent's row;
- a cursor move (a key, as a terminal sends it): key -> the frame with the moved cursor, and
  the CPU of everything it causes (the detail pane's frame too);
- the stalled count alone, beside the naive recount over the running sessions.

CPU is the process's CPU time over a fixed window after the action, less the same window idle.

    python bench/bench_app_stall.py [--sessions 100000] [--samples 60]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from openclaw_tui.store import codec  # noqa: E402
from openclaw_tui.store.paths import json_store_path  # noqa: E402
from openclaw_tui.store.synthetic import apply_patch, generate_store, random_patch  # noqa: E402

WINDOW_S = 0.06
"""CPU is counted this long after each action (its frames are drawn well within it)."""


def baseline() -> None:
    """Put the app's behaviour before issue #16's UI work back, in this process only."""
    from textual.scroll_view import ScrollView

    from openclaw_tui.tui.app import MainScreen
    from openclaw_tui.tui.viewmodel import SessionViewModel, is_stalled
    from openclaw_tui.widgets.detail_pane import DetailPane
    from openclaw_tui.widgets.session_table import SessionTable

    SessionTable.repaint = SessionTable.refresh  # type: ignore[assignment,method-assign]
    SessionTable.watch_scroll_y = ScrollView.watch_scroll_y  # type: ignore[method-assign]
    SessionTable.watch_scroll_x = ScrollView.watch_scroll_x  # type: ignore[method-assign]

    def stalled_count(self: MainScreen) -> int:
        vm = self.vm
        now_ms = self.clock() * 1000
        limit = vm.stall_limit_ms
        return sum(
            1
            for key in vm.running_keys
            if (entry := vm.entries.get(key)) is not None
            and is_stalled(entry, now_ms, limit, vm.activity.get(key))
        )

    MainScreen._stalled_count = stalled_count  # type: ignore[method-assign]
    MainScreen._show_selected_soon = MainScreen._show_selected  # type: ignore[method-assign]

    def set_text(self: DetailPane, text: Any) -> None:
        self._text = text
        self._body.update(text)

    DetailPane._set = set_text  # type: ignore[method-assign]
    SessionViewModel._tree_in_place = lambda self, key, entry: None  # type: ignore[method-assign]


class Frames:
    """Notes each frame handed to the driver, and how long each screen update took."""

    def __init__(self, app: Any) -> None:
        from textual.screen import Screen

        self.frame = asyncio.Event()
        self.busy_ms: list[float] = []
        original_display = app._display

        def display(screen: Any, renderable: Any) -> None:
            if renderable is not None:
                self.frame.set()
            original_display(screen, renderable)

        app._display = display
        original_update = Screen._on_timer_update
        busy = self.busy_ms

        def timed_update(screen: Any) -> None:
            start = time.perf_counter()
            original_update(screen)
            busy.append((time.perf_counter() - start) * 1000)

        Screen._on_timer_update = timed_update  # type: ignore[method-assign]


async def cpu_window(action: Any, frames: Frames, idle_ms: float) -> tuple[float, float, float]:
    """(CPU ms, ms to the first frame, longest main-thread stretch ms) of one action."""
    frames.frame.clear()
    frames.busy_ms.clear()
    cpu = time.process_time()
    start = time.perf_counter()
    sync_ms = await action()
    await frames.frame.wait()
    first = (time.perf_counter() - start) * 1000
    await asyncio.sleep(max(0.0, WINDOW_S - (time.perf_counter() - start)))
    used = (time.process_time() - cpu) * 1000 - idle_ms
    return max(0.0, used), first, max([sync_ms, *frames.busy_ms])


async def phase(path: Path, mode: str, sessions: int, samples: int) -> dict[str, Any]:
    if mode == "baseline":
        baseline()
    from textual import events

    from openclaw_tui.store.events import EntryChanged
    from openclaw_tui.tui.app import SessionBrowserApp
    from openclaw_tui.tui.config import UserConfig
    from openclaw_tui.tui.target import target_for_path
    from openclaw_tui.tui.viewmodel import parent_key

    app = SessionBrowserApp(target_for_path(path), config=UserConfig())
    frames = Frames(app)
    rng = random.Random(16)
    out: dict[str, Any] = {}
    async with app.run_test(size=(160, 50)) as pilot:
        while True:
            try:
                main = app.main
            except LookupError:
                main = None
            if main is not None and main.vm.total_count >= sessions:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(1.0)
        await pilot.pause()
        table = main.table
        out["running"] = len(main.vm.running_keys)
        # Idle CPU over one window (timers, the event loop): subtracted from each sample.
        idle = []
        for _ in range(10):
            cpu = time.process_time()
            await asyncio.sleep(WINDOW_S)
            idle.append((time.process_time() - cpu) * 1000)
        idle_ms = statistics.median(idle)
        out["idle_ms"] = idle_ms

        async def tick() -> float:
            start = time.perf_counter()
            main._tick()
            table.refresh_highlights()
            frames.frame.set()  # a tick that changes nothing on screen draws no frame
            return (time.perf_counter() - start) * 1000

        def changer(keys: list[str]) -> Any:
            async def change() -> float:
                key = keys[rng.randrange(len(keys))]
                before = main.vm.entries[key]
                after = apply_patch(before, random_patch(rng, before, int(time.time() * 1000)))
                start = time.perf_counter()
                main.handle_store_event(EntryChanged(key, before, after, frozenset(), "x", 1))
                main._flush_pending()
                return (time.perf_counter() - start) * 1000

            return change

        step = [0]

        async def move() -> float:
            before = table.cursor_index
            key = "down" if (step[0] // 20) % 2 == 0 else "up"
            step[0] += 1
            app._driver.send_message(events.Key(key, None))
            while table.cursor_index == before:
                await asyncio.sleep(0.0005)
            return 0.0

        all_keys = list(main.vm.entries)
        for name, action in (
            ("tick", tick),
            ("change", changer(all_keys)),
            ("move", move),
        ):
            out[name] = [await cpu_window(action, frames, idle_ms) for _ in range(samples)]
        main.action_toggle_tree()
        await pilot.pause()
        while main._rebuilding or not main.vm.tree:  # the tree is arranged in a worker thread
            await asyncio.sleep(0.05)
        await asyncio.sleep(1.0)
        subagents = [k for k, e in main.vm.entries.items() if parent_key(e) is not None]
        out["tree_change"] = [
            await cpu_window(changer(subagents), frames, idle_ms) for _ in range(samples // 3)
        ]
    return out


def stall_count_phase(sessions: int) -> dict[str, float]:
    """The stalled count alone: one bisection beside the naive recount."""
    from openclaw_tui.tui.viewmodel import SessionViewModel, is_stalled

    now_ms = int(time.time() * 1000)
    vm = SessionViewModel()
    vm.rebuild(generate_store(sessions, seed=1, now_ms=now_ms))
    limit = vm.stall_limit_ms

    def naive() -> int:
        return sum(
            1
            for key in vm.running_keys
            if is_stalled(vm.entries[key], now_ms, limit, vm.activity.get(key))
        )

    def timed(fn: Any, rounds: int) -> tuple[float, Any]:
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            value = fn()
            times.append((time.perf_counter() - start) * 1000)
        return statistics.median(times), value

    naive_ms, naive_count = timed(naive, 15)
    new_ms, new_count = timed(lambda: vm.stalled_count(now_ms), 200)
    assert naive_count == new_count, (naive_count, new_count)
    return {
        "running": len(vm.running_keys),
        "stalled": new_count,
        "naive_ms": naive_ms,
        "new_ms": new_ms,
    }


def run_phase(path: Path, mode: str, args: argparse.Namespace) -> dict[str, Any]:
    output = subprocess.run(
        [
            sys.executable,
            __file__,
            "--phase",
            mode,
            "--path",
            str(path),
            "--sessions",
            str(args.sessions),
            "--samples",
            str(args.samples),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env=os.environ,
    )
    if output.returncode != 0:
        raise SystemExit(f"phase {mode} failed:\n{output.stderr[-3000:]}")
    return dict(json.loads(output.stdout.strip().splitlines()[-1]))


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=60)
    parser.add_argument("--phase")
    parser.add_argument("--path")
    args = parser.parse_args()
    if args.phase == "stall-count":
        print(json.dumps(stall_count_phase(args.sessions)))
        return 0
    if args.phase:
        result = asyncio.run(phase(Path(args.path), args.phase, args.sessions, args.samples))
        print(json.dumps(result))
        return 0
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        path = json_store_path("main", Path(tmp))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(
            codec.dumps(generate_store(args.sessions, seed=1, now_ms=int(time.time() * 1000)))
        )
        counts = run_phase(path, "stall-count", args)
        base = run_phase(path, "baseline", args)
        new = run_phase(path, "new", args)
    print(
        f"{args.sessions:,} sessions, {counts['running']:,} running ({counts['stalled']} stalled); "
        f"headless 160x50, detail pane open; medians (p95) of {args.samples} samples"
    )
    print(
        f"stalled count alone: naive recount {counts['naive_ms']:.2f} ms, "
        f"kept per change {counts['new_ms'] * 1000:.1f} µs "
        f"({counts['naive_ms'] / max(counts['new_ms'], 1e-9):,.0f}x)"
    )
    print(f"{'per action':40} {'baseline':>17} {'now':>17} {'ratio':>7}")
    rows = [
        ("tick: CPU ms", "tick", 0),
        ("foreign change: CPU ms", "change", 0),
        ("foreign change: longest UI stretch ms", "change", 2),
        ("tree (T), a subagent's change: CPU ms", "tree_change", 0),
        ("tree: longest UI stretch ms", "tree_change", 2),
        ("cursor move: key -> frame ms", "move", 1),
        ("cursor move: CPU ms (detail pane too)", "move", 0),
    ]
    for label, name, index in rows:
        a = [sample[index] for sample in base[name]]
        b = [sample[index] for sample in new[name]]
        ma, mb = statistics.median(a), statistics.median(b)
        print(
            f"{label:40} {ma:>7.1f} ({pct(a, 0.95):>6.1f}) {mb:>7.1f} ({pct(b, 0.95):>6.1f}) "
            f"{ma / mb if mb else float('inf'):>6.1f}x"
        )
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
