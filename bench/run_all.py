"""``make bench``: run every ``bench/bench_*.py`` that exists, one after the other.

Each script measures its own baseline in the same run and prints its figures. The exit status is
non-zero if any script failed or missed a target.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent


def main() -> int:
    scripts = sorted(BENCH_DIR.glob("bench_*.py"))
    if not scripts:
        print("no bench/bench_*.py scripts found")
        return 1
    failed: list[str] = []
    for script in scripts:
        print(f"== {script.name}", flush=True)
        start = time.perf_counter()
        result = subprocess.run([sys.executable, str(script)], check=False)
        elapsed = time.perf_counter() - start
        status = "ok" if result.returncode == 0 else f"exit {result.returncode}"
        print(f"== {script.name}: {status} in {elapsed:.1f} s\n", flush=True)
        if result.returncode != 0:
            failed.append(script.name)
    if failed:
        print(f"benchmarks with a failure or a missed target: {', '.join(failed)}")
        return 1
    print(f"all {len(scripts)} benchmark scripts passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
