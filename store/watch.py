"""The watcher: re-stat the store on every file-system event and on a heartbeat; reload if changed.

Events are only hints (batches are unordered, some file systems drop them): whatever arrives,
the file's signature is compared with the one last read or written.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import TYPE_CHECKING

import anyio
import anyio.to_thread

from openclaw_tui.store.errors import StoreUnreadableError
from openclaw_tui.store.events import StoreErrorEvent

if TYPE_CHECKING:
    from openclaw_tui.store._core import _Core

HEARTBEAT_SECONDS = 1.0


def start_watching(core: _Core) -> None:
    """Start the watcher task of ``core`` (once), which reloads on changes by other processes."""
    if core.watch_task is None and not core.closed:
        core.watch_task = core.loop.create_task(_watch_loop(core))


async def _watch_loop(core: _Core) -> None:
    from watchfiles import awatch

    backend = core.backend
    directory = backend.watch_paths()[0]

    def interesting(_change: object, changed: str) -> bool:
        return backend.watch_filter(Path(changed))

    while not core.closed:
        try:
            await core.check_external()
        except Exception as exc:  # the watcher must survive anything the disk does
            _report_problem(core, exc)
        if not await anyio.to_thread.run_sync(directory.is_dir):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(core.stop_watch.wait(), HEARTBEAT_SECONDS)
            continue
        try:
            async for _changes in awatch(
                directory,
                watch_filter=interesting,
                recursive=False,
                stop_event=core.stop_watch,
                step=30,
                debounce=400,
                rust_timeout=int(HEARTBEAT_SECONDS * 1000),
                yield_on_timeout=True,
            ):
                # Batches are unordered sets; whatever they say, re-stat and compare.
                await core.check_external()
                if not await anyio.to_thread.run_sync(directory.is_dir):
                    break
                if core.closed:
                    return
        except Exception as exc:  # e.g. the directory vanished under the watcher
            if not isinstance(exc, FileNotFoundError | OSError | RuntimeError):
                _report_problem(core, exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(core.stop_watch.wait(), HEARTBEAT_SECONDS / 4)


def _report_problem(core: _Core, exc: Exception) -> None:
    error = StoreUnreadableError(core.path, f"watching the store failed: {exc}")
    core.generation += 1
    core.publish(StoreErrorEvent(error, error.describe(), "read", core.generation))
