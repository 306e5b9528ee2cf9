"""The store contract the app is written against: ``SessionStoreAPI``, ``StoreHealth``, and
what ``reset_session`` does (``ResetPolicy``, ``SessionReset``).

A file store (``SessionStore``), one gateway (``GatewayStore``) and several gateways
(``MultiGatewayStore``) all satisfy ``SessionStoreAPI``; the type checker proves it
(``open.py``). Code that only needs the contract types its store as ``SessionStoreAPI`` and never
asks which kind it holds.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Protocol, Self, TypeVar

from openclaw_tui.store.backends.base import Issue
from openclaw_tui.store.errors import StoreError

if TYPE_CHECKING:
    from openclaw_tui.store.abort import AbortResult
    from openclaw_tui.store.bulk import EntryResult, ResultSink
    from openclaw_tui.store.events import ConnectionState
    from openclaw_tui.store.fleet import GatewayStatus
    from openclaw_tui.store.subscription import Subscription
    from openclaw_tui.store.transcripts.base import TranscriptSource
    from openclaw_tui.store.usage import GatewayUsage

T = TypeVar("T")
PatchFn = Callable[[Mapping[str, Any]], Any]
"""``fn(current entry, or an empty mapping) -> patch | None``, sync or async."""


@dataclass(frozen=True, slots=True)
class StoreHealth:
    """The store's last problem, if any. ``error`` None and no read-only reason means healthy."""

    path: str
    error: StoreError | None = None
    operation: Literal["read", "write"] | None = None
    read_only_reason: str | None = None
    refused: StoreError | None = None
    """The last write the store refused without touching the file (read-only, unreadable,
    a file that kept changing underneath); None once a write lands. Not a failure: ``ok``
    stays True."""

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def message(self) -> str | None:
        return self.error.describe() if self.error is not None else None


@dataclass(frozen=True, slots=True)
class ResetPolicy:
    """What a store's ``reset_session`` does, declared so a UI can say it before asking."""

    effect: str
    """What a reset changes and keeps, one or two sentences for a confirmation question."""
    new_creates: bool
    """``reset_session(key, new=True)`` starts a separate session beside ``key`` (one per gateway:
    nothing is lost, so there is nothing to confirm) instead of resetting ``key`` in place."""
    preview: str
    """What a reset session becomes, a few words for a preview row (``/bulk``)."""


@dataclass(frozen=True, slots=True)
class SessionReset:
    """What ``reset_session`` did."""

    key: str
    """The session that starts afresh: the one given, or the one ``new=True`` created."""
    message: str
    """The store's acknowledgement (a gateway's is its own reply)."""


class SessionStoreAPI(Protocol):
    """What every kind of store offers (ARCHITECTURE.md, "The store API", says what each does)."""

    @property
    def path(self) -> Path | str:
        """What errors and the status bar call this store (a file path, or gateway labels)."""
        ...

    @property
    def read_only(self) -> bool:
        """Opened read-only on purpose (``health.read_only_reason`` also covers refusals)."""
        ...

    # -- lifetime --
    async def open(self) -> Self: ...

    async def aclose(self) -> None: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    # -- reading --
    def load(self) -> Mapping[str, Mapping[str, Any]]: ...

    def get(self, key: str) -> Mapping[str, Any] | None: ...

    @property
    def generation(self) -> int: ...

    @property
    def health(self) -> StoreHealth: ...

    @property
    def issues(self) -> list[Issue]: ...

    def connection_states(self) -> list[ConnectionState]:
        """Each gateway's current connection state (later ones arrive as events); empty for a
        file store, which has no connection."""
        ...

    def gateway_statuses(self) -> list[GatewayStatus]:
        """Each gateway's status for the gateways panel (name, version, phase, latency,
        sessions, last error; store/fleet.py); a file store gives one for itself."""
        ...

    def subscribe(self, *, max_backlog: int | None = None) -> Subscription: ...

    async def refresh(self) -> None: ...

    # -- writing --
    async def update(
        self,
        mutator: Callable[[MutableMapping[str, Any]], T | Awaitable[T]],
        *,
        skip_maintenance: bool = False,
    ) -> T: ...

    async def update_entry(
        self,
        key: str,
        patch_or_fn: Mapping[str, Any] | PatchFn,
        *,
        create: bool = False,
        skip_maintenance: bool = False,
    ) -> dict[str, Any] | None: ...

    async def delete_entry(self, key: str) -> bool: ...

    # -- many sessions at once (store/bulk.py): each kind batches its own way and reports
    # every session's result (applied, unchanged, refused with the store's message, missing)
    # to on_result as soon as it is known; none of them creates a session.
    async def update_entries(
        self,
        patches: Mapping[str, Mapping[str, Any] | PatchFn],
        *,
        on_result: ResultSink | None = None,
    ) -> list[EntryResult]: ...

    def archive_refusal(self, key: str) -> str | None:
        """Why ``key`` cannot be archived (``archived`` patched), or None when it can: only
        a gateway archives sessions, and only one whose ``sessions.patch`` takes ``archived``."""
        ...

    async def delete_entries(
        self, keys: Iterable[str], *, on_result: ResultSink | None = None
    ) -> list[EntryResult]: ...

    @property
    def delete_effect(self) -> str:
        """What a delete does besides removing the entry, a few words for a preview row."""
        ...

    @property
    def maintenance_refusal(self) -> str | None:
        """Why this app cannot run session maintenance (``/cleanup``) on this store, with what
        to do instead; None when it can (a file store)."""
        ...

    async def reset_entries(
        self,
        keys: Iterable[str],
        *,
        new_session_id: Callable[[], str] | None = None,
        now_ms: int | None = None,
        on_result: ResultSink | None = None,
    ) -> list[EntryResult]:
        """``/reset`` of many sessions (``reset_session`` in place, never ``new``)."""
        ...

    async def save(self, entries: Mapping[str, Any]) -> None: ...

    async def recover(self) -> Path | None: ...

    # -- /reset and /new: the store does it its own way and says how (ResetPolicy) --
    @property
    def reset_policy(self) -> ResetPolicy: ...

    async def reset_session(
        self,
        key: str,
        *,
        new: bool = False,
        session_id: str | None = None,
        now_ms: int | None = None,
    ) -> SessionReset | None:
        """Start ``key`` afresh (``new``: as ``/new``). ``session_id``/``now_ms`` are for a store
        that picks them itself (a file store); a gateway picks its own. None when ``key`` is not
        in the store (nothing done)."""
        ...

    # -- what sessions are doing (store/runs.py, usage.py, abort.py). A file store answers every
    # one of these without pretending: runs live in the gateway process, so it names how to
    # connect.
    async def abort_run(self, key: str) -> AbortResult: ...

    async def wait_run_ended(
        self, key: str, run_id: str | None = None, *, timeout: float = 10.0
    ) -> AbortResult: ...

    async def stop_run(self, key: str, *, timeout: float = 10.0) -> AbortResult: ...

    async def usage_report(self, params: Mapping[str, Any] | None = None) -> GatewayUsage: ...

    def open_transcript(self, key: str, *, history_limit: int = 200) -> TranscriptSource: ...

    async def transcript_activity(self, keys: Iterable[str]) -> dict[str, int]: ...

    # key -> when its transcript was last written (epoch ms): file stores look at the files;
    # gateways return {} (their transcript activity arrives as events, in the rows' _run).
