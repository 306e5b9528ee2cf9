"""``SessionStore``: the per-path writer queue, group commit, cache, events and watcher.

One :class:`_Core` exists per resolved store path and event loop; every ``SessionStore`` for that
path shares it, so two objects for one file never race each other. The core holds the current
generation as a plain dict of entries that are never mutated after publication (copy-on-write):
``load()`` hands out a read-only proxy of it without copying anything.

Writes are queued. A drain task takes everything queued, applies each mutation in order to a
copy-on-write working dict (a throwing mutation is rolled back and fails only its own caller),
does one durable write for the batch in a worker thread, then publishes the new generation and
events and resolves every caller. If the file changed underneath (another process), the batch is
re-applied on a fresh read and retried.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import inspect
import math
import os
import random
import shutil
import stat
import time
import uuid
import weakref
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType, TracebackType
from typing import Any, Literal, TypeVar

import anyio
import anyio.to_thread

from openclaw_tui.store import codec
from openclaw_tui.store.atomic import DEFAULT_SYSCALLS, Syscalls, fsync_dir
from openclaw_tui.store.backends.base import (
    Backend,
    Changes,
    ConflictError,
    Issue,
    Signature,
    Snapshot,
    entry_issues,
)
from openclaw_tui.store.backends.json_file import DEFAULT_MAX_BYTES, JsonFileBackend
from openclaw_tui.store.errors import (
    RenamedButNotDurableError,
    StoreClosedError,
    StoreConflictError,
    StoreCorruptError,
    StoreError,
    StoreReadError,
    StoreReadOnlyError,
    StoreTooLargeError,
    StoreUnreadableError,
    StoreWriteError,
    describe_oserror,
)
from openclaw_tui.store.events import (
    EntryAdded,
    EntryChanged,
    EntryRemoved,
    Resync,
    StoreErrorEvent,
    StoreEvent,
    StoreReloaded,
)

T = TypeVar("T")
Entry = dict[str, Any]
Mutator = Callable[[MutableMapping[str, Any]], Any]
PatchFn = Callable[[Mapping[str, Any]], Any]

MAX_BATCH = 1000
MAX_CONFLICT_RETRIES = 100  # with jitter: 4 processes x 500 one-at-a-time updates lost 20 in a row
HEARTBEAT_SECONDS = 1.0
_MISSING: Any = object()


@dataclass(frozen=True, slots=True)
class StoreHealth:
    """The store's last problem, if any. ``error`` None and no read-only reason means healthy."""

    path: str
    error: StoreError | None = None
    operation: Literal["read", "write"] | None = None
    read_only_reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def message(self) -> str | None:
        return self.error.describe() if self.error is not None else None


# ---------------------------------------------------------------------------------------------
# The copy-on-write working view handed to mutators


class _Work(MutableMapping[str, Any]):
    """A batch's working copy of the store.

    The dict itself is a shallow copy of the published generation; an entry is deep-copied the
    first time a mutation touches it, so published entries are never mutated. Each mutation can
    be rolled back on its own.
    """

    def __init__(self, base: dict[str, Any], hidden: frozenset[str]) -> None:
        self.base = base
        self.data: dict[str, Any] = dict(base)
        self.hidden = set(hidden)  # quarantined non-object entries: kept, never shown
        self.touched: dict[str, None] = {}
        self.reordered = False
        self._undo: dict[str, Any] = {}
        self._snapshot: dict[str, Any] | None = None
        self._hidden_snapshot: set[str] | None = None

    # -- per-mutation transaction --
    def begin(self) -> None:
        self._undo = {}
        self._snapshot = None
        self._hidden_snapshot = None

    def rollback(self) -> None:
        if self._snapshot is not None:
            # The snapshot restores the order of deleted keys; the undo log restores values
            # touched before the snapshot was taken.
            self.data = self._snapshot
        for key, old in self._undo.items():
            if old is _MISSING:
                self.data.pop(key, None)
            else:
                self.data[key] = old
        if self._hidden_snapshot is not None:
            self.hidden = self._hidden_snapshot
        self.begin()

    def commit_mutation(self) -> None:
        for key in self._undo:
            value = self.data.get(key, _MISSING)
            if value is not _MISSING:
                _check_entry(key, value)
        self.begin()

    def _remember(self, key: str) -> None:
        if key not in self._undo:
            self._undo[key] = self.data.get(key, _MISSING)
            self.touched[key] = None

    # -- MutableMapping --
    def __getitem__(self, key: str) -> Any:
        if key in self.hidden:
            raise KeyError(key)
        value = self.data[key]
        if key not in self._undo:
            self._remember(key)
            value = codec.clone(value)
            self.data[key] = value
        return value

    def __setitem__(self, key: str, value: Any) -> None:
        if not isinstance(key, str):
            raise TypeError(f"session keys are strings, not {type(key).__name__}")
        if not isinstance(value, Mapping):
            raise TypeError(f"entry {key!r} must be an object (a dict), not {type(value).__name__}")
        self._remember(key)
        if key not in self.data and key in self.base:
            self.reordered = True
        if key in self.hidden:
            self._save_hidden()
            self.hidden.discard(key)
        self.data[key] = codec.clone(dict(value))

    def __delitem__(self, key: str) -> None:
        if key not in self.data:
            raise KeyError(key)
        if self._snapshot is None:
            # Undoing a delete must restore the key's position too: keep the order.
            self._snapshot = dict(self.data)
        self._remember(key)
        if key in self.hidden:
            self._save_hidden()
            self.hidden.discard(key)
        del self.data[key]

    def _save_hidden(self) -> None:
        if self._hidden_snapshot is None:
            self._hidden_snapshot = set(self.hidden)

    def __iter__(self) -> Iterator[str]:
        if not self.hidden:
            return iter(self.data)
        return (key for key in self.data if key not in self.hidden)

    def __len__(self) -> int:
        return len(self.data) - len(self.hidden)

    def __contains__(self, key: object) -> bool:
        return key in self.data and key not in self.hidden

    def peek(self, key: str) -> Any:
        """The current value without taking ownership (read-only use)."""
        return self.data.get(key)

    def put_owned(self, key: str, value: Entry) -> None:
        """Store a dict the engine just built (no clone needed)."""
        self._remember(key)
        if key not in self.data and key in self.base:
            self.reordered = True
        self.data[key] = value

    # -- the batch's net effect --
    def changes(self) -> tuple[dict[str, Any], frozenset[str], dict[str, Any]]:
        """(upserts, removed, before) relative to the base; unchanged entries keep identity."""
        upserts: dict[str, Any] = {}
        removed: set[str] = set()
        before: dict[str, Any] = {}
        for key in self.touched:
            old = self.base.get(key, _MISSING)
            new = self.data.get(key, _MISSING)
            if new is _MISSING:
                if old is not _MISSING:
                    removed.add(key)
                    before[key] = old
                continue
            if old is not _MISSING and codec.json_equal(old, new):
                self.data[key] = old  # keep the published object: readers diff by identity
                continue
            upserts[key] = new
            if old is not _MISSING:
                before[key] = old
        return upserts, frozenset(removed), before


