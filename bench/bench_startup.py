"""Start-up of the session browser at 100,000 sessions (issue #16): process start to the first
paint and to every row on screen, and the peak memory, each in a fresh process.

The app runs headless as a real Textual app (``run_async(headless=True)``, no Pilot): a frame
counts as painted when the app hands it to its driver, and its terminal bytes are built as a
terminal run would (headless Textual skips that step). Each phase is its own process, started
by this script, whose start time it passes on; the figures are from that start.

Prints, each beside its baseline measured in the same run:
- process start -> first paint and -> every row on screen (target < 1.2 s), beside the floor:
  a process that only starts the interpreter and parses the file with one ``orjson.loads``,
  and beside the app's own import time;
- peak RSS of the app (max over the run, target <= 350 MiB), beside the store opened alone and
  the floor.

    python bench/bench_startup.py [--sessions 100000] [--backend json|sqlite|both] [--runs 1]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 1.2
RSS_TARGET_MB = 350.0


def _vm(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _since_start() -> float:
    return time.time() - float(os.environ["BENCH_START"])


def _mark(marks: dict[str, Any], name: str) -> None:
    """Wall seconds since the process was started, and the CPU seconds it used so far (all its
    threads, interpreter start included): on a VM shared with other work the wall time grows
    with the load, the CPU time much less."""
    marks[f"{name}_s"] = _since_start()
    marks[f"{name}_cpu"] = time.process_time()


# --- phases (each in a fresh process) ---------------------------------------------------------


IMPORT_SCRIPT = """
import json, os, sys, time
import openclaw_tui.tui.cli, openclaw_tui.tui.app
print(json.dumps({"imported_s": time.time() - float(os.environ["BENCH_START"]),
                  "imported_cpu": time.process_time()}))
"""


def phase_store(path: Path) -> dict[str, Any]:
    import asyncio

    from openclaw_tui.store import SessionStore

    async def run() -> dict[str, Any]:
        async with SessionStore(path, watch=False) as store:
            count = len(store.load())
            out: dict[str, Any] = {"sessions": count}
            _mark(out, "opened")
            return out

    out = asyncio.run(run())
    out["rss_mb"] = _vm("VmHWM")
    return out


def phase_app(path: Path, expected: int, idle_s: float, *, early: bool = True) -> dict[str, Any]:
    """The app on ``path`` until every row is on screen, then ``idle_s`` idle seconds.
    ``early=False``: the baseline, without the first page painted before the whole parse
    (``app._peek``: the preview or the newest page) nor the scan started by the command line,
    as before they existed."""
    import asyncio

    # As the openclaw-tui command does: the command line first, which starts the scan of a big
    # sessions.json (cli.start_scan), then the app's imports while it runs.
    from openclaw_tui.tui import cli
    from openclaw_tui.tui.target import target_for_path

    marks: dict[str, Any] = {}
    target = target_for_path(path)
    scan = cli.start_scan(target) if early else None
    _mark(marks, "scan_started")
    from openclaw_tui.tui.app import MainScreen, SessionBrowserApp
    from openclaw_tui.tui.config import UserConfig

    _mark(marks, "imported")
    opened = MainScreen.store_opened

    async def store_opened(self: Any, *args: Any, **kwargs: Any) -> None:
        _mark(marks, "store_open")
        await opened(self, *args, **kwargs)

    MainScreen.store_opened = store_opened  # type: ignore[method-assign]
    if not early:
        import openclaw_tui.tui.app as app_module

        app_module._peek = lambda *args, **kwargs: None  # type: ignore[assignment]

    app = SessionBrowserApp(target, config=UserConfig(), scan=scan)
    original = app._display

    def display(screen: Any, renderable: Any) -> None:
        if renderable is not None:
            # What a terminal run does with the frame (headless Textual skips it).
            if hasattr(renderable, "render_segments"):
                renderable.render_segments(app.console)
            note_frame()
        original(screen, renderable)

    def note_frame() -> None:
        try:
            main = app.main
        except LookupError:
            return
        shown = main.vm.total_count
        if shown and "first_paint_s" not in marks and main.table.cursor_key is not None:
            _mark(marks, "first_paint")
            marks["first_paint_rows"] = shown
        if shown >= expected and "all_rows_s" not in marks:
            _mark(marks, "all_rows")
            marks["all_rows_rss_mb"] = _vm("VmHWM")
            done.set()

    app._display = display  # type: ignore[method-assign]
    done = asyncio.Event()

    async def run() -> None:
        task = asyncio.ensure_future(app.run_async(headless=True, size=(160, 50)))
        waiter = asyncio.ensure_future(done.wait())
        finished, _ = await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
        if task in finished:
            raise SystemExit(f"the app ended before every row was on screen: {marks}")
        # Idle with every row on screen: what the heap settles to (the peak is kept).
        await asyncio.sleep(idle_s)
        marks["idle_rss_mb"] = _vm("VmRSS")
        app.exit()
        await task

    try:
        asyncio.run(run())
    finally:
        if scan is not None:
            scan.close()
    marks["rss_mb"] = _vm("VmHWM")
    marks["sessions"] = app.main.vm.total_count if app.is_running else expected
    return marks


FLOOR_SCRIPT = """
import json, os, sys, time
import orjson
entries = orjson.loads(open(sys.argv[1], "rb").read())
loaded = time.time() - float(os.environ["BENCH_START"])
cpu = time.process_time()
for line in open("/proc/self/status"):
    if line.startswith("VmHWM:"):
        rss = int(line.split()[1]) / 1024
