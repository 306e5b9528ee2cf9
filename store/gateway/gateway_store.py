"""``GatewayStore``: the sessions of one OpenClaw gateway behind the ``SessionStore`` API.

The gateway owns the data and does the merging; this class keeps a live mirror of its session
list and turns the store API into gateway requests:

- reading: ``sessions.subscribe`` then ``sessions.list`` (paged) on every (re)connect; afterwards
  ``sessions.changed`` events keep the mirror current. Listing is bounded: a page not answered
  within ``list_timeout`` closes the connection (the state says so; it reconnects with backoff),
  and a gateway still answering ``hasMore`` after ``max_list_pages`` pages is stopped there and
  re-listed with backoff (the state says so). A keyed event is "row X is now this"
  (2026.7.35: the row's fields flat in the payload, ``null`` meaning cleared; 2026.9.6: the full
  row in ``payload.session``); a keyed ``delete`` drops the row; a key-less event (``cleanup``,
  ``groups``, the 2026.9.6 follow-up of a delete) triggers a re-list. Events arrive late and out
  of order (2026.9.6), so an event older than the row we hold (``updatedAt``, then
  ``snapshotAt``) is ignored, and a deleted key remembers when it was deleted so a late event
  cannot bring it back.
- writing: ``update_entry`` diffs the new entry against the cached row and sends only the changed
  fields that ``sessions.patch`` accepts (fields it does not accept are refused before anything is
  sent); ``delete_entry`` -> ``sessions.delete``; ``create_session`` -> ``sessions.create``;
  ``reset_entry`` -> ``sessions.reset`` (``reset_session``, the store API's reset and /new, uses
  these two). Refusals carry the gateway's own message.

Entries are the gateway's list rows without ``key`` (the key is the mapping key), with
``null``-valued fields left out (as in a file store, where a cleared field is absent) and the
volatile ``snapshotAt`` kept aside for ordering only. Rows are never mutated after publication.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import math
import os
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Mapping, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType, TracebackType
from typing import Any, ClassVar, Final, TypeVar

import orjson

from openclaw_tui.store import fields, semantics
from openclaw_tui.store.api import ResetPolicy, SessionReset, StoreHealth
from openclaw_tui.store.backends.base import Issue
from openclaw_tui.store.bulk import (
    BULK_CONCURRENCY,
    PATCH_MANY_LIMIT,
    EntryResult,
    Outcome,
    ResultSink,
    bounded,
    refusal,
    report,
)
from openclaw_tui.store.config_dir import config_dir
from openclaw_tui.store.errors import StoreError
from openclaw_tui.store.events import (
    ConnectionState,
    EntryAdded,
    EntryChanged,
    EntryRemoved,
    StoreEvent,
    StoreReloaded,
)
from openclaw_tui.store.fleet import GatewayStatus, phase_of, problem_of
from openclaw_tui.store.gateway.activity import RUN_EVENTS, GatewayActivity
from openclaw_tui.store.gateway.client import (
    MIN_TICK_MS,
    UPGRADE_RETRY_S,
    Backoff,
    GatewayClient,
    Hello,
)
from openclaw_tui.store.gateway.config import GatewayConfig, parse_gateway_args
from openclaw_tui.store.gateway.errors import (
    GatewayError,
    GatewayFieldError,
    GatewayPagingError,
    GatewayRequestError,
    GatewayRequestTimeout,
    GatewayScopeError,
    GatewayScopeMismatchError,
    GatewayUnavailableError,
    GatewayUnsupportedError,
)
from openclaw_tui.store.gateway.identity import (
    DeviceIdentity,
    DeviceTokenStore,
    load_or_create_identity,
)
from openclaw_tui.store.subscription import Subscription

T = TypeVar("T")
Row = Mapping[str, Any]
PatchFn = Callable[[Mapping[str, Any]], Any]

# Fields ``sessions.patch`` accepts (besides ``key``), read from each release's params schema.
# The editable fields' names and releases come from store/fields.py (FieldSpec.patch_name,
# patch_since); these are the others, which no editor offers.
_OTHER_PATCH_FIELDS_2026_7 = frozenset(
    [
        "category",
        "archived",
        "pinned",
        "unread",
        "fastMode",
        "traceLevel",
        "execHost",
        "execSecurity",
        "execAsk",
        "execNode",
        "spawnedBy",
        "spawnedWorkspaceDir",
        "spawnedCwd",
        "spawnDepth",
        "subagentRole",
        "subagentControlScope",
        "inheritedToolAllow",
        "inheritedToolDeny",
    ]
)
_OTHER_PATCH_FIELDS_2026_9 = frozenset(
    [
        "autoLabel",
        "icon",
        "color",
        "category",
        "boardFace",
        "boardPresentation",
        "statusNote",
        "attention",
        "ttlMinutes",
        "archived",
        "pinned",
        "unread",
        "contextWindow",
        "fastMode",
        "toolOverrides",
        "traceLevel",
        "execHost",
        "execSecurity",
        "execAsk",
        "execNode",
        "permissionMode",
        "sandboxMode",
        "nativeRuntimeConsent",
        "agentRuntime",
        "completionOwnerSessionKey",
        "inheritedToolPolicyVersion",
        "inheritedToolAllow",
        "inheritedToolDeny",
    ]
)


def _editable_patch_fields(release: tuple[int, int]) -> frozenset[str]:
    """The editable fields' ``sessions.patch`` names a gateway of ``release`` accepts."""
    return frozenset(
        spec.patch_name
        for spec in fields.FIELDS
        if spec.patch_since is not None and spec.patch_since <= release
    )


PATCH_FIELDS_2026_7 = _OTHER_PATCH_FIELDS_2026_7 | _editable_patch_fields((2026, 7))
PATCH_FIELDS_2026_9 = _OTHER_PATCH_FIELDS_2026_9 | _editable_patch_fields((2026, 9))
# Managed by the gateway itself; a changed value here is not an edit request.
SERVER_MANAGED = frozenset({"sessionId", "updatedAt", "key"})
# A file entry spells a model override as two fields; the gateway takes one "provider/model".
MODEL_FIELDS = frozenset(fields.MODEL.stored)
# What a local model switch also writes (store.semantics.apply_model_override); the gateway
# derives these itself from the "model" param, so they are not sent with a model change.
MODEL_DERIVED = frozenset(
    {
        "model",
        "modelProvider",
        "modelOverrideSource",
        "liveModelSwitchPending",
        "contextTokens",
        "contextBudgetStatus",
        "authProfileOverrideCompactionCount",
    }
)
# "phase"/"runId": run-phase events (start|model|end|error) carry them beside the row fields.
EVENT_META = frozenset({"sessionKey", "reason", "ts", "agentId", "session", "phase", "runId"})
# Session events about transcripts and runs (no row): handed to the activity half.
ACTIVITY_EVENTS = RUN_EVENTS | {"session.message", "session.tool", "session.operation"}
VOLATILE = frozenset({"snapshotAt"})
# List-row fields a 2026.7 flat sessions.changed payload does not carry.
FLAT_EVENT_GAPS = ("sendPolicy", "thinkingLevels", "thinkingOptions")
MAX_TOMBSTONES = 10_000
APPLY_SLICE_S = 0.010  # listed rows are applied for this long between two yields to the loop
APPLY_STEP = 50  # rows applied between two looks at the clock
RELOAD_THRESHOLD = 200  # a re-list changing more rows than this is published as one reload
# OpenClaw 2026.7.35 runs its session maintenance (prune, cap) on every write of its store and
# removes the sessions it evicts without any event: its first sessions.patch of a 2,000-session
# store left 1,471, with sessions.changed for the patched keys only (seen in interop/). So
# after keyed changes settle, the gateway's count is compared with the mirror's (one 1-row
# sessions.list), and a difference seen twice in a row re-lists.
RECOUNT_QUIET_S = 2.0  # after the last keyed change
RECOUNT_MAX_WAIT_S = 15.0  # under a steady stream of changes, checked at least this often
RECOUNT_MIN_GAP_S = 5.0  # between two checks; and at least 5 listings' time between re-lists
RECOUNT_LISTINGS_GAP = 5

