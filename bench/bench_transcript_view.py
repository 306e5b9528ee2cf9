"""The transcript view (``v``) on a 100 MB JSONL transcript vs on a 12 KB one, in the real app.

The app runs headless (``App.run_test``) on a sessions.json whose one session's transcript is
the synthetic 100 MB file of ``bench_transcript_tail.py`` (tool results up to 5 MB, aborted side
branches); the baseline, measured in the same run, is the same app on the 12 KB 7.35
real-turns transcript. Each measurement runs in a fresh child process (clean peak RSS):

* open: from pressing ``v`` until the first line of the tail is drawn (the view's
  ``render_line`` returning an item's line), wall time and the process's CPU time (the CPU
  figure is what a loaded machine does not inflate);
* keys: 20 ``up`` presses, each until the frame after it (moving the cursor, folding checks);
* earlier: ``home`` at the top until the earlier page is shown;
* RSS: peak resident memory above what the app held before ``v``.

Targets (issue #12): the 100 MB transcript's tail is on screen < 200 ms after ``v`` and costs
< 50 MB more memory; the ratio to the 12 KB one is printed. The store's own read of the tail is
in bench_transcript_tail.py.

    python bench/bench_transcript_view.py [--mb 100] [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_transcript_tail import write_transcript

TARGET_MS = 200.0
TARGET_MB = 50.0
SESSION_ID = "c620183e-887e-4d76-b2da-bd24200e9525"
KEY = "agent:main:main"


def _rss_mb(field: str) -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field):
                return int(line.split()[1]) / 1024
    return 0.0


def state_dir_with(transcript: Path, root: Path) -> Path:
    """A state dir whose one session's transcript is ``transcript`` (moved in, not copied)."""
    sessions = root / "agents" / "main" / "sessions"
    sessions.mkdir(parents=True)
    entry = {"sessionId": SESSION_ID, "updatedAt": 1_796_192_800_000, "label": "bench"}
    (sessions / "sessions.json").write_text(json.dumps({KEY: entry}))
    shutil.move(str(transcript), sessions / f"{SESSION_ID}.jsonl")
    return root


def child(state_dir: str, eager: bool = False) -> dict:
    from openclaw_tui.tui.app import SessionBrowserApp
    from openclaw_tui.tui.config import UserConfig
    from openclaw_tui.tui.target import target_for_agent
    from openclaw_tui.tui.transcript_screen import TranscriptScreen
    from openclaw_tui.widgets.transcript_view import TranscriptView

    drawn: list[tuple[float, float]] = []
    render_line = TranscriptView.render_line

    def watched_render_line(view, y):
        strip = render_line(view, y)
        if not drawn and view.items and strip.text.strip():
            drawn.append((time.perf_counter(), time.process_time()))
        return strip

    TranscriptView.render_line = watched_render_line  # type: ignore[method-assign]
    if eager:
        # The baseline: every item of the tail wrapped before the first frame (as before).
        TranscriptView._split_from_end = lambda view, unmeasured: 0  # type: ignore[method-assign]

    async def until(pilot, condition, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError("the transcript did not load")
            await pilot.pause(0.001)

    async def run() -> dict:
        app = SessionBrowserApp(
            target_for_agent("main", Path(state_dir)),
            clock=lambda: 1_796_193_000.0,
            config=UserConfig(),
        )
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: app.main.target is not None and app.store is not None)
            await pilot.pause()
            before = _rss_mb("VmRSS:")
            start, cpu_start = time.perf_counter(), time.process_time()
            await pilot.press("v")
            await until(pilot, lambda: isinstance(app.screen, TranscriptScreen))
            screen = app.screen
            assert isinstance(screen, TranscriptScreen)
            await until(pilot, lambda: screen.loaded and bool(drawn))
            await pilot.pause()
            open_ms = (drawn[0][0] - start) * 1000
            open_cpu_ms = (drawn[0][1] - cpu_start) * 1000
            items = len(screen.view.items)
            start = time.perf_counter()
            for _ in range(20):
                await pilot.press("up")
            keys_ms = (time.perf_counter() - start) * 1000 / 20
            earlier_ms = None
            if screen.view.has_earlier:
                start = time.perf_counter()
                await pilot.press("home")
                await until(pilot, lambda: len(screen.view.items) > items)
                await pilot.pause()
                earlier_ms = (time.perf_counter() - start) * 1000
            return {
                "open_ms": open_ms,
                "open_cpu_ms": open_cpu_ms,
                "key_ms": keys_ms,
                "earlier_ms": earlier_ms,
                "items": items,
                "rss_mb": _rss_mb("VmHWM:") - before,
            }

    return asyncio.run(run())


