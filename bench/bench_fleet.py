"""Fleets: the browser on big and many gateways, over real WebSocket frames on loopback.

The gateways are the project's fake (``tests/gateway/fake_fleet.py``: the protocol shapes of
the real ones) in their own process, seeded with realistic sessions and pushing changes at a
fixed rate, each change one ``sessions.changed`` frame. Two fleets:

- one gateway with 100,000 sessions, 2,000 changes/s;
- ten gateways with 10,000 sessions each, 1,000 changes/s in total.

For each, in this run, each phase in a fresh process:

- listing: the app started -> every row in the table (target < 10 s), beside a bare client
  paging ``sessions.list`` one page after another with no mirror (the gateway's and the wire's
  own cost) and ``GatewayStore``s alone (no UI); keystroke -> redraw while the rows stream in;
- keystroke -> redraw under the change rate (target p95 < 100 ms, worst < 500 ms), beside the
  same keystrokes with no changes; the table updates per second; then the time until the screen
  equals the gateways' state (key and ``updatedAt`` of every session compared by digest);
- memory per 100,000 rows: RSS growth of the app from before connecting to every row listed,
  beside the same for the ``GatewayStore``s alone.

    python bench/bench_fleet.py [--fleet one|ten|both] [--keys 200] [--seconds 12]

Exits non-zero when a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import orjson  # noqa: E402
from textual import events  # noqa: E402

from openclaw_tui.store.gateway import (  # noqa: E402
    Backoff,
    GatewayClient,
    GatewayConfig,
    GatewayStore,
    MultiGatewayStore,
)
from openclaw_tui.store.gateway.identity import load_or_create_identity  # noqa: E402
from tests.gateway.fake_fleet import state_digest  # noqa: E402

PAGE = 1000
LIST_TARGET_S = 10.0
P95_TARGET_MS = 100.0
WORST_TARGET_MS = 500.0


@dataclass(frozen=True)
class Fleet:
    name: str
    gateways: int
    sessions: int  # per gateway
    rate: float  # changes per second, all gateways together

    @property
    def total(self) -> int:
        return self.gateways * self.sessions

    def describe(self) -> str:
        each = f"{self.sessions:,} sessions" + (" each" if self.gateways > 1 else "")
        noun = "gateway" if self.gateways == 1 else "gateways"
        return f"{self.gateways} {noun}, {each}, {self.rate:,.0f} changes/s"


FLEETS = {
    "one": Fleet("one", 1, 100_000, 2_000),
    "ten": Fleet("ten", 10, 10_000, 1_000),
    # --real VERSION: one real gateway; it takes patches only as fast as it writes its store.
    "real": Fleet("real", 1, 10_000, 2_000),
}


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


class FleetProcess:
    """The fake gateways' process, driven by its line protocol (see tests/gateway/fake_fleet)."""

    def __init__(self, fleet: Fleet, flavor: str) -> None:
        self.fleet, self.flavor = fleet, flavor
        self.proc: asyncio.subprocess.Process | None = None
        self.info: dict[str, Any] = {}

    async def __aenter__(self) -> FleetProcess:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.gateway.fake_fleet",
            "--gateways",
            str(self.fleet.gateways),
            "--sessions",
            str(self.fleet.sessions),
            "--flavor",
            self.flavor,
            cwd=ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=2**24,
        )
        self.info = await self._read()
        self.expected = sum(g["sessions"] for g in self.info["gateways"])
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        if self.proc.returncode is None:
            self.proc.stdin.write(b"quit\n")
            await self.proc.stdin.drain()
            try:
                await asyncio.wait_for(self.proc.wait(), 10)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()

    async def _read(self) -> dict[str, Any]:
        assert self.proc is not None and self.proc.stdout is not None
        line = await self.proc.stdout.readline()
        if not line:
            raise SystemExit("the fake gateways' process ended")
        answer: dict[str, Any] = orjson.loads(line)
        return answer

    async def command(self, text: str) -> dict[str, Any]:
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write(text.encode() + b"\n")
        await self.proc.stdin.drain()
        return await self._read()

    def configs(self) -> list[GatewayConfig]:
        token = self.info["token"]
        return [
            GatewayConfig(name=g["name"], url=g["url"], token=token, token_source="bench")
            for g in self.info["gateways"]
        ]


