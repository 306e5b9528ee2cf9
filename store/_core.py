"""The per-path core every ``SessionStore`` for one file shares: cache, writer queue, reload.

One :class:`_Core` exists per resolved store path and event loop, so two objects for one file
never race each other. It holds the current generation as a plain dict of entries that are never
mutated after publication (copy-on-write): ``load()`` hands out a read-only proxy of it.

Writes are queued. A drain task takes everything queued, applies each mutation in order to a
copy-on-write working dict (a throwing mutation is rolled back and fails only its own caller),
does one durable write for the batch in a worker thread, then publishes the new generation and
events and resolves every caller. If the file changed underneath (another process), the batch is
re-applied on a fresh read and retried. Watching is in ``watch.py``, recovery in ``recovery.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import inspect
import os
import random
import weakref
from collections import deque
from collections.abc import Callable, Coroutine, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, NoReturn

import anyio
import anyio.to_thread

from openclaw_tui.store._work import MISSING, _Work
from openclaw_tui.store.backends.base import (
    Backend,
    Changes,
    ConflictError,
    Issue,
    Signature,
    Snapshot,
    entry_issues,
    read_only_rows,
)
from openclaw_tui.store.bulk import EntryResult, ResultSink, refusal, report
from openclaw_tui.store.diff import Diff, delta_diff, delta_hidden, diff_entries, entry_events
from openclaw_tui.store.errors import (
    RenamedButNotDurableError,
    StoreClosedError,
    StoreConflictError,
    StoreError,
    StoreLockedError,
    StoreReadError,
    StoreReadOnlyError,
    StoreUnreadableError,
    StoreWriteError,
    describe_oserror,
)
from openclaw_tui.store.events import StoreErrorEvent, StoreEvent, StoreReloaded
from openclaw_tui.store.subscription import Subscription

MAX_BATCH = 1000
RETRY_SIGNATURE = Signature(("retry",))  # equals no real signature: the next check reads again
MAX_CONFLICT_RETRIES = 100  # with jitter: 4 processes x 500 one-at-a-time updates lost 20 in a row


@dataclass(slots=True)
class _Pending:
    apply: Callable[[_Work], Any]  # may return an awaitable
    future: asyncio.Future[Any]
    skip_maintenance: bool = False
    active_key: str | None = None


_CORES: dict[tuple[str, int], _Core] = {}


class _DetachedLoop:
    """The loop of a core read synchronously, without a running loop: no writer, no events."""

    def create_task(self, coro: Coroutine[Any, Any, Any]) -> NoReturn:
        coro.close()
        raise StoreError("", "a synchronously loaded store cannot write or watch")

    def create_future(self) -> NoReturn:
        raise StoreError("", "a synchronously loaded store cannot write or watch")


class _Core:
    def __init__(
        self, path: Path, backend: Backend, loop: asyncio.AbstractEventLoop | _DetachedLoop
    ) -> None:
        self.path = path
        self.backend = backend
        self.loop = loop
        self.key: tuple[str, int] = (str(path), id(loop))  # its slot in _CORES
        self.refs = 0
        self.entries: dict[str, Any] = {}
        self.hidden: frozenset[str] = frozenset()
        self.public: Mapping[str, Any] = MappingProxyType({})
        # The entries of the last read applied, and the keys this process's writes changed
        # since (None: the entries changed some other way): what a read's ``Delta`` is checked
        # against, so a foreign rewrite is diffed in O(changes) even after our own writes.
        self._read_base: dict[str, Any] | None = None
        self._since_read: set[str] | None = None
        self.generation = 0
        self.signature: Signature | None = None
        self.loaded = False
        self.ever_existed = False
        self.issues: list[Issue] = []
        self.read_error: StoreReadError | None = None
        self.write_error: StoreError | None = None
        self.write_refused: StoreError | None = None  # the last refusal, until a write lands
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
        self._read_base = self._since_read = None  # callers that know better set them after
        if hidden is None:
            hidden = frozenset(k for k, v in entries.items() if not isinstance(v, dict))
        self.hidden = hidden
        if hidden:
            # A view, not a copy: a copy without the few hidden keys was a 100,000-entry dict
            # built on the event loop at every foreign rewrite of a store with one of them.
            self.public = _Shown(entries, hidden)
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
        signature: Signature | None = MISSING,
    ) -> None:
        """Re-read the store inside the writer slot and publish the per-key difference.

        ``signature``: the file's signature the caller just took before deciding to reload
        (saves a second stat); taken here when not given.
        """
        sig_before = signature
        if sig_before is MISSING:
            sig_before = await anyio.to_thread.run_sync(self.backend.signature)
        old = self.entries
        old_hidden = self.hidden
        diffable = self.loaded and self.read_error is None
        read_base = self._read_base
        since = set(self._since_read) if self._since_read is not None else None

        def read_and_diff() -> tuple[Snapshot, Diff | None, frozenset[str]]:
            snapshot = self.backend.read()
            new = snapshot.entries
            delta = snapshot.delta
            if (
                diffable
                and snapshot.signature is not None
                and delta is not None
                and since is not None
                and delta.base is read_base
            ):
                # Only what the parse re-read, or our writes since the read it is relative
                # to, can differ: O(changes). The scans below are O(store) and hold the
                # interpreter (74-156 ms and 30-40 ms at 100,000 entries), so the event loop,
                # though they run in this thread, waited for them at every foreign rewrite.
                return (
                    snapshot,
                    delta_diff(old, new, delta, since),
                    delta_hidden(old_hidden, new, delta, since),
                )
            hidden = frozenset(k for k, v in new.items() if not isinstance(v, dict))
            if not diffable or snapshot.signature is None:
                return snapshot, None, hidden
            return snapshot, diff_entries(old, new), hidden

        try:
            snapshot, diff, hidden = await anyio.to_thread.run_sync(read_and_diff)
        except StoreReadError as exc:
            self._read_failed(exc, sig_before)
            return
        self.stats["reloads"] += 1
        if self.entries is not old:  # published meanwhile (cannot happen inside the slot)
            diff = None
        self._apply_snapshot(snapshot, reason, source, diff, hidden)

    def _read_failed(self, exc: StoreReadError, signature: Signature | None) -> None:
        same = self.read_error is not None and self.read_error.describe() == exc.describe()
        self.read_error = exc
        if isinstance(exc, StoreLockedError):
            # Nothing may change while the lock is held, so the signature would stay the same:
            # a signature nothing equals makes every check (the watcher's heartbeat) read again.
            signature = RETRY_SIGNATURE
        self.signature = signature
        if not self.loaded:
            self.loaded = True
        if not same:
            self.generation += 1
            self.publish(StoreErrorEvent(exc, exc.describe(), "read", self.generation))

    def _apply_snapshot(
        self,
        snapshot: Snapshot,
        reason: str,
        source: Any,
        diff: Diff | None = None,
        hidden: frozenset[str] | None = None,
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
                diff = diff_entries(old, new)
            events = entry_events(diff, source, generation)
        self.signature = snapshot.signature
        self.ever_existed = self.ever_existed or snapshot.signature is not None
        self.read_error = None
        self.read_only_reason = snapshot.read_only_reason
        self._set_entries(new, list(snapshot.issues), hidden)
        self._read_base = new
        self._since_read = set()
        self.last_good = new
        self.loaded = True
        # The loaded store is long-lived: move it out of the collector's way, or every full
        # GC pass walks it (100-170 ms ack spikes at 10k entries). Only after
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
                    {key: after for key, _, after in diff if after is not MISSING},
                    [key for key, _, after in diff if after is MISSING],
                )
            self.maintenance.size_hint = snapshot.size
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
                self.write_refused = self.read_error
                _fail_all(batch, self.read_error)
                return
            refusal = self._write_refusal()
            if refusal is not None:
                self.write_refused = refusal
                _fail_all(batch, refusal)
                return
            work = _Work(self.entries, self.hidden, read_only_rows(self.issues), self.path)
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
            # A caller whose row was refused (a SQLite row repeating a field, a non-object
            # entry) fails alone; the health says so until a write lands.
            refused = _last_refusal(outcomes)
            upserts, removed, before = work.changes()
            if not upserts and not removed and not work.reordered:
                if refused is not None:
                    self.write_refused = refused
                _resolve(batch, outcomes)
                return
            changes = Changes(
                entries=work.data, upserts=upserts, removed=removed, reordered=work.reordered
            )
            new_sig: Signature | None
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
                if exc.row_key is not None:
                    # The backend refused one row and wrote nothing: the other callers of this
                    # group commit land on their own, the refused one fails with the reason.
                    if len(batch) > 1:
                        refusals: list[StoreError] = []
                        for item in batch:
                            if not item.future.done():
                                await self._process([item])
                                if self.write_refused is not None:
                                    refusals.append(self.write_refused)
                        # As for a refusal inside one commit: the group's refusal stays said.
                        if refusals:
                            self.write_refused = refusals[-1]
                        return
                    self.write_refused = exc
                    _fail_all(batch, exc, outcomes)
                    return
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
            self.write_error = None
            self.write_refused = refused
            _resolve(batch, outcomes)
            return
        conflict = StoreConflictError(
            self.path,
            f"the file kept changing underneath ({MAX_CONFLICT_RETRIES} attempts)",
            fix="another program is rewriting the store continuously; retry later",
        )
        self.write_refused = conflict
        _fail_all(batch, conflict)

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
        read_base, since = self._read_base, self._since_read
        self._set_entries(work.data, issues, hidden)
        if since is not None:
            since.update(upserts)
            since.update(removed)
            self._read_base, self._since_read = read_base, since
        self.last_good = work.data
        if self.maintenance is not None:
            self.maintenance.observe(upserts, removed)
            self.maintenance.size_hint = getattr(self.backend, "last_written_size", None)
        diff: Diff = [(key, before.get(key, MISSING), value) for key, value in upserts.items()]
        diff.extend((key, before[key], MISSING) for key in removed)
        for event in entry_events(diff, "local", generation):
            self.publish(event)

    async def submit(
        self,
        apply: Callable[[_Work], Any],
        *,
        skip_maintenance: bool = False,
        active_key: str | None = None,
    ) -> Any:
        """Queue ``apply`` for the writer; what it returned (awaited when awaitable)."""
        if self.drain_task is not None and asyncio.current_task() is self.drain_task:
            # The writer runs mutators one after another: waiting here would wait forever.
            raise StoreError(
                self.path,
                "a mutator cannot wait for another write to the same store",
                fix="make the change inside the running mutator instead",
            )
        await self.ensure_loaded()
        future: asyncio.Future[Any] = self.loop.create_future()
        self.enqueue(_Pending(apply, future, skip_maintenance, active_key))
        return await future

    async def submit_each(
        self, applies: Mapping[str, Callable[[_Work], Any]], on_result: ResultSink | None
    ) -> list[EntryResult]:
        """One writer item per key, all queued at once: the writer takes them as one group
        commit (up to ``MAX_BATCH`` items per commit), each rolled back alone if it fails. Each
        apply returns an ``Outcome`` (or an awaitable of one)."""
        await self.ensure_loaded()
        futures: dict[str, asyncio.Future[Any]] = {}
        for key, apply in applies.items():
            future: asyncio.Future[Any] = self.loop.create_future()
            futures[key] = future
            self.enqueue(_Pending(apply, future, False, key))
        results: list[EntryResult] = []
        for key, future in futures.items():
            try:
                outcome = await future
                result = EntryResult(key, outcome)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                result = refusal(key, exc)
            results.append(report(result, on_result))
        return results

    def maintenance_engine(self, config: Any) -> Any:
        """``config``'s engine for a run now, indexed and sized as this core's own would be."""
        engine = _as_maintenance(config)
        if engine is not self.maintenance:
            engine.reindex(self.entries)
            engine.size_hint = (
                (self.maintenance.size_hint if self.maintenance is not None else None)
                or getattr(self.backend, "last_written_size", None)
                or _file_size(self.path)
            )
        return engine

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


def shared_core(
    name: str, path: Path, make_backend: Callable[[], Backend], maintenance: Any = None
) -> _Core:
    """The live core called ``name`` on the running loop (made with ``make_backend()`` if there
    is none), with one more reference; ``release_core`` gives it back."""
    loop = asyncio.get_running_loop()
    key = (name, id(loop))
    core = _CORES.get(key)
    if core is None or core.closed or core.loop is not loop:
        core = _Core(path, make_backend(), loop)
        core.key = key
        if maintenance is not None:
            core.maintenance = _as_maintenance(maintenance)
        _CORES[key] = core
    elif maintenance is not None and core.maintenance is None:
        core.maintenance = _as_maintenance(maintenance)
        core.maintenance.reindex(core.entries)  # reloads only apply differences to it
    core.refs += 1
    return core


async def release_core(core: _Core) -> None:
    """One reference fewer; the last one closes the core."""
    core.refs -= 1
    if core.refs <= 0:
        key = core.key
        if _CORES.get(key) is core:
            del _CORES[key]
        await core.close()


def detached_core(path: Path, backend: Backend) -> _Core:
    """A core read once, synchronously (scripts, no running loop): no writer, no events."""
    core = _Core.__new__(_Core)
    _Core.__init__(core, path, backend, _DetachedLoop())
    try:
        core._apply_snapshot(core.backend.read(), "initial", "local")
    except StoreReadError as exc:
        core._read_failed(exc, core.backend.signature())
    return core


def _as_maintenance(config: Any) -> Any:
    # Imported on first use: a store without maintenance never needs it.
    from openclaw_tui.store.maintenance import as_maintenance

    return as_maintenance(config)


class _Shown(Mapping[str, Any]):
    """The entries without the hidden (quarantined) ones, read-only, without copying them."""

    __slots__ = ("_entries", "_hidden")

    def __init__(self, entries: dict[str, Any], hidden: frozenset[str]) -> None:
        self._entries = entries
        self._hidden = hidden

    def __getitem__(self, key: str) -> Any:
        if key in self._hidden:
            raise KeyError(key)
        return self._entries[key]

    def get(self, key: str, default: Any = None) -> Any:
        if key in self._hidden:
            return default
        return self._entries.get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self._entries and key not in self._hidden

    def __iter__(self) -> Iterator[str]:
        hidden = self._hidden
        return (key for key in self._entries if key not in hidden)

    def __len__(self) -> int:
        return len(self._entries) - len(self._hidden)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self)} entries, {len(self._hidden)} hidden)"


def _resolve(batch: list[_Pending], outcomes: list[tuple[bool, Any]]) -> None:
    for item, (ok, value) in zip(batch, outcomes, strict=True):
        if item.future.done():
            continue
        if ok:
            item.future.set_result(value)
        else:
            item.future.set_exception(value)


def _last_refusal(outcomes: list[tuple[bool, Any]]) -> StoreError | None:
    """The last store error among the batch's failed callers (a refused row), if any."""
    refused: StoreError | None = None
    for ok, value in outcomes:
        if not ok and isinstance(value, StoreError) and not isinstance(value, StoreClosedError):
            refused = value
    return refused


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


def _file_size(path: Path) -> int | None:
    try:
        return os.stat(path).st_size
    except OSError:
        return None