_VERSION = re.compile(r"^(\d+)\.(\d+)")


def _version(text: str) -> tuple[int, int] | None:
    match = _VERSION.match(text)
    return (int(match.group(1)), int(match.group(2))) if match else None


def patch_fields_for(server_version: str) -> frozenset[str]:
    """The ``sessions.patch`` fields a gateway of that release accepts."""
    version = _version(server_version)
    if version is None:
        return PATCH_FIELDS_2026_7 | PATCH_FIELDS_2026_9
    return PATCH_FIELDS_2026_9 if version >= (2026, 8) else PATCH_FIELDS_2026_7


def _clean_row(row: Mapping[str, Any]) -> dict[str, Any]:
    # Runs for every listed row and every event: a C-level copy (a row rarely holds a null;
    # filtering only then is a quarter cheaper than a comprehension), then the few pops.
    clean = dict(row)
    if None in clean.values():
        clean = {name: value for name, value in clean.items() if value is not None}
    clean.pop("key", None)
    for name in VOLATILE:
        clean.pop(name, None)
    return clean


def row_fields_changed(before: Mapping[str, Any], after: Mapping[str, Any]) -> frozenset[str]:
    """The fields that differ, by Python equality (a row is the gateway's JSON parsed, and the
    mirror already compares rows so): per change, so no byte-exact JSON comparison here."""
    names = {name for name, value in after.items() if before.get(name, _MISSING) != value}
    names.update(name for name in before if name not in after)
    return frozenset(names)


_MISSING: Final = object()


