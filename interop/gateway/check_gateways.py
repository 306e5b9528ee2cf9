"""Proof against real OpenClaw gateways (``make interop``; not part of ``make test``).

For each release (2026.7.35 and 2026.9.6), on loopback:
  1. start ``openclaw gateway run --allow-unconfigured --bind loopback --auth token``, isolated;
  2. connect two ``GatewayStore``s (separate device identities), list;
  3. patch a label from ours and see it arrive as an event on the second connection;
  4. patch a thinking level from ours (2026.7.35 refuses it without ``operator.admin``: that
     refusal must come back with the gateway's own message; then an admin-scoped connection
     does it) and see it arrive on the second connection;
  5. change a label with ``openclaw gateway call sessions.patch`` and see it arrive in ours;
  6. measure sessions.patch -> event latency on the second connection;
  7. with ``--sessions N`` (default 10,000): a gateway holding N sessions, time to list them all.
Then the pairing path from a non-loopback address: a network namespace of our own with
10.99.0.1 on its ``lo``, the gateway bound to it (``--bind lan``), our client inside the namespace:
it must report PAIRING_REQUIRED with a request id and the approve command, we run exactly that
command on the "host", and the client must connect by itself. Skipped (with the reason) where
namespaces are unavailable (not root, no iproute2).

Usage: python interop/gateway/check_gateways.py [--versions 2026.7.35,2026.9.6]
       [--sessions 10000] [--samples 20] [--skip-netns] [--json results.json]
Exit status 0 when every check passed (skips are not failures), 1 otherwise, 2 when OpenClaw is
not installed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gateway_proc import ROOT, Gateway, Namespace, Unavailable, node_bin, run_main

from openclaw_tui.store.events import EntryAdded, EntryChanged, StoreEvent, StoreReloaded
from openclaw_tui.store.gateway import (
    GatewayClient,
    GatewayConfig,
    GatewayRequestError,
    GatewayScopeError,
    GatewayStore,
)
from openclaw_tui.store.gateway.identity import load_or_create_identity
from openclaw_tui.store.synthetic import generate_store

MAIN = "agent:main:main"
VERSIONS = ("2026.7.35", "2026.9.6")
EVENT_TIMEOUT = 15.0


SCRATCH: list[Path] = []


def scratch(prefix: str) -> Path:
    """A temporary folder, removed when the checks end."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    SCRATCH.append(path)
    return path


class Report:
    def __init__(self) -> None:
        self.failures = 0
        self.results: list[dict[str, Any]] = []
        self.figures: dict[str, Any] = {}

    def _line(self, verdict: str, name: str, detail: str) -> None:
        print(f"  {verdict:4}  {name}" + (f": {detail}" if detail else ""), flush=True)
        self.results.append({"verdict": verdict, "check": name, "detail": detail})

    def ok(self, name: str, detail: str = "") -> None:
        self._line("PASS", name, detail)

    def fail(self, name: str, detail: str = "") -> None:
        self.failures += 1
        self._line("FAIL", name, detail)

    def skip(self, name: str, detail: str) -> None:
        self._line("SKIP", name, detail)

    def figure(self, name: str, value: Any) -> None:
        self.figures[name] = value
        print(f"  ----  {name}: {value}", flush=True)


class Watcher:
    """Records when rows of a store reach a wanted state (at arrival, not when read)."""

    def __init__(self, store: GatewayStore) -> None:
        self.store = store
        self.waiters: list[
            tuple[str, Callable[[Mapping[str, Any]], bool], asyncio.Future[float]]
        ] = []
        store.add_listener(self._on_event)

    def _on_event(self, event: StoreEvent) -> None:
        now = time.perf_counter()
        rows: list[tuple[str, Mapping[str, Any]]] = []
        if isinstance(event, EntryAdded):
            rows = [(event.key, event.entry)]
        elif isinstance(event, EntryChanged):
            rows = [(event.key, event.after)]
        elif isinstance(event, StoreReloaded):
            rows = list(event.entries.items())
        for key, row in rows:
            for wanted_key, predicate, future in list(self.waiters):
                if key == wanted_key and not future.done() and predicate(row):
                    future.set_result(now)

    def expect(
        self, key: str, predicate: Callable[[Mapping[str, Any]], bool]
    ) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        row = self.store.get(key)
        if row is not None and predicate(row):
            future.set_result(time.perf_counter())
        else:
            self.waiters.append((key, predicate, future))
        return future


