"""The JSON store's write path against its floor and against a naive store (issue #2 benchmarks).

On a synthetic 10,000-entry store shaped like the fixtures (store/synthetic.py), in one run:

1. median durable ``update_entry`` vs the floor (serialize + durable write of the same store,
   measured here): target ratio <= 1.3;
2. vs a naive store that re-reads, parses, deep-copies and writes on every update: target >= 10x;
3. 1,000 concurrent ``update_entry`` on distinct keys: target < 1 s, none lost;
4. at 100,000 entries (in a child process, for a clean peak RSS): load time, update latency, peak
   memory.

    python bench/bench_store.py [--entries 10000] [--big 100000] [--runs 40]
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import gc
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import orjson

from openclaw_tui.store import SessionStore
from openclaw_tui.store.atomic import atomic_write
from openclaw_tui.store.codec import dumps, loads
from openclaw_tui.store.synthetic import generate_store


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def _p90_ms(samples: list[float]) -> float:
    return sorted(samples)[int(len(samples) * 0.9) - 1] * 1000 if samples else 0.0


def _peak_rss_mb() -> float:
    """This process's peak RSS. VmHWM, not ru_maxrss: the latter keeps the pre-exec peak of the
    forked parent image, which would charge the parent's generated store to the child."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _write_store(directory: Path, entries: dict[str, Any]) -> Path:
    path = directory / "sessions.json"
    path.write_bytes(dumps(entries))
    path.chmod(0o600)
    return path


def measure_floor(path: Path, entries: dict[str, Any], runs: int) -> list[float]:
    """Serialize the whole store and write it durably: the least any whole-file update costs."""
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        atomic_write(path, dumps(entries))
        samples.append(time.perf_counter() - start)
    return samples


def measure_naive(path: Path, keys: list[str], runs: int, rng: random.Random) -> list[float]:
    """Pre-writer-queue behaviour: read, parse, deep-copy, patch, write on every update."""
    samples = []
    for _ in range(runs):
        key = rng.choice(keys)
        start = time.perf_counter()
        store = json.loads(path.read_bytes())
        store = copy.deepcopy(store)
        store[key] = {**store[key], "thinkingLevel": "high", "inputTokens": rng.randrange(10**6)}
        atomic_write(path, orjson.dumps(store, option=orjson.OPT_INDENT_2))
        samples.append(time.perf_counter() - start)
    return samples


async def measure_ours(path: Path, keys: list[str], runs: int, rng: random.Random) -> dict:
    async with SessionStore(path) as store:
        samples = []
        for _ in range(runs):
            key = rng.choice(keys)
            patch = {
                "thinkingLevel": rng.choice(["low", "high"]),
                "inputTokens": rng.randrange(10**6),
            }
            start = time.perf_counter()
            await store.update_entry(key, patch)
            samples.append(time.perf_counter() - start)
        # 1,000 concurrent updates on distinct keys
        chosen = rng.sample(keys, 1000)
        start = time.perf_counter()
        await asyncio.gather(
            *(store.update_entry(k, {"benchSeq": i}) for i, k in enumerate(chosen))
        )
        concurrent_s = time.perf_counter() - start
        writes = store.stats["writes"]
    on_disk = loads(path.read_bytes(), str(path)).entries
    lost = sum(1 for i, k in enumerate(chosen) if on_disk[k].get("benchSeq") != i)
    return {"samples": samples, "concurrent_s": concurrent_s, "lost": lost, "writes": writes}


