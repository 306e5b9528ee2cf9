"""Gateway client against a real OpenClaw gateway: listing N sessions, and patch -> event latency.

Starts an isolated OpenClaw gateway (default 2026.7.35, seeded with N synthetic sessions in its
``sessions.json``) from the interop cache (``make interop`` installs it), then measures, in this
run, ours next to a baseline made of the bare protocol:

- listing: ``GatewayStore`` open -> first rows published -> every row mirrored, vs a bare client
  paging ``sessions.list`` with the same page size (the gateway's own cost, no mirror, no events);
- latency: a ``sessions.patch`` sent on one connection -> the change published by a
  ``GatewayStore`` on another connection, vs the patch's own request/response round trip.

    python bench/bench_gateway.py [--version 2026.7.35] [--sessions 10000] [--samples 50]

Prints "skipped" (exit 0) when the OpenClaw release is not installed.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "interop" / "gateway"))

from gateway_proc import Gateway, Unavailable, openclaw_entry, run_main

from openclaw_tui.store.events import EntryChanged, StoreEvent, StoreReloaded
from openclaw_tui.store.gateway import GatewayClient, GatewayConfig, GatewayStore
from openclaw_tui.store.gateway.identity import load_or_create_identity
from openclaw_tui.store.synthetic import generate_store

MAIN = "agent:main:main"
PAGE = 1000


async def bare_client(gw: Gateway, directory: Path) -> GatewayClient:
    ready = asyncio.Event()

    async def on_connected(_hello: object) -> None:
        ready.set()

    client = GatewayClient(
        GatewayConfig("bench", gw.url, token=gw.token),
        identity=load_or_create_identity(directory),
        tokens=None,
        on_state=lambda _s: None,
        on_event=lambda *_a: None,
        on_connected=on_connected,
    )
    client.start()
    await asyncio.wait_for(ready.wait(), 30)
    return client


async def raw_listing(client: GatewayClient) -> tuple[float, int]:
    started = time.perf_counter()
    offset, rows = 0, 0
    while True:
        page = await client.request(
            "sessions.list",
            {"limit": PAGE, "offset": offset, "includeGlobal": True, "includeUnknown": True},
            timeout=300,
        )
        rows += len(page["sessions"])
        if not page.get("hasMore"):
            return time.perf_counter() - started, rows
        offset = page["nextOffset"]


async def run(version: str, sessions: int, samples: int) -> None:
    seed = generate_store(sessions, now_ms=int(time.time() * 1000)) if sessions else None
    with tempfile.TemporaryDirectory(prefix="bench-gateway-") as scratch:
        await measure(version, sessions, samples, seed, Path(scratch))


async def measure(version: str, sessions: int, samples: int, seed: dict | None, tmp: Path) -> None:
    async with Gateway(version, seed=seed) as gw:
        print(f"OpenClaw {version} gateway with {sessions:,} stored sessions on {gw.url}")
        client = await bare_client(gw, tmp / "bare")
        try:
            first: list[float] = []
            store = GatewayStore(
                GatewayConfig("bench", gw.url, token=gw.token), config_directory=tmp / "store"
            )

            def on_event(event: StoreEvent) -> None:
                if isinstance(event, StoreReloaded) and not first:
                    first.append(time.perf_counter())

            store.add_listener(on_event)
            started = time.perf_counter()
            async with store:
                await store.wait_synced(600)
                full_s = time.perf_counter() - started
                mirrored = len(store.load())
                first_s = first[0] - started if first else full_s
                # Node warms up over the first listings (JIT): compare warm with warm, in
                # alternation, the best of two each.
                raws, relists = [], []
                for _ in range(2):
                    raw_s, raw_rows = await raw_listing(client)
                    raws.append(raw_s)
                    t0 = time.perf_counter()
                    await store.refresh()
                    relists.append(time.perf_counter() - t0)

                arrivals: dict[str, float] = {}
                waiter: dict[str, asyncio.Future[None]] = {}

                def on_change(event: StoreEvent) -> None:
                    if isinstance(event, EntryChanged) and event.key == MAIN:
                        label = event.after.get("label")
                        if isinstance(label, str) and label not in arrivals:
                            arrivals[label] = time.perf_counter()
                            future = waiter.get(label)
                            if future is not None and not future.done():
                                future.set_result(None)

                store.add_listener(on_change)
                await client.request("sessions.patch", {"key": MAIN, "label": "bench-start"})
                latency, rtt = [], []
                for i in range(samples):
                    label = f"bench-{i}"
                    waiter[label] = asyncio.get_running_loop().create_future()
                    sent = time.perf_counter()
                    await client.request("sessions.patch", {"key": MAIN, "label": label})
                    rtt.append(time.perf_counter() - sent)
                    await asyncio.wait_for(waiter[label], 30)
                    latency.append(arrivals[label] - sent)
        finally:
            await client.aclose()

    ms = sorted(x * 1000 for x in latency)
    rt = sorted(x * 1000 for x in rtt)
    print()
    print(f"{'listing':44}{'ours':>12}{'baseline':>12}")
    print(f"{'  rows':44}{mirrored:>12,}{raw_rows:>12,}")
    print(f"{'  first rows published (cold), s':44}{first_s:>12.2f}{'':>12}")
    print(f"{'  connect + all rows mirrored (cold), s':44}{full_s:>12.2f}{'':>12}")
    print(f"{'  re-list / all pages read (warm), s':44}{min(relists):>12.2f}{min(raws):>12.2f}")
    print()
    print(f"{f'sessions.patch (n={samples})':44}{'to event':>12}{'round trip':>12}")
    print(f"{'  median, ms':44}{statistics.median(ms):>12.1f}{statistics.median(rt):>12.1f}")
    p95 = max(0, int(len(ms) * 0.95) - 1)
    print(f"{'  p95, ms':44}{ms[p95]:>12.1f}{rt[p95]:>12.1f}")
    print()
    print(f"overhead of the mirror over bare paging (warm): {min(relists) / min(raws):.2f}x")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", default="2026.7.35")
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=50)
    args = parser.parse_args()
    try:
        openclaw_entry(args.version)
    except Unavailable as exc:
        print(f"bench_gateway: skipped: {exc}")
        return 0

    async def bench() -> int:
        await run(args.version, args.sessions, args.samples)
        return 0

    return run_main(bench)


if __name__ == "__main__":
    sys.exit(main())
