"""Entry validation on the hot path against its baseline (moved here from a timed unit test).

The store validates every entry a write touches; the budget is a few microseconds
(durability-and-performance.md). Measured in the same run against the deep copy OpenClaw made per
read, on the real `agent:main:main` entry of the 2026.7.35 fixture store:

1. ``validate_entry`` per call: target < 100 µs and below one ``copy.deepcopy`` of the entry;
2. ``entry_issues`` (the check without building the model): target below ``validate_entry``.

    python bench/bench_validation.py [--rounds 2000]
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from openclaw_tui.store.model import entry_issues, validate_entry
from tests.shared_data import SMALL_JSON


def per_call_us(fn: Callable[[Any], object], entry: Any, rounds: int) -> float:
    samples = []
    for _ in range(7):
        start = time.perf_counter()
        for _ in range(rounds):
            fn(entry)
        samples.append((time.perf_counter() - start) / rounds)
    return statistics.median(samples) * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2000)
    args = parser.parse_args()
    entry = json.loads(SMALL_JSON.read_bytes())["agent:main:main"]
    validate = per_call_us(validate_entry, entry, args.rounds)
    issues_only = per_call_us(entry_issues, entry, args.rounds)
    deep_copy = per_call_us(copy.deepcopy, entry, args.rounds)
    print(f"  validate_entry     {validate:8.1f} µs   (target < 100 µs)")
    print(f"  entry_issues       {issues_only:8.1f} µs")
    print(f"  copy.deepcopy      {deep_copy:8.1f} µs   (baseline)")
    print(f"  validate / deepcopy {validate / deep_copy:7.2f}   (target < 1)")
    ok = validate < 100 and validate < deep_copy and issues_only < validate
    print(f"  verdict: {'all targets met' if ok else 'a target was missed'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
