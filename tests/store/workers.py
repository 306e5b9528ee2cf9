"""Subprocess writers for the multi-process and kill -9 tests (run as ``python -m``)."""

from __future__ import annotations

import asyncio
import sys

from openclaw_tui.store import SessionStore


async def counter(path: str, worker: int, updates: int, shared_keys: int) -> None:
    """``updates`` read-modify-write increments, alternating shared and private keys."""
    async with SessionStore(path) as store:
        pending = []
        for n in range(updates):
            if n % 2 == 0:
                key = f"agent:main:explicit:mp-shared-{n % shared_keys}"
            else:
                key = f"agent:main:explicit:mp-w{worker}-{n % 7}"

            def bump(entry, worker=worker):
                return {
                    "total": entry.get("total", 0) + 1,
                    f"w{worker}": entry.get(f"w{worker}", 0) + 1,
                }

            pending.append(store.update_entry(key, bump, create=True))
            if len(pending) == 8:
                await asyncio.gather(*pending)
                pending = []
        await asyncio.gather(*pending)


async def acker(path: str) -> None:
    """Write forever; print each sequence number once its update is durable (the ack)."""
    async with SessionStore(path) as store:
        seq = 0
        while True:
            batch = list(range(seq, seq + 4))
            seq += 4

            async def one(n: int) -> None:
                await store.update_entry(f"acked:{n}", {"seq": n}, create=True)
                sys.stdout.write(f"{n}\n")
                sys.stdout.flush()

            await asyncio.gather(*(one(n) for n in batch))


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "counter":
        asyncio.run(counter(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])))
    elif mode == "acker":
        asyncio.run(acker(sys.argv[2]))
    else:
        raise SystemExit(f"unknown mode {mode!r}")