async def _big_child(path_text: str, runs: int) -> dict:
    """Runs in a fresh interpreter that only opens the store, so the peak RSS is the store's."""
    rng = random.Random(7)
    path = Path(path_text)
    rss_before = _peak_rss_mb()
    start = time.perf_counter()
    store = SessionStore(path)
    await store.open()
    load_s = time.perf_counter() - start
    keys = list(store.load())
    samples = []
    for _ in range(runs):
        key = rng.choice(keys)
        t0 = time.perf_counter()
        await store.update_entry(key, {"inputTokens": rng.randrange(10**6)})
        samples.append(time.perf_counter() - t0)
    final = dict(store.load())
    await store.aclose()
    peak = _peak_rss_mb()
    floor = measure_floor(path.with_name("floor.json"), final, max(3, runs // 2))
    return {
        "entries": len(final),
        "bytes": path.stat().st_size,
        "load_ms": load_s * 1000,
        "update_median_ms": _median_ms(samples),
        "update_p90_ms": _p90_ms(samples),
        "floor_median_ms": _median_ms(floor),
        "peak_rss_mb": peak,
        "rss_before_load_mb": rss_before,
    }


def run_big(entries_n: int, runs: int) -> dict | None:
    """Write the big store here, then load and update it in a fresh interpreter."""
    repo = str(Path(__file__).resolve().parents[1])
    code = (
        "import asyncio, json, sys; sys.path.insert(0, sys.argv[1]);"
        "from bench.bench_store import _big_child;"
        "print(json.dumps(asyncio.run(_big_child(sys.argv[2], int(sys.argv[3])))))"
    )
    with tempfile.TemporaryDirectory(prefix="bench-store-big-") as tmp:
        path = _write_store(Path(tmp), generate_store(entries_n, seed=11))
        gc.collect()
        result = subprocess.run(
            [sys.executable, "-c", code, repo, str(path), str(runs)],
            capture_output=True,
            text=True,
            check=False,
        )
    if result.returncode != 0:
        print(f"  the {entries_n:,}-entry run failed:\n{result.stderr}", file=sys.stderr)
        return None
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--big", type=int, default=100_000, help="0 skips the big run")
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    rng = random.Random(42)
    entries = generate_store(args.entries, seed=3)
    keys = list(entries)
    ok = True
    with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp:
        path = _write_store(Path(tmp), entries)
        size = path.stat().st_size
        print(
            f"bench_store: {args.entries:,} synthetic entries, {size:,} bytes "
            f"({size / args.entries:.0f} B/entry)"
        )
        gc.freeze()
        floor = measure_floor(Path(tmp) / "floor.json", entries, args.runs)
        ours = asyncio.run(measure_ours(path, keys, args.runs, rng))
        naive = measure_naive(Path(tmp) / "sessions.json", keys, max(5, args.runs // 4), rng)
    floor_ms, ours_ms, naive_ms = _median_ms(floor), _median_ms(ours["samples"]), _median_ms(naive)
    ratio_floor = ours_ms / floor_ms
    speedup = naive_ms / ours_ms
    print(
        f"  floor (serialize + durable write)   median {floor_ms:8.2f} ms  p90 {_p90_ms(floor):.2f}"
    )
    print(
        f"  update_entry (durable)              median {ours_ms:8.2f} ms  "
        f"p90 {_p90_ms(ours['samples']):.2f}"
    )
    print(f"  naive re-read/parse/deepcopy/write  median {naive_ms:8.2f} ms")
    print(f"  ratio update_entry / floor          {ratio_floor:8.2f}   (target <= 1.3)")
    print(f"  speed-up vs naive                   {speedup:8.1f}x  (target >= 10x)")
    print(
        f"  1,000 concurrent update_entry       {ours['concurrent_s'] * 1000:8.1f} ms total, "
        f"{ours['lost']} lost, {ours['writes']} writes in all   (target < 1 s, none lost)"
    )
    ok &= ratio_floor <= 1.3 and speedup >= 10 and ours["concurrent_s"] < 1 and ours["lost"] == 0
    if args.big:
        big = run_big(args.big, max(5, args.runs // 4))
        if big is None:
            ok = False
        else:
            print(
                f"  {big['entries']:,} entries ({big['bytes'] / 2**20:.0f} MiB): load "
                f"{big['load_ms']:.0f} ms, update median {big['update_median_ms']:.0f} ms "
                f"(p90 {big['update_p90_ms']:.0f}; floor {big['floor_median_ms']:.0f}), "
                f"peak RSS {big['peak_rss_mb']:.0f} MB (interpreter and imports: "
                f"{big['rss_before_load_mb']:.0f} MB)"
            )
    print(f"  verdict: {'all targets met' if ok else 'a target was missed'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