class RealGateway:
    """A real OpenClaw gateway (the interop cache's release) seeded with N sessions, offering
    FleetProcess's interface: ``churn`` patches labels through a bare client as fast as the
    gateway takes them (4 in flight, at most the rate asked); ``state`` lists it barely."""

    def __init__(self, version: str, sessions: int, tmp: Path) -> None:
        sys.path.insert(0, str(ROOT / "interop" / "gateway"))
        from gateway_proc import Gateway

        from openclaw_tui.store.synthetic import generate_store

        seed = generate_store(sessions, seed=1, now_ms=int(time.time() * 1000))
        self.gateway = Gateway(version, seed=seed)
        self.tmp = tmp
        self.client: GatewayClient | None = None

    async def __aenter__(self) -> RealGateway:
        await self.gateway.__aenter__()
        self.client = await bare_client(self.configs()[0], self.tmp / "real-bare")
        # What it lists (2026.7.35 leaves cron run sessions out of sessions.list).
        self.expected = len(await list_rows(self.client))
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.client is not None:
            await self.client.aclose()
        await self.gateway.__aexit__(*exc)

    def configs(self) -> list[GatewayConfig]:
        gw = self.gateway
        return [GatewayConfig(name="gw01", url=gw.url, token=gw.token, token_source="bench")]

    async def command(self, text: str) -> dict[str, Any]:
        client = self.client
        assert client is not None
        verb, *args = text.split()
        if verb == "state":
            rows = await list_rows(client)
            return {"gateways": {"gw01": {"count": len(rows), "digest": state_digest(rows)}}}
        rate, seconds = float(args[0]), float(args[1])
        keys = [key for key, _ in await list_rows(client)]
        done = 0
        until = time.perf_counter() + seconds
        start = time.perf_counter()

        async def patcher(n: int) -> None:
            nonlocal done
            while time.perf_counter() < until:
                if done >= rate * (time.perf_counter() - start):
                    await asyncio.sleep(0.005)  # the generator's pace, not synchronisation
                    continue
                done += 1
                key = keys[(done * 7919) % len(keys)]
                await client.request("sessions.patch", {"key": key, "label": f"bench {n}-{done}"})

        await asyncio.gather(*(patcher(n) for n in range(4)))
        return {"changes": done}


async def list_rows(client: GatewayClient) -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = []
    offset = 0
    while True:
        page = await client.request(
            "sessions.list",
            {"limit": PAGE, "offset": offset, "includeGlobal": True, "includeUnknown": True},
            timeout=300,
        )
        rows += [(row["key"], row.get("updatedAt")) for row in page["sessions"]]
        if not page.get("hasMore"):
            return rows
        offset = page["nextOffset"]


def gateways_for(fleet: Fleet, flavor: str, tmp: Path) -> Any:
    """The fake fleet's process, or with ``real:<version>`` one real gateway of that release."""
    if flavor.startswith("real:"):
        return RealGateway(flavor.removeprefix("real:"), fleet.sessions, tmp)
    return FleetProcess(fleet, flavor)


def make_store(configs: list[GatewayConfig], directory: Path) -> GatewayStore | MultiGatewayStore:
    options: dict[str, Any] = {"config_directory": directory, "backoff": Backoff(0.1, 1.0)}
    if len(configs) == 1:
        return GatewayStore(configs[0], **options)
    return MultiGatewayStore(configs, **options)


# --- phase: baselines without the UI ----------------------------------------------------------


