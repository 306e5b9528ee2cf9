"""A fleet of fake gateways in their own process, for benchmarks: real WebSocket frames on
loopback, without the gateways' work competing with the client measured for one event loop.

    python -m tests.gateway.fake_fleet --gateways 10 --sessions 10000 [--flavor 9]

prints one JSON line ``{"token": ..., "gateways": [{"name", "url", "sessions"}, ...]}`` and then
obeys one command per line on stdin, answering each with one JSON line:

- ``churn RATE SECONDS [NEW_SHARE]``: RATE changes per second in total, spread evenly over the
  gateways, for SECONDS; NEW_SHARE of them create sessions. Answers ``{"changes": N}`` at the end.
- ``state``: ``{"gateways": {name: {"count", "digest"}}}`` where digest is ``state_digest`` of that
  gateway's sessions (key and ``updatedAt``), to compare with what a client shows.
- ``quit``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import sys
from collections.abc import Iterable
from typing import Any

import orjson

from tests.gateway.fake_gateway import FakeGateway


def state_digest(rows: Iterable[tuple[str, Any]]) -> str:
    """A digest of (key, updatedAt) pairs, in key order: equal digests, equal states."""
    digest = hashlib.sha256()
    for key, updated in sorted(rows):
        digest.update(f"{key}\0{updated}\n".encode())
    return digest.hexdigest()


def _reply(payload: dict[str, Any]) -> None:
    sys.stdout.write(orjson.dumps(payload).decode() + "\n")
    sys.stdout.flush()


async def _serve(count: int, sessions: int, flavor: str) -> None:
    async with contextlib.AsyncExitStack() as stack:
        gateways: dict[str, FakeGateway] = {}
        for n in range(count):
            gateway = await stack.enter_async_context(FakeGateway(flavor=flavor))
            gateway.seed(sessions, seed=n)
            gateways[f"gw{n + 1:02d}"] = gateway
        _reply(
            {
                "token": next(iter(gateways.values())).token,
                "gateways": [
                    {"name": name, "url": gw.url, "sessions": len(gw.sessions)}
                    for name, gw in gateways.items()
                ],
            }
        )
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        while line := (await reader.readline()).decode().strip():
            command, *args = line.split()
            if command == "churn":
                rate, seconds = float(args[0]), float(args[1])
                share = float(args[2]) if len(args) > 2 else 0.0
                done = await asyncio.gather(
                    *(
                        gw.churn(rate / len(gateways), seconds, new_share=share, seed=i)
                        for i, gw in enumerate(gateways.values())
                    )
                )
                _reply({"changes": sum(done)})
            elif command == "state":
                _reply(
                    {
                        "gateways": {
                            name: {
                                "count": len(gw.sessions),
                                "digest": state_digest(
                                    (key, entry["updatedAt"]) for key, entry in gw.sessions.items()
                                ),
                            }
                            for name, gw in gateways.items()
                        }
                    }
                )
            elif command == "quit":
                return
            else:
                _reply({"error": f"unknown command {command!r}"})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gateways", type=int, default=1)
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--flavor", choices=["7", "9"], default="9")
    args = parser.parse_args()
    asyncio.run(_serve(args.gateways, args.sessions, args.flavor))


if __name__ == "__main__":
    main()
