"""A fleet on one screen (pure data): each gateway's status, and what needs an operator now.

``GatewayStatus`` is one gateway as the gateways panel shows it (``store.gateway_statuses()``
gives one per gateway; a file store gives one for itself, so the same views work on a file).
``attention(...)`` ranks the sessions and gateways that need an operator now: gateway-level
problems (pairing, refused scope, errors), runs going past the stall limit, refused writes,
failed / timed-out / aborted last runs; most severe first, then most recent.

No Textual, no Rich: the views in ``tui/`` format these.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from enum import IntEnum
from typing import Any, Literal

from openclaw_tui.store.errors import error_message
from openclaw_tui.store.events import ConnectionState
from openclaw_tui.store.runs import (
    ActivityMarks,
    RunState,
    RunStatus,
    last_activity_ms,
    run_state,
    stalled,
)

Phase = Literal["connected", "connecting", "pairing", "refused-scope", "error", "open"]
"""What a gateway's connection is doing; ``open`` is a file store (no connection)."""

PHASE_LABELS: Mapping[Phase, str] = {
    "connected": "connected",
    "connecting": "connecting",
    "pairing": "pairing required",
    "refused-scope": "refused scope",
    "error": "error",
    "open": "open (file)",
}

LOCAL_NAME = "local"
"""What the views call a file store, the one "gateway" of a store on disk."""


@dataclass(frozen=True, slots=True)
class GatewayStatus:
    """One gateway as the gateways panel shows it. Text fields are data, never markup."""

    name: str
    location: str
    """The URL (or a file store's path)."""
    phase: Phase
    version: str | None = None
    """OpenClaw's version from ``hello-ok`` (the last connection's, while reconnecting)."""
    latency_ms: float | None = None
    """The last WebSocket ping round trip; None before the first one answered."""
    sessions: int = 0
    running: int = 0
    """Runs going now. A store fills what it knows; the app counts from its run state."""
    detail: str = ""
    """The connection's own words for its state (``connecting to ws://…; retrying in 4s``)."""
    last_error: str | None = None
    """The last problem's literal text (the gateway's own message), kept after recovery."""
    last_error_at_ms: int | None = None
    request_id: str | None = None
    """A pairing request waiting for approval on the gateway host."""
    approve_command: str | None = None
    down_since_ms: int | None = None
    """Reconnecting since this time after the connection failed or was lost (None: it is up,
    or still making its first attempt)."""

    @property
    def label(self) -> str:
        return PHASE_LABELS[self.phase]

    @property
    def problem(self) -> bool:
        """Needs an operator: pairing, refused scope, an error, or unreachable (reconnecting
        after a failure; not the first attempt of a gateway just opened)."""
        return self.phase in ("pairing", "refused-scope", "error") or (
            self.phase == "connecting" and self.down_since_ms is not None
        )


def problem_of(state: ConnectionState) -> str | None:
    """The literal problem a connection state reports, None when it reports none."""
    if state.state == "failed":
        error = state.extra.get("error")
        return error_message(error) if error is not None else state.detail or "failed"
    if state.state == "pairing":
        error = state.extra.get("error")
        return error_message(error) if error is not None else state.detail or "pairing required"
    if state.state == "disconnected" and state.extra.get("retry_in"):
        return state.detail or "connection lost"
    if state.state == "connected" and state.detail and not state.detail.startswith("connected"):
        return state.detail  # listing or subscribing failed on a live connection
    return None


def phase_of(state: ConnectionState, *, scope_refused: bool = False) -> Phase:
    """The panel's word for a connection state. ``scope_refused``: the gateway refused this
    connection's scopes (at the handshake, or a listing answered ``missing scope``); the
    gateway store knows its error classes, this module stays free of the client."""
    if state.state == "pairing":
        return "pairing"
    if scope_refused and state.state in ("failed", "connected"):
        return "refused-scope"
    if state.state == "failed":
        return "error"
    if state.state == "connected":
        return "error" if problem_of(state) is not None else "connected"
    if state.state == "disconnected" and not state.extra.get("retry_in"):
        detail = state.detail
        return "connecting" if detail in ("not opened", "not started", "") else "error"
    return "connecting"


def file_status(path: str, sessions: int, error: object | None) -> GatewayStatus:
    """A file store as the one "gateway" of the panel: open, or the error reading it."""
    return GatewayStatus(
        name=LOCAL_NAME,
        location=path,
        phase="error" if error is not None else "open",
        sessions=sessions,
        detail="a session store on disk (runs are the gateway's: --gateway to stop them)",
        last_error=error_message(error) if error is not None else None,
    )