print(json.dumps({"loaded_s": loaded, "loaded_cpu": cpu, "sessions": len(entries), "rss_mb": rss}))
"""


def _run(argv: list[str]) -> dict[str, Any]:
    env = {**os.environ, "BENCH_START": repr(time.time())}
    out = subprocess.run(argv, capture_output=True, text=True, check=False, cwd=ROOT, env=env)
    if out.returncode != 0:
        raise SystemExit(f"{argv[1:3]} failed:\n{out.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _phase(name: str, path: Path, args: argparse.Namespace) -> dict[str, Any]:
    return _run(
        [
            sys.executable,
            __file__,
            "--phase",
            name,
            "--path",
            str(path),
            "--sessions",
            str(args.sessions),
            "--idle",
            str(args.idle),
        ]
    )


def _load() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def measure(path: Path, backend: str, args: argparse.Namespace) -> dict[str, Any]:
    figures: dict[str, Any] = {"load_before": _load()}
    if backend == "json":
        figures["floor"] = _run([sys.executable, "-c", FLOOR_SCRIPT, str(path)])
    figures["imports"] = _run([sys.executable, "-c", IMPORT_SCRIPT])
    figures["store"] = _phase("store", path, args)
    figures["before"] = _phase("before", path, args)
    figures["app"] = _phase("app", path, args)
    figures["load_after"] = _load()
    return figures


def _at(phase: dict[str, Any], name: str) -> str:
    if name + "_s" not in phase:
        return "not within the run"  # e.g. the store not open yet after the idle seconds
    return f"{phase[name + '_s']:.2f} s ({phase[name + '_cpu']:.2f} s CPU)"


def report(backend: str, f: dict[str, Any]) -> list[str]:
    app, before, store, imports = f["app"], f["before"], f["store"], f["imports"]
    floor = f.get("floor")
    missed = []
    print(f"  load average (1/5/15 min) before {f['load_before']}, after {f['load_after']}")
    if floor:
        base = f"floor: interpreter + one orjson.loads {_at(floor, 'loaded')}"
        floor_s = floor["loaded_s"]
    else:
        base = f"floor: the store opened alone {_at(store, 'opened')}"
        floor_s = store["opened_s"]
    print(
        f"  process start -> first paint    {_at(app, 'first_paint')}, "
        f"{app['first_paint_rows']:,} rows   (baseline, first paint after the whole parse: "
        f"{_at(before, 'first_paint')}, ratio {app['first_paint_s'] / before['first_paint_s']:.2f})"
    )
    print(
        f"  process start -> every row      {_at(app, 'all_rows')}   (target < {TARGET_S} s; "
        f"baseline {_at(before, 'all_rows')}; {base}, ratio {app['all_rows_s'] / floor_s:.2f})"
    )
    print(
        f"    of which: scan started {_at(app, 'scan_started')}, imports done "
        f"{_at(app, 'imported')} (imports alone "
        f"{_at(imports, 'imported')}), store open {_at(app, 'store_open')}"
    )
    if app["all_rows_s"] >= TARGET_S:
        missed.append(f"{backend}: process start to every row")
    floor_rss = (
        f"floor {floor['rss_mb']:.0f} MiB, ratio {app['rss_mb'] / floor['rss_mb']:.2f}; "
        if floor
        else ""
    )
    print(
        f"  peak RSS                        {app['rss_mb']:.0f} MiB   (target <= "
        f"{RSS_TARGET_MB:.0f} MiB; {floor_rss}the store alone {store['rss_mb']:.0f} MiB; "
        f"baseline {before['rss_mb']:.0f} MiB)"
    )
    print(
        f"    at every row on screen {app['all_rows_rss_mb']:.0f} MiB, "
        f"after {f.get('idle', 0):.0f} s idle {app['idle_rss_mb']:.0f} MiB"
    )
    if app["rss_mb"] > RSS_TARGET_MB:
        missed.append(f"{backend}: peak RSS")
    return missed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--backend", choices=["json", "sqlite", "both"], default="both")
    parser.add_argument("--runs", type=int, default=1, help="runs of every phase, one store")
    parser.add_argument("--idle", type=float, default=3.0)
    parser.add_argument("--phase", choices=["store", "app", "before"], help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.phase:
        sys.path.insert(0, str(ROOT))
        path = Path(args.path)
        if args.phase == "store":
            out = phase_store(path)
        else:
            out = phase_app(path, args.sessions, args.idle, early=args.phase == "app")
        print(json.dumps(out))
        return 0

    sys.path.insert(0, str(ROOT))
    from bench._installed import compile_package
    from bench.bench_tui import make_store

    compile_package()  # each phase starts as an installed copy does: from bytecode

    backends = ["json", "sqlite"] if args.backend == "both" else [args.backend]
    missed: list[str] = []
    for backend in backends:
        with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
            path = make_store(Path(tmp), args.sessions, backend)
            size_mb = path.stat().st_size / 2**20
            print(f"\n{backend} store: {args.sessions:,} sessions, {size_mb:.0f} MiB {path.name}")
            for run in range(1, args.runs + 1):
                print(f" run {run}")
                figures = measure(path, backend, args)
                figures["idle"] = args.idle
                missed.extend(report(backend, figures))
    if missed:
        print(f"\nmissed targets: {', '.join(missed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
