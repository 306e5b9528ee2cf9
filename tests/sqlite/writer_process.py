"""A second process writing the same database: ``python writer_process.py PATH KEY FIELD N``.

It increments ``FIELD`` of ``KEY`` N times through its own SessionStore, one update_entry each,
and prints ``ready`` once the store is open (the parent waits for that line, not for a time).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import anyio

from openclaw_tui.store import SessionStore


async def main(path: Path, key: str, field: str, count: int) -> None:
    async with SessionStore(path) as store:
        store.load()
        print("ready", flush=True)
        sys.stdin.readline()  # the parent says "go" once its own writers are ready too

        def bump(entry: dict[str, Any]) -> dict[str, Any]:
            return {field: int(entry.get(field, 0)) + 1}

        for _ in range(count):
            await store.update_entry(key, bump)
    print("done", flush=True)


if __name__ == "__main__":
    anyio.run(main, Path(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4]))
