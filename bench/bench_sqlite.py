"""SQLite backend vs JSON backend: ``update_entry`` latency and 1,000 concurrent updates.

Both stores hold the same 10,000 synthetic sessions: the SQLite one is made by importing the
synthetic store through our SQLite backend into a copy of the real OpenClaw 2026.9.6 database
(its schema and triggers), the JSON one is the same entries written as ``sessions.json``.
Everything is measured in this run, on this machine; OpenClaw 2026.9.6's own figures (measured
on the reference 2-core VM) are printed next to ours as the yardstick.

    python bench/bench_sqlite.py [--entries 10000] [--sequential 200] [--concurrent 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from openclaw_tui.store import SessionStore
from openclaw_tui.store.backends.base import Changes
from openclaw_tui.store.backends.sqlite import SqliteBackend
from openclaw_tui.store.codec import dumps
from openclaw_tui.store.paths import json_store_path, sqlite_store_path
from openclaw_tui.store.synthetic import generate_store
from tests.shared_data import SQLITE_DB

# OpenClaw 2026.9.6 on the reference VM (openclaw-sessions.md §10, durability-and-performance §11).
OPENCLAW_UPDATE_MS = 2.9
OPENCLAW_CONCURRENT_S = 3.7
LEVELS = ["off", "minimal", "low", "medium", "high"]


def make_sqlite(directory: Path, entries: dict[str, Any]) -> Path:
    path = sqlite_store_path("main", directory)
    path.parent.mkdir(parents=True)
    shutil.copyfile(SQLITE_DB, path)
    path.chmod(0o600)
    backend = SqliteBackend(path)
    snapshot = backend.read()
    # Import: one transaction with every synthetic entry, as the writer would commit a batch.
    merged = {**snapshot.entries, **entries}
    backend.commit(
        snapshot.signature, Changes(entries=merged, upserts=entries, removed=frozenset())
    )
    backend.close()
    return path


def make_json(directory: Path, entries: dict[str, Any]) -> Path:
    path = json_store_path("main", directory)
    path.parent.mkdir(parents=True)
    path.write_bytes(dumps(entries))
    path.chmod(0o600)
    return path


async def measure(
    path: Path, keys: list[str], sequential: int, concurrent: int
) -> dict[str, float]:
    async with SessionStore(path) as store:
        store.load()
        # Sequential: each update waits for the previous one to be durable.
        latencies: list[float] = []
        for i in range(sequential):
            key = keys[i % len(keys)]
            start = time.perf_counter()
            await store.update_entry(key, {"thinkingLevel": LEVELS[i % len(LEVELS)]})
            latencies.append((time.perf_counter() - start) * 1000)
        # Concurrent: 1,000 callers at once on distinct keys (the writer groups them).
        targets = [keys[(sequential + i) % len(keys)] for i in range(concurrent)]
        start = time.perf_counter()
        results = await asyncio.gather(
            *(
                store.update_entry(key, {"verboseLevel": "on", "benchIndex": i})
                for i, key in enumerate(targets)
            )
        )
        burst = time.perf_counter() - start
        assert all(r is not None for r in results)
        for i, key in enumerate(targets[:50]):
            assert store.get(key)["benchIndex"] == i  # type: ignore[index]
    return {
        "median_ms": statistics.median(latencies),
        "mean_ms": statistics.fmean(latencies),
        "p95_ms": sorted(latencies)[int(len(latencies) * 0.95) - 1],
        "burst_s": burst,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--sequential", type=int, default=200)
    parser.add_argument("--concurrent", type=int, default=1_000)
    args = parser.parse_args()

    entries = generate_store(args.entries, seed=6)
    keys = list(entries)
    with tempfile.TemporaryDirectory(prefix="bench-sqlite-") as tmp:
        root = Path(tmp)
        start = time.perf_counter()
        sqlite_path = make_sqlite(root / "sqlite", entries)
        imported = time.perf_counter() - start
        json_path = make_json(root / "json", entries)
        print(
            f"{args.entries:,} sessions; SQLite import through our backend: {imported:.2f} s, "
            f"{sqlite_path.stat().st_size / 2**20:.1f} MB; "
            f"sessions.json {json_path.stat().st_size / 2**20:.1f} MB"
        )
        results = {
            "sqlite": asyncio.run(measure(sqlite_path, keys, args.sequential, args.concurrent)),
            "json": asyncio.run(measure(json_path, keys, args.sequential, args.concurrent)),
        }
    sq, js = results["sqlite"], results["json"]
    print()
    print(f"{'':34}{'SQLite (ours)':>15}{'JSON (ours)':>15}{'OpenClaw 2026.9.6':>20}")
    print(
        f"{'update_entry median, ms':34}{sq['median_ms']:>15.2f}{js['median_ms']:>15.2f}"
        f"{OPENCLAW_UPDATE_MS:>20.1f}"
    )
    print(f"{'update_entry mean, ms':34}{sq['mean_ms']:>15.2f}{js['mean_ms']:>15.2f}{'':>20}")
    print(f"{'update_entry p95, ms':34}{sq['p95_ms']:>15.2f}{js['p95_ms']:>15.2f}{'':>20}")
    print(
        f"{f'{args.concurrent:,} concurrent updates, s':34}{sq['burst_s']:>15.3f}"
        f"{js['burst_s']:>15.3f}{OPENCLAW_CONCURRENT_S:>20.1f}"
    )
    print()
    print("ratios (below 1 = faster than the yardstick):")
    print(
        f"  SQLite/OpenClaw 2026.9.6: update {sq['median_ms'] / OPENCLAW_UPDATE_MS:.2f}x, "
        f"{args.concurrent:,} concurrent {sq['burst_s'] / OPENCLAW_CONCURRENT_S:.3f}x"
    )
    print(
        f"  SQLite/JSON (ours):       update {sq['median_ms'] / js['median_ms']:.2f}x, "
        f"{args.concurrent:,} concurrent {sq['burst_s'] / js['burst_s']:.2f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