async def bare_client(config: GatewayConfig, directory: Path) -> GatewayClient:
    ready = asyncio.Event()

    async def on_connected(_hello: object) -> None:
        ready.set()

    client = GatewayClient(
        config,
        identity=load_or_create_identity(directory),
        tokens=None,
        on_state=lambda _s: None,
        on_event=lambda *_a: None,
        on_connected=on_connected,
    )
    client.start()
    await asyncio.wait_for(ready.wait(), 60)
    return client


async def bare_listing(config: GatewayConfig, directory: Path) -> int:
    """Page through one gateway, one request after the other, keeping nothing."""
    client = await bare_client(config, directory)
    try:
        return len(await list_rows(client))
    finally:
        await client.aclose()


async def phase_base(fleet: Fleet, flavor: str, tmp: Path) -> dict[str, Any]:
    async with gateways_for(fleet, flavor, tmp) as gateways:
        configs = gateways.configs()
        load_or_create_identity(tmp / "bare")
        start = time.perf_counter()
        rows = await asyncio.gather(*(bare_listing(c, tmp / "bare") for c in configs))
        bare_s = time.perf_counter() - start
        rss_before = rss_mb()
        store = make_store(configs, tmp / "store")
        start = time.perf_counter()
        async with store:
            await store.wait_synced(600)
            store_s = time.perf_counter() - start
            mirrored = len(store.load())
            rss_growth = rss_mb() - rss_before
    return {
        "bare_s": bare_s,
        "bare_rows": sum(rows),
        "store_s": store_s,
        "store_rows": mirrored,
        "store_mb": rss_growth,
    }


# --- phase: the app ---------------------------------------------------------------------------


class RedrawProbe:
    """Notes when the app hands a new frame to its driver (headless: the frame is still built)."""

    def __init__(self, app: Any) -> None:
        self.frame = asyncio.Event()
        self.frames = 0
        original = app._display

        def display(screen: Any, renderable: Any) -> None:
            if renderable is not None:
                self.frames += 1
                self.frame.set()
            original(screen, renderable)

        app._display = display


async def keystroke(app: Any, table: Any, probe: RedrawProbe, key: str) -> float:
    """Milliseconds from a key arriving to the first frame drawn after the cursor moved.

    The cursor's row is the signal (not its index: rows above it move all the time under
    changes), so it only counts keys that moved the cursor to another session.
    """
    before = table.cursor_key
    start = time.perf_counter()
    # Straight to the driver's queue, as a terminal key would arrive.
    app._driver.send_message(events.Key(key, None))
    while table.cursor_key == before:
        await asyncio.sleep(0.0005)
    probe.frame.clear()
    await probe.frame.wait()
    return (time.perf_counter() - start) * 1000


