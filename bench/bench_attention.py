"""The attention view (``!``) on a big fleet: what one refresh costs (issue #14).

100,000 sessions, of which a share have a run going (some stalled) and a share a last run that
failed, timed out or was aborted. Measured in the same run:

- baseline: what a view without per-change bookkeeping does, a pass over every row asking
  ``session_attention`` (run state, stall check) of each;
- this app: ``attention()`` over the view model's candidates (``running_keys`` and
  ``ended_badly_keys``, kept per change), as ``MainScreen.attention_items`` calls it;
- the view model's rebuild of all rows, with that bookkeeping, for scale.

    python bench/bench_attention.py [--sessions 100000] [--troubled 0.05] [--repeat 5]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from openclaw_tui.store.fleet import RunStateCache, attention, session_attention  # noqa: E402
from openclaw_tui.store.keys import namespace_of  # noqa: E402
from openclaw_tui.store.synthetic import generate_store  # noqa: E402
from openclaw_tui.tui.viewmodel import SessionViewModel  # noqa: E402

NOW_MS = 1_795_612_000_000
LIMIT_MS = 600_000


def fleet(sessions: int, troubled: float, gateways: int = 10) -> dict[str, dict]:
    """``sessions`` rows over ``gateways`` gateways; ``troubled`` of them ran or ended badly."""
    rng = random.Random(7)
    per = sessions // gateways
    entries: dict[str, dict] = {}
    for g in range(gateways):
        for key, entry in generate_store(per, seed=g, now_ms=NOW_MS).items():
            row = dict(entry)
            if rng.random() < troubled:
                kind = rng.choice(("running", "stalled", "failed", "timeout", "killed"))
                started = NOW_MS - rng.randint(60_000, 3_600_000)
                if kind == "running":
                    row.update(status="running", startedAt=NOW_MS - 30_000, updatedAt=NOW_MS)
                elif kind == "stalled":
                    row.update(status="running", startedAt=started, updatedAt=started)
                else:
                    row.update(status=kind, startedAt=started, endedAt=started + 5_000)
            entries[f"gw{g}/{key}"] = row
    return entries


def timed(fn, repeat: int) -> tuple[float, object]:
    times = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--troubled", type=float, default=0.05)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    entries = fleet(args.sessions, args.troubled)
    vm = SessionViewModel(clock=lambda: NOW_MS / 1000)
    rebuild_ms, _ = timed(lambda: vm.rebuild(entries), 1)
    candidates = vm.running_keys | vm.ended_badly_keys

    def baseline() -> int:
        found = 0
        for key, entry in entries.items():
            if session_attention(key, entry, namespace_of(key), NOW_MS, LIMIT_MS) is not None:
                found += 1
        return found

    def ours() -> int:
        items = attention(
            vm.entries, candidates, now_ms=NOW_MS, limit_ms=LIMIT_MS, gateway_of=namespace_of
        )
        return len(items)

    cache = RunStateCache()

    def cached() -> int:
        # The view's refresh: the same entries as its last refresh (nothing changed meanwhile).
        items = attention(
            vm.entries,
            candidates,
            now_ms=NOW_MS,
            limit_ms=LIMIT_MS,
            gateway_of=namespace_of,
            cache=cache,
        )
        return len(items)

    base_ms, base_found = timed(baseline, args.repeat)
    ours_ms, ours_found = timed(ours, args.repeat)
    first_ms, _ = timed(cached, 1)
    cached_ms, cached_found = timed(cached, args.repeat)
    assert base_found == ours_found == cached_found, (base_found, ours_found, cached_found)
    print(
        f"{len(entries):,} sessions on 10 gateways, {len(candidates):,} candidates, "
        f"{ours_found:,} need attention"
    )
    print(f"baseline (every row):        {base_ms:8.1f} ms per refresh")
    print(
        f"attention() over candidates: {ours_ms:8.1f} ms per refresh "
        f"({base_ms / ours_ms:.1f}x faster)"
    )
    print(
        f"the view's later refreshes (run states cached per entry version): {cached_ms:8.1f} ms "
        f"({base_ms / cached_ms:.1f}x faster; its first: {first_ms:.0f} ms)"
    )
    print(f"view model rebuild (all rows, with the bookkeeping): {rebuild_ms:.0f} ms, once")
    return 0


if __name__ == "__main__":
    sys.exit(main())