def with_running(
    statuses: Iterable[GatewayStatus], running_keys: Iterable[str], gateway_of: Any
) -> list[GatewayStatus]:
    """Fill ``running`` from the app's own run state: ``gateway_of(key)`` names a key's gateway
    (one status alone takes every key)."""
    items = list(statuses)
    counts: dict[str, int] = {}
    if len(items) == 1:
        counts[items[0].name] = sum(1 for _ in running_keys)
    else:
        for key in running_keys:
            name = gateway_of(key)
            counts[name] = counts.get(name, 0) + 1
    return [replace(s, running=counts.get(s.name, 0)) for s in items]


# --- attention ---------------------------------------------------------------------------------


class Severity(IntEnum):
    """Lower first: what blocks most, or costs while nobody looks, comes first."""

    GATEWAY = 0
    STALLED = 1
    REFUSED = 2
    FAILED = 3
    ABORTED = 4


Reason = Literal[
    "pairing",
    "refused-scope",
    "gateway-error",
    "unreachable",
    "stalled",
    "refused",
    "failed",
    "timeout",
    "aborted",
]

REASON_WORDS: Mapping[str, str] = {
    "pairing": "pairing required",
    "refused-scope": "refused scope",
    "gateway-error": "gateway error",
    "unreachable": "unreachable",
    "stalled": "stalled",
    "refused": "write refused",
    "failed": "run failed",
    "timeout": "run timed out",
    "aborted": "run aborted",
}


_REASON_ORDER: Mapping[str, int] = {
    "gateway-error": 0,
    "refused-scope": 1,
    "unreachable": 2,
    "pairing": 3,
}
"""Among gateway problems: one that cannot fix itself first; a pairing waits for approval."""


@dataclass(frozen=True, slots=True)
class Refusal:
    """A write to one session that was refused (the store's or gateway's own words)."""

    message: str
    at_ms: int
    command: str = ""


@dataclass(frozen=True, slots=True)
class AttentionItem:
    """One thing that needs an operator now. ``key`` is None for a gateway-level problem."""

    reason: Reason
    severity: Severity
    gateway: str
    key: str | None
    at_ms: int | None
    """When it happened (the run's end, the refusal, the last sign of life of a stalled run)."""
    detail: str = ""
    """Literal text: the error, the refusal, how long it ran or is silent."""
    started_at_ms: int | None = None

    @property
    def word(self) -> str:
        return REASON_WORDS[self.reason]

    @property
    def identity(self) -> tuple[str, str, object]:
        """The same problem across refreshes: a session's by when it happened (a new failure
        is another one), a gateway's by its words (its retries do not make it new)."""
        if self.key is not None:
            return (self.reason, self.key, self.at_ms)
        return (self.reason, self.gateway, self.detail)

    @property
    def rank(self) -> tuple[int, int, float, str]:
        return (
            int(self.severity),
            _REASON_ORDER.get(self.reason, 0),
            -(self.at_ms or 0),
            self.key or self.gateway,
        )


ENDED_BADLY = frozenset({RunStatus.FAILED, RunStatus.TIMEOUT, RunStatus.KILLED})
"""A last run that ended like this (or ``aborted``) needs an operator's look."""


class RunStateCache:
    """Each session's run state, read once per version of its entry.

    Entries are never changed after publication (a change is a new mapping), so an entry seen
    before has the same run state: a view refreshing several times a second over thousands of
    failed cron sessions reads only the ones that changed.
    """

    def __init__(self) -> None:
        self._held: dict[str, tuple[Mapping[str, Any], RunState | None, int | None]] = {}
        # A session's item while its run is over depends on its entry alone (not the clock).
        self._items: dict[str, tuple[Mapping[str, Any], str, AttentionItem | None]] = {}

    def item(
        self,
        key: str,
        entry: Mapping[str, Any],
        gateway: str,
        now_ms: float,
        limit_ms: int,
        activity_ms: int | None = None,
    ) -> AttentionItem | None:
        held = self._items.get(key)
        if held is not None and held[0] is entry and held[1] == gateway:
            return held[2]
        found = session_attention(key, entry, gateway, now_ms, limit_ms, self, activity_ms)
        state = self._held[key][1]
        if state is None or not state.is_running:
            self._items[key] = (entry, gateway, found)
        else:
            self._items.pop(key, None)  # a running one's stall depends on the clock
        return found

    def get(self, key: str, entry: Mapping[str, Any]) -> tuple[RunState | None, int | None]:
        held = self._held.get(key)
        if held is not None and held[0] is entry:
            return held[1], held[2]
        state = run_state(entry)
        activity = last_activity_ms(entry) if state is not None and state.is_running else None
        self._held[key] = (entry, state, activity)
        return state, activity

    def keep_only(self, keys: set[str]) -> None:
        """Forget sessions no longer asked about (their entries are not held any longer)."""
        for key in [k for k in self._held if k not in keys]:
            del self._held[key]
            self._items.pop(key, None)