async def keystrokes(app: Any, probe: RedrawProbe, count: int, until: Any = None) -> list[float]:
    latencies: list[float] = []
    for n in range(count):
        if until is not None and until():
            break
        table = app.main.table
        key = "down" if (n // 20) % 2 == 0 else "up"
        start = time.perf_counter()
        latencies.append(await keystroke(app, table, probe, key))
        # Spaced like a person holding a key (30 per second).
        await asyncio.sleep(max(0.0, 1 / 30 - (time.perf_counter() - start)))
    return latencies


def _profiler(phase: str) -> Any:
    """$BENCH_FLEET_PROFILE=<phase>: profile that phase, printed to stderr (for finding why)."""
    if os.environ.get("BENCH_FLEET_PROFILE") != phase:
        return None
    import cProfile

    profile = cProfile.Profile()
    profile.enable()
    return profile


def _profiled(profile: Any) -> None:
    if profile is not None:
        import pstats

        profile.disable()
        pstats.Stats(profile, stream=sys.stderr).sort_stats(
            os.environ.get("BENCH_FLEET_SORT", "tottime")
        ).print_stats(int(os.environ.get("BENCH_FLEET_LINES", "30")))


def screen_digests(vm: Any, multi: bool) -> dict[str, tuple[int, str]]:
    per: dict[str, list[tuple[str, Any]]] = {}
    for key, entry in vm.entries.items():
        name, raw = key.split("/", 1) if multi else ("gw01", key)
        per.setdefault(name, []).append((raw, entry.get("updatedAt")))
    return {name: (len(rows), state_digest(rows)) for name, rows in per.items()}


async def divergence(gateways: Any, vm: Any, fleet: Fleet) -> dict[str, Any]:
    """What differs between the screen and a fresh listing (real gateway only: it can be
    listed by key; the fake fleet's process gives digests only)."""
    client = getattr(gateways, "client", None)
    if client is None or fleet.gateways > 1:
        return {}
    truth = dict(await list_rows(client))
    shown = {key: entry.get("updatedAt") for key, entry in vm.entries.items()}
    differ = [k for k in shown.keys() & truth.keys() if shown[k] != truth[k]]
    return {
        "shown_only": sorted(shown.keys() - truth.keys())[:5],
        "shown_only_count": len(shown.keys() - truth.keys()),
        "listed_only": sorted(truth.keys() - shown.keys())[:5],
        "listed_only_count": len(truth.keys() - shown.keys()),
        "updated_differs": [(k, shown[k], truth[k]) for k in sorted(differ)[:5]],
        "updated_differs_count": len(differ),
    }


async def phase_app(
    fleet: Fleet, flavor: str, tmp: Path, keys: int, seconds: float
) -> dict[str, Any]:
    from openclaw_tui.tui.app import SessionBrowserApp
    from openclaw_tui.tui.config import UserConfig
    from openclaw_tui.tui.target import StoreTarget, target_for_gateways

    result: dict[str, Any] = {}
    async with gateways_for(fleet, flavor, tmp) as gateways:
        configs = gateways.configs()
        load_or_create_identity(tmp / "app")

        def factory(target: StoreTarget, read_only: bool, watch: bool) -> Any:
            return make_store(list(target.gateways), tmp / "app")

        app = SessionBrowserApp(
            target_for_gateways(configs, None), config=UserConfig(), store_factory=factory
        )
        probe = RedrawProbe(app)
        rss_before = rss_mb()
        start = time.perf_counter()
        async with app.run_test(size=(160, 50)):
            while True:
                try:
                    main = app.main
                except LookupError:
                    main = None
                if main is not None and main.vm.total_count and main.table.cursor_key:
                    break
                await asyncio.sleep(0.002)
            result["first_rows_s"] = time.perf_counter() - start

            give_up = time.perf_counter() + 600

            def listed() -> bool:
                return app.main.vm.total_count >= gateways.expected or time.perf_counter() > give_up

            # Keys pressed while the rest of the rows stream in.
            profile = _profiler("listing")
            result["listing_ms"] = await keystrokes(app, probe, 10**9, until=listed)
            _profiled(profile)
            while not listed():
                await asyncio.sleep(0.002)
            result["all_rows_s"] = time.perf_counter() - start
            subs = list(app.store._hub.subscribers) if app.store is not None else []
            result["listing_resyncs"] = sum(sub.resyncs for sub in subs)
            result["rows"] = app.main.vm.total_count
            result["expected"] = gateways.expected
            await asyncio.sleep(1.0)  # the listing's last events settle
            result["rss_mb"] = rss_mb() - rss_before
            profile = _profiler("idle")
            result["idle_ms"] = await keystrokes(app, probe, keys)
            _profiled(profile)

            main = app.main
            updates_before, frames_before = main.table_updates, probe.frames
            churn = asyncio.ensure_future(gateways.command(f"churn {fleet.rate} {seconds}"))
            await asyncio.sleep(1.0)  # the load reaches its steady state
            load_start = time.perf_counter()
            profile = _profiler("load")
            result["load_ms"] = await keystrokes(app, probe, keys, until=churn.done)
            _profiled(profile)
            elapsed = time.perf_counter() - load_start
            result["table_updates_per_s"] = (main.table_updates - updates_before) / (elapsed + 1)
            result["frames_per_s"] = (probe.frames - frames_before) / (elapsed + 1)
            done = await churn
            result["changes"] = done["changes"]
            result["changes_per_s"] = done["changes"] / seconds
            state = (await gateways.command("state"))["gateways"]
            want = {name: (g["count"], g["digest"]) for name, g in state.items()}
            ended = time.perf_counter()
            # A real 2026.7.35 evicts sessions on its first write without an event: the app
            # sees it by the count check after the changes settle, then lists it again (at the
            # gateway's pace, ~6 ms a row, hence the longer wait).
            deadline = ended + (600 if flavor.startswith("real:") else 60)
            while screen_digests(app.main.vm, fleet.gateways > 1) != want:
                if time.perf_counter() > deadline:
                    result["converged_s"] = None
                    result["diverged"] = await divergence(gateways, app.main.vm, fleet)
                    break
                await asyncio.sleep(0.02)
            else:
                result["converged_s"] = time.perf_counter() - ended
            result["resyncs"] = sum(sub.resyncs for sub in subs)
            result["final_rows"] = {name: count for name, (count, _d) in want.items()}
            many = getattr(app.store, "stores", None)
            stores = list(many.values()) if many else [app.store]
            result["recount_relists"] = sum(s.stats.get("recount_relists", 0) for s in stores)
            result["store_stats"] = {
                name: sum(s.stats.get(name, 0) for s in stores)
                for name in ("events", "stale_events", "listed_older", "relists", "recounts")
            }
    return result


# --- driver -----------------------------------------------------------------------------------


def run_phase(name: str, fleet: Fleet, args: argparse.Namespace) -> dict[str, Any]:
    command = [
        sys.executable,
        __file__,
        "--phase",
        name,
        "--fleet",
        fleet.name,
        "--flavor",
        args.flavor,
        "--keys",
        str(args.keys),
        "--seconds",
        str(args.seconds),
    ]
    load_before = os.getloadavg()[0]
    output = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
    if output.returncode != 0:
        raise SystemExit(f"phase {name} failed:\n{output.stderr[-3000:]}")
    answer: dict[str, Any] = json.loads(output.stdout.strip().splitlines()[-1])
    # The machine is shared: figures mean little without how busy it was meanwhile.
    answer["load"] = (load_before, os.getloadavg()[0])
    return answer


def latency_line(label: str, values: list[float]) -> str:
    if not values:
        return f"  {label:28} (no keystroke)"
    return (
        f"  {label:28} p50 {statistics.median(values):6.1f} ms   p95 {pct(values, 0.95):6.1f} ms"
        f"   worst {max(values):6.1f} ms   (n={len(values)})"
    )


def report(fleet: Fleet, base: dict[str, Any], app: dict[str, Any]) -> list[str]:
    missed: list[str] = []
    print(f"\n{fleet.describe()} ({app['expected']:,} rows listed by the gateways)")
    loads = [*base["load"], *app["load"]]
    print(f"  load average (1 min) during the run {min(loads):.1f}-{max(loads):.1f}")
    print(
        f"  listing: every row on screen  {app['all_rows_s']:6.2f} s   "
        f"(target < {LIST_TARGET_S:g} s; first rows {app['first_rows_s']:.2f} s)"
    )
    print(
        f"    baseline: bare paging       {base['bare_s']:6.2f} s   (no mirror, one page after"
        f" the other; {base['bare_rows']:,} rows)"
    )
    print(
        f"    GatewayStore alone          {base['store_s']:6.2f} s   ({base['store_rows']:,} rows)"
    )
    print(latency_line("keys while rows stream in", app["listing_ms"]))
    print(latency_line("keys, no changes (baseline)", app["idle_ms"]))
    print(latency_line(f"keys under {app['changes_per_s']:,.0f} changes/s", app["load_ms"]))
    print(
        f"  table updates {app['table_updates_per_s']:.1f}/s, frames {app['frames_per_s']:.1f}/s"
        f" while {app['changes']:,} changes arrived; the app fell behind (Resync, a full"
        f" rebuild) {app['listing_resyncs']} times while listing, {app['resyncs']} in all"
    )
    converged = app["converged_s"]
    print(
        "  screen equals the gateways' state "
        + (f"{converged:.2f} s after the last change" if converged is not None else "NEVER")
        + f" ({sum(app.get('final_rows', {}).values()):,} rows listed then; re-listed after a"
        f" count check {app.get('recount_relists', 0)} times)"
    )
    print(f"  store: {app.get('store_stats')}")
    if app.get("diverged"):
        print(f"  differences then: {app['diverged']}")
    per = 100_000 / max(1, app["rows"])
    store_per = base["store_mb"] * 100_000 / max(1, base["store_rows"])
    print(
        f"  memory per 100,000 rows       {app['rss_mb'] * per:6.0f} MiB app"
        f"   (baseline: GatewayStore alone {store_per:.0f} MiB)"
    )
    if app["rows"] < app["expected"]:
        missed.append(f"{fleet.name}: {app['rows']:,} of {app['expected']:,} rows listed")
    if app["all_rows_s"] >= LIST_TARGET_S:
        missed.append(f"{fleet.name}: listing took {app['all_rows_s']:.1f} s")
    load = app["load_ms"]
    if not load or pct(load, 0.95) >= P95_TARGET_MS or max(load) >= WORST_TARGET_MS:
        missed.append(f"{fleet.name}: keystroke latency under load over target")
    if converged is None:
        missed.append(f"{fleet.name}: the screen never matched the gateways' state")
    return missed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fleet", choices=["one", "ten", "both", "none", "real"], default="both")
    parser.add_argument("--flavor", default="9", help="the fake's shapes: 7 or 9")
    parser.add_argument(
        "--real",
        metavar="VERSION",
        help="also run one real OpenClaw gateway of 10,000 sessions (the interop cache's "
        "release, e.g. 2026.7.35; `make interop` installs it)",
    )
    parser.add_argument("--keys", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=12.0)
    parser.add_argument("--phase", choices=["base", "app"], help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.phase:
        fleet = FLEETS[args.fleet]
        answer: dict[str, Any] = {}
        with tempfile.TemporaryDirectory(prefix="bench-fleet-") as tmp:

            async def phase() -> int:
                if args.phase == "base":
                    answer.update(await phase_base(fleet, args.flavor, Path(tmp)))
                else:
                    answer.update(
                        await phase_app(fleet, args.flavor, Path(tmp), args.keys, args.seconds)
                    )
                return 0

            # A real gateway runs in a session of its own: a signal must unwind the phase
            # (which stops it), not end this process and leave the gateway behind.
            sys.path.insert(0, str(ROOT / "interop" / "gateway"))
            from gateway_proc import run_main

            code = run_main(phase)
        if code:
            return code
        print(json.dumps(answer))
        return 0

    names = {"both": ["one", "ten"], "none": []}.get(args.fleet, [args.fleet])
    print(f"fake gateways: OpenClaw 2026.{args.flavor} shapes, {os.cpu_count()} CPUs")
    missed: list[str] = []
    for name in names:
        fleet = FLEETS[name]
        base = run_phase("base", fleet, args)
        app = run_phase("app", fleet, args)
        missed += report(fleet, base, app)
    if args.real:
        real = argparse.Namespace(**{**vars(args), "flavor": f"real:{args.real}"})
        fleet = FLEETS["real"]
        print(f"\nreal gateway: OpenClaw {args.real}")
        base = run_phase("base", fleet, real)
        app = run_phase("app", fleet, real)
        report(fleet, base, app)  # its figures are the gateway's own pace, not targets
    if missed:
        print("\nmissed: " + "; ".join(missed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