def make_store(gw: Gateway, config_dir: Path, name: str, **options: Any) -> GatewayStore:
    config = GatewayConfig(name=name, url=gw.url, token=gw.token, token_source="interop")
    return GatewayStore(config, config_directory=config_dir, **options)


async def wait(future: asyncio.Future[float], what: str) -> float:
    try:
        return await asyncio.wait_for(asyncio.shield(future), EVENT_TIMEOUT)
    except TimeoutError:
        raise AssertionError(f"{what}: no event within {EVENT_TIMEOUT:.0f}s") from None


async def check_live(version: str, report: Report, samples: int) -> None:
    tag = f"{version}"
    async with Gateway(version) as gw:
        report.ok(f"{tag}: gateway started", f"ready in {gw.started_s:.1f}s on {gw.url}")
        tmp = scratch("octui-gwcheck-")
        ours = make_store(gw, tmp / "ours", "ours")
        second = make_store(gw, tmp / "second", "second")
        async with ours, second:
            await ours.wait_synced(30)
            await second.wait_synced(30)
            hello = ours.client.hello if ours.client else None
            if ours.server_version != version:
                report.fail(f"{tag}: connect", f"server says {ours.server_version}")
            else:
                report.ok(
                    f"{tag}: connect + subscribe + list",
                    f"scopes {', '.join(ours.scopes)}; auth {hello.auth_method or 'n/a'}; "
                    f"{len(ours.load())} sessions; device token kept: "
                    f"{(tmp / 'ours' / 'device-tokens.json').exists()}",
                )
            watch_second = Watcher(second)
            watch_ours = Watcher(ours)

            label = f"tui-{uuid.uuid4().hex[:8]}"
            arrived = watch_second.expect(MAIN, lambda r: r.get("label") == label)
            await ours.update_entry(MAIN, {"label": label}, create=True)
            try:
                await wait(arrived, "label")
                report.ok(f"{tag}: our label patch arrived on a second connection", label)
            except AssertionError as exc:
                report.fail(f"{tag}: label patch event", str(exc))

            level = "high"
            arrived = watch_second.expect(MAIN, lambda r: r.get("thinkingLevel") == level)
            try:
                await ours.update_entry(MAIN, {"thinkingLevel": level})
                via = "operator.write"
            except GatewayScopeError as exc:
                report.ok(
                    f"{tag}: thinkingLevel without admin refused with the gateway's message",
                    repr(exc.message),
                )
                admin = make_store(
                    gw,
                    tmp / "admin",
                    "admin",
                    scopes=("operator.read", "operator.write", "operator.admin"),
                )
                async with admin:
                    await admin.wait_synced(30)
                    await admin.update_entry(MAIN, {"thinkingLevel": level})
                via = "operator.admin"
            try:
                await wait(arrived, "thinkingLevel")
                report.ok(f"{tag}: our thinkingLevel patch arrived on a second connection", via)
            except AssertionError as exc:
                report.fail(f"{tag}: thinkingLevel patch event", str(exc))

            cli_label = f"cli-{uuid.uuid4().hex[:8]}"
            arrived = watch_ours.expect(MAIN, lambda r: r.get("label") == cli_label)
            started = time.perf_counter()
            params = json.dumps({"key": MAIN, "label": cli_label})
            code, out = await gw.cli(
                "gateway", "call", "sessions.patch", "--params", params, "--json"
            )
            if code != 0:
                report.fail(f"{tag}: openclaw gateway call sessions.patch", out.strip()[-400:])
            else:
                try:
                    seen = await wait(arrived, "CLI patch")
                    report.ok(
                        f"{tag}: `openclaw gateway call sessions.patch` arrived in our client",
                        f"{(seen - started) * 1000:.0f} ms after starting the CLI "
                        "(incl. Node start-up)",
                    )
                except AssertionError as exc:
                    report.fail(f"{tag}: CLI patch event", str(exc))

            latencies: list[float] = []
            assert ours.client is not None
            for i in range(samples):
                value = f"lat-{i}-{uuid.uuid4().hex[:6]}"
                arrived = watch_second.expect(MAIN, lambda r, v=value: r.get("label") == v)
                sent = time.perf_counter()
                await ours.client.request("sessions.patch", {"key": MAIN, "label": value})
                try:
                    latencies.append((await wait(arrived, "latency sample")) - sent)
                except AssertionError as exc:
                    report.fail(f"{tag}: latency sample {i}", str(exc))
                    break
            if latencies:
                ms = sorted(x * 1000 for x in latencies)
                report.figure(
                    f"{tag} sessions.patch -> event on another connection (ms, n={len(ms)})",
                    {
                        "median": round(statistics.median(ms), 1),
                        "p95": round(ms[max(0, int(len(ms) * 0.95) - 1)], 1),
                        "max": round(ms[-1], 1),
                    },
                )


