"""``Subscription``: an async iterator of store events with a bounded, per-key-coalesced backlog."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, MutableSet
from typing import Any, Protocol

from openclaw_tui.store.diff import changed_fields
from openclaw_tui.store.events import (
    EntryAdded,
    EntryChanged,
    EntryRemoved,
    Resync,
    StoreEvent,
    StoreReloaded,
)


class EventSource(Protocol):
    """What a subscription needs from the store that feeds it (a file core or a gateway hub)."""

    @property
    def generation(self) -> int: ...

    @property
    def subscribers(self) -> MutableSet[Subscription]: ...


class Subscription:
    """An async iterator of events with a bounded, per-key-coalesced backlog."""

    def __init__(self, source: EventSource, max_backlog: int) -> None:
        self._source = source
        self._max = max(2, max_backlog)
        self._backlog: deque[StoreEvent] = deque()
        self._wake = asyncio.Event()
        self._closed = False
        self.coalesced = 0
        self.resyncs = 0

    # -- producer side (the core, on the loop) --
    def _push(self, event: StoreEvent) -> None:
        if self._closed:
            return
        if isinstance(event, StoreReloaded | Resync):
            self._backlog.clear()  # a full snapshot supersedes everything before it
        elif (
            self._backlog
            and isinstance(self._backlog[0], Resync)
            and isinstance(event, EntryAdded | EntryChanged | EntryRemoved)
        ):
            return  # the pending Resync makes the subscriber load() the newest state anyway
        self._backlog.append(event)
        if len(self._backlog) > self._max:
            self._coalesce()
        self._wake.set()

    def _coalesce(self) -> None:
        before = len(self._backlog)
        merged: dict[Any, StoreEvent] = {}
        for event in self._backlog:
            key = getattr(event, "key", None)
            slot: Any = ("key", key) if key is not None else ("kind", type(event).__name__)
            previous = merged.pop(slot, None)
            result = event if previous is None else _merge(previous, event)
            if result is not None:
                merged[slot] = result
        self.coalesced += before - len(merged)
        if len(merged) > self._max // 2:
            generation = self._source.generation
            self._backlog = deque([Resync("subscriber fell behind", generation, dropped=before)])
            self.resyncs += 1
        else:
            self._backlog = deque(merged.values())

    # -- consumer side --
    @property
    def pending(self) -> int:
        return len(self._backlog)

    def get_nowait(self) -> StoreEvent | None:
        return self._backlog.popleft() if self._backlog else None

    async def get(self) -> StoreEvent:
        while not self._backlog:
            if self._closed:
                raise StopAsyncIteration
            self._wake.clear()
            await self._wake.wait()
        return self._backlog.popleft()

    def __aiter__(self) -> AsyncIterator[StoreEvent]:
        return self

    async def __anext__(self) -> StoreEvent:
        return await self.get()

    def close(self) -> None:
        self._closed = True
        self._wake.set()
        self._source.subscribers.discard(self)

    async def __aenter__(self) -> Subscription:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()


def _merge(prev: StoreEvent, cur: StoreEvent) -> StoreEvent | None:
    if isinstance(prev, EntryAdded):
        if isinstance(cur, EntryChanged):
            return EntryAdded(cur.key, cur.after, cur.source, cur.generation)
        if isinstance(cur, EntryRemoved):
            return None
    if isinstance(prev, EntryChanged):
        if isinstance(cur, EntryChanged):
            return EntryChanged(
                cur.key,
                prev.before,
                cur.after,
                prev.fields | cur.fields,
                cur.source,
                cur.generation,
            )
        if isinstance(cur, EntryRemoved):
            return EntryRemoved(cur.key, prev.before, cur.source, cur.generation)
    if isinstance(prev, EntryRemoved) and isinstance(cur, EntryAdded):
        return EntryChanged(
            cur.key,
            prev.before,
            cur.entry,
            changed_fields(prev.before, cur.entry),
            cur.source,
            cur.generation,
        )
    return cur
