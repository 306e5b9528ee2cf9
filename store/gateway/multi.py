"""``MultiGatewayStore``: several gateways in one ``SessionStore``-like view.

Keys are namespaced ``<gateway name>/<session key>`` (``store/keys.py`` joins and splits them;
gateway names hold neither ``/`` nor ``:``), so rows of different gateways never collide and
every edit goes to the gateway its key names. ``split_key`` / ``join_key`` convert;
``gateway_of(key)`` gives the gateway name for the gateway column and filter.
``ConnectionState`` events are passed on unchanged (``extra["gateway"]`` names the gateway);
``states`` holds the latest per gateway.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable, Iterable, Mapping, MutableMapping
from pathlib import Path
from types import MappingProxyType, TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from openclaw_tui.store.abort import AbortResult
from openclaw_tui.store.api import PatchFn, ResetPolicy, SessionReset, StoreHealth
from openclaw_tui.store.backends.base import Issue
from openclaw_tui.store.bulk import EntryResult, ResultSink, refusal, report
from openclaw_tui.store.errors import error_message
from openclaw_tui.store.events import (
    ConnectionState,
    EntryAdded,
    EntryChanged,
    EntryRemoved,
    Resync,
    StoreErrorEvent,
    StoreEvent,
    StoreReloaded,
)
from openclaw_tui.store.fleet import GatewayStatus
from openclaw_tui.store.gateway.activity import DEFAULT_STOP_TIMEOUT
from openclaw_tui.store.gateway.config import GatewayConfig
from openclaw_tui.store.gateway.errors import GatewayConfigError, GatewayUnsupportedError
from openclaw_tui.store.gateway.gateway_store import (
    GATEWAY_DELETE_EFFECT,
    GATEWAY_MAINTENANCE_REFUSAL,
    GATEWAY_RESET_POLICY,
    EventHub,
    GatewayStore,
    gateway_reset,
    row_fields_changed,
)
from openclaw_tui.store.keys import join_namespace, split_namespace
from openclaw_tui.store.subscription import Subscription
from openclaw_tui.store.usage import GatewayUsage, merge_usage

if TYPE_CHECKING:
    from openclaw_tui.store.gateway.transcript import GatewayTranscript

T = TypeVar("T")
# A gateway's reload changing at most this many rows (its first page, a re-list) reaches the
# merged view's subscribers as those rows' events, not as a reload of every gateway's rows.
RELOAD_AS_EVENTS = 5_000


def join_key(gateway: str, key: str) -> str:
    return join_namespace(gateway, key)


def _renamed(result: AbortResult, key: str) -> AbortResult:
    # The gateway store names its own key; the caller asked about the namespaced one.
    return dataclasses.replace(result, key=key)


def split_key(namespaced: str) -> tuple[str, str]:
    """``"home/agent:main:main"`` -> ``("home", "agent:main:main")``."""
    gateway, key = split_namespace(namespaced)
    if not gateway:
        raise GatewayConfigError(
            "gateways",
            f"{namespaced!r} does not name a gateway",
            fix="keys of a multi-gateway view look like <gateway>/<session key>",
        )
    return gateway, key


class MultiGatewayStore:
    """Merges ``GatewayStore``s (built from configs, or given) into one store view."""

    def __init__(
        self,
        gateways: Iterable[GatewayStore | GatewayConfig],
        *,
        max_backlog: int = 10_000,
        **store_options: Any,
    ) -> None:
        self.stores: dict[str, GatewayStore] = {}
        for item in gateways:
            store = item if isinstance(item, GatewayStore) else GatewayStore(item, **store_options)
            if store.name in self.stores:
                raise GatewayConfigError(
                    "gateways", f"two gateways are named {store.name}", fix="rename one"
                )
            self.stores[store.name] = store
        if not self.stores:
            raise GatewayConfigError("gateways", "no gateway given", fix="add --gateway URL")
        self.path = ", ".join(s.path for s in self.stores.values())
        self.states: dict[str, ConnectionState] = {
            name: store.state for name, store in self.stores.items()
        }
        self._hub = EventHub()
        self._max_backlog = max_backlog
        # Every gateway's rows under their namespaced keys, kept current per event (O(1) per
        # change; a gateway's reload re-merges that gateway only). ``_merged_keys`` holds which
        # raw keys of each gateway are in it.
        self._merged: dict[str, Mapping[str, Any]] = {}
        self._merged_keys: dict[str, set[str]] = {name: set() for name in self.stores}
        self._version = 0  # bumps with every change to _merged
        self._loaded: tuple[int, Mapping[str, Mapping[str, Any]]] = (-1, MappingProxyType({}))
        for name, store in self.stores.items():
            self._remerge(name)
            store.add_listener(self._forwarder(name))

    # -- lifecycle ---------------------------------------------------------------------------

    async def open(self) -> MultiGatewayStore:
        for store in self.stores.values():
            await store.open()
        return self

    async def __aenter__(self) -> MultiGatewayStore:
        return await self.open()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await asyncio.gather(*(s.aclose() for s in self.stores.values()), return_exceptions=True)
        self._hub.close_all()

    async def wait_synced(self, timeout: float = 30.0) -> None:
        await asyncio.gather(*(s.wait_synced(timeout) for s in self.stores.values()))

    # -- reading -----------------------------------------------------------------------------

    def gateway_of(self, key: str) -> str:
        return split_key(key)[0]

    def store_named(self, gateway: str) -> GatewayStore:
        store = self.stores.get(gateway)
        if store is None:
            raise GatewayConfigError(
                "gateways",
                f"no gateway named {gateway} is open",
                fix="open: " + ", ".join(self.stores),
            )
        return store

    def store_for(self, key: str) -> tuple[GatewayStore, str]:
        gateway, raw = split_key(key)
        return self.store_named(gateway), raw

    def load(self) -> Mapping[str, Mapping[str, Any]]:
        """Every gateway's rows, namespaced: a read-only snapshot (copied when something
        changed since the last call, as a gateway's own ``load``)."""
        version, rows = self._loaded
        if version != self._version:
            rows = MappingProxyType(dict(self._merged))
            self._loaded = (self._version, rows)
        return rows

    def _remerge(self, name: str) -> list[tuple[str, Any, Any]]:
        """Make the merged view hold exactly ``name``'s current rows (after its reload);
        returns what changed as (namespaced key, before or None, after or None)."""
        rows = self.stores[name].load()
        held = self._merged_keys[name]
        changes: list[tuple[str, Any, Any]] = []
        for key in [k for k in held if k not in rows]:
            namespaced = join_key(name, key)
            changes.append((namespaced, self._merged.pop(namespaced), None))
            held.discard(key)
            self._version += 1
        for key, row in rows.items():
            namespaced = join_key(name, key)
            before = self._merged.get(namespaced)
            if before is not row:
                self._merged[namespaced] = row
                held.add(key)
                changes.append((namespaced, before, row))
                self._version += 1
        return changes

    def _reload_as_events(self, changes: list[tuple[str, Any, Any]]) -> None:
        """One gateway's reload, told as its rows' events: the other gateways' rows stay as
        they are (a reload of the merged view would rebuild every gateway's rows)."""
        for key, before, after in changes:
            generation = self._hub.bump()
            out: StoreEvent
            if before is None:
                out = EntryAdded(key, after, "external", generation)
            elif after is None:
                out = EntryRemoved(key, before, "external", generation)
            else:
                fields = row_fields_changed(before, after)
                out = EntryChanged(key, before, after, fields, "external", generation)
            for sub in list(self._hub.subscribers):
                sub._push(out)

    def get(self, key: str) -> Mapping[str, Any] | None:
        try:
            store, raw = self.store_for(key)
        except GatewayConfigError:
            return None
        return store.get(raw)

    @property
    def generation(self) -> int:
        return self._hub.generation

    def connection_states(self) -> list[ConnectionState]:
        return list(self.states.values())

    def gateway_statuses(self) -> list[GatewayStatus]:
        """One status per gateway, in the order they were given."""
        return [status for store in self.stores.values() for status in store.gateway_statuses()]

    @property
    def health(self) -> StoreHealth:
        for store in self.stores.values():
            health = store.health
            if health.error is not None:
                return health
        reasons = [h.read_only_reason for h in (s.health for s in self.stores.values())]
        return StoreHealth(self.path, None, None, "; ".join(r for r in reasons if r) or None)

    @property
    def issues(self) -> list[Issue]:
        return []

    @property
    def read_only(self) -> bool:
        """Every gateway was opened read-only (each one also refuses writes on its own)."""
        return all(store.read_only for store in self.stores.values())

    def subscribe(self, *, max_backlog: int | None = None) -> Subscription:
        return self._hub.subscribe(max_backlog or self._max_backlog)

    async def refresh(self) -> None:
        """Re-list every gateway now and wait for them."""
        await asyncio.gather(*(store.refresh() for store in self.stores.values()))

    # -- writing -----------------------------------------------------------------------------

    async def update_entry(
        self,
        key: str,
        patch_or_fn: Any,
        *,
        create: bool = False,
        skip_maintenance: bool = False,
    ) -> dict[str, Any] | None:
        store, raw = self.store_for(key)
        return await store.update_entry(raw, patch_or_fn, create=create)

    async def delete_entry(self, key: str) -> bool:
        store, raw = self.store_for(key)
        return await store.delete_entry(raw)

    async def reset_entry(self, key: str) -> Any:
        store, raw = self.store_for(key)
        return await store.reset_entry(raw)

    # -- acting on many sessions: each gateway does its part its own way, all at once ---------

    def offers_patch_many(self, gateway: str) -> bool:
        return self.store_named(gateway).offers_patch_many

    async def _fan_out(
        self,
        keys: Iterable[str],
        run: Callable[[str, GatewayStore, list[str], ResultSink], Awaitable[list[EntryResult]]],
        on_result: ResultSink | None,
    ) -> list[EntryResult]:
        by_gateway: dict[str, list[str]] = {}
        results: dict[str, EntryResult] = {}
        order = list(dict.fromkeys(keys))
        for key in order:
            try:
                gateway, _raw = split_key(key)
                self.store_named(gateway)
            except Exception as exc:  # a key of no open gateway: that row says so
                results[key] = report(refusal(key, exc), on_result)
                continue
            by_gateway.setdefault(gateway, []).append(key)

        def renamed(gateway: str) -> ResultSink:
            def sink(result: EntryResult) -> None:
                full = dataclasses.replace(result, key=join_key(gateway, result.key))
                results[full.key] = report(full, on_result)

            return sink

        await asyncio.gather(
            *(
                run(gw, self.store_named(gw), [split_key(k)[1] for k in gw_keys], renamed(gw))
                for gw, gw_keys in by_gateway.items()
            )
        )
        return [results[key] for key in order if key in results]

    async def update_entries(
        self,
        patches: Mapping[str, Mapping[str, Any] | PatchFn],
        *,
        on_result: ResultSink | None = None,
    ) -> list[EntryResult]:
        def run(
            gateway: str, store: GatewayStore, raw: list[str], sink: ResultSink
        ) -> Awaitable[list[EntryResult]]:
            return store.update_entries(
                {key: patches[join_key(gateway, key)] for key in raw}, on_result=sink
            )

        return await self._fan_out(patches, run, on_result)

    def archive_refusal(self, key: str) -> str | None:
        try:
            store, raw = self.store_for(key)
        except Exception as exc:
            return error_message(exc)
        return store.archive_refusal(raw)

    async def delete_entries(
        self, keys: Iterable[str], *, on_result: ResultSink | None = None
    ) -> list[EntryResult]:
        return await self._fan_out(
            keys, lambda _gw, store, raw, sink: store.delete_entries(raw, on_result=sink), on_result
        )

    async def reset_entries(
        self,
        keys: Iterable[str],
        *,
        new_session_id: Callable[[], str] | None = None,
        now_ms: int | None = None,
        on_result: ResultSink | None = None,
    ) -> list[EntryResult]:
        return await self._fan_out(
            keys, lambda _gw, store, raw, sink: store.reset_entries(raw, on_result=sink), on_result
        )

    async def abort_run(self, key: str) -> AbortResult:
        store, raw = self.store_for(key)
        return _renamed(await store.abort_run(raw), key)

    async def wait_run_ended(
        self, key: str, run_id: str | None = None, *, timeout: float = DEFAULT_STOP_TIMEOUT
    ) -> AbortResult:
        store, raw = self.store_for(key)
        return _renamed(await store.wait_run_ended(raw, run_id, timeout=timeout), key)

    async def stop_run(self, key: str, *, timeout: float = DEFAULT_STOP_TIMEOUT) -> AbortResult:
        store, raw = self.store_for(key)
        return _renamed(await store.stop_run(raw, timeout=timeout), key)

    def open_transcript(self, key: str, *, history_limit: int = 200) -> GatewayTranscript:
        store, raw = self.store_for(key)
        return store.open_transcript(raw, history_limit=history_limit)

    async def transcript_activity(self, keys: Iterable[str]) -> dict[str, int]:
        """As ``GatewayStore.transcript_activity``: gateways report activity as events."""
        return {}

    async def usage_report(self, params: Mapping[str, Any] | None = None) -> GatewayUsage:
        """Every gateway's own usage answer, merged (each one in ``parts``)."""
        names = list(self.stores)
        answers = await asyncio.gather(*(self.stores[n].usage_report(params) for n in names))
        return merge_usage(dict(zip(names, answers, strict=True)))

    async def create_session(
        self, gateway: str, *, key: str | None = None, label: str | None = None
    ) -> str:
        store = self.store_named(gateway)
        return join_key(gateway, await store.create_session(key=key, label=label))

    reset_policy: ClassVar[ResetPolicy] = GATEWAY_RESET_POLICY
    delete_effect: ClassVar[str] = GATEWAY_DELETE_EFFECT
    maintenance_refusal: ClassVar[str | None] = GATEWAY_MAINTENANCE_REFUSAL

    async def reset_session(
        self,
        key: str,
        *,
        new: bool = False,
        session_id: str | None = None,
        now_ms: int | None = None,
    ) -> SessionReset | None:
        """``reset_session`` on the gateway the key names (``new``: a session on that gateway)."""
        gateway, raw = split_key(key)
        done = await self.store_named(gateway).reset_session(raw, new=new)
        if done is None:
            return None
        return gateway_reset(join_key(gateway, done.key), created=new)

    async def update(
        self,
        mutator: Callable[[MutableMapping[str, Any]], T | Awaitable[T]],
        *,
        skip_maintenance: bool = False,
    ) -> T:
        raise GatewayUnsupportedError(
            self.path,
            "a change across several gateways at once is not supported",
            fix="edit sessions one at a time (update_entry)",
        )

    async def save(self, entries: Mapping[str, Any]) -> None:
        raise GatewayUnsupportedError(
            self.path,
            "gateways' sessions cannot be replaced wholesale",
            fix="edit sessions one at a time (update_entry)",
        )

    async def recover(self) -> Path | None:
        return None

    # -- forwarding --------------------------------------------------------------------------

    def _forwarder(self, name: str) -> Callable[[StoreEvent], None]:
        def forward(event: StoreEvent) -> None:
            self._forward(name, event)

        return forward

    def _forward(self, name: str, event: StoreEvent) -> None:
        out: StoreEvent
        if isinstance(event, ConnectionState):
            self.states[name] = event
            out = event
        else:
            generation = self._hub.bump()
            self._version += 1
            if isinstance(event, EntryAdded):
                key = join_key(name, event.key)
                self._merged[key] = event.entry
                self._merged_keys[name].add(event.key)
                out = EntryAdded(key, event.entry, event.source, generation)
            elif isinstance(event, EntryChanged):
                key = join_key(name, event.key)
                self._merged[key] = event.after
                self._merged_keys[name].add(event.key)
                out = EntryChanged(
                    key,
                    event.before,
                    event.after,
                    event.fields,
                    event.source,
                    generation,
                )
            elif isinstance(event, EntryRemoved):
                key = join_key(name, event.key)
                self._merged.pop(key, None)
                self._merged_keys[name].discard(event.key)
                out = EntryRemoved(key, event.before, event.source, generation)
            elif isinstance(event, StoreReloaded):
                changes = self._remerge(name)
                if len(changes) <= RELOAD_AS_EVENTS:
                    self._reload_as_events(changes)
                    return
                out = StoreReloaded(self.load(), event.reason, generation)
            elif isinstance(event, Resync):
                self._remerge(name)
                out = Resync(event.reason, generation, event.dropped)
            elif isinstance(event, StoreErrorEvent):
                out = StoreErrorEvent(event.error, event.message, event.operation, generation)
            else:
                return
        for sub in list(self._hub.subscribers):
            sub._push(out)
            if isinstance(out, StoreReloaded):
                # A reload drops the backlog; the other gateways' states must survive it.
                for other, state in self.states.items():
                    if other != name:
                        sub._push(state)