async def seed_by_rpc(gw: Gateway, count: int, tmp: Path) -> float:
    """Create ``count`` sessions through the gateway itself (2026.9 keeps them in SQLite).

    A bare connection (not subscribed, so the gateway prepares no events for it) and a few
    requests in flight: more makes 2026.9.6 answer "worker task capacity reached" on 2 cores.
    """
    ready = asyncio.Event()

    async def on_connected(_hello: object) -> None:
        ready.set()

    client = GatewayClient(
        GatewayConfig("seeder", gw.url, token=gw.token),
        identity=load_or_create_identity(tmp / "seeder"),
        tokens=None,
        on_state=lambda _s: None,
        on_event=lambda *_a: None,
        on_connected=on_connected,
    )
    client.start()
    started = time.perf_counter()
    try:
        await asyncio.wait_for(ready.wait(), 30)
        queue: asyncio.Queue[int] = asyncio.Queue()
        for i in range(count):
            queue.put_nowait(i)

        async def worker() -> None:
            while not queue.empty():
                i = queue.get_nowait()
                params = {"key": f"agent:main:explicit:bench-{i:05d}", "label": f"Bench {i:05d}"}
                for attempt in range(20):
                    try:
                        await client.request("sessions.patch", params, timeout=120)
                        break
                    except GatewayRequestError as exc:
                        if exc.code != "UNAVAILABLE" or attempt == 19:
                            raise
                        await asyncio.sleep(0.1 * (attempt + 1))  # the gateway asked to back off

        await asyncio.gather(*(worker() for _ in range(4)))
    finally:
        await client.aclose()
    return time.perf_counter() - started