def session_attention(
    key: str,
    entry: Mapping[str, Any],
    gateway: str,
    now_ms: float,
    limit_ms: int,
    cache: RunStateCache | None = None,
    activity_ms: int | None = None,
) -> AttentionItem | None:
    """Why one session needs an operator (a stalled run, or a last run that ended badly).
    ``activity_ms``: a sign of life the entry does not show (its transcript being written)."""
    if cache is not None:
        state, activity = cache.get(key, entry)
    else:
        state = run_state(entry)
        activity = last_activity_ms(entry) if state is not None and state.is_running else None
    if state is None:
        return None
    if state.is_running:
        if activity_ms is not None and (activity is None or activity_ms > activity):
            activity = activity_ms
        if not stalled(state, activity, now_ms, limit_ms):
            return None
        silent = int(now_ms - activity) if activity is not None else None
        return AttentionItem(
            "stalled",
            Severity.STALLED,
            gateway,
            key,
            activity or state.started_at_ms,
            detail=f"silent {_span(silent)}" if silent is not None else "no sign of life",
            started_at_ms=state.started_at_ms,
        )
    if state.status not in ENDED_BADLY and not state.aborted:
        return None
    at = state.ended_at_ms or state.started_at_ms or _int(entry.get("updatedAt"))
    if state.status is RunStatus.FAILED:
        reason: Reason = "failed"
        severity = Severity.FAILED
    elif state.status is RunStatus.TIMEOUT:
        reason, severity = "timeout", Severity.FAILED
    else:
        reason, severity = "aborted", Severity.ABORTED
    return AttentionItem(
        reason,
        severity,
        gateway,
        key,
        at,
        detail=state.error or "",
        started_at_ms=state.started_at_ms,
    )


def gateway_attention(status: GatewayStatus) -> AttentionItem | None:
    """A gateway-level problem (pairing, refused scope, an error), None for a healthy one."""
    if not status.problem:
        return None
    reason: Reason = (
        "pairing"
        if status.phase == "pairing"
        else "refused-scope"
        if status.phase == "refused-scope"
        else "unreachable"
        if status.phase == "connecting"
        else "gateway-error"
    )
    detail = status.last_error or status.detail
    at_ms = status.last_error_at_ms
    if reason == "unreachable":
        at_ms = status.down_since_ms  # since when, not the latest retry
        detail = f"reconnecting: {detail}"
    if status.phase == "pairing" and status.approve_command:
        detail = f"{detail}; approve on its host: {status.approve_command}"
    return AttentionItem(reason, Severity.GATEWAY, status.name, None, at_ms, detail=detail)


def attention(
    entries: Mapping[str, Mapping[str, Any]],
    candidates: Iterable[str],
    *,
    now_ms: float,
    limit_ms: int,
    gateway_of: Any,
    statuses: Iterable[GatewayStatus] = (),
    refusals: Mapping[str, Refusal] | None = None,
    cache: RunStateCache | None = None,
    activity: ActivityMarks | None = None,
) -> list[AttentionItem]:
    """Everything that needs an operator now, ranked (most severe first, then most recent).

    ``candidates`` are the keys worth looking at (running ones and ones whose last run ended
    badly: the app keeps them per change, so this never walks 100,000 rows);
    ``gateway_of(key)`` names a key's gateway; ``activity`` holds signs of life the entries do
    not show (transcripts being written: not stalled). A refused write is listed besides any
    run problem of the same session. ``cache`` (kept by the caller between refreshes) reads each
    entry's run state once per version.
    """
    items: list[AttentionItem] = []
    for status in statuses:
        item = gateway_attention(status)
        if item is not None:
            items.append(item)
    keys = set(candidates)
    if cache is not None:
        cache.keep_only(keys)
    for key in keys:
        entry = entries.get(key)
        if not isinstance(entry, Mapping):
            continue
        mark = activity.get(key) if activity is not None else None
        if cache is not None:
            found = cache.item(key, entry, gateway_of(key), now_ms, limit_ms, mark)
        else:
            found = session_attention(key, entry, gateway_of(key), now_ms, limit_ms, None, mark)
        if found is not None:
            items.append(found)
    for key, refusal in (refusals or {}).items():
        if key not in entries:
            continue  # the session went away: nothing left to act on
        detail = f"{refusal.command}: {refusal.message}" if refusal.command else refusal.message
        items.append(
            AttentionItem(
                "refused", Severity.REFUSED, gateway_of(key), key, refusal.at_ms, detail=detail
            )
        )
    items.sort(key=lambda item: item.rank)
    return items


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value)


def _span(ms: int | None) -> str:
    if ms is None:
        return "?"
    seconds = max(0, ms // 1000)
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h{minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d{hours:02d}h"
