"""Child processes for the reliability tests: ``python -m tests.reliability.workers MODE ...``.

Modes (every ack is one line on stdout, flushed before the next step starts):

* ``ours PATH WORKER N SHARED CONCURRENCY`` - N ``update_entry`` calls through our
  ``SessionStore``, CONCURRENCY at a time: they alternate between ``SHARED`` keys every worker
  updates (overlapping) and this worker's own key (distinct); each increments the entry's
  ``total`` and ``w<WORKER>`` fields. Prints ``ack <i>`` once each is acknowledged.
* ``ours-nocheck ...`` - the same with the fingerprint check disabled (``check_fingerprint``).
* ``lockfree PATH N [gated]`` - imitates OpenClaw 2026.7.35's store API: read the whole file,
  increment ``lockfree`` -> ``total``, write a temp file and rename it over the store; no lock, no
  fsync, no check. ``gated``: start only after a line on stdin.
* ``crash PATH`` - creates ``seq-<i>`` entries forever, printing ``ack <i>`` after each durable
  write, and ``commit started`` / ``rename`` from inside the write path (through the
  ``Syscalls`` hook) so the parent can kill it in the middle of a commit.
* ``churn PATH RATE SECONDS KEYS`` - changes RATE entries per second (each a whole-file rewrite
  of a batch, like another tool would) for SECONDS seconds, then prints ``done <writes>``.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from openclaw_tui.store import SessionStore
from openclaw_tui.store.atomic import Syscalls
from openclaw_tui.store.backends.json_file import JsonFileBackend


def say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def shared_key(index: int) -> str:
    return f"agent:main:explicit:shared-{index}"


def own_key(worker: int) -> str:
    return f"agent:main:explicit:worker-{worker}"


LOCKFREE_KEY = "agent:main:explicit:lockfree"


def planned_updates(worker: int, count: int, shared: int) -> list[str]:
    """The key each of a worker's updates goes to: shared keys and its own key alternate."""
    return [shared_key(i // 2 % shared) if i % 2 == 0 else own_key(worker) for i in range(count)]


async def run_ours(
    path: Path, worker: int, count: int, shared: int, concurrency: int, check: bool
) -> None:
    backend = None
    if not check:
        backend = JsonFileBackend(path.resolve(), check_fingerprint=False, lock_timeout=60.0)
    field = f"w{worker}"

    def patch(current: Any) -> dict[str, Any]:
        total, mine = current.get("total", 0), current.get(field, 0)
        return {"total": total + 1, field: mine + 1}

    plan = planned_updates(worker, count, shared)
    async with SessionStore(path, backend=backend, lock_timeout=60.0) as store:
        say("ready")
        for start in range(0, count, concurrency):
            chunk = range(start, min(count, start + concurrency))
            await asyncio.gather(*(store.update_entry(plan[i], patch, create=True) for i in chunk))
            for i in chunk:
                say(f"ack {i}")
        say(f"stats {json.dumps(store.stats)}")


def run_lockfree(path: Path, count: int, gated: bool = False) -> None:
    """OpenClaw 2026.7.35's ``saveSessionStore`` in spirit: read, modify, temp + rename.

    ``gated``: after "ready", wait for a line on stdin, so several writers start together (a
    process start takes longer than 200 updates, so ungated writers may never overlap)."""
    say("ready")
    if gated:
        sys.stdin.readline()
    for i in range(count):
        try:
            store = json.loads(path.read_bytes())
        except (FileNotFoundError, ValueError):
            store = {}  # what 2026.7.35 does with an unreadable file
        entry = store.get(LOCKFREE_KEY) or {"sessionId": str(uuid.uuid4())}
        entry["total"] = int(entry.get("total", 0)) + 1
        entry["updatedAt"] = int(time.time() * 1000)
        store[LOCKFREE_KEY] = entry
        tmp = path.with_name(f"{path.name}.{os.getpid()}.{uuid.uuid4()}.tmp")
        tmp.write_text(json.dumps(store, indent=2, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
        say(f"ack {i}")


class _Announcing(Syscalls):
    """Announces the phases of a commit on stdout, so the parent can kill inside one."""

    def open(self, path: str, flags: int, mode: int = 0o777) -> int:
        if flags & os.O_CREAT:
            say("commit started")
        return super().open(path, flags, mode)

    def replace(self, src: str, dst: str) -> None:
        say("rename")
        super().replace(src, dst)


async def run_crash(path: Path) -> None:
    async with SessionStore(path, syscalls=_Announcing()) as store:
        start = sum(1 for key in store.load() if key.startswith("agent:main:explicit:seq-"))
        say("ready")
        i = start
        while True:
            await store.update_entry(
                f"agent:main:explicit:seq-{i}", {"label": f"seq {i}", "n": i}, create=True
            )
            say(f"ack {i}")
            i += 1


def run_churn(path: Path, rate: int, seconds: float, keys: int) -> None:
    """Another program rewriting the store: ``rate`` entry changes per second, in ticks."""
    store = json.loads(path.read_bytes())
    names = [k for k in store if isinstance(store[k], dict)][:keys]
    ticks_per_second = 20
    per_tick = rate // ticks_per_second  # 0: an idle baseline, nothing written
    say("ready")
    start = time.monotonic()
    tick = 0
    changed = 0
    writes = 0
    while True:
        due = start + tick / ticks_per_second
        now = time.monotonic()
        if now - start >= seconds:
            break
        if due > now:
            time.sleep(due - now)  # pacing the load generator itself, not synchronisation
        if per_tick == 0:
            tick += 1
            continue
        for j in range(per_tick):
            key = names[(changed + j) % len(names)]
            entry = dict(store[key])
            entry["inputTokens"] = int(entry.get("inputTokens") or 0) + 1
            entry["updatedAt"] = int(time.time() * 1000)
            store[key] = entry
        changed += per_tick
        tmp = path.with_name(f".{path.name}.churn.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(store, indent=2, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
        writes += 1
        tick += 1
    say(f"done {writes} {changed}")


def main(argv: list[str]) -> None:
    mode, path = argv[0], Path(argv[1])
    if mode in ("ours", "ours-nocheck"):
        worker, count, shared, concurrency = (int(a) for a in argv[2:6])
        asyncio.run(run_ours(path, worker, count, shared, concurrency, mode == "ours"))
    elif mode == "lockfree":
        run_lockfree(path, int(argv[2]), gated=argv[3:4] == ["gated"])
    elif mode == "crash":
        asyncio.run(run_crash(path))
    elif mode == "churn":
        run_churn(path, int(argv[2]), float(argv[3]), int(argv[4]))
    else:
        raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
