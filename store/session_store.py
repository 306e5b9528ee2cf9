"""``SessionStore``: a session store on disk behind the store API (the facade).

Every ``SessionStore`` for one resolved path shares one core (``_core.py``: cache, writer queue,
group commit, reload); mutators work on a copy-on-write view (``_work.py``); events reach
subscribers through ``subscription.py``; the watcher is ``watch.py`` and recovery
``recovery.py``; what each write does to that view is ``mutators.py``, which backend a path
gets ``backends/detect.py``. Opening by path or gateway URL is ``open.py``.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Iterable, Mapping, MutableMapping
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar, Literal, TypeVar

from openclaw_tui.store import mutators
from openclaw_tui.store._core import _Core, detached_core, release_core, shared_core
from openclaw_tui.store._work import _Work
from openclaw_tui.store.abort import FileStoreActivity
from openclaw_tui.store.api import PatchFn, ResetPolicy, SessionReset, StoreHealth
from openclaw_tui.store.atomic import DEFAULT_SYSCALLS, Syscalls
from openclaw_tui.store.backends.base import Backend, Issue
from openclaw_tui.store.backends.detect import backend_for_path
from openclaw_tui.store.backends.json_file import DEFAULT_MAX_BYTES
from openclaw_tui.store.bulk import EntryResult, ResultSink
from openclaw_tui.store.errors import StoreClosedError, StoreError
from openclaw_tui.store.events import ConnectionState
from openclaw_tui.store.fleet import GatewayStatus, file_status
from openclaw_tui.store.paths import outside_link_reason
from openclaw_tui.store.recovery import recover
from openclaw_tui.store.subscription import Subscription
from openclaw_tui.store.watch import start_watching

T = TypeVar("T")
R = TypeVar("R")
Entry = dict[str, Any]


class SessionStore(FileStoreActivity):
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
        # target, not the link. A target outside the directory the store was opened in is
        # never written (paths.outside_link_reason).
        requested = Path(os.path.abspath(os.path.expanduser(str(path))))
        self.path = Path(os.path.realpath(requested))
        self._write_refusal = outside_link_reason(requested, self.path)
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
        backend = self._backend_for_path()
        if self._write_refusal is not None:
            backend.write_refusal = self._write_refusal
        return backend

    def _backend_for_path(self) -> Backend:
        if self._backend_override is not None:
            return self._backend_override
        return backend_for_path(
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
        # A store that must not be written gets a core of its own (it never writes, so it
        # cannot race the writable one), rather than lending or borrowing a writer.
        name = str(self.path) + ("\0refused" if self._write_refusal else "")
        core = shared_core(name, self.path, self._make_backend, self._maintenance_config)
        self._core_ref = core
        return core

    async def open(self) -> SessionStore:
        core = self._core()
        await core.ensure_loaded()
        if self._watch:
            start_watching(core)
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
        await release_core(core)

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
                self._offline = detached_core(self.path, self._make_backend())
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

    def connection_states(self) -> list[ConnectionState]:
        return []  # a file has no connection

    def gateway_statuses(self) -> list[GatewayStatus]:
        """The file itself as the one "gateway" of the gateways panel (store/fleet.py)."""
        health = self.health
        return [file_status(str(self.path), len(self.load()), health.error)]

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
        return StoreHealth(str(self.path), error, operation, reason, core.write_refused)

    @property
    def issues(self) -> list[Issue]:
        return list(self._reader().issues)

    @property
    def stats(self) -> dict[str, int]:
        return dict(self._reader().stats)

    # -- writing --

    async def _submit(
        self,
        apply: Callable[[_Work], R | Awaitable[R]],
        *,
        skip_maintenance: bool = False,
        active_key: str | None = None,
    ) -> R:
        result: R = await self._core().submit(
            apply, skip_maintenance=skip_maintenance, active_key=active_key
        )
        return result

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
        return await self._submit(mutator, skip_maintenance=skip_maintenance)

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
        apply = mutators.entry_patch(self.path, key, patch_or_fn, create=create)
        return await self._submit(apply, skip_maintenance=skip_maintenance, active_key=key)

    async def _submit_each(
        self, applies: Mapping[str, Callable[[_Work], Any]], on_result: ResultSink | None
    ) -> list[EntryResult]:
        return await self._core().submit_each(applies, on_result)

    async def update_entries(
        self,
        patches: Mapping[str, Mapping[str, Any] | PatchFn],
        *,
        on_result: ResultSink | None = None,
    ) -> list[EntryResult]:
        """``update_entry`` of many sessions in one group commit; never creates a session.

        A patch function returning None leaves its session ``unchanged``; one that raises
        refuses only its own session (``EntryResult.error`` is the exception).
        """
        return await self._submit_each(
            {key: mutators.bulk_patch(self.path, key, patch) for key, patch in patches.items()},
            on_result,
        )

    def archive_refusal(self, key: str) -> str | None:
        return (
            "a file store has no archive: OpenClaw archives sessions through its gateway "
            "(open the gateway with --gateway to archive)"
        )

    async def delete_entries(
        self, keys: Iterable[str], *, on_result: ResultSink | None = None
    ) -> list[EntryResult]:
        """``delete_entry`` of many sessions in one group commit."""
        return await self._submit_each({key: mutators.bulk_delete(key) for key in keys}, on_result)

    async def reset_entries(
        self,
        keys: Iterable[str],
        *,
        new_session_id: Callable[[], str] | None = None,
        now_ms: int | None = None,
        on_result: ResultSink | None = None,
    ) -> list[EntryResult]:
        """``reset_session`` of many sessions (each a new session id) in one group commit."""
        reset = mutators.resetting(new_session_id, now_ms)
        return await self.update_entries(dict.fromkeys(keys, reset), on_result=on_result)

    async def delete_entry(self, key: str) -> bool:
        return bool(await self._submit(mutators.deleting(key)))

    reset_policy: ClassVar[ResetPolicy] = ResetPolicy(
        effect=(
            "Each gets a new session id and cleared token counters; thinking, reasoning and "
            "usage return to defaults, other settings are kept. The old transcript stays on disk."
        ),
        new_creates=False,
        preview="new id, tokens cleared",
    )
    delete_effect: ClassVar[str] = "transcript kept"
    maintenance_refusal: ClassVar[str | None] = None

    async def reset_session(
        self,
        key: str,
        *,
        new: bool = False,
        session_id: str | None = None,
        now_ms: int | None = None,
    ) -> SessionReset | None:
        """OpenClaw's ``/reset`` (and ``/new``, which is the same here): the entry gets a new
        session id (``session_id``, else a random one) and cleared token counters, started at
        ``now_ms`` (else now); what it carries over is ``semantics.reset_patch``'s rule.

        Returns None (nothing written) when ``key`` is not in the store.
        """
        new_id = (lambda: session_id) if session_id is not None else None
        stored = await self.update_entry(key, mutators.resetting(new_id, now_ms))
        return SessionReset(key, f"session {key} reset") if stored is not None else None

    async def save(self, entries: Mapping[str, Any]) -> None:
        """Replace the whole store with ``entries`` (compatibility and offline maintenance).

        The quarantined non-object entries ``load()`` hides are kept, each beside the entry it
        followed, unless ``entries`` names their key (``delete_entry`` removes one).
        """
        snapshot = mutators.checked_snapshot(entries)
        await self._submit(mutators.replacing(snapshot), skip_maintenance=True)

    async def recover(self) -> Path | None:
        """If the store cannot be read: keep a timestamped copy, then start over.

        "Start over" rescues what it safely can (valid JSON behind a BOM, else the last good
        snapshot this process saw, else an empty store). Returns the copy's path, or None when
        there was nothing to recover.
        """
        core = self._core()
        await core.ensure_loaded()
        return await recover(core)

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
        engine = core.maintenance_engine(chosen)
        assert isinstance(engine, Maintenance)

        def apply(work: _Work) -> Any:
            return engine.apply(work, [active_key] if active_key else [], force=True)

        return await self._submit(apply, skip_maintenance=True)

    def subscribe(self, *, max_backlog: int | None = None) -> Subscription:
        """Events from now on. Starts the watcher for changes by other processes."""
        core = self._core()
        sub = Subscription(core, max_backlog or self._max_backlog)
        core.subscribers.add(sub)
        start_watching(core)
        return sub

    async def refresh(self) -> None:
        """Check the file now (what the watcher does), e.g. in tests or without a watcher."""
        core = self._core()
        await core.ensure_loaded()
        await core.check_external()
