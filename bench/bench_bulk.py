"""Acting on many sessions (``/bulk``, issue #14): what batching buys, measured in one run.

- file store: N sessions changed in a store of S, one ``update_entry`` awaited after another
  (baseline: a commit each) vs ``update_entries`` (one group commit);
- gateway (the test gateway over real WebSocket frames on loopback, each write answered after
  ``--latency`` ms as a remote gateway would): one ``sessions.patch`` at a time (baseline) vs
  ``update_entries`` without ``sessions.patchMany`` (8 in flight) vs with it (one request per
  100 sessions);
- the preview screen: every row in its table (baseline) vs the ``SHOWN_ROWS`` it holds;
- the preview (``tui/slash/bulk.py``: filter + before/after for every row) on 10 x S sessions.

    python bench/bench_bulk.py [--store 10000] [--changed 1000] [--latency 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from openclaw_tui.store import SessionStore  # noqa: E402
from openclaw_tui.store.synthetic import generate_store  # noqa: E402
from openclaw_tui.tui.slash.bulk import BulkRequest, parse_bulk, preview  # noqa: E402
from tests.gateway.fake_gateway import FakeGateway  # noqa: E402
from tests.gateway.helpers import make_store  # noqa: E402

NOW_MS = 1_795_612_000_000


def label_patch(key: str):
    return lambda entry: {"sendPolicy": "deny"} if entry.get("sendPolicy") != "deny" else None


async def file_store(size: int, changed: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sessions.json"
        path.write_text(json.dumps(generate_store(size, now_ms=NOW_MS)))
        async with SessionStore(path) as store:
            keys = list(store.load())[1 : changed + 1]
            start = time.perf_counter()
            for key in keys:
                await store.update_entry(key, label_patch(key))
            one_by_one = time.perf_counter() - start
            batch = {key: (lambda e: {"sendPolicy": "allow"}) for key in keys}
            start = time.perf_counter()
            await store.update_entries(batch)
            batched = time.perf_counter() - start
        return one_by_one, batched


async def gateway(changed: int, latency: float, patch_many: bool) -> tuple[float, float]:
    """(one request at a time, update_entries) against one fake gateway."""
    with tempfile.TemporaryDirectory() as tmp:
        async with FakeGateway(patch_many=patch_many, latency_ms=latency) as gw:
            for i in range(changed):
                gw.put(f"agent:main:cron:c{i:05}")
            async with make_store(gw, Path(tmp)) as store:
                await store.wait_synced(60)
                keys = list(store.load())
                start = time.perf_counter()
                for key in keys:
                    await store.update_entry(key, label_patch(key))
                one_by_one = time.perf_counter() - start
                batch = {key: (lambda e: {"sendPolicy": "allow"}) for key in keys}
                start = time.perf_counter()
                results = await store.update_entries(batch)
                batched = time.perf_counter() - start
                assert {r.outcome for r in results} == {"applied"}, results[:3]
        return one_by_one, batched


def preview_time(size: int) -> tuple[float, int]:
    class Store:  # the two reads preview() makes of a file store
        def __init__(self, entries: dict) -> None:
            self.entries = entries

        def load(self) -> dict:
            return self.entries

        def connection_states(self) -> list:
            return []

        def archive_refusal(self, key: str) -> str | None:
            return "file store"

    entries = generate_store(size, now_ms=NOW_MS)
    request = parse_bulk("updated:>1h -- /think low")
    assert isinstance(request, BulkRequest)
    start = time.perf_counter()
    shown = preview(request, Store(entries), NOW_MS / 1000)  # type: ignore[arg-type]
    return time.perf_counter() - start, len(shown.rows)


async def screen_time(rows: int, limit: int) -> float:
    """Seconds from pushing the preview screen with ``rows`` rows to its first settled frame,
    the table holding at most ``limit`` of them."""
    from textual.app import App

    from openclaw_tui.tui import bulk_screen
    from openclaw_tui.tui.bulk_screen import BulkScreen, Line

    lines = [
        Line(f"agent:main:cron:job-{i:06}", "thinking: inherit", "thinking: low", "change")
        for i in range(rows)
    ]

    async def run(sink):  # never applied here
        return []

    saved, bulk_screen.SHOWN_ROWS = bulk_screen.SHOWN_ROWS, limit
    try:
        async with App().run_test(size=(130, 34)) as pilot:
            start = time.perf_counter()
            await pilot.app.push_screen(BulkScreen("t", "s", lines, run, question="q?"))
            await pilot.pause()
            return time.perf_counter() - start
    finally:
        bulk_screen.SHOWN_ROWS = saved


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", type=int, default=10_000)
    parser.add_argument("--changed", type=int, default=1_000)
    parser.add_argument("--latency", type=float, default=5.0, help="ms per gateway write")
    args = parser.parse_args()

    one, batch = await file_store(args.store, args.changed)
    print(f"file store, {args.changed:,} of {args.store:,} sessions changed:")
    print(f"  one update_entry after another  {one:8.2f} s")
    print(f"  update_entries (one commit)     {batch:8.2f} s   {one / batch:6.1f}x faster")

    seq, bounded = await gateway(args.changed, args.latency, patch_many=False)
    seq2, many = await gateway(args.changed, args.latency, patch_many=True)
    base = (seq + seq2) / 2
    print(f"gateway, {args.changed:,} sessions, {args.latency:g} ms per write:")
    print(f"  one sessions.patch at a time    {base:8.2f} s")
    print(f"  8 in flight (no patchMany)      {bounded:8.2f} s   {base / bounded:6.1f}x faster")
    print(f"  sessions.patchMany per 100      {many:8.2f} s   {base / many:6.1f}x faster")

    from openclaw_tui.tui.bulk_screen import SHOWN_ROWS

    every = await screen_time(args.store, args.store)
    capped = await screen_time(args.store, SHOWN_ROWS)
    print(f"preview screen with {args.store:,} rows:")
    print(f"  every row in the table          {every:8.2f} s")
    ratio = every / capped
    print(f"  the first {SHOWN_ROWS:,} (refused first)  {capped:8.2f} s   {ratio:6.1f}x faster")

    took, rows = preview_time(args.store * 10)
    print(f"preview of /bulk updated:>1h -- /think low on {args.store * 10:,} sessions:")
    print(f"  {took:.2f} s for {rows:,} matching rows ({took / max(rows, 1) * 1e6:.1f} µs a row)")


if __name__ == "__main__":
    asyncio.run(main())
