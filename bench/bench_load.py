"""The app under load: another process changes 1,000 entries per second for 60 seconds.

The real app runs headless (Textual Pilot) on a real SessionStore with its watcher; a second
process rewrites the 2,000-session sessions.json 20 times a second, 50 entries each time, the way
a lock-free writer does (temp file + rename). Printed: keystroke-to-redraw latency during the
load (the key event sent, the cursor moved, its line rendered), memory over time (RSS and
tracemalloc), how many table updates the changes became, and the time for the screen to match
the file once the load stops. The baseline, measured in the same run: the same probes with the
writer idle.

    python bench/bench_load.py [--seconds 60] [--rate 1000] [--sessions 2000] [--no-tracemalloc]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.reliability.load import run_load


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--rate", type=int, default=1000)
    parser.add_argument("--sessions", type=int, default=2000)
    parser.add_argument("--baseline-seconds", type=float, default=8.0)
    parser.add_argument("--no-tracemalloc", action="store_true")
    args = parser.parse_args()
    traced = not args.no_tracemalloc
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        idle = asyncio.run(
            run_load(Path(tmp) / "idle", seconds=args.baseline_seconds, rate=0,
                     sessions=args.sessions, use_tracemalloc=traced)
        ).summary()  # fmt: skip
        loaded = asyncio.run(
            run_load(Path(tmp) / "load", seconds=args.seconds, rate=args.rate,
                     sessions=args.sessions, use_tracemalloc=traced)
        ).summary()  # fmt: skip
    print(f"{args.sessions:,} sessions; a second process changes {args.rate:,} entries/s for "
          f"{args.seconds:g} s ({loaded['foreign_writes']:,} whole-file writes, "
          f"{loaded['entries_changed']:,} entry changes)")  # fmt: skip
    print()
    print(f"{'':36}{'idle writer':>14}{'under load':>14}")
    for name in ("p50", "p95", "max"):
        print(
            f"{'keystroke-to-redraw ' + name + ', ms':36}"
            f"{idle['key_to_redraw_ms'][name]:>14.1f}{loaded['key_to_redraw_ms'][name]:>14.1f}"
        )
    print(f"{'keystrokes measured':36}{idle['keystrokes']:>14}{loaded['keystrokes']:>14}")
    for name in ("early", "late", "max"):
        before, after = idle["rss_mb"][name], loaded["rss_mb"][name]
        print(f"{'RSS ' + name + ', MB':36}{before:>14.1f}{after:>14.1f}")
    print(f"{'RSS trend, MB/min':36}{idle['rss_mb']['slope_mb_per_min']!s:>14}"
          f"{loaded['rss_mb']['slope_mb_per_min']!s:>14}")  # fmt: skip
    if loaded["traced_mb"] and idle["traced_mb"]:
        for name in ("early", "late", "slope_mb_per_min"):
            label = "tracemalloc " + (
                "trend, MB/min" if name.startswith("slope") else name + ", MB"
            )
            print(f"{label:36}{idle['traced_mb'][name]!s:>14}{loaded['traced_mb'][name]!s:>14}")
    print(f"{'table updates':36}{idle['table_updates']:>14}{loaded['table_updates']:>14}")
    print(f"{'screen == file after the load, ms':36}{idle['converge_ms']:>14.1f}"
          f"{loaded['converge_ms']:>14.1f}")  # fmt: skip
    print(f"{'screen matches the file exactly':36}{idle['screen_matches_file']!s:>14}"
          f"{loaded['screen_matches_file']!s:>14}")  # fmt: skip
    print()
    print(json.dumps({"idle": idle, "load": loaded}))
    return 0 if loaded["screen_matches_file"] else 1


if __name__ == "__main__":
    sys.exit(main())