async def check_large_list(version: str, report: Report, count: int) -> None:
    tag = f"{version}"
    tmp = scratch("octui-gwlist-")
    json_store = version.startswith("2026.7")
    seed = generate_store(count, now_ms=int(time.time() * 1000)) if json_store else None
    async with Gateway(version, seed=seed) as gw:
        if not json_store:
            took = await seed_by_rpc(gw, count - 1, tmp)  # plus agent:main:main below
            report.ok(f"{tag}: seeded {count - 1} sessions through sessions.patch", f"{took:.1f}s")
        store = make_store(gw, tmp / "reader", "reader")
        first_page: list[float] = []

        def on_event(event: StoreEvent) -> None:
            if isinstance(event, StoreReloaded) and not first_page:
                first_page.append(time.perf_counter())

        store.add_listener(on_event)
        if not json_store:
            async with store:
                await store.wait_synced(120)
                await store.update_entry(MAIN, {"label": "Main"}, create=True)
            store = make_store(gw, tmp / "reader", "reader")
            store.add_listener(on_event)
            first_page.clear()
        started = time.perf_counter()
        async with store:
            await store.wait_synced(300)
            first = time.perf_counter() - started
            assert store.client is not None
            probe = await store.client.request(
                "sessions.list", {"limit": 1, "includeGlobal": True, "includeUnknown": True}
            )
            total = probe.get("totalCount")
            listed = len(store.load())
            if listed != total:
                report.fail(f"{tag}: list all sessions", f"have {listed}, gateway counts {total}")
                return
            hidden = count - listed
            report.ok(
                f"{tag}: listed every session the gateway lists",
                f"{listed} rows (of {count} stored; the gateway does not list {hidden} "
                "cron run sessions)"
                if hidden
                else f"{listed} rows",
            )
            t0 = time.perf_counter()
            await store.refresh()
            relist = time.perf_counter() - t0
            t0 = time.perf_counter()
            await store.client.request(
                "sessions.list",
                {"limit": 1000, "offset": 0, "includeGlobal": True, "includeUnknown": True},
                timeout=120,
            )
            one_page = time.perf_counter() - t0
            report.figure(
                f"{tag} time to list {listed} sessions (s)",
                {
                    "first_rows_on_screen": round(first_page[0] - started, 2)
                    if first_page
                    else None,
                    "connect_and_full_list": round(first, 2),
                    "relist": round(relist, 2),
                    "one_raw_1000_row_page": round(one_page, 2),
                },
            )


async def listed_keys(store: GatewayStore) -> set[str]:
    """Every key the gateway lists now, paged by a plain request loop (no mirror)."""
    assert store.client is not None
    keys: set[str] = set()
    offset = 0
    while True:
        page = await store.client.request(
            "sessions.list", {**store.list_params(offset), "limit": 1000}, timeout=120
        )
        keys.update(row["key"] for row in page["sessions"])
        if not page.get("hasMore"):
            return keys
        offset = page["nextOffset"]


async def check_silent_eviction(version: str, report: Report, count: int = 2000) -> None:
    """A write makes 2026.7.35 run its session maintenance, which removes sessions without an
    event (only the written key's sessions.changed arrives): the view must still end up with
    exactly what the gateway lists (issue #14's unexplained digest mismatch)."""
    tag = f"{version}"
    if not version.startswith("2026.7"):
        report.skip(f"{tag}: sessions evicted by a write", "a SQLite release evicts nothing then")
        return
    tmp = scratch("octui-gwevict-")
    seed = generate_store(count, seed=1, now_ms=int(time.time() * 1000))
    async with Gateway(version, seed=seed) as gw:
        store = make_store(gw, tmp / "reader", "reader")
        async with store:
            await store.wait_synced(120)
            before = len(store.load())
            key = next(k for k in store.load() if k != MAIN)
            started = time.perf_counter()
            await store.update_entry(key, {"label": "evict check"})
            deadline = started + 120
            while True:
                truth = await listed_keys(store)
                if set(store.load()) == truth:
                    break
                if time.perf_counter() > deadline:
                    report.fail(
                        f"{tag}: sessions evicted by a write leave the view",
                        f"view {len(store.load())} rows, gateway lists {len(truth)} after 120 s",
                    )
                    return
                await asyncio.sleep(1)
            took = time.perf_counter() - started
            gone = before - len(truth)
            if gone <= 0:
                report.ok(f"{tag}: a write evicted nothing", f"{before} rows listed before/after")
                return
            report.ok(
                f"{tag}: sessions evicted by a write (no event) leave the view",
                f"one sessions.patch: {before} -> {len(truth)} listed, the view equal to the "
                f"gateway's list {took:.1f} s after it "
                f"({store.stats['recount_relists']} re-list after the count check)",
            )