def _check_entry(key: str, value: Any) -> None:
    if not isinstance(value, dict):
        raise TypeError(f"entry {key!r} must be an object (a dict), not {type(value).__name__}")
    _check_json(value, key)


def _check_json(value: Any, where: str) -> None:
    """Only JSON can be stored: reject what would not round-trip (sets, NaN, non-str keys)."""
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                raise TypeError(f"{where}: object keys must be strings, got {k!r}")
            if not isinstance(v, str | int | bool | None):
                _check_json(v, f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _check_json(v, f"{where}[{i}]")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{where}: {value} is not valid JSON")
    elif not isinstance(value, str | int | bool | None):
        raise TypeError(f"{where}: {type(value).__name__} values cannot be stored in JSON")


# ---------------------------------------------------------------------------------------------
# Subscriptions


class Subscription:
    """An async iterator of events with a bounded, per-key-coalesced backlog."""

    def __init__(self, core: _Core, max_backlog: int) -> None:
        self._core = core
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
            generation = self._core.generation
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
        self._core.subscribers.discard(self)

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


def changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> frozenset[str]:
    names = set(before) | set(after)
    return frozenset(
        name
        for name in names
        if not codec.same_json(before.get(name, _MISSING), after.get(name, _MISSING))
    )


# A per-key difference between two generations: (before, after); either may be _MISSING.
_Diff = list[tuple[str, Any, Any]]


def _diff_entries(old: Mapping[str, Any], new: dict[str, Any]) -> _Diff:
    """The keys that differ between ``old`` and ``new``, as (key, before, after).

    Unchanged entries of ``new`` are replaced by the ``old`` objects, so readers keep diffing by
    identity. Pure and GIL-light per entry: runs in the reading worker thread, not on the loop.
    """
    diff: _Diff = []
    same = codec.same_json
    for key, value in new.items():
        before = old.get(key, _MISSING)
        if before is _MISSING:
            diff.append((key, _MISSING, value))
        elif same(before, value):
            new[key] = before
        else:
            diff.append((key, before, value))
    for key, before in old.items():
        if key not in new:
            diff.append((key, before, _MISSING))
    return diff


def _entry_events(diff: _Diff, source: Any, generation: int) -> list[StoreEvent]:
    """The events a per-key difference publishes; non-object (quarantined) values are silent."""
    events: list[StoreEvent] = []
    for key, before, after in diff:
        if isinstance(after, dict):
            if isinstance(before, dict):
                fields = changed_fields(before, after)
                events.append(EntryChanged(key, before, after, fields, source, generation))
            else:
                events.append(EntryAdded(key, after, source, generation))
        elif isinstance(before, dict):
            events.append(EntryRemoved(key, before, source, generation))
    return events


# ---------------------------------------------------------------------------------------------
# The shared core


@dataclass(slots=True)
class _Pending:
    apply: Callable[[_Work], Any]  # may return an awaitable
    future: asyncio.Future[Any]
    skip_maintenance: bool = False
    active_key: str | None = None


_CORES: dict[tuple[str, int], _Core] = {}


class _Core:
    def __init__(self, path: Path, backend: Backend, loop: asyncio.AbstractEventLoop) -> None:
        self.path = path
        self.backend = backend
        self.loop = loop
        self.refs = 0
        self.entries: dict[str, Any] = {}
        self.hidden: frozenset[str] = frozenset()
        self.public: Mapping[str, Any] = MappingProxyType({})
        self.generation = 0
        self.signature: Signature | None = None
        self.loaded = False
        self.ever_existed = False
        self.issues: list[Issue] = []
        self.read_error: StoreReadError | None = None
        self.write_error: StoreError | None = None
        self.read_only_reason: str | None = None
        self.last_good: dict[str, Any] | None = None
        self.queue: deque[_Pending] = deque()
        self.slot = asyncio.Lock()
        self.drain_task: asyncio.Task[None] | None = None
        self.watch_task: asyncio.Task[None] | None = None
        self.stop_watch = asyncio.Event()
        self.subscribers: weakref.WeakSet[Subscription] = weakref.WeakSet()
        self.closed = False
        self.maintenance: Any = None
        self.stats = {"batches": 0, "writes": 0, "mutations": 0, "conflicts": 0, "reloads": 0}

    # -- publication --

    def _set_entries(
        self,
        entries: dict[str, Any],
        issues: list[Issue] | None = None,
        hidden: frozenset[str] | None = None,
    ) -> None:
        self.entries = entries
        if hidden is None:
            hidden = frozenset(k for k, v in entries.items() if not isinstance(v, dict))
        self.hidden = hidden
        if hidden:
            self.public = MappingProxyType({k: v for k, v in entries.items() if k not in hidden})
        else:
            self.public = MappingProxyType(entries)
        if issues is not None:
            self.issues = issues

    def publish(self, event: StoreEvent) -> None:
        for sub in list(self.subscribers):
            sub._push(event)

    # -- reading --

    async def reload(
        self,
        reason: str,
        *,
        source: Literal["local", "external"],
        signature: Signature | None = _MISSING,
    ) -> None:
        """Re-read the store inside the writer slot and publish the per-key difference.

        ``signature``: the file's signature the caller just took before deciding to reload
        (saves a second stat); taken here when not given.
        """
        sig_before = signature
        if sig_before is _MISSING:
            sig_before = await anyio.to_thread.run_sync(self.backend.signature)
        old = self.entries
        diffable = self.loaded and self.read_error is None

        def read_and_diff() -> tuple[Snapshot, _Diff | None]:
            snapshot = self.backend.read()
            if not diffable or snapshot.signature is None:
                return snapshot, None
            # The per-key diff is O(store): do it here, off the event loop.
            return snapshot, _diff_entries(old, snapshot.entries)

        try:
            snapshot, diff = await anyio.to_thread.run_sync(read_and_diff)
        except StoreReadError as exc:
            self._read_failed(exc, sig_before)
            return
        self.stats["reloads"] += 1
        if self.entries is not old:  # published meanwhile (cannot happen inside the slot)
            diff = None
        self._apply_snapshot(snapshot, reason, source, diff)

    def _read_failed(self, exc: StoreReadError, signature: Signature | None) -> None:
        same = self.read_error is not None and self.read_error.describe() == exc.describe()
        self.read_error = exc
        self.signature = signature
        if not self.loaded:
            self.loaded = True
        if not same:
            self.generation += 1
            self.publish(StoreErrorEvent(exc, exc.describe(), "read", self.generation))

    def _apply_snapshot(
        self, snapshot: Snapshot, reason: str, source: Any, diff: _Diff | None = None
    ) -> None:
        was_error = self.read_error is not None
        first = not self.loaded
        vanished = snapshot.signature is None and self.ever_existed and not first
        if vanished:
            # A store that existed and is now gone is an error, not an empty store: keep the
            # last snapshot and refuse writes until it is back (or recovered on purpose).
            self._read_failed(
                StoreUnreadableError(
                    self.path,
                    "the store file (or its directory) was deleted or moved away",
                    fix="put the file back (the view recovers by itself), or run recovery to "
                    "start a new store with the last known sessions",
                ),
                None,
            )
            return
        old = self.entries
        new = snapshot.entries
        # Keep the published objects of unchanged entries: identity diffs stay cheap for readers.
        events: list[StoreEvent] = []
        generation = self.generation + 1
        if not first and not was_error:
            if diff is None:
                diff = _diff_entries(old, new)
            events = _entry_events(diff, source, generation)
        self.signature = snapshot.signature
        self.ever_existed = self.ever_existed or snapshot.signature is not None
        self.read_error = None
        self.read_only_reason = snapshot.read_only_reason
        self._set_entries(new, list(snapshot.issues))
        self.last_good = new
        self.loaded = True
        # The loaded store is long-lived: move it out of the collector's way, or every full
        # GC pass walks it (100-170 ms ack spikes at 10k entries, durability doc §8). Only after
        # a load that brought in many new objects: a freeze also pins every garbage cycle that
        # exists at that moment, so freezing on each small foreign reload leaked ~70 MB/min
        # under 1,000 foreign changes per second.
        if first or was_error or (diff is not None and len(diff) > max(1000, len(new) // 2)):
            gc.freeze()
        if self.maintenance is not None:
            if first or was_error or diff is None:
                self.maintenance.reindex(new)
            else:  # the index follows ``old``: apply the difference, not an O(n log n) rebuild
                self.maintenance.observe(
                    {key: after for key, _, after in diff if after is not _MISSING},
                    [key for key, _, after in diff if after is _MISSING],
                )
            self.maintenance.size_hint = len(snapshot.raw) if snapshot.raw is not None else None
        if first:
            self.generation = generation
            return
        if was_error:
            self.generation = generation
            self.publish(StoreReloaded(self.public, "recovered", generation))
            return
        if events:
            self.generation = generation
            for event in events:
                self.publish(event)

    async def ensure_loaded(self) -> None:
        if self.loaded:
            return
        async with self.slot:
            if not self.loaded:
                await self.reload("initial", source="local")

    async def check_external(self) -> None:
        """Reload if the file's signature is not the one we last read or wrote."""
        async with self.slot:
            if self.closed:
                return
            sig = await anyio.to_thread.run_sync(self.backend.signature)
            if sig != self.signature:
                await self.reload("external change", source="external", signature=sig)

    # -- writing --

    def enqueue(self, item: _Pending) -> None:
        if self.closed:
            raise StoreClosedError(self.path, "the store is closed")
        self.queue.append(item)
        if self.drain_task is None or self.drain_task.done():
            self.drain_task = self.loop.create_task(self._drain())

    async def _drain(self) -> None:
        while self.queue:
            batch: list[_Pending] = []
            while self.queue and len(batch) < MAX_BATCH:
                item = self.queue.popleft()
                if not item.future.done():
                    batch.append(item)
            if not batch:
                continue
            async with self.slot:
                try:
                    await self._process(batch)
                except BaseException as exc:  # never leave a caller hanging
                    for item in batch:
                        if not item.future.done():
                            if isinstance(exc, Exception):
                                item.future.set_exception(exc)
                            else:
                                item.future.cancel()
                    if not isinstance(exc, Exception):
                        raise

    async def _process(self, batch: list[_Pending]) -> None:
        self.stats["batches"] += 1
        self.stats["mutations"] += len(batch)
        if self.closed:
            _fail_all(batch, StoreClosedError(self.path, "the store was closed"))
            return
        # The validated cache is borrowed only while the file is unchanged: one stat.
        sig = await anyio.to_thread.run_sync(self.backend.signature)
        if sig != self.signature or not self.loaded:
            await self.reload("external change", source="external", signature=sig)
        for _attempt in range(MAX_CONFLICT_RETRIES):
            if self.read_error is not None:
                _fail_all(batch, self.read_error)
                return
            refusal = self._write_refusal()
            if refusal is not None:
                _fail_all(batch, refusal)
                return
            work = _Work(self.entries, self.hidden)
            outcomes: list[tuple[bool, Any]] = []
            for item in batch:
                work.begin()
                try:
                    result = item.apply(work)
                    if inspect.isawaitable(result):
                        result = await result
                    work.commit_mutation()
                    outcomes.append((True, result))
                except Exception as exc:
                    work.rollback()
                    outcomes.append((False, exc))
            if self.maintenance is not None and not all(i.skip_maintenance for i in batch):
                active = {i.active_key for i in batch if i.active_key is not None}
                self.maintenance.apply(work, active)
            upserts, removed, before = work.changes()
            if not upserts and not removed and not work.reordered:
                _resolve(batch, outcomes)
                return
            changes = Changes(
                entries=work.data, upserts=upserts, removed=removed, reordered=work.reordered
            )
            try:
                new_sig = await anyio.to_thread.run_sync(
                    self.backend.commit, self.signature, changes
                )
            except ConflictError:
                self.stats["conflicts"] += 1
                # Several processes contending for one file would otherwise keep invalidating
                # each other in lockstep (one kept losing 20 times in a row): back off a moment.
                await asyncio.sleep(random.uniform(0, min(0.05, 0.005 * (_attempt + 1))))
                await self.reload("changed underneath", source="external")
                continue
            except RenamedButNotDurableError as exc:
                # What every reader now sees is the new file: memory must follow the disk,
                # but nobody is told their change is durable.
                new_sig = await anyio.to_thread.run_sync(self.backend.signature)
                self._commit_done(work, upserts, removed, before, new_sig)
                self._write_failed(exc)
                _fail_all(batch, exc, outcomes)
                return
            except StoreError as exc:
                self._write_failed(exc)
                _fail_all(batch, exc, outcomes)
                return
            except OSError as exc:  # a backend bug should still reach the caller clearly
                error = StoreWriteError(self.path, describe_oserror(exc), errno=exc.errno)
                self._write_failed(error)
                _fail_all(batch, error, outcomes)
                return
            self.stats["writes"] += 1
            self._commit_done(work, upserts, removed, before, new_sig)
            if self.write_error is not None:
                self.write_error = None
            _resolve(batch, outcomes)
            return
        _fail_all(
            batch,
            StoreConflictError(
                self.path,
                f"the file kept changing underneath ({MAX_CONFLICT_RETRIES} attempts)",
                fix="another program is rewriting the store continuously; retry later",
            ),
        )

    def _write_refusal(self) -> StoreError | None:
        if self.backend.read_only:
            return StoreReadOnlyError(
                self.path, "the store is open read-only", fix="reopen it without --read-only"
            )
        if self.read_only_reason:
            return StoreReadOnlyError(self.path, self.read_only_reason)
        return None

    def _write_failed(self, exc: StoreError) -> None:
        self.write_error = exc
        self.generation += 1
        self.publish(StoreErrorEvent(exc, exc.describe(), "write", self.generation))

    def _commit_done(
        self,
        work: _Work,
        upserts: dict[str, Any],
        removed: frozenset[str],
        before: dict[str, Any],
        signature: Signature | None,
    ) -> None:
        self.generation += 1
        generation = self.generation
        self.signature = signature
        self.ever_existed = self.ever_existed or signature is not None
        issues = [i for i in self.issues if i.key not in upserts and i.key not in removed]
        issues.extend(entry_issues(upserts))
        # Only touched keys can change quarantine status: no whole-store scan per commit.
        hidden = frozenset(work.hidden) - upserts.keys() - removed
        self._set_entries(work.data, issues, hidden)
        self.last_good = work.data
        if self.maintenance is not None:
            self.maintenance.observe(upserts, removed)
            self.maintenance.size_hint = getattr(self.backend, "last_written_size", None)
        diff: _Diff = [(key, before.get(key, _MISSING), value) for key, value in upserts.items()]
        diff.extend((key, before[key], _MISSING) for key in removed)
        for event in _entry_events(diff, "local", generation):
            self.publish(event)

    # -- recovery --

    async def recover(self) -> Path | None:
        async with self.slot:
            sig = await anyio.to_thread.run_sync(self.backend.signature)
            if sig != self.signature or self.read_error is None:
                await self.reload("recover", source="external", signature=sig)
            error = self.read_error
            if error is None:
                return None
            if not isinstance(self.backend, JsonFileBackend):
                raise error
            kept, content, base = await anyio.to_thread.run_sync(self._recover_sync, error)
            try:
                new_sig = await anyio.to_thread.run_sync(
                    self.backend.write_bytes, base, codec.dumps(content)
                )
            except ConflictError:
                raise StoreConflictError(
                    self.path,
                    "the file changed while it was being recovered; nothing was overwritten",
                    fix="look at the file again; run recovery again only if it is still broken",
                ) from None
            self.read_error = None
            self.write_error = None
            self.read_only_reason = None
            self.signature = new_sig
            self.ever_existed = True
            self._set_entries(content, entry_issues(content))
            self.last_good = content
            self.generation += 1
            self.publish(StoreReloaded(self.public, "recovered", self.generation))
            if self.maintenance is not None:
                self.maintenance.reindex(self.entries)
                self.maintenance.size_hint = getattr(self.backend, "last_written_size", None)
            return kept

    def _recover_sync(
        self, error: StoreReadError
    ) -> tuple[Path | None, dict[str, Any], Signature | None]:
        """Keep a durable copy of the unreadable file; return (copy, new content, base).

        ``base`` is the file's signature taken *before* the copy: if another program writes the
        file after that (perhaps fixing it), the recovery write conflicts instead of silently
        replacing a file of which no copy was kept.
        """
        path = self.path
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + f"-{time.time_ns() % 10**9:09d}"
        kept: Path | None = None
        salvaged: dict[str, Any] | None = None
        base: Signature | None = None
        if os.path.lexists(path):
            kept = path.with_name(f"{path.name}.corrupt-{stamp}")
            if os.path.isdir(path) and not os.path.islink(path):
                os.rename(path, kept)
            elif isinstance(error, StoreUnreadableError) and not os.path.isfile(path):
                raise error
            else:
                try:
                    base = self.backend.signature()
                    shutil.copy2(path, kept)
                    os.chmod(kept, 0o600)
                    # The original is about to be replaced: the copy must be on disk first.
                    fd = os.open(kept, os.O_RDONLY | os.O_CLOEXEC)
                    try:
                        os.fsync(fd)
                    finally:
                        os.close(fd)
                    fsync_dir(kept.parent)
                except OSError as exc:
                    raise StoreUnreadableError(
                        path,
                        f"recovery could not keep a copy of the file: {describe_oserror(exc)}",
                        fix="fix the file's permissions, or move it away by hand",
                    ) from None
                if isinstance(error, StoreCorruptError) and not isinstance(
                    error, StoreTooLargeError
                ):
                    salvaged = _salvage(path)
        if salvaged is None:
            salvaged = dict(self.last_good) if self.last_good is not None else {}
        return kept, salvaged, base

    # -- watching --

    def start_watching(self) -> None:
        if self.watch_task is None and not self.closed:
            self.watch_task = self.loop.create_task(self._watch_loop())

    async def _watch_loop(self) -> None:
        from watchfiles import awatch

        backend = self.backend
        directory = backend.watch_paths()[0]

        def interesting(_change: object, changed: str) -> bool:
            return backend.watch_filter(Path(changed))

        while not self.closed:
            try:
                await self.check_external()
            except Exception as exc:  # the watcher must survive anything the disk does
                self._report_watch_problem(exc)
            if not await anyio.to_thread.run_sync(directory.is_dir):
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.stop_watch.wait(), HEARTBEAT_SECONDS)
                continue
            try:
                async for _changes in awatch(
                    directory,
                    watch_filter=interesting,
                    recursive=False,
                    stop_event=self.stop_watch,
                    step=30,
                    debounce=400,
                    rust_timeout=int(HEARTBEAT_SECONDS * 1000),
                    yield_on_timeout=True,
                ):
                    # Batches are unordered sets; whatever they say, re-stat and compare.
                    await self.check_external()
                    if not await anyio.to_thread.run_sync(directory.is_dir):
                        break
                    if self.closed:
                        return
            except Exception as exc:  # e.g. the directory vanished under the watcher
                if not isinstance(exc, FileNotFoundError | OSError | RuntimeError):
                    self._report_watch_problem(exc)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.stop_watch.wait(), HEARTBEAT_SECONDS / 4)

    def _report_watch_problem(self, exc: Exception) -> None:
        error = StoreUnreadableError(self.path, f"watching the store failed: {exc}")
        self.generation += 1
        self.publish(StoreErrorEvent(error, error.describe(), "read", self.generation))

    # -- lifetime --

    async def close(self) -> None:
        self.closed = True
        self.stop_watch.set()
        if self.drain_task is not None and not self.drain_task.done():
            with contextlib.suppress(Exception):
                await self.drain_task
        if self.watch_task is not None:
            self.watch_task.cancel()
            with contextlib.suppress(BaseException):
                await self.watch_task
        for sub in list(self.subscribers):
            sub.close()
        self.backend.close()


def _salvage(path: Path) -> dict[str, Any] | None:
    """What recovery can rescue from a corrupt file: today, valid JSON behind a BOM."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    if raw.startswith(codec.BOM):
        try:
            return codec.loads(raw[len(codec.BOM) :], str(path)).entries
        except StoreError:
            return None
    return None


def _resolve(batch: list[_Pending], outcomes: list[tuple[bool, Any]]) -> None:
    for item, (ok, value) in zip(batch, outcomes, strict=True):
        if item.future.done():
            continue
        if ok:
            item.future.set_result(value)
        else:
            item.future.set_exception(value)


def _fail_all(
    batch: list[_Pending], error: Exception, outcomes: list[tuple[bool, Any]] | None = None
) -> None:
    for index, item in enumerate(batch):
        if item.future.done():
            continue
        if outcomes is not None and not outcomes[index][0]:
            item.future.set_exception(outcomes[index][1])  # its own error explains it better
        else:
            item.future.set_exception(error)


# ---------------------------------------------------------------------------------------------
# The public API


def _now_ms() -> int:
    return int(time.time() * 1000)


def merge_entry(existing: Mapping[str, Any] | None, patch: Mapping[str, Any]) -> Entry:
    """OpenClaw's ``mergeSessionEntry``: ``{**existing, **patch}`` with its rules.

    A ``None`` value deletes the field; ``sessionId`` is kept (a new UUID4 when absent);
    ``updatedAt = max(existing, patch, now)``.
    """
    merged: Entry = dict(existing) if existing else {}
    for name, value in patch.items():
        if not isinstance(name, str):
            raise TypeError(f"patch field names are strings, not {name!r}")
        if value is None:
            if name not in ("sessionId", "updatedAt"):
                merged.pop(name, None)
        else:
            merged[name] = codec.clone(value)
    session_id = merged.get("sessionId")
    if not isinstance(session_id, str) or not session_id:
        merged["sessionId"] = str(uuid.uuid4())
    candidates = [_now_ms()]
    for source in (existing or {}, patch):
        value = source.get("updatedAt")
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
            candidates.append(int(value) if float(value).is_integer() else value)
    merged["updatedAt"] = max(candidates)
    return merged


class SessionStore:
    """A session store on disk (``sessions.json`` or ``openclaw-agent.sqlite``).

    See ARCHITECTURE.md for the contract. Construct, then ``async with store:`` (or
    ``await store.open()`` / ``await store.aclose()``).
    """

    def __init__(
        self,
        path: Path | str,
        read_only: bool = False,
        maintenance: Any = None,
        max_bytes: int | None = DEFAULT_MAX_BYTES,
        *,
        watch: bool = False,
        syscalls: Syscalls = DEFAULT_SYSCALLS,
        backend: Backend | None = None,
        max_backlog: int = 10_000,
        lock_timeout: float = 10.0,
    ) -> None:
        # Follow a symlinked store path to the real file once: a rename must replace the
        # target, not the link.
        self.path = Path(os.path.realpath(os.path.expanduser(str(path))))
        self.read_only = read_only
        self.max_bytes = max_bytes
        self._watch = watch
        self._syscalls = syscalls
        self._backend_override = backend
        self._maintenance_config = maintenance
        self._max_backlog = max_backlog
        self._lock_timeout = lock_timeout
        self._core_ref: _Core | None = None
        self._closed = False
        self._offline: _Core | None = None

    # -- wiring --

    def _make_backend(self) -> Backend:
        if self._backend_override is not None:
            return self._backend_override
        if self.path.suffix == ".sqlite" or _looks_like_sqlite(self.path):
            from openclaw_tui.store.backends.sqlite import (
                SqliteBackend,  # lazy: the JSON path must not need it
            )

            return SqliteBackend(
                self.path,
                read_only=self.read_only,
                max_bytes=self.max_bytes,
                lock_timeout=self._lock_timeout,
            )
        return JsonFileBackend(
            self.path,
            read_only=self.read_only,
            max_bytes=self.max_bytes,
            syscalls=self._syscalls,
            lock_timeout=self._lock_timeout,
        )

    def _core(self) -> _Core:
        if self._closed:
            raise StoreClosedError(self.path, "the store is closed")
        if self._core_ref is not None:
            return self._core_ref
        loop = asyncio.get_running_loop()
        key = (str(self.path), id(loop))
        core = _CORES.get(key)
        if core is None or core.closed or core.loop is not loop:
            core = _Core(self.path, self._make_backend(), loop)
            if self._maintenance_config is not None:
                core.maintenance = _make_maintenance(self._maintenance_config)
            _CORES[key] = core
        elif self._maintenance_config is not None and core.maintenance is None:
            core.maintenance = _make_maintenance(self._maintenance_config)
            core.maintenance.reindex(core.entries)  # reloads only apply differences to it
        core.refs += 1
        self._core_ref = core
        return core

    async def open(self) -> SessionStore:
        core = self._core()
        await core.ensure_loaded()
        if self._watch:
            core.start_watching()
        return self

    async def __aenter__(self) -> SessionStore:
        return await self.open()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        core = self._core_ref
        self._core_ref = None
        if core is None:
            return
        core.refs -= 1
        if core.refs <= 0:
            key = (str(core.path), id(core.loop))
            if _CORES.get(key) is core:
                del _CORES[key]
            await core.close()

    # -- reading --

    def _reader(self) -> _Core:
        if self._core_ref is not None:
            return self._core_ref
        if self._closed:
            raise StoreClosedError(self.path, "the store is closed")
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            # Synchronous use (scripts): one blocking read, no writer.
            if self._offline is None:
                core = _Core.__new__(_Core)
                _Core.__init__(core, self.path, self._make_backend(), _DetachedLoop())
                try:
                    core._apply_snapshot(core.backend.read(), "initial", "local")
                except StoreReadError as exc:
                    core._read_failed(exc, core.backend.signature())
                self._offline = core
            return self._offline
        raise StoreError(
            self.path,
            "the store is not open yet",
            fix="use `async with store:` or `await store.open()` before reading",
        )

    def load(self) -> Mapping[str, Mapping[str, Any]]:
        """The current generation: a read-only mapping, not a copy. Entries must not be mutated."""
        return self._reader().public

    def get(self, key: str) -> Mapping[str, Any] | None:
        return self._reader().public.get(key)

    @property
    def generation(self) -> int:
        return self._reader().generation

    @property
    def health(self) -> StoreHealth:
        core = self._reader()
        error: StoreError | None = core.read_error or core.write_error
        operation: Literal["read", "write"] | None = None
        if core.read_error is not None:
            operation = "read"
        elif core.write_error is not None:
            operation = "write"
        reason = core.read_only_reason
        if reason is None and core.backend.read_only:
            reason = "opened read-only"
        return StoreHealth(str(self.path), error, operation, reason)

    @property
    def issues(self) -> list[Issue]:
        return list(self._reader().issues)

    @property
    def stats(self) -> dict[str, int]:
        return dict(self._reader().stats)

    # -- writing --

    async def _submit(
        self,
        apply: Callable[[_Work], Any],
        *,
        skip_maintenance: bool = False,
        active_key: str | None = None,
    ) -> Any:
        core = self._core()
        if core.drain_task is not None and asyncio.current_task() is core.drain_task:
            # The writer runs mutators one after another: waiting here would wait forever.
            raise StoreError(
                self.path,
                "a mutator cannot wait for another write to the same store",
                fix="make the change inside the running mutator instead",
            )
        await core.ensure_loaded()
        future: asyncio.Future[Any] = core.loop.create_future()
        core.enqueue(_Pending(apply, future, skip_maintenance, active_key))
        return await future

    async def update(
        self,
        mutator: Callable[[MutableMapping[str, Any]], T | Awaitable[T]],
        *,
        skip_maintenance: bool = False,
    ) -> T:
        """Run ``mutator(store)`` inside the writer slot; persist; return its result.

        ``store`` is a copy-on-write view: entries read from it are private copies, so mutate
        them freely. If the mutator raises, nothing it did is kept and the exception is re-raised.
        """
        return await self._submit(mutator, skip_maintenance=skip_maintenance)  # type: ignore[arg-type]

    async def update_entry(
        self,
        key: str,
        patch_or_fn: Mapping[str, Any] | PatchFn,
        *,
        create: bool = False,
        skip_maintenance: bool = False,
    ) -> dict[str, Any] | None:
        """Merge a patch into one entry (OpenClaw's ``updateSessionStoreEntry``).

        Returns the stored entry (do not mutate it), or None when the key is missing and
        ``create`` is false, or when ``patch_or_fn`` returned None (nothing written).
        """
        if not isinstance(key, str) or not key:
            raise ValueError(f"a session key must be a non-empty string, got {key!r}")

        def apply(work: _Work) -> Any:
            existing = work.peek(key)
            if key in work.hidden:
                raise StoreError(
                    self.path,
                    f"entry {key!r} is not an object and is kept untouched",
                    fix="fix or delete that entry in the file by hand",
                )
            if existing is None and not create:
                return None
            if callable(patch_or_fn):
                current = existing if existing is not None else MappingProxyType({})
                patch = patch_or_fn(current)
                if inspect.isawaitable(patch):
                    return _finish_async(work, key, existing, patch)
                return _finish(work, key, existing, patch)
            return _finish(work, key, existing, patch_or_fn)

        return await self._submit(apply, skip_maintenance=skip_maintenance, active_key=key)

    async def delete_entry(self, key: str) -> bool:
        def apply(work: _Work) -> bool:
            if key not in work.data:
                return False
            del work[key]
            return True

        return bool(await self._submit(apply))

    async def save(self, entries: Mapping[str, Any]) -> None:
        """Replace the whole store with ``entries`` (compatibility and offline maintenance)."""
        if not isinstance(entries, Mapping):
            raise TypeError("save() takes a mapping of session key -> entry")
        snapshot = {key: codec.clone(value) for key, value in entries.items()}
        for key, value in snapshot.items():
            if not isinstance(key, str):
                raise TypeError(f"session keys are strings, not {key!r}")
            _check_entry(key, value)

        def apply(work: _Work) -> None:
            for key in list(work.data):
                if key not in snapshot:
                    del work[key]
            for key, value in snapshot.items():
                current = work.data.get(key, _MISSING)
                if current is _MISSING or not codec.json_equal(current, value):
                    work.put_owned(key, value)
            if list(work.data) != list(snapshot):
                work.data = {key: work.data[key] for key in snapshot}
                work.reordered = True
                work.hidden = set()

        await self._submit(apply, skip_maintenance=True)

    async def recover(self) -> Path | None:
        """If the store cannot be read: keep a timestamped copy, then start over.

        "Start over" rescues what it safely can (valid JSON behind a BOM, else the last good
        snapshot this process saw, else an empty store). Returns the copy's path, or None when
        there was nothing to recover.
        """
        core = self._core()
        await core.ensure_loaded()
        return await core.recover()

    async def run_maintenance(self, config: Any = None, *, active_key: str | None = None) -> Any:
        """Run ``session.maintenance`` now (OpenClaw's ``maintenanceOverride``): returns the
        ``MaintenanceReport``. ``config`` defaults to the store's own configuration."""
        from openclaw_tui.store.maintenance import Maintenance

        core = self._core()
        await core.ensure_loaded()
        chosen = config if config is not None else self._maintenance_config
        if chosen is None:
            raise ValueError(
                f"{self.path}: no maintenance configured; pass a MaintenanceConfig or an "
                "openclaw.json session.maintenance mapping"
            )
        engine = _make_maintenance(chosen)
        assert isinstance(engine, Maintenance)
        if engine is not core.maintenance:
            engine.reindex(core.entries)
            engine.size_hint = (
                (core.maintenance.size_hint if core.maintenance is not None else None)
                or getattr(core.backend, "last_written_size", None)
                or _file_size(self.path)
            )

        def apply(work: _Work) -> Any:
            return engine.apply(work, [active_key] if active_key else [], force=True)

        return await self._submit(apply, skip_maintenance=True)

    def subscribe(self, *, max_backlog: int | None = None) -> Subscription:
        """Events from now on. Starts the watcher for changes by other processes."""
        core = self._core()
        sub = Subscription(core, max_backlog or self._max_backlog)
        core.subscribers.add(sub)
        core.start_watching()
        return sub

    async def refresh(self) -> None:
        """Check the file now (what the watcher does), e.g. in tests or without a watcher."""
        core = self._core()
        await core.ensure_loaded()
        await core.check_external()


def _finish(work: _Work, key: str, existing: Any, patch: Any) -> dict[str, Any] | None:
    if patch is None:
        return None
    if not isinstance(patch, Mapping):
        raise TypeError(f"a patch for {key!r} must be a mapping, not {type(patch).__name__}")
    merged = merge_entry(existing, patch)
    _check_entry(key, merged)
    work.put_owned(key, merged)
    return merged


async def _finish_async(
    work: _Work, key: str, existing: Any, patch: Awaitable[Any]
) -> dict[str, Any] | None:
    return _finish(work, key, existing, await patch)


def _file_size(path: Path) -> int | None:
    try:
        return os.stat(path).st_size
    except OSError:
        return None


def _looks_like_sqlite(path: Path) -> bool:
    try:
        # O_NONBLOCK: opening a FIFO planted at the store path must not hang.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        return os.read(fd, 16) == b"SQLite format 3\x00"
    except OSError:
        return False
    finally:
        os.close(fd)


def _make_maintenance(config: Any) -> Any:
    from openclaw_tui.store.maintenance import Maintenance

    return config if isinstance(config, Maintenance) else Maintenance.from_config(config)


class _DetachedLoop:
    """Placeholder loop for a read-only synchronous snapshot (no writer, no events)."""

    def create_task(self, coro: Any) -> Any:
        coro.close()
        raise StoreError("", "a synchronously loaded store cannot write or watch")


async def open_store(target: str | os.PathLike[str], **options: Any) -> Any:
    """Open a store by path or ``ws://`` / ``wss://`` URL and return it opened."""
    text = os.fspath(target)
    if text.startswith(("ws://", "wss://")):
        from openclaw_tui.store.gateway import GatewayStore  # type: ignore[attr-defined]

        store: Any = GatewayStore(text, **options)
    else:
        store = SessionStore(text, **options)
    await store.open()
    return store