def _number(value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return 0.0


def _order(row: Mapping[str, Any]) -> tuple[float, float]:
    return (_number(row.get("updatedAt")), _number(row.get("snapshotAt")))


GATEWAY_RESET_POLICY: Final = ResetPolicy(
    effect=(
        "The gateway resets it (sessions.reset): a new transcript with cleared token counters; "
        "its settings are kept. The old transcript stays on the gateway host."
    ),
    new_creates=True,
    preview="reset by the gateway",
)
GATEWAY_DELETE_EFFECT: Final = "the gateway's own delete"
GATEWAY_MAINTENANCE_REFUSAL: Final = (
    "A gateway runs its own session maintenance: on its host, "
    "`openclaw sessions cleanup --dry-run` previews it."
)


def _outcomes(answer: Any, keys: list[str]) -> list[Mapping[str, Any] | None]:
    """``sessions.patchMany``'s ``outcomes``, one per target (by key when they carry one)."""
    raw = answer.get("outcomes") if isinstance(answer, Mapping) else None
    outcomes = [o for o in raw if isinstance(o, Mapping)] if isinstance(raw, list) else []
    by_key = {o["key"]: o for o in outcomes if isinstance(o.get("key"), str)}
    if len(by_key) == len(outcomes) and by_key:
        return [by_key.get(key) for key in keys]
    return [outcomes[i] if i < len(outcomes) else None for i in range(len(keys))]


def gateway_reset(key: str, *, created: bool) -> SessionReset:
    """A reset the gateway did, acknowledged with OpenClaw's own reply to /reset or /new."""
    if created:
        return SessionReset(key, f"✅ New session started. ({key})")
    return SessionReset(key, "✅ Session reset.")


@dataclass
class _Listing:
    """One pass over ``sessions.list``: what it saw and how its changes are published."""

    first: bool  # the store's first listing: streamed (a reload, then rows as they come)
    started: float | None = None  # the gateway's clock at the first page
    seen: set[str] = field(default_factory=set)
    changes: int = 0
    reloaded: bool = False  # the first page went out as a reload
    silent: bool = False  # too many changes for events: one reload at the end


def _discard(task: asyncio.Task[Any]) -> None:
    """Cancel a page request nobody will read (and retrieve its error if it already failed)."""
    if task.done():
        if not task.cancelled():
            task.exception()
        return
    task.cancel()
    task.add_done_callback(lambda t: t.cancelled() or t.exception())


class EventHub:
    """The ``EventSource`` a gateway store's subscriptions read: subscribers, generation.

    Shared by ``GatewayStore`` and ``MultiGatewayStore``.
    """

    def __init__(self) -> None:
        self.subscribers: set[Subscription] = set()
        self.generation = 0

    def subscribe(self, max_backlog: int) -> Subscription:
        sub = Subscription(self, max_backlog)
        self.subscribers.add(sub)
        return sub

    def bump(self) -> int:
        self.generation += 1
        return self.generation

    def close_all(self) -> None:
        for sub in list(self.subscribers):
            sub.close()


class GatewayStore(GatewayActivity):
    """One gateway's sessions, live, behind the ``SessionStore`` API (see ARCHITECTURE.md).

    ``target`` is a ``GatewayConfig`` or a ``ws://`` URL (token then from ``token_env`` or
    ``OPENCLAW_GATEWAY_TOKEN``). ``async with store:`` connects in the background and returns at
    once: progress arrives as ``ConnectionState`` events; ``await store.wait_synced()`` waits for
    the first complete list.
    """

    _listing_now: ClassVar[int] = 0
    """Pages being applied right now, over every gateway of this process (see _relist)."""

    def __init__(
        self,
        target: GatewayConfig | str,
        *,
        token_env: str | None = None,
        config_directory: Path | str | None = None,
        identity: DeviceIdentity | None = None,
        use_device_identity: bool = True,
        scopes: tuple[str, ...] | None = None,
        backoff: Backoff | None = None,
        page_size: int = 1000,
        max_backlog: int = 10_000,
        tick_interval_override_ms: int | None = None,
        handshake_timeout: float = 10.0,
        request_timeout: float = 30.0,
        list_timeout: float = 120.0,
        max_list_pages: int = 1000,
        list_window: int = 2,
        recount_quiet: float = RECOUNT_QUIET_S,
        max_frame_bytes: int | None = None,
        min_tick_interval_ms: int | None = None,
        upgrade_retry: float = UPGRADE_RETRY_S,
        allow_insecure_token: bool = False,
        read_only: bool = False,
        environ: Mapping[str, str] | None = None,
        maintenance: Any = None,
        max_bytes: int | None = None,
        watch: bool = True,
    ) -> None:
        # maintenance, max_bytes and watch exist so `open_store(url, **options)` takes the
        # options of a file store: the gateway maintains its own store and always pushes changes.
        env = os.environ if environ is None else environ
        if isinstance(target, GatewayConfig):
            self.config = target
        else:
            self.config = parse_gateway_args(
                [str(target)],
                token_env=token_env,
                environ=env,
                allow_insecure_token=allow_insecure_token,
            )[0]
        self.name = self.config.name
        self.url = self.config.url
        self.path = self.config.label  # what errors and the status bar call this store
        self.read_only = read_only
        self._config_dir = Path(config_directory) if config_directory else config_dir(env)
        self._identity = identity
        self._use_identity = use_device_identity
        # None: what the config asks for (read+write, plus operator.admin if opted in).
        self._scopes = scopes if scopes is not None else self.config.scopes
        self._backoff = backoff
        self._page_size = page_size
        self._max_backlog = max_backlog
        self._tick_override = tick_interval_override_ms
        self._handshake_timeout = handshake_timeout
        self._request_timeout = request_timeout
        # A 1,000-row page of a 10,000-session 2026.7.35 gateway took ~2.3 s (README).
        self._list_timeout = list_timeout
        self._max_list_pages = max_list_pages
        # Pages asked for ahead of the one being applied; small, as a 2026.9 gateway answers
        # "worker task capacity reached" when pressed.
        self._list_window = max(1, list_window)
        self._recount_quiet = recount_quiet
        self._recount_task: asyncio.Task[None] | None = None
        self._recount_first = self._recount_last = 0.0  # monotonic: unchecked changes since/until
        self._recounted_at = -math.inf  # the last check
        self._relisted_at = -math.inf  # the last re-list a check asked for
        self._listing_s = 0.0  # how long the last complete listing took
        self._max_frame_bytes = max_frame_bytes
        self._min_tick_ms = min_tick_interval_ms
        self._upgrade_retry = upgrade_retry
        self._entries: dict[str, dict[str, Any]] = {}
        self._version = 0  # bumps with every row set or dropped (load()'s copy is that old)
        self._loaded: tuple[int, Mapping[str, Mapping[str, Any]]] = (0, MappingProxyType({}))
        self._snapshot_at: dict[str, float] = {}
        self._tombstones: OrderedDict[str, float] = OrderedDict()
        self._hub = EventHub()
        self._listeners: list[Callable[[StoreEvent], None]] = []
        self._client: GatewayClient | None = None
        self._relist_task: asyncio.Task[None] | None = None
        self._relist_again = False
        self._describe_keys: set[str] = set()
        self._describe_task: asyncio.Task[None] | None = None
        self._synced = asyncio.Event()  # binds to a loop on first use (as _closing does)
        self._sync_count = 0
        self._error: StoreError | None = None
        self._operation: str | None = None
        self._closed = False
        self._closing = asyncio.Event()
        self.state = ConnectionState("disconnected", "not opened", {"gateway": self.name})
        self._last_problem: tuple[str, int] | None = None  # (literal text, epoch ms)
        # While a pairing request waits, each retry passes through "connecting": the panel keeps
        # saying "pairing required" until a connect gets another answer.
        self._pairing: ConnectionState | None = None
        self._down_since: int | None = None  # reconnecting after a failure since (epoch ms)
        self.stats: dict[str, int] = {
            "events": 0,
            "stale_events": 0,
            "relists": 0,
            "recounts": 0,
            "recount_relists": 0,
        }
        self._init_activity()

    # -- lifecycle --------------------------------------------------------------------------

    async def open(self) -> GatewayStore:
        if self._closed:
            raise GatewayUnavailableError(self.path, "the store is closed", fix="open a new one")
        if self._client is not None:
            return self
        identity = self._identity
        tokens: DeviceTokenStore | None = None
        if self._use_identity:
            if identity is None:
                identity = await asyncio.to_thread(load_or_create_identity, self._config_dir)
            tokens = DeviceTokenStore(self._config_dir)
        self._client = GatewayClient(
            self.config,
            identity=identity,
            tokens=tokens,
            on_state=self._on_state,
            on_event=self._on_event,
            on_connected=self._on_connected,
            scopes=self._scopes,
            backoff=self._backoff,
            handshake_timeout=self._handshake_timeout,
            request_timeout=self._request_timeout,
            tick_interval_override_ms=self._tick_override,
            max_frame_bytes=self._max_frame_bytes,
            min_tick_interval_ms=self._min_tick_ms or MIN_TICK_MS,
            upgrade_retry=self._upgrade_retry,
        )
        self._client.start()
        return self

    async def __aenter__(self) -> GatewayStore:
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
        self._closing.set()
        for task in (self._relist_task, self._describe_task, self._recount_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task
        await self._close_activity()
        if self._client is not None:
            await self._client.aclose()
        self._hub.close_all()

    async def wait_synced(self, timeout: float = 30.0) -> None:
        """Wait until the first complete list arrived; raise the connection's error if it failed.

        Raises ``GatewayError`` when the connection failed for good (token or protocol mismatch)
        and ``TimeoutError`` (with the last state in its message) when nothing came in time.
        """
        if self._client is None:
            raise GatewayUnavailableError(self.path, "not opened", fix="use `async with store:`")
        if self._synced.is_set():
            return
        waiter = asyncio.ensure_future(self._synced.wait())
        deadline = time.monotonic() + timeout
        try:
            while not waiter.done():
                if self.state.state == "failed":
                    error = self.state.extra.get("error")
                    if isinstance(error, GatewayError):
                        raise error
                    raise GatewayUnavailableError(self.path, self.state.detail)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"{self.path}: not synced: {self.state.detail}")
                await asyncio.wait({waiter}, timeout=min(remaining, 0.05))
        finally:
            waiter.cancel()

    # -- the SessionStore read API -------------------------------------------------------------

    def load(self) -> Mapping[str, Mapping[str, Any]]:
        """A read-only snapshot of the mirror; entries must not be mutated.

        Copied when something changed since the last call (O(rows) per call, never per
        change: the mirror itself changes in place), so a reader that iterates it across awaits
        or in a thread never sees it change under it.
        """
        version, rows = self._loaded
        if version != self._version:
            rows = MappingProxyType(dict(self._entries))
            self._loaded = (self._version, rows)
        return rows

    def get(self, key: str) -> Mapping[str, Any] | None:
        return self._entries.get(key)

    @property
    def generation(self) -> int:
        return self._hub.generation

    def connection_states(self) -> list[ConnectionState]:
        return [self.state]

    def gateway_statuses(self) -> list[GatewayStatus]:
        """This gateway for the gateways panel (``running`` is left for the app to count)."""
        state = self.state
        if state.state == "connecting" and self._pairing is not None:
            state = self._pairing
        client = self._client
        # A refused edit (missing operator.admin) is the edit's problem, not the connection's.
        read_error = self._error if self._operation == "read" else None
        failure = state.extra.get("error") if state.state == "failed" else read_error
        refused = isinstance(failure, GatewayScopeMismatchError | GatewayScopeError)
        version = self.server_version or state.extra.get("server_version")
        problem = self._last_problem
        if state.state == "pairing":
            request, command = state.extra.get("request_id"), state.extra.get("command")
        else:
            # Connected with the approved scopes while a wider set (operator.admin) waits.
            request = state.extra.get("upgrade_request_id")
            command = state.extra.get("upgrade_command")
        return [
            GatewayStatus(
                name=self.name,
                location=self.url,
                phase=phase_of(state, scope_refused=refused),
                version=str(version) if version else None,
                latency_ms=client.latency_ms if client is not None else None,
                sessions=len(self._entries),
                detail=state.detail,
                last_error=problem[0] if problem else None,
                last_error_at_ms=problem[1] if problem else None,
                request_id=str(request) if request else None,
                approve_command=str(command) if command else None,
                down_since_ms=self._down_since if state.state != "connected" else None,
            )
        ]

    @property
    def health(self) -> StoreHealth:
        reason = None
        if self.read_only:
            reason = "opened read-only"
        elif self._client is not None and self._client.hello is not None:
            scopes = self._client.hello.scopes
            if not {"operator.write", "operator.admin"} & set(scopes):
                reason = f"the gateway granted only {', '.join(scopes)}"
        operation: Any = self._operation
        return StoreHealth(self.path, self._error, operation, reason)

    @property
    def issues(self) -> list[Issue]:
        return []

    @property
    def server_version(self) -> str | None:
        hello = self._client.hello if self._client else None
        return hello.server_version if hello else None

    @property
    def scopes(self) -> tuple[str, ...]:
        hello = self._client.hello if self._client else None
        return hello.scopes if hello else ()

    @property
    def client(self) -> GatewayClient | None:
        return self._client

    def subscribe(self, *, max_backlog: int | None = None) -> Subscription:
        """Events from now on (the same ``Subscription`` as a file store hands out)."""
        return self._hub.subscribe(max_backlog or self._max_backlog)

    def add_listener(self, listener: Callable[[StoreEvent], None]) -> None:
        """Call ``listener(event)`` synchronously for each event (``MultiGatewayStore`` does)."""
        self._listeners.append(listener)

    async def recover(self) -> Path | None:
        """Nothing to recover: the gateway owns the data."""
        return None

    async def refresh(self) -> None:
        """Re-list now and wait for it."""
        self._schedule_relist("refresh")
        task = self._relist_task
        if task is not None:
            await asyncio.shield(task)

    # -- the SessionStore write API ------------------------------------------------------------

    def _writable_client(self) -> GatewayClient:
        if self.read_only:
            raise GatewayUnsupportedError(
                self.path, "is open read-only", fix="open it without --read-only to edit"
            )
        client = self._client
        if client is None or not client.connected:
            detail = self.state.detail or self.state.state
            raise GatewayUnavailableError(
                self.path,
                f"not connected ({detail}); nothing was changed",
                fix="wait until the status bar shows the gateway connected, then retry",
            )
        return client

    def patch_params(
        self, key: str, current: Mapping[str, Any], patch: Mapping[str, Any]
    ) -> dict[str, Any]:
        """The ``sessions.patch`` params for turning ``current`` into ``{**current, **patch}``.

        Only changed fields are sent; ``None`` clears a field. Raises ``GatewayFieldError`` for a
        change the gateway's patch schema does not accept.
        """
        version = self.server_version or ""
        allowed = patch_fields_for(version)
        params: dict[str, Any] = {"key": key}
        refused: list[str] = []
        model_switch = any(
            current.get(n) != v
            for n, v in patch.items()
            if isinstance(n, str) and n in MODEL_FIELDS
        )
        for name, value in patch.items():
            if not isinstance(name, str):
                raise TypeError(f"patch field names are strings, not {name!r}")
            if current.get(name) == value:
                continue
            if name in SERVER_MANAGED or name in MODEL_FIELDS or name.startswith("_"):
                continue  # "_" fields are the mirror's own (run state), never the gateway's
            if model_switch and name in MODEL_DERIVED:
                continue
            if name in allowed:
                params[name] = value
            else:
                refused.append(name)
        if model_switch:
            model = patch.get("modelOverride", current.get("modelOverride"))
            provider = patch.get("providerOverride", current.get("providerOverride"))
            name = fields.MODEL.patch_name
            if model is None:
                params[name] = None
            else:
                params[name] = semantics.model_ref(provider, model) or str(model)
        if refused:
            raise GatewayFieldError(
                self.path,
                f"sessions.patch cannot change {', '.join(sorted(refused))} of {key}",
                fix="the gateway accepts only: " + ", ".join(sorted(allowed)),
            )
        ver = _version(version)
        if "archived" in params and ver is not None and ver >= (2026, 8):
            # 2026.9 refuses lifecycle patches without the incarnation they were meant for.
            session_id = current.get("sessionId")
            if isinstance(session_id, str) and session_id:
                params["expectedSessionId"] = session_id
        return params

    async def update_entry(
        self,
        key: str,
        patch_or_fn: Mapping[str, Any] | PatchFn,
        *,
        create: bool = False,
        skip_maintenance: bool = False,
    ) -> dict[str, Any] | None:
        """``sessions.patch`` with only what changed; returns the new row (or None, see API)."""
        if not isinstance(key, str) or not key:
            raise ValueError(f"a session key must be a non-empty string, got {key!r}")
        client = self._writable_client()
        existing = self._entries.get(key)
        if existing is None and not create:
            return None
        current: Mapping[str, Any] = existing if existing is not None else MappingProxyType({})
        if callable(patch_or_fn):
            patch = patch_or_fn(current)
            if inspect.isawaitable(patch):
                patch = await patch
        else:
            patch = patch_or_fn
        if patch is None:
            return None
        if not isinstance(patch, Mapping):
            raise TypeError(f"a patch for {key!r} must be a mapping, not {type(patch).__name__}")
        params = self.patch_params(key, current, patch)
        if len(params) == 1 and existing is not None:
            return existing  # nothing changed: nothing to send
        result = await self._call(client, "sessions.patch", params)
        return self._apply_patch_result(key, params, result)

    def _apply_patch_result(
        self, key: str, params: Mapping[str, Any], result: Any
    ) -> dict[str, Any]:
        base = dict(self._entries.get(key) or {})
        for name, value in params.items():
            if name == "key" or name.startswith("expected"):
                continue
            if value is None:
                base.pop(name, None)
            else:
                base[name] = value
        entry = result.get("entry") if isinstance(result, dict) else None
        if isinstance(entry, dict):
            for name in ("sessionId", "updatedAt"):
                if entry.get(name) is not None:
                    base[name] = entry[name]
        self._upsert(key, base, source="local")
        return self._entries.get(key) or base

    async def delete_entry(self, key: str) -> bool:
        """``sessions.delete``; False when the gateway had no such session."""
        client = self._writable_client()
        result = await self._call(client, "sessions.delete", {"key": key})
        deleted = bool(result.get("deleted")) if isinstance(result, dict) else False
        held = self._entries.get(key)
        if held is not None:
            # The gateway's clock, not ours: anything newer than the deleted row is a new session.
            self._remove(key, _number(held.get("updatedAt")), source="local")
        return deleted

    # -- acting on many sessions (store/bulk.py) -------------------------------------------------

    @property
    def offers_patch_many(self) -> bool:
        """The gateway's hello lists ``sessions.patchMany``: one request per batch of targets."""
        hello = self._client.hello if self._client is not None else None
        return hello is not None and "sessions.patchMany" in hello.methods

    async def update_entries(
        self,
        patches: Mapping[str, Mapping[str, Any] | PatchFn],
        *,
        on_result: ResultSink | None = None,
    ) -> list[EntryResult]:
        """``update_entry`` of many sessions (never creating one).

        Sessions that get the same change go in one ``sessions.patchMany`` request per
        ``PATCH_MANY_LIMIT`` targets when the gateway offers it; otherwise ``sessions.patch``
        requests go ``BULK_CONCURRENCY`` at a time. Each session's result is the gateway's:
        a refusal carries its message verbatim.
        """
        results: dict[str, EntryResult] = {}
        planned: dict[str, dict[str, Any]] = {}
        for key, patch_or_fn in patches.items():
            try:
                params = await self._planned_params(key, patch_or_fn)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                results[key] = report(refusal(key, exc), on_result)
                continue
            if isinstance(params, str):
                results[key] = report(EntryResult(key, params), on_result)
            else:
                planned[key] = params
        if planned:
            self._writable_client()  # not connected / read-only: said once, before sending
            if self.offers_patch_many:
                done = await self._patch_many(planned, on_result)
            else:
                done = await bounded(
                    planned, lambda key: self._patch_one(key, planned[key]), on_result=on_result
                )
            results.update((result.key, result) for result in done)
        return [results[key] for key in patches if key in results]

    async def _planned_params(
        self, key: str, patch_or_fn: Mapping[str, Any] | PatchFn
    ) -> dict[str, Any] | Outcome:
        existing = self._entries.get(key)
        if existing is None:
            return "missing"
        patch = patch_or_fn(existing) if callable(patch_or_fn) else patch_or_fn
        if inspect.isawaitable(patch):
            patch = await patch
        if patch is None:
            return "unchanged"
        if not isinstance(patch, Mapping):
            raise TypeError(f"a patch for {key!r} must be a mapping, not {type(patch).__name__}")
        params = self.patch_params(key, existing, patch)
        return "unchanged" if len(params) == 1 else params

    async def _patch_one(self, key: str, params: dict[str, Any]) -> EntryResult:
        try:
            result = await self._call(self._writable_client(), "sessions.patch", params)
        except GatewayRequestError as exc:
            return refusal(key, exc, exc.message)
        self._apply_patch_result(key, params, result)
        return EntryResult(key, "applied")

    async def _patch_many(
        self, planned: Mapping[str, dict[str, Any]], on_result: ResultSink | None
    ) -> list[EntryResult]:
        # patchMany applies one patch to many targets: group the sessions by their change.
        groups: dict[bytes, list[str]] = {}
        for key, params in planned.items():
            change = {n: v for n, v in params.items() if n != "key" and n != "expectedSessionId"}
            groups.setdefault(orjson.dumps(change, option=orjson.OPT_SORT_KEYS), []).append(key)
        batches = [
            keys[i : i + PATCH_MANY_LIMIT]
            for keys in groups.values()
            for i in range(0, len(keys), PATCH_MANY_LIMIT)
        ]
        results: list[EntryResult] = []

        async def send(index: int) -> list[EntryResult]:
            keys = batches[index]
            first = planned[keys[0]]
            change = {n: v for n, v in first.items() if n != "key" and n != "expectedSessionId"}
            targets = []
            for key in keys:
                target: dict[str, Any] = {"key": key}
                if "expectedSessionId" in planned[key]:
                    target["expectedSessionId"] = planned[key]["expectedSessionId"]
                targets.append(target)
            try:
                answer = await self._call(
                    self._writable_client(),
                    "sessions.patchMany",
                    {"targets": targets, "patch": change},
                )
            except GatewayRequestError as exc:  # the whole request refused: each row says so
                return [report(refusal(key, exc, exc.message), on_result) for key in keys]
            return [
                report(self._patch_many_outcome(key, planned[key], outcome), on_result)
                for key, outcome in zip(keys, _outcomes(answer, keys), strict=True)
            ]

        gate = asyncio.Semaphore(BULK_CONCURRENCY)  # batches in flight at once

        async def gated(index: int) -> list[EntryResult]:
            async with gate:
                return await send(index)

        for done in await asyncio.gather(*(gated(i) for i in range(len(batches)))):
            results.extend(done)
        return results

    def _patch_many_outcome(
        self, key: str, params: dict[str, Any], outcome: Mapping[str, Any] | None
    ) -> EntryResult:
        if outcome is None:
            return EntryResult(key, "refused", "sessions.patchMany answered nothing for it")
        if outcome.get("ok") is True:
            self._apply_patch_result(key, params, outcome)
            return EntryResult(key, "applied")
        error = outcome.get("error")
        message = error.get("message") if isinstance(error, Mapping) else outcome.get("message")
        return EntryResult(key, "refused", str(message or "refused by the gateway"))

    def archive_refusal(self, key: str) -> str | None:
        version = self.server_version
        if version is not None and "archived" not in patch_fields_for(version):
            return f"gateway {self.name} ({version}) does not support archived"
        return None  # not connected yet: the request itself will say what is wrong

    async def delete_entries(
        self, keys: Iterable[str], *, on_result: ResultSink | None = None
    ) -> list[EntryResult]:
        """``sessions.delete`` of many sessions, ``BULK_CONCURRENCY`` at a time."""

        async def delete(key: str) -> EntryResult:
            if key not in self._entries:
                return EntryResult(key, "missing")
            try:
                deleted = await self.delete_entry(key)
            except GatewayRequestError as exc:
                return refusal(key, exc, exc.message)
            return EntryResult(key, "applied" if deleted else "missing")

        return await bounded(keys, delete, on_result=on_result)

    async def reset_entries(
        self,
        keys: Iterable[str],
        *,
        new_session_id: Callable[[], str] | None = None,
        now_ms: int | None = None,
        on_result: ResultSink | None = None,
    ) -> list[EntryResult]:
        """``sessions.reset`` of many sessions, ``BULK_CONCURRENCY`` at a time (the gateway
        picks the new ids: ``new_session_id``/``now_ms`` are for file stores)."""

        async def reset(key: str) -> EntryResult:
            if key not in self._entries:
                return EntryResult(key, "missing")
            try:
                await self.reset_entry(key)
            except GatewayRequestError as exc:
                return refusal(key, exc, exc.message)
            return EntryResult(key, "applied")

        return await bounded(keys, reset, on_result=on_result)

    async def create_session(self, *, key: str | None = None, label: str | None = None) -> str:
        """``sessions.create``; returns the new session's key (the row arrives as an event)."""
        client = self._writable_client()
        params: dict[str, Any] = {}
        if key is not None:
            params["key"] = key
        if label is not None:
            params["label"] = label
        result = await self._call(client, "sessions.create", params)
        new_key = result.get("key") if isinstance(result, dict) else None
        if not isinstance(new_key, str):
            raise GatewayRequestError(self.path, "sessions.create answered without a key")
        entry = result.get("entry")
        if isinstance(entry, dict) and new_key not in self._entries:
            self._upsert(new_key, _clean_row(entry), source="local", force=True)
        return new_key

    async def reset_entry(self, key: str) -> Any:
        """``sessions.reset`` (new transcript; overrides kept). Returns the gateway's answer."""
        client = self._writable_client()
        return await self._call(client, "sessions.reset", {"key": key})

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
        """The gateway's own reset: ``sessions.reset`` of ``key``, or with ``new`` a separate
        session by ``sessions.create`` (the gateway picks its key and id, so ``session_id`` and
        ``now_ms`` are not used). Returns None (nothing sent) when ``key`` is not in the mirror.
        """
        if key not in self._entries:
            return None
        if new:
            return gateway_reset(await self.create_session(), created=True)
        await self.reset_entry(key)
        return gateway_reset(key, created=False)

    async def update(
        self,
        mutator: Callable[[MutableMapping[str, Any]], T | Awaitable[T]],
        *,
        skip_maintenance: bool = False,
    ) -> T:
        """Run ``mutator`` on a private copy, then send what it changed, key by key.

        A gateway has no multi-session transaction: if one request is refused, the earlier ones
        stay applied and the refusal is raised. Nothing is sent if the mutator raises.
        """
        self._writable_client()
        before = self._entries
        work: dict[str, Any] = {key: dict(row) for key, row in before.items()}
        result = mutator(work)
        if inspect.isawaitable(result):
            result = await result
        for key in [k for k in before if k not in work]:
            await self.delete_entry(key)
        for key, value in work.items():
            old = before.get(key)
            if not isinstance(value, Mapping):
                raise TypeError(f"entry {key!r} must be a mapping, not {type(value).__name__}")
            if old is None:
                await self.update_entry(key, value, create=True)
            elif dict(value) != dict(old):
                removed = {name: None for name in old if name not in value}
                await self.update_entry(key, {**removed, **value})
        return result

    async def save(self, entries: Mapping[str, Any]) -> None:
        raise GatewayUnsupportedError(
            self.path,
            "a gateway's sessions cannot be replaced wholesale",
            fix="edit sessions one at a time, or run maintenance on the gateway host "
            "(openclaw sessions cleanup)",
        )

    async def _call(self, client: GatewayClient, method: str, params: Mapping[str, Any]) -> Any:
        try:
            result = await client.request(method, params)
        except GatewayError as exc:
            self._error, self._operation = exc, "write"
            raise
        self._error, self._operation = None, None
        return result

    # -- publishing -----------------------------------------------------------------------------

    def _publish(self, event: StoreEvent) -> None:
        for sub in list(self._hub.subscribers):
            sub._push(event)
        for listener in self._listeners:
            listener(event)

    def _set_row(self, key: str, row: dict[str, Any]) -> None:
        # In place, O(1): a 100,000-row mirror taking thousands of changes a second cannot copy
        # itself per change. Rows themselves are replaced, never mutated, so an event's
        # before/after stay what they were; ``load()`` is the live read-only view.
        self._entries[key] = row
        self._version += 1

    def _snapshot(self) -> Mapping[str, Mapping[str, Any]]:
        """A frozen copy for a reload event (O(rows), once per reload, never per change): the
        event says what the mirror held then; the changes after it follow as events."""
        return self.load()

    def _drop_row(self, key: str) -> None:
        del self._entries[key]
        self._version += 1
        self._snapshot_at.pop(key, None)

    def _upsert(
        self,
        key: str,
        raw_row: Mapping[str, Any],
        *,
        source: str = "external",
        snapshot_at: Any = None,
        force: bool = False,
        publish: bool = True,
        stale_stat: str = "stale_events",
    ) -> bool:
        """Hold ``raw_row`` as ``key``'s row unless what we hold is newer; True if it changed.

        ``publish=False`` changes the mirror without an event (the caller publishes a reload).
        """
        row = _clean_row(raw_row)
        updated = _number(row.get("updatedAt"))
        tombstone = self._tombstones.get(key) if self._tombstones else None
        if not force and tombstone is not None and updated <= tombstone:
            self.stats[stale_stat] = self.stats.get(stale_stat, 0) + 1
            return False
        old = self._entries.get(key)
        if old is not None and not force:
            incoming = (updated, _number(snapshot_at))
            held = (_number(old.get("updatedAt")), self._snapshot_at.get(key, 0.0))
            if incoming < held:
                self.stats[stale_stat] = self.stats.get(stale_stat, 0) + 1
                return False
        if tombstone is not None:
            del self._tombstones[key]
        if snapshot_at is not None:
            self._snapshot_at[key] = _number(snapshot_at)
        row = self._annotate_run(key, row)
        if old == row:
            return False
        self._set_row(key, row)
        if not publish:
            self._notify_key(key)
            return True
        generation = self._hub.bump()
        if old is None:
            self._publish(EntryAdded(key, row, source, generation))  # type: ignore[arg-type]
        else:
            fields = row_fields_changed(old, row)
            self._publish(EntryChanged(key, old, row, fields, source, generation))  # type: ignore[arg-type]
        self._notify_key(key)
        return True

    def _remove(
        self, key: str, at_ms: float, *, source: str = "external", publish: bool = True
    ) -> bool:
        self._tombstones[key] = max(at_ms, self._tombstones.get(key, 0.0))
        self._tombstones.move_to_end(key)
        while len(self._tombstones) > MAX_TOMBSTONES:
            self._tombstones.popitem(last=False)
        old = self._entries.get(key)
        if old is None:
            return False
        self._drop_row(key)
        self._forget_run(key)
        if publish:
            self._publish(EntryRemoved(key, old, source, self._hub.bump()))  # type: ignore[arg-type]
        self._notify_key(key)
        return True

    # -- connection callbacks ----------------------------------------------------------------

    def _on_state(self, state: ConnectionState) -> None:
        self.state = state
        if state.state == "pairing":
            self._pairing = state
        elif state.state != "connecting":
            self._pairing = None
        problem = problem_of(state)
        now_ms = int(time.time() * 1000)
        if problem is not None:
            # Kept after the gateway recovers: the panel's "last error" (literal text).
            self._last_problem = (problem, now_ms)
        if state.state == "connected":
            self._down_since = None
        elif state.state == "disconnected" and state.extra.get("retry_in"):
            self._down_since = self._down_since or now_ms
        if state.state == "failed":
            error = state.extra.get("error")
            if isinstance(error, StoreError):
                self._error, self._operation = error, "read"
        elif state.state == "connected":
            self._error, self._operation = None, None
        self._publish(state)

    async def _on_connected(self, hello: Hello) -> None:
        assert self._client is not None
        self._activity_reconnected()
        try:
            await self._client.request("sessions.subscribe", {})
        except GatewayError as exc:
            self._error, self._operation = exc, "read"
            self._publish_state_note(f"cannot subscribe to changes: {exc.describe()}")
        self._schedule_relist("connected")

    def _publish_state_note(self, detail: str) -> None:
        self._on_state(ConnectionState(self.state.state, detail, dict(self.state.extra)))

    def _on_event(self, name: str, payload: Mapping[str, Any], seq: int | None) -> None:
        if name in ACTIVITY_EVENTS:
            self._on_activity_event(name, payload)
            return
        if name != "sessions.changed":
            return
        self.stats["events"] += 1
        key = payload.get("sessionKey")
        reason = payload.get("reason")
        if not isinstance(key, str) or not key:
            self._schedule_relist(f"sessions.changed {reason or ''}".strip())
            return
        self._schedule_recount()
        if reason == "delete":
            session_id = payload.get("sessionId")
            held = self._entries.get(key)
            if (
                held is not None
                and isinstance(session_id, str)
                and held.get("sessionId") not in (None, session_id)
            ):
                self.stats["stale_events"] += 1  # the delete of an older incarnation
                return
            at = _number(payload.get("ts")) or _number((held or {}).get("updatedAt"))
            self._remove(key, at)
            return
        if payload.get("phase") is not None:
            self._on_phase_event(key, payload)
        session = payload.get("session")
        if isinstance(session, dict):
            # 2026.9: the full row; anything missing from it is not set any more.
            self._upsert(key, session, snapshot_at=session.get("snapshotAt"))
            return
        fields = {n: v for n, v in payload.items() if n not in EVENT_META}
        if "updatedAt" not in fields:
            self._schedule_relist(f"sessions.changed {reason or ''} without a row")
            return
        # 2026.7: the row's fields flat in the payload; null means cleared, absent means kept.
        row = dict(self._entries.get(key) or {})
        for field_name, value in fields.items():
            if value is None:
                row.pop(field_name, None)
            else:
                row[field_name] = value
        self._upsert(key, row)
        # A few list-row fields are not in that payload; fetch them so they cannot go stale.
        self._schedule_describe(key)

    def _schedule_describe(self, key: str) -> None:
        if self._closed:
            return
        self._describe_keys.add(key)
        if self._describe_task is None or self._describe_task.done():
            self._describe_task = asyncio.create_task(self._describe_loop())

    async def _describe_loop(self) -> None:
        while self._describe_keys:
            key = self._describe_keys.pop()
            client = self._client
            if client is None or not client.connected:
                return  # the re-list after reconnecting covers it
            try:
                answer = await client.request("sessions.describe", {"key": key})
            except GatewayError:
                continue  # not fatal: only the few fields missing from the event stay as they were
            session = answer.get("session") if isinstance(answer, dict) else None
            held = self._entries.get(key)
            if not isinstance(session, dict) or held is None:
                continue
            if _number(session.get("updatedAt")) < _number(held.get("updatedAt")):
                continue
            row = dict(held)
            for name in FLAT_EVENT_GAPS:
                if session.get(name) is None:
                    row.pop(name, None)
                else:
                    row[name] = session[name]
            self._upsert(key, row)

    # -- the count check after writes (sessions removed without an event) ---------------------

    def _schedule_recount(self) -> None:
        if self._closed:
            return
        now = time.monotonic()
        self._recount_last = now
        if self._recount_task is None or self._recount_task.done():
            self._recount_first = now
            self._recount_task = asyncio.create_task(self._recount_loop())

    def _recount_gap(self) -> float:
        # The waits scale with ``recount_quiet`` (tests shorten them all at once).
        return RECOUNT_MIN_GAP_S * self._recount_quiet / RECOUNT_QUIET_S

    def _recount_due(self) -> float:
        quiet = min(
            self._recount_last + self._recount_quiet,
            self._recount_first + RECOUNT_MAX_WAIT_S * self._recount_quiet / RECOUNT_QUIET_S,
        )
        return max(quiet, self._recounted_at + self._recount_gap())

    async def _recount_loop(self) -> None:
        """Once the keyed changes settle: does the gateway still list as many sessions as the
        mirror holds? A write may have made it evict some silently (see RECOUNT_QUIET_S)."""
        confirmed = 0
        while not self._closed:
            while (wait := self._recount_due() - time.monotonic()) > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._closing.wait(), wait)
                if self._closed:
                    return
            client = self._client
            if client is None or not client.connected:
                return  # the reconnect lists again
            if self._relist_task is not None and not self._relist_task.done():
                # It may have read its pages before the eviction: check after it.
                self._recount_first = self._recount_last = time.monotonic()
                await asyncio.wait({self._relist_task})
                continue
            self._recounted_at = time.monotonic()
            self.stats["recounts"] += 1
            params = {**self.list_params(0), "limit": 1}
            try:
                answer = await client.request("sessions.list", params)
            except GatewayError:
                return  # not fatal: the next change checks again
            total = answer.get("totalCount") if isinstance(answer, dict) else None
            if not isinstance(total, int) or isinstance(total, bool):
                return  # a gateway without a count: nothing to compare
            held = len(self._entries)
            if total == held:
                return
            confirmed += 1
            if confirmed < 2:
                # Its events may lag its answer (2026.9: up to ~0.8 s): look again once.
                self._recount_first = self._recount_last = time.monotonic()
                continue
            gap = max(self._recount_gap(), RECOUNT_LISTINGS_GAP * self._listing_s)
            if time.monotonic() - self._relisted_at < gap:
                # A gateway that always counts otherwise (rows it never lists): bounded cost.
                self._recount_first = self._recount_last = self._relisted_at + gap
                confirmed = 1
                continue
            self._relisted_at = time.monotonic()
            self.stats["recount_relists"] += 1
            self._schedule_relist(
                f"the gateway lists {total:,} sessions, {held:,} held "
                "(removed or added without an event)"
            )
            return

    # -- listing ------------------------------------------------------------------------------

    def _schedule_relist(self, reason: str) -> None:
        if self._closed:
            return
        if self._relist_task is not None and not self._relist_task.done():
            self._relist_again = True
            return
        self._relist_task = asyncio.create_task(self._relist_loop(reason))

    async def _relist_loop(self, reason: str) -> None:
        base = self._backoff or Backoff()
        busy = Backoff(base.initial, base.maximum, base.factor)
        while True:
            self._relist_again = False
            try:
                await self._relist(reason)
            except GatewayRequestTimeout as exc:
                # Connected but not answering: an empty view must not say "connected". Close it;
                # the client reconnects with growing backoff and the new connection re-lists.
                self._error, self._operation = exc, "read"
                if self._client is not None:
                    await self._client.drop(f"{self.path}: {exc.message}")
                return
            except GatewayRequestError as exc:
                self._error, self._operation = exc, "read"
                # An overloaded gateway (2026.9 "worker task capacity reached") recovers, and
                # one that pages without end may stop: retry both, less and less often.
                if exc.code != "UNAVAILABLE" and not isinstance(exc, GatewayPagingError):
                    self._publish_state_note(f"cannot list sessions: {exc.describe()}")
                    return
                delay = busy.next()
                self._publish_state_note(
                    f"cannot list sessions: {exc.describe()}; retrying in {delay:g}s"
                )
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._closing.wait(), delay)
                if self._closed:
                    return
                self._relist_again = True
            except GatewayError as exc:
                client = self._client
                if client is None or not client.connected:
                    # The connection went while listing: its state says why, and the
                    # reconnect lists again. A note here would hide that reason.
                    return
                if not self._relist_again:
                    self._error, self._operation = exc, "read"
                    self._publish_state_note(f"cannot list sessions: {exc.describe()}")
                    return
                # A reconnect asked for a listing while this one died with the old connection.
            if not self._relist_again:
                return
            reason = "changes during the last listing"

    def list_params(self, offset: int) -> dict[str, Any]:
        params: dict[str, Any] = {
            "limit": self._page_size,
            "offset": offset,
            "includeGlobal": True,
            "includeUnknown": True,
        }
        ver = _version(self.server_version or "")
        if ver is not None and ver >= (2026, 8):
            params["archived"] = "all"  # 2026.9 hides archived sessions unless asked
        return params

    def _ask_page(self, client: GatewayClient, offset: int) -> asyncio.Task[Any]:
        return asyncio.ensure_future(
            client.request("sessions.list", self.list_params(offset), timeout=self._list_timeout)
        )

    def _next_offset(self, page: Mapping[str, Any], offset: int, count: int) -> int | None:
        next_offset = page.get("nextOffset")
        if page.get("hasMore") and isinstance(next_offset, int) and next_offset > offset:
            return next_offset
        if page.get("hasMore") is None and count >= self._page_size:
            return offset + count
        return None

    async def _relist(self, reason: str) -> None:
        """Page through ``sessions.list`` into the mirror, pipelined and applied page by page.

        The next pages are asked for before the current one is processed (``list_window``
        requests in flight: the gateway reads page k+1 while we apply page k), and each page
        goes into the mirror as it arrives, so a first listing streams to the screen: the first
        page is published as a reload, every later one as its rows' events. A re-list publishes
        only what changed; one that changes more than ``RELOAD_THRESHOLD`` rows is published as
        one reload at its end. Rows not listed are removed at the end, except those whose event
        came after the listing started.
        """
        client = self._client
        assert client is not None
        self.stats["relists"] += 1
        started = time.monotonic()
        listing = _Listing(first=self._sync_count == 0)
        inflight: dict[int, asyncio.Task[Any]] = {0: self._ask_page(client, 0)}
        offset = 0
        pages = 0
        try:
            while True:
                if pages >= self._max_list_pages:
                    raise GatewayPagingError(
                        self.path,
                        f"sessions.list still answered hasMore after {pages} pages "
                        f"({len(listing.seen)} sessions); stopped paging there",
                        method="sessions.list",
                        fix="the gateway pages without end; the view keeps the rows it has",
                    )
                pages += 1
                task = inflight.pop(offset, None) or self._ask_page(client, offset)
                page = await task
                if not isinstance(page, dict):
                    raise GatewayRequestError(self.path, "sessions.list answered without a list")
                sessions = page.get("sessions") or []
                if not isinstance(sessions, list):
                    raise GatewayRequestError(self.path, "sessions.list answered without a list")
                next_offset = self._next_offset(page, offset, len(sessions))
                step = next_offset - offset if next_offset is not None else 0
                if self._pipeline(
                    client, inflight, next_offset, step, page.get("totalCount"), pages
                ):
                    await asyncio.sleep(0)  # the new requests go out before this page is applied
                if listing.started is None:
                    listing.started = _number(page.get("ts"))
                # In slices of APPLY_SLICE_S, yielding between them: a 1,000-row page is tens
                # of ms of work, and the screen (the operator's keys) shares this loop. By time,
                # not by rows: a slice costs the keys the same however heavy the rows are (or
                # slow the machine), and the listing gets more than a few ms between two
                # frames (each ~30-40 ms while keys move the cursor).
                # (The first page of a first listing goes whole: it is published as one reload.)
                more = next_offset is not None
                if listing.first and not listing.reloaded:
                    self._apply_page(sessions, listing, more=more, why=reason)
                else:
                    await self._apply_in_slices(sessions, listing, more=more, why=reason)
                if next_offset is None:
                    break
                offset = next_offset
                # An answer already in is awaited without yielding: let the screen draw and
                # the operator's keys through between pages.
                await asyncio.sleep(0)
        finally:
            for task in inflight.values():
                _discard(task)
        self._finish_listing(listing, reason)
        self._listing_s = time.monotonic() - started

    def _pipeline(
        self,
        client: GatewayClient,
        inflight: dict[int, asyncio.Task[Any]],
        next_offset: int | None,
        step: int,
        total: Any,
        pages: int,
    ) -> bool:
        """Keep the next ``list_window`` pages asked for, ``step`` apart (the stride the gateway
        just paged by, which may be less than our limit); drop guesses it disproved. True when
        a request was added."""
        if next_offset is None:
            for task in inflight.values():
                _discard(task)
            inflight.clear()
            return False
        for stale in [o for o in inflight if o < next_offset or (o - next_offset) % step]:
            _discard(inflight.pop(stale))
        asked = False
        ahead = next_offset
        for n in range(self._list_window):
            if pages + n >= self._max_list_pages:
                break
            if n and isinstance(total, int) and not isinstance(total, bool) and ahead >= total:
                break  # past the end the gateway announced
            if ahead not in inflight:
                inflight[ahead] = self._ask_page(client, ahead)
                asked = True
            ahead += step
        return asked

    async def _apply_in_slices(
        self, sessions: list[Any], listing: _Listing, *, more: bool, why: str
    ) -> None:
        clock = time.perf_counter
        slice_start = clock()
        GatewayStore._listing_now += 1
        try:
            for start in range(0, max(len(sessions), 1), APPLY_STEP):
                # Gateways listing at once share the slice: ten of them must not take ten
                # slices of the loop between two frames.
                if clock() - slice_start >= APPLY_SLICE_S / GatewayStore._listing_now:
                    await asyncio.sleep(0)
                    slice_start = clock()
                rows = sessions[start : start + APPLY_STEP]
                self._apply_page(rows, listing, more=more, why=why)
        finally:
            GatewayStore._listing_now -= 1

    def _apply_page(self, sessions: list[Any], listing: _Listing, *, more: bool, why: str) -> None:
        opening = listing.first and not listing.reloaded
        for raw in sessions:
            if not isinstance(raw, dict):
                continue
            key = raw.get("key")
            if not isinstance(key, str):
                continue
            listing.seen.add(key)
            changed = self._upsert(
                key,
                raw,
                snapshot_at=raw.get("snapshotAt"),
                publish=not (opening or listing.silent),
                stale_stat="listed_older",
            )
            if changed and not listing.first:
                listing.changes += 1
                if listing.changes > RELOAD_THRESHOLD:
                    listing.silent = True
        if opening:
            # The first page of the first listing: the view starts from it, then grows.
            listing.reloaded = True
            detail = f"first {len(listing.seen)} sessions (listing the rest)" if more else why
            self._publish(
                StoreReloaded(self._snapshot(), f"{self.path}: {detail}", self._hub.bump())
            )
            # A reload drops a subscriber's backlog, and with it the state that came before.
            self._publish(self.state)

    def _finish_listing(self, listing: _Listing, why: str) -> None:
        started = listing.started or 0.0
        seen = listing.seen
        # Rows the gateway no longer lists, except those that appeared (their event came in)
        # after the listing was read.
        gone = [
            key
            for key, held in self._entries.items()
            if key not in seen and not _number(held.get("updatedAt")) > started > 0
        ]
        if not listing.first and listing.changes + len(gone) > RELOAD_THRESHOLD:
            listing.silent = True
        for key in gone:
            old = self._entries[key]
            self._drop_row(key)
            self._forget_run(key)
            if not listing.silent:
                self._publish(EntryRemoved(key, old, "external", self._hub.bump()))
            self._notify_key(key)
        self._sync_count += 1
        if listing.silent:
            self._publish(StoreReloaded(self._snapshot(), f"{self.path}: {why}", self._hub.bump()))
            self._publish(self.state)
        self._mark_synced()

    def _mark_synced(self) -> None:
        self._synced.set()