async def check_pairing(version: str, report: Report) -> None:
    tag = f"{version}"
    reason = Namespace.check()
    if reason:
        report.skip(f"{tag}: pairing from a non-loopback address", reason)
        return
    name = f"octui-{os.getpid()}-{version.replace('.', '')}"
    tmp = scratch("octui-pair-")
    async with Namespace(name) as ns, Gateway(version, bind="lan", namespace=ns) as gw:
        env = {
            "PATH": f"{node_bin()}:/usr/sbin:/usr/bin:/bin",
            "HOME": str(gw.home),
            "OPENCLAW_GATEWAY_TOKEN": gw.token,
        }
        child = await asyncio.create_subprocess_exec(
            *ns.prefix(),
            sys.executable,
            str(Path(__file__).resolve().parent / "pairing_client.py"),
            gw.url,
            str(tmp / "remote"),
            "90",
            env=env,
            cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        try:
            await pairing_dialogue(tag, gw, child, report)
        finally:
            if child.returncode is None:
                child.kill()
            await child.wait()


async def pairing_dialogue(
    tag: str, gw: Gateway, child: asyncio.subprocess.Process, report: Report
) -> None:
    assert child.stdout is not None

    async def next_message() -> dict[str, Any]:
        line = await asyncio.wait_for(child.stdout.readline(), 60)  # type: ignore[union-attr]
        if not line:
            raise AssertionError("the client in the namespace exited early")
        try:
            return json.loads(line)
        except ValueError:
            return {"output": line.decode(errors="replace").strip()}

    request_id = command = None
    while request_id is None:
        message = await next_message()
        if "error" in message:
            report.fail(f"{tag}: pairing", message["error"])
            return
        if message.get("state") == "connected":
            report.fail(f"{tag}: pairing", "connected without approval from a non-loopback address")
            return
        if message.get("state") == "pairing":
            request_id, command = message.get("request_id"), message.get("command")
            report.ok(f"{tag}: PAIRING_REQUIRED from {gw.host} shown", message.get("detail", ""))
    if command != f"openclaw devices approve {request_id}":
        report.fail(f"{tag}: approve command", repr(command))
        return
    approving = time.perf_counter()
    code, out = await gw.cli(*command.split()[1:])
    if code != 0:
        report.fail(f"{tag}: `{command}` on the host", out.strip()[-400:])
        return
    report.ok(
        f"{tag}: ran `{command}` on the host", out.strip().splitlines()[-1] if out.strip() else ""
    )
    while True:
        message = await next_message()
        if "synced" in message:
            report.ok(
                f"{tag}: client connected by itself after approval",
                f"{time.perf_counter() - approving:.1f}s after starting the approve command; "
                f"scopes {message.get('scopes')}; "
                f"device token kept: {message.get('deviceToken')}",
            )
            return
        if "error" in message:
            report.fail(f"{tag}: after approval", message["error"])
            return


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--versions", default=",".join(VERSIONS))
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--skip-netns", action="store_true")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    report = Report()
    try:
        node_bin()
    except Unavailable as exc:
        print(f"interop/gateway: {exc}", file=sys.stderr)
        return 2
    try:
        for version in args.versions.split(","):
            print(f"-- OpenClaw {version}", flush=True)
            steps: list[tuple[str, Any]] = [
                ("live checks", lambda v=version: check_live(v, report, args.samples))
            ]
            if args.sessions > 0:
                steps.append(
                    ("large list", lambda v=version: check_large_list(v, report, args.sessions))
                )
            steps.append(("silent eviction", lambda v=version: check_silent_eviction(v, report)))
            if args.skip_netns:
                report.skip(f"{version}: pairing from a non-loopback address", "--skip-netns")
            else:
                steps.append(("pairing", lambda v=version: check_pairing(v, report)))
            for what, step in steps:
                try:
                    await step()
                except Unavailable as exc:
                    report.fail(f"{version}: {what}", str(exc))
                except Exception as exc:  # report and go on with the next check
                    report.fail(f"{version}: {what}", f"{type(exc).__name__}: {exc}")
    finally:
        for path in SCRATCH:
            shutil.rmtree(path, ignore_errors=True)
    if args.json:
        args.json.write_text(
            json.dumps({"results": report.results, "figures": report.figures}, indent=2)
        )
    print(
        f"gateway interop: {'PASS' if report.failures == 0 else 'FAIL'} ({report.failures} failed)"
    )
    return 0 if report.failures == 0 else 1


if __name__ == "__main__":
    sys.exit(run_main(main))