def run_child(state_dir: Path, eager: bool = False) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--child", str(state_dir), *(["--eager"] if eager else [])],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def summary(name: str, runs: list[dict]) -> dict:
    def median(field: str) -> float | None:
        values = [r[field] for r in runs if r[field] is not None]
        return statistics.median(values) if values else None

    out = {f: median(f) for f in ("open_ms", "open_cpu_ms", "key_ms", "earlier_ms", "rss_mb")}
    earlier = f"{out['earlier_ms']:.0f} ms" if out["earlier_ms"] is not None else "-"
    print(
        f"  {name}: open {out['open_ms']:.0f} ms (median of {len(runs)}; "
        f"{min(r['open_ms'] for r in runs):.0f}-{max(r['open_ms'] for r in runs):.0f}; "
        f"CPU {out['open_cpu_ms']:.0f} ms), "
        f"a key {out['key_ms']:.1f} ms, earlier page {earlier}, "
        f"+{out['rss_mb']:.1f} MB peak RSS, {runs[0]['items']} items shown"
    )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--eager", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.eager)))
        return 0
    from tests.shared_data import FIXTURES

    small_fixture = FIXTURES / "openclaw-2026.7.35" / "real-turns" / "sessions"
    with tempfile.TemporaryDirectory() as tmp:
        small = Path(tmp) / "small.jsonl"
        shutil.copyfile(small_fixture / f"{SESSION_ID}.jsonl", small)
        small_dir = state_dir_with(small, Path(tmp) / "small")
        big = Path(tmp) / "big.jsonl"
        write_transcript(big, args.mb)
        size_mb = big.stat().st_size / 2**20
        big_dir = state_dir_with(big, Path(tmp) / "big")
        print(f"transcripts: 12 KB real-turns fixture (baseline) and {size_mb:.0f} MiB synthetic")
        baseline = summary("12 KB", [run_child(small_dir) for _ in range(args.runs)])
        # Interleaved, so that the machine's load falls on both alike.
        pairs = [(run_child(big_dir), run_child(big_dir, eager=True)) for _ in range(args.runs)]
        ours = summary(f"{size_mb:.0f} MiB", [p[0] for p in pairs])
        eager = summary(
            f"{size_mb:.0f} MiB, baseline: all items wrapped first", [p[1] for p in pairs]
        )
    opened = ours["open_ms"] or 0.0
    ratio = opened / (baseline["open_ms"] or 1.0)
    cpu_ratio = (ours["open_cpu_ms"] or 0.0) / (baseline["open_cpu_ms"] or 1.0)
    ok = opened < TARGET_MS and (ours["rss_mb"] or 0) < TARGET_MB
    print(
        f"  the {size_mb:.0f} MiB transcript's tail is drawn {opened:.0f} ms after v: "
        f"{ratio:.2f}x the 12 KB one ({cpu_ratio:.2f}x in CPU time); wrapping every item "
        f"first: {eager['open_ms'] or 0:.0f} ms ({(eager['open_ms'] or 0) / (opened or 1):.2f}x"
        f" ours; CPU {(eager['open_cpu_ms'] or 0) / (ours['open_cpu_ms'] or 1):.2f}x)"
    )
    print(
        f"  verdict: {'targets met' if ok else 'a target was missed'} "
        f"(tail drawn < {TARGET_MS:.0f} ms after v, < {TARGET_MB:.0f} MB more)"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
