"""What each session is doing: run state, stalls, usage and cost (pure; no Textual, no Rich).

Where run state comes from, as we observed it on real 2026.7.35 and 2026.9.6 gateways (these
notes are the record: each source, the fields it carries and how each release deviates):

- a file entry (sessions.json, SQLite ``session_nodes``) keeps the LAST run: ``status``
  (running/done/failed/killed/timeout), ``startedAt``, ``endedAt``, ``runtimeMs``,
  ``abortedLastRun`` (9.6 also ``lastRunId``);
- a gateway list row adds ``hasActiveRun`` and ``activeRunIds``. Quirks: 7.35 keeps the previous
  run's ``status`` ("done"/"killed") for ~1 s after ``hasActiveRun`` turned true, and keeps
  ``hasActiveRun`` true ~0.5 s after ``status:"killed"``; 9.6 sends ``activeRunIds`` only in the
  first snapshot after a send and omits it afterwards (``[]`` when idle);
- ``agent`` lifecycle events (``start`` → ``model`` → ``finishing`` → ``end``; an abort ends with
  ``status:"cancelled", aborted:true`` then ``error``) and ``chat`` states (``final`` /
  ``aborted``) say when a run really started and ended.

``run_state(entry)`` reads one entry or row. ``RunTracker`` (used by the gateway store) merges
rows and events per session, keeps the last known run ids until an end signal, and writes the
resolved state into the row as ``_run`` (a mirror-only field: never sent to the gateway), which
``run_state`` then prefers. So callers only ever call ``run_state(entry)``.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal

from openclaw_tui.store.keys import channel_of, classify_key, parse_key
from openclaw_tui.store.semantics import effective_model

if TYPE_CHECKING:
    from openclaw_tui.store.transcripts.base import TranscriptSource

RUN_FIELD = "_run"
"""The mirror-only field a gateway store adds to a row: the run state resolved from events."""


class RunStatus(StrEnum):
    """OpenClaw's own words for a run's state."""

    RUNNING = "running"
    QUEUED = "queued"
    DONE = "done"
    FAILED = "failed"
    KILLED = "killed"
    TIMEOUT = "timeout"


RUN_STATUSES: tuple[str, ...] = tuple(s.value for s in RunStatus)
ACTIVE_STATUSES = frozenset({RunStatus.RUNNING, RunStatus.QUEUED})

# Other spellings seen in gateway answers and events, mapped to OpenClaw's session words:
# chat.send answers "started"; lifecycle end says "cancelled" on abort; sessions.abort answers
# "aborted"; an agent error is "error".
_STATUS_ALIASES: dict[str, RunStatus] = {
    "started": RunStatus.RUNNING,
    "active": RunStatus.RUNNING,
    "in_progress": RunStatus.RUNNING,
    "pending": RunStatus.QUEUED,
    "waiting": RunStatus.QUEUED,
    "ok": RunStatus.DONE,
    "completed": RunStatus.DONE,
    "complete": RunStatus.DONE,
    "success": RunStatus.DONE,
    "succeeded": RunStatus.DONE,
    "final": RunStatus.DONE,
    "stop": RunStatus.DONE,
    "error": RunStatus.FAILED,
    "errored": RunStatus.FAILED,
    "fail": RunStatus.FAILED,
    "aborted": RunStatus.KILLED,
    "cancelled": RunStatus.KILLED,
    "canceled": RunStatus.KILLED,
    "killed": RunStatus.KILLED,
    "timed_out": RunStatus.TIMEOUT,
    "timedout": RunStatus.TIMEOUT,
    "timed-out": RunStatus.TIMEOUT,
}

RunSource = Literal["entry", "gateway-row", "event"]


def normalize_run_status(raw: object) -> RunStatus | None:
    """OpenClaw's word for ``raw`` (``"cancelled"`` -> killed, ...); None when unknown."""
    if not isinstance(raw, str):
        return None
    word = raw.strip().lower()
    try:
        return RunStatus(word)
    except ValueError:
        return _STATUS_ALIASES.get(word)


def _ms(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not math.isfinite(value) or value < 0:
        return None
    return int(value)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not math.isfinite(value):
        return None
    return float(value)


def _run_ids(value: Any) -> tuple[str, ...] | None:
    if not isinstance(value, list | tuple):
        return None
    return tuple(v for v in value if isinstance(v, str) and v)


@dataclass(frozen=True, slots=True)
class RunState:
    """A session's current (or last) run."""

    status: RunStatus | None
    started_at_ms: int | None = None
    ended_at_ms: int | None = None
    runtime_ms: int | None = None
    aborted: bool = False
    active_run_ids: tuple[str, ...] = ()
    source: RunSource = "entry"
    # The status word as the source spelled it (None when it gave none).
    raw_status: str | None = None
    # 9.6 run_status / lifecycle phase while running ("preparing_context", "model", ...).
    phase: str | None = None
    # Last sign of life of the run (event receipt or row update), for stall detection.
    last_activity_ms: int | None = None
    error: str | None = None
    last_run_id: str | None = None

    @property
    def is_running(self) -> bool:
        return self.status in ACTIVE_STATUSES

    def elapsed_ms(self, now_ms: int | float) -> int | None:
        """Running: time since it started. Ended: its runtime. None when not known."""
        if self.is_running:
            if self.started_at_ms is None:
                return None
            return max(0, int(now_ms) - self.started_at_ms)
        if self.runtime_ms is not None:
            return self.runtime_ms
        if self.started_at_ms is not None and self.ended_at_ms is not None:
            return max(0, self.ended_at_ms - self.started_at_ms)
        return None

    def to_field(self) -> dict[str, Any]:
        """The ``_run`` mapping a store writes into a row (JSON-like; read back by run_state)."""
        out: dict[str, Any] = {"status": self.status.value if self.status else None}
        for name, value in (
            ("startedAt", self.started_at_ms),
            ("endedAt", self.ended_at_ms),
            ("runtimeMs", self.runtime_ms),
            ("phase", self.phase),
            ("lastActivityAt", self.last_activity_ms),
            ("error", self.error),
            ("lastRunId", self.last_run_id),
            ("rawStatus", self.raw_status),
        ):
            if value is not None:
                out[name] = value
        out["aborted"] = self.aborted
        out["runIds"] = list(self.active_run_ids)
        out["source"] = self.source
        return out


def _from_field(live: Mapping[str, Any]) -> RunState:
    source = live.get("source")
    return RunState(
        status=normalize_run_status(live.get("status")),
        started_at_ms=_ms(live.get("startedAt")),
        ended_at_ms=_ms(live.get("endedAt")),
        runtime_ms=_ms(live.get("runtimeMs")),
        aborted=live.get("aborted") is True,
        active_run_ids=_run_ids(live.get("runIds")) or (),
        source=source if source in ("entry", "gateway-row", "event") else "event",
        raw_status=live.get("rawStatus") if isinstance(live.get("rawStatus"), str) else None,
        phase=live.get("phase") if isinstance(live.get("phase"), str) else None,
        last_activity_ms=_ms(live.get("lastActivityAt")),
        error=live.get("error") if isinstance(live.get("error"), str) else None,
        last_run_id=live.get("lastRunId") if isinstance(live.get("lastRunId"), str) else None,
    )


def row_run_state(entry: Mapping[str, Any]) -> RunState | None:
    """The run state an entry or gateway row states by itself (ignoring any ``_run``)."""
    raw = entry.get("status")
    raw_status = raw if isinstance(raw, str) else None
    status = normalize_run_status(raw)
    started = _ms(entry.get("startedAt"))
    ended = _ms(entry.get("endedAt"))
    runtime = _ms(entry.get("runtimeMs"))
    aborted = entry.get("abortedLastRun") is True
    last_run = entry.get("lastRunId") if isinstance(entry.get("lastRunId"), str) else None
    ids = _run_ids(entry.get("activeRunIds")) or ()
    has_active = entry.get("hasActiveRun")
    updated = _ms(entry.get("updatedAt"))
    if isinstance(has_active, bool):
        if has_active:
            if status not in ACTIVE_STATUSES:
                # 7.35: the previous run's status lingers ~1 s after the new run became active;
                # its startedAt/endedAt belong to that run, so the new start is not known yet.
                if ended is not None and (started is None or ended >= started):
                    started = None
                status = RunStatus.RUNNING
            return RunState(
                status,
                started,
                None,
                None,
                False,
                ids,
                "gateway-row",
                raw_status,
                last_activity_ms=updated,
                last_run_id=last_run,
            )
        if status in ACTIVE_STATUSES:
            # The row says it has no active run: whatever started is over, outcome unknown.
            status = None
        if status is None and started is None and raw_status is None:
            return RunState(None, source="gateway-row", last_activity_ms=updated)
        return RunState(
            status,
            started,
            ended,
            runtime,
            aborted or status is RunStatus.KILLED,
            (),
            "gateway-row",
            raw_status,
            last_activity_ms=updated,
            last_run_id=last_run,
        )
    if status is None and started is None and raw_status is None and not aborted:
        return None
    if (
        status is RunStatus.RUNNING
        and ended is not None
        and started is not None
        and ended >= started
    ):
        status = None  # a running status with an end after its start: not running now
    return RunState(
        status,
        started,
        ended if status not in ACTIVE_STATUSES else None,
        runtime if status not in ACTIVE_STATUSES else None,
        aborted,
        ids,
        "entry",
        raw_status,
        last_activity_ms=_ms(entry.get("lastInteractionAt")) or updated,
        last_run_id=last_run,
    )


def run_state(entry: Mapping[str, Any] | None) -> RunState | None:
    """The run state of an entry (file store) or row (gateway); None when it tells nothing.

    A gateway store's ``_run`` field (events merged with rows by ``RunTracker``) wins.
    """
    if not isinstance(entry, Mapping):
        return None
    live = entry.get(RUN_FIELD)
    if isinstance(live, Mapping):
        return _from_field(live)
    return row_run_state(entry)


def last_activity_ms(entry: Mapping[str, Any] | None, *also: int | None) -> int | None:
    """When the session last showed activity of any kind, epoch ms: the newest of its run's
    events, its interaction or update time, and ``also`` (e.g. when its transcript was last
    written, from ``ActivityMarks``)."""
    state = run_state(entry)
    own: int | None
    if state is not None and state.last_activity_ms is not None:
        own = state.last_activity_ms
    elif isinstance(entry, Mapping):
        own = _ms(entry.get("lastInteractionAt")) or _ms(entry.get("updatedAt"))
    else:
        own = None
    known = [t for t in (own, *also) if t is not None]
    return max(known) if known else None


class ActivityMarks:
    """Signs of life seen outside the entries, per session (epoch ms, newest kept): when a
    file transcript was last written, when a transcript view last received an item. Pure
    bookkeeping; ``last_activity_ms(entry, marks.get(key))`` merges it with the entry's own."""

    def __init__(self) -> None:
        self._marks: dict[str, int] = {}

    def note(self, key: str, at_ms: int | float | None) -> bool:
        """Record activity of ``key`` at ``at_ms``; True when it is newer than what was known."""
        at = _ms(at_ms)
        if at is None:
            return False
        if at <= self._marks.get(key, -1):
            return False
        self._marks[key] = at
        return True

    def update(self, marks: Mapping[str, int]) -> list[str]:
        """Several notes at once; the keys whose activity moved."""
        return [key for key, at in marks.items() if self.note(key, at)]

    def get(self, key: str) -> int | None:
        return self._marks.get(key)

    def retain(self, keys: Iterable[str]) -> None:
        """Forget every session not in ``keys`` (the store's current keys)."""
        wanted = set(keys)
        for key in [k for k in self._marks if k not in wanted]:
            del self._marks[key]

    def __len__(self) -> int:
        return len(self._marks)


def stalled(
    state: RunState | None, last_activity: int | float | None, now_ms: int | float, limit_ms: int
) -> bool:
    """Running for longer than ``limit_ms`` with no activity within ``limit_ms``.

    ``last_activity`` is the newest sign of life known (transcript growth, a delta, a row
    update); None means none was seen since the run started.
    """
    if state is None or not state.is_running or limit_ms <= 0:
        return False
    elapsed = state.elapsed_ms(now_ms)
    if elapsed is not None and elapsed <= limit_ms:
        return False
    if last_activity is None:
        return elapsed is not None  # long-running and silent since its start
    return now_ms - last_activity > limit_ms


# --- usage and cost ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EntryUsage:
    """Token and cost figures of an entry. They describe the LAST completed model call
    (OpenClaw stores no running sum): ``total_tokens`` is the context size then."""

    input_tokens: int | None
    output_tokens: int | None
    total_tokens: int | None
    cache_read: int | None
    cache_write: int | None
    context_tokens: int | None
    cost_usd: float | None
    fresh: bool | None

    @property
    def tokens(self) -> int | None:
        """Total, else input + output (as OpenClaw's Control UI shows it)."""
        if self.total_tokens is not None:
            return self.total_tokens
        if self.input_tokens is None and self.output_tokens is None:
            return None
        return (self.input_tokens or 0) + (self.output_tokens or 0)

    @property
    def context_fill(self) -> float | None:
        """Share of the context window in use (0..1+), None when unknown or stale."""
        tokens = self.tokens
        if tokens is None or not self.context_tokens or self.fresh is False:
            return None
        return tokens / self.context_tokens


def entry_usage(entry: Mapping[str, Any]) -> EntryUsage:
    def count(name: str) -> int | None:
        value = _number(entry.get(name))
        return int(value) if value is not None and value >= 0 else None

    cost = _number(entry.get("estimatedCostUsd"))
    fresh = entry.get("totalTokensFresh")
    return EntryUsage(
        count("inputTokens"),
        count("outputTokens"),
        count("totalTokens"),
        count("cacheRead"),
        count("cacheWrite"),
        count("contextTokens"),
        cost if cost is not None and cost >= 0 else None,
        fresh if isinstance(fresh, bool) else None,
    )


def cost_usd(entry: Mapping[str, Any]) -> float | None:
    return entry_usage(entry).cost_usd


def context_fill(entry: Mapping[str, Any]) -> float | None:
    return entry_usage(entry).context_fill


def format_cost(value: float | None) -> str:
    """``$0.0673``-style text; small values keep 4 significant decimals, none -> ""."""
    if value is None:
        return ""
    if value == 0:
        return "$0"
    if value < 0.01:
        return f"${value:.4f}"
    if value < 100:
        return f"${value:.2f}"
    return f"${value:,.0f}"


USAGE_DIMENSIONS = ("channel", "kind", "model", "agent")
UsageDimension = Literal["channel", "kind", "model", "agent"]


def dimension_value(key: str, entry: Mapping[str, Any], dimension: str) -> str:
    """The group a session falls in for one usage dimension ("-" when unknown)."""
    if dimension == "channel":
        return channel_of(key, entry) or "-"
    if dimension == "kind":
        return classify_key(key, entry)
    if dimension == "model":
        provider, model = effective_model(entry)
        if not model:
            return "-"
        return f"{provider}/{model}" if provider else model
    if dimension == "agent":
        agent = entry.get("agentId")
        if isinstance(agent, str) and agent:
            return agent
        return parse_key(key).agent_id or "-"
    raise ValueError(f"unknown usage dimension {dimension!r} (use {', '.join(USAGE_DIMENSIONS)})")


@dataclass(slots=True)
class UsageGroup:
    dimension: str
    value: str
    count: int = 0
    running: int = 0
    tokens: int = 0
    cost_usd: float = 0.0
    # How many of the sessions had a cost figure at all (the rest count as unknown, not $0).
    with_cost: int = 0
    keys: list[str] = field(default_factory=list, repr=False)


@dataclass(frozen=True, slots=True)
class UsageTotals:
    count: int
    running: int
    tokens: int
    cost_usd: float
    with_cost: int


def usage_totals(entries: Iterable[Mapping[str, Any]]) -> UsageTotals:
    """Totals over some entries (the rows shown after the filter)."""
    count = running = tokens = with_cost = 0
    cost = 0.0
    for entry in entries:
        count += 1
        state = run_state(entry)
        if state is not None and state.is_running:
            running += 1
        usage = entry_usage(entry)
        tokens += usage.tokens or 0
        if usage.cost_usd is not None:
            cost += usage.cost_usd
            with_cost += 1
    return UsageTotals(count, running, tokens, cost, with_cost)


def usage_groups(
    entries: Mapping[str, Mapping[str, Any]],
    by: Iterable[str] = USAGE_DIMENSIONS,
) -> dict[str, list[UsageGroup]]:
    """Per dimension, the sessions grouped by value: count, running, tokens, cost.

    Each list is sorted by cost (highest first), then count, then value.
    """
    dimensions = tuple(by)
    groups: dict[str, dict[str, UsageGroup]] = {d: {} for d in dimensions}
    for key, entry in entries.items():
        state = run_state(entry)
        is_running = state is not None and state.is_running
        usage = entry_usage(entry)
        for dimension in dimensions:
            value = dimension_value(key, entry, dimension)
            group = groups[dimension].get(value)
            if group is None:
                group = groups[dimension][value] = UsageGroup(dimension, value)
            group.count += 1
            group.running += is_running
            group.tokens += usage.tokens or 0
            if usage.cost_usd is not None:
                group.cost_usd += usage.cost_usd
                group.with_cost += 1
            group.keys.append(key)
    return {
        dimension: sorted(found.values(), key=lambda g: (-g.cost_usd, -g.count, g.value))
        for dimension, found in groups.items()
    }


@dataclass(frozen=True, slots=True)
class GatewayUsage:
    """What a gateway's own usage methods answered (``sessions.usage``, ``usage.cost``).

    ``answers``: method -> payload as sent; ``errors``: method -> why it gave nothing (refused,
    not offered, not connected). ``total_cost_usd`` / ``total_tokens`` are read from a
    ``totals`` object (``totalCost`` / ``totalTokens``) when one is there, and ``totals_from``
    names the method they came from, so a view can say which figures are the gateway's and which
    are summed from the rows. These result shapes were not captured from 2026.7.35 / 2026.9.6
    (the reference lists the methods only), so nothing else is assumed about them.
    """

    answers: Mapping[str, Any] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)
    total_cost_usd: float | None = None
    total_tokens: int | None = None
    totals_from: str | None = None
    # Several gateways: each one's own report, by gateway name (the fields above are merged:
    # answers/errors keyed "<gateway>/<method>", totals summed over the gateways that gave one).
    parts: Mapping[str, GatewayUsage] = field(default_factory=dict)

    @property
    def offered(self) -> bool:
        return bool(self.answers)


def merge_usage(parts: Mapping[str, GatewayUsage]) -> GatewayUsage:
    """One report for several gateways (see ``GatewayUsage.parts``)."""
    answers: dict[str, Any] = {}
    errors: dict[str, str] = {}
    cost: float | None = None
    tokens: int | None = None
    sources: list[str] = []
    for name, part in parts.items():
        answers.update({f"{name}/{method}": value for method, value in part.answers.items()})
        errors.update({f"{name}/{method}": why for method, why in part.errors.items()})
        if part.totals_from is not None:
            sources.append(f"{name}/{part.totals_from}")
        if part.total_cost_usd is not None:
            cost = (cost or 0.0) + part.total_cost_usd
        if part.total_tokens is not None:
            tokens = (tokens or 0) + part.total_tokens
    return GatewayUsage(answers, errors, cost, tokens, ", ".join(sources) or None, dict(parts))


USAGE_METHODS = ("usage.cost", "sessions.usage")


def gateway_usage(answers: Mapping[str, Any], errors: Mapping[str, str]) -> GatewayUsage:
    cost: float | None = None
    tokens: int | None = None
    source: str | None = None
    for method in USAGE_METHODS:
        payload = answers.get(method)
        totals = payload.get("totals") if isinstance(payload, Mapping) else None
        if not isinstance(totals, Mapping):
            continue
        found_cost = _number(totals.get("totalCost"))
        found_tokens = _number(totals.get("totalTokens"))
        if found_cost is None and found_tokens is None:
            continue
        cost = found_cost
        tokens = int(found_tokens) if found_tokens is not None else None
        source = method
        break
    return GatewayUsage(dict(answers), dict(errors), cost, tokens, source)


# --- stopping a run ---------------------------------------------------------------------------

AbortOutcome = Literal[
    "stopped", "still-running", "refused", "not-running", "sent", "not-sent", "unsupported"
]


@dataclass(frozen=True, slots=True)
class AbortResult:
    """What ``abort_run`` / ``stop_run`` achieved, as one line an operator can trust.

    - ``stopped``: the gateway reported the run ended (lifecycle end, chat aborted, or the row
      left running) after our request.
    - ``still-running``: the abort was accepted but the run still ran when the wait ended.
    - ``refused``: the gateway refused; ``gateway_message`` is its own text, verbatim.
    - ``not-running``: there was no active run to stop.
    - ``sent``: accepted, not verified (``abort_run`` without waiting).
    - ``not-sent``: nothing reached the gateway (not connected, opened read-only).
    - ``unsupported``: this store cannot stop runs (a file store); ``message`` says how to.
    """

    key: str
    outcome: AbortOutcome
    message: str
    run_id: str | None = None
    gateway_message: str | None = None
    fix: str | None = None
    waited_ms: int | None = None

    @property
    def ok(self) -> bool:
        return self.outcome in ("stopped", "not-running")


def file_store_abort(key: str, store_path: str) -> AbortResult:
    """The answer of a file store to ``/stop``: runs live in the gateway process."""
    return AbortResult(
        key,
        "unsupported",
        f"nothing was stopped: runs live in the OpenClaw gateway process, and {store_path} is "
        "its session file",
        fix="connect to that gateway to stop runs: openclaw-tui --gateway ws://127.0.0.1:18789 "
        "(its host and port; the token via --token-env NAME or OPENCLAW_GATEWAY_TOKEN)",
    )


# --- merging rows and events (gateway stores) --------------------------------------------------

MAX_ENDED_RUNS = 32
ACTIVITY_THROTTLE_MS = 1000  # a streaming run updates its row's activity at most once a second


@dataclass(slots=True)
class _Live:
    """What events said about a session's current run."""

    status: RunStatus
    run_ids: tuple[str, ...]
    started_at: int | None
    ended_at: int | None = None
    aborted: bool = False
    phase: str | None = None
    error: str | None = None
    last_activity: int | None = None


@dataclass(frozen=True, slots=True)
class _End:
    status: RunStatus
    ended_at: int
    run_id: str | None
    started_at: int | None


@dataclass(slots=True)
class _Session:
    known_ids: tuple[str, ...] = ()
    ended: OrderedDict[str, tuple[RunStatus, int | None]] = field(default_factory=OrderedDict)
    live: _Live | None = None
    last_activity: int | None = None
    # The newest end the events reported, kept after ``live`` is dropped: a later row still
    # saying hasActiveRun about that run must not bring it back.
    last_end: _End | None = None


LIFECYCLE_END_PHASES = frozenset({"end", "error"})


class RunTracker:
    """Merges gateway rows and run events per session into one ``RunState`` (see module doc).

    Pure bookkeeping: the caller feeds rows (``annotate``) and events (``on_agent`` /
    ``on_chat`` / ``on_phase``), and re-annotates the held row of every key an event returns.
    """

    def __init__(self) -> None:
        self._sessions: dict[str, _Session] = {}
        self._run_keys: OrderedDict[str, str] = OrderedDict()

    def reset_live(self) -> None:
        """Forget event-derived state (after a reconnect: events may have been missed)."""
        for session in self._sessions.values():
            session.live = None

    def forget(self, key: str) -> None:
        self._sessions.pop(key, None)

    def key_of_run(self, run_id: str) -> str | None:
        return self._run_keys.get(run_id)

    def is_ended(self, key: str, run_id: str) -> bool:
        session = self._sessions.get(key)
        return session is not None and run_id in session.ended

    def _session(self, key: str) -> _Session:
        session = self._sessions.get(key)
        if session is None:
            session = self._sessions[key] = _Session()
        return session

    def _learn(self, key: str, run_ids: Iterable[str]) -> None:
        for run_id in run_ids:
            self._run_keys[run_id] = key
            self._run_keys.move_to_end(run_id)
        while len(self._run_keys) > 4096:
            self._run_keys.popitem(last=False)

    # -- rows ------------------------------------------------------------------------------

    def annotate(self, key: str, row: dict[str, Any]) -> dict[str, Any]:
        """``row`` with ``_run`` set from the row and what events said (modifies ``row``)."""
        row.pop(RUN_FIELD, None)
        session = self._sessions.get(key)
        if session is None and row.get("hasActiveRun") is False:
            # The common row of a big gateway: idle, and no event ever said otherwise. What it
            # states by itself is all there is (no bookkeeping per idle session).
            return row
        base = row_run_state(row)
        if session is None and (base is None or not base.is_running):
            return row  # merging with no memory of the session adds nothing to a row at rest
        session = self._session(key)
        state = self._merge(key, session, row, base)
        if state is not None and state != base:
            # Only when events or memory add something: an idle row reads the same without it.
            row[RUN_FIELD] = state.to_field()
        return row

    def _merge(
        self, key: str, session: _Session, row: Mapping[str, Any], base: RunState | None
    ) -> RunState | None:
        row_ids = _run_ids(row.get("activeRunIds"))
        live = session.live
        if base is not None and base.is_running:
            if row_ids:
                session.known_ids = row_ids
                self._learn(key, row_ids)
            elif row_ids is not None and not row_ids:
                session.known_ids = ()
            live_running = live is not None and live.status in ACTIVE_STATUSES
            ids = row_ids or (live.run_ids if live_running and live else ()) or session.known_ids
            if not ids and live is not None:
                ids = live.run_ids
            if (
                ids
                and all(i in session.ended for i in ids)
                and not self._started_after(base, session.ended[ids[-1]][1])
            ):
                # 7.35 keeps hasActiveRun true ~0.5 s after the end; 9.6 delivers late rows:
                # the runs it names are over (we saw their end).
                status, ended_at = session.ended[ids[-1]]
                return self._ended_state(session, base, status, ended_at, ids[-1])
            end = session.last_end
            if not ids and end is not None and self._echo_of_end(row, base, end.ended_at):
                # No run id anywhere, and nothing newer than the end we saw (7.35 re-sends the
                # ended run's row with hasActiveRun:true for up to ~2 s): still that end.
                return self._ended_state(
                    session, base, end.status, end.ended_at, end.run_id, end.started_at
                )
            started = base.started_at_ms
            phase = None
            if live is not None and live.status in ACTIVE_STATUSES:
                started = live.started_at or started
                phase = live.phase
            return RunState(
                RunStatus.RUNNING if base.status is None else base.status,
                started,
                None,
                None,
                False,
                ids,
                "gateway-row",
                base.raw_status,
                phase,
                self._activity(session, base),
                None,
                base.last_run_id,
            )
        # The row says no run is active (or says nothing about runs).
        if row_ids is not None and not row_ids:
            session.known_ids = ()
        if live is not None and live.status in ACTIVE_STATUSES:
            if not self._row_ended(row, base, live):
                return self._live_state(session, live, base)
            session.live = None
        elif live is not None and base is not None and base.source == "gateway-row":
            if base.status is not None and (
                base.ended_at_ms is not None
                and live.ended_at is not None
                and base.ended_at_ms >= live.ended_at - 5_000
            ):
                session.live = None  # the row caught up with the end we saw
            else:
                return self._live_state(session, live, base)
        elif live is not None:
            return self._live_state(session, live, base)
        if base is None:
            return None
        return RunState(
            base.status,
            base.started_at_ms,
            base.ended_at_ms,
            base.runtime_ms,
            base.aborted,
            (),
            base.source,
            base.raw_status,
            None,
            self._activity(session, base),
            None,
            base.last_run_id,
        )

    @staticmethod
    def _echo_of_end(row: Mapping[str, Any], base: RunState, ended_at: int) -> bool:
        """Is this running row (naming no run id) only the ended run, not a new one?

        A new run's row starts after the end (``startedAt`` later); a row whose start is that
        run's or unknown (7.35's lingering status), or that was written before the end
        (``updatedAt``), describes the run that ended.
        """
        started = base.started_at_ms
        if started is None or started <= ended_at:
            return True
        updated = _ms(row.get("updatedAt"))
        return updated is not None and updated <= ended_at

    @staticmethod
    def _started_after(base: RunState, ended_at: int | None) -> bool:
        # A row whose run started after the end we saw is a new run (its ids were not sent).
        started = base.started_at_ms
        return started is not None and ended_at is not None and started > ended_at

    @staticmethod
    def _row_ended(row: Mapping[str, Any], base: RunState | None, live: _Live) -> bool:
        """Does this not-running row describe the end of the run events said is running?"""
        if base is None or base.source != "gateway-row":
            return False
        if base.last_run_id is not None and base.last_run_id in live.run_ids:
            return True
        if live.started_at is None:
            return base.ended_at_ms is not None
        # The row's run started with (or after) the one the events announced, and ended.
        return (
            base.started_at_ms is not None
            and base.ended_at_ms is not None
            and base.started_at_ms >= live.started_at - 2_000
            and base.ended_at_ms >= live.started_at
        )

    def _activity(self, session: _Session, base: RunState | None) -> int | None:
        candidates = [session.last_activity, base.last_activity_ms if base else None]
        known = [c for c in candidates if c is not None]
        return max(known) if known else None

    def _ended_state(
        self,
        session: _Session,
        base: RunState | None,
        status: RunStatus,
        ended_at: int | None,
        run_id: str | None,
        started: int | None = None,
    ) -> RunState:
        live = session.live
        if started is None and live is not None:
            started = live.started_at
        if started is None and base is not None:
            started = base.started_at_ms
        runtime = ended_at - started if ended_at is not None and started is not None else None
        return RunState(
            status,
            started,
            ended_at,
            max(0, runtime) if runtime is not None else None,
            status is RunStatus.KILLED,
            (),
            "event",
            status.value,
            None,
            self._activity(session, base),
            live.error if live is not None else None,
            run_id,
        )

    def _live_state(self, session: _Session, live: _Live, base: RunState | None) -> RunState:
        running = live.status in ACTIVE_STATUSES
        runtime = None
        if not running and live.ended_at is not None and live.started_at is not None:
            runtime = max(0, live.ended_at - live.started_at)
        return RunState(
            live.status,
            live.started_at,
            None if running else live.ended_at,
            runtime,
            live.aborted,
            live.run_ids if running else (),
            "event",
            live.status.value,
            live.phase if running else None,
            self._activity(session, base),
            live.error,
            live.run_ids[-1] if live.run_ids else None,
        )

    # -- events ----------------------------------------------------------------------------

    def _event_head(
        self, payload: Mapping[str, Any], now_ms: int
    ) -> tuple[str, str | None, int] | None:
        """An event's session key, run id and time (its own ``ts``, else now); None when the
        event names no session we can find."""
        key = self._key_for(payload)
        if key is None:
            return None
        run_id = payload.get("runId") if isinstance(payload.get("runId"), str) else None
        return key, run_id, _ms(payload.get("ts")) or now_ms

    def _key_for(self, payload: Mapping[str, Any]) -> str | None:
        key = payload.get("sessionKey")
        if isinstance(key, str) and key:
            return key
        run_id = payload.get("runId")
        if isinstance(run_id, str):
            return self._run_keys.get(run_id)
        return None

    def _start(self, key: str, run_id: str | None, ts: int, phase: str | None) -> _Live:
        session = self._session(key)
        live = session.live
        if run_id is not None:
            self._learn(key, (run_id,))
        if live is None or live.status not in ACTIVE_STATUSES:
            live = session.live = _Live(RunStatus.RUNNING, (), ts)
        if run_id is not None and run_id not in live.run_ids:
            live.run_ids = (*live.run_ids, run_id)
        if live.run_ids:
            session.known_ids = live.run_ids
        if phase is not None:
            live.phase = phase
        session.last_activity = ts
        return live

    def _end(
        self,
        key: str,
        run_id: str | None,
        status: RunStatus,
        ts: int,
        *,
        error: str | None = None,
    ) -> None:
        session = self._session(key)
        if run_id is not None:
            previous = session.ended.get(run_id)
            # An abort ends with "end" (cancelled), then "error", then chat "aborted": the first
            # outcome that is not "done" stands.
            if previous is not None and (
                previous[0] is not RunStatus.DONE or status is RunStatus.DONE
            ):
                if session.live is not None and error:
                    session.live.error = session.live.error or error
                return
            session.ended[run_id] = (status, ts)
            session.ended.move_to_end(run_id)
            while len(session.ended) > MAX_ENDED_RUNS:
                session.ended.popitem(last=False)
        live = session.live
        if live is None:
            live = session.live = _Live(status, (run_id,) if run_id else (), None)
        remaining = tuple(i for i in live.run_ids if i != run_id and i not in session.ended)
        if remaining:
            live.run_ids = remaining  # another run of this session is still going
            return
        live.status = status
        live.ended_at = ts
        last = session.last_end
        if last is None or ts >= last.ended_at:
            session.last_end = _End(status, ts, run_id, live.started_at)
        live.aborted = status is RunStatus.KILLED
        live.phase = None
        if error:
            live.error = error
        if run_id is not None and run_id not in live.run_ids:
            live.run_ids = (*live.run_ids, run_id)
        session.last_activity = ts

    def _touch(self, key: str, run_id: str | None, ts: int) -> bool:
        """Activity of a run (a delta, a tool call): True when the row should be re-annotated."""
        session = self._session(key)
        if run_id is not None and run_id in session.ended:
            return False  # a straggler of a run that is over
        live = session.live
        changed = False
        if live is None or live.status not in ACTIVE_STATUSES:
            # Joined mid-run (no start seen): the run is evidently going.
            self._start(key, run_id, ts, None)
            live = session.live
            assert live is not None
            live.started_at = None
            changed = True
        elif run_id is not None and run_id not in live.run_ids:
            live.run_ids = (*live.run_ids, run_id)
            self._learn(key, (run_id,))
            changed = True
        session.last_activity = ts
        # Throttle against the last activity the row was told of, not the last event.
        reported = live.last_activity
        if changed or reported is None or ts - reported >= ACTIVITY_THROTTLE_MS:
            live.last_activity = ts
            return True
        return False

    def on_agent(self, payload: Mapping[str, Any], now_ms: int) -> str | None:
        """An ``agent`` event; returns the key whose row must be re-annotated, or None."""
        head = self._event_head(payload, now_ms)
        if head is None:
            return None
        key, run_id, ts = head
        stream = payload.get("stream")
        data = payload.get("data") if isinstance(payload.get("data"), Mapping) else {}
        assert isinstance(data, Mapping)
        if stream == "lifecycle":
            changed = self.on_phase(key, run_id, data.get("phase"), data, ts)
            started = _ms(data.get("startedAt"))
            live = self._session(key).live
            if data.get("phase") == "start" and started is not None and live is not None:
                # The run's own start (both releases send it in the agent event; a
                # sessions.changed phase row's startedAt may still be the previous run's).
                live.started_at = started
            return changed
        if stream == "run_status":
            phase = data.get("phase") if isinstance(data.get("phase"), str) else None
            if run_id is not None and run_id in self._session(key).ended:
                return None
            live = self._start(key, run_id, ts, phase)
            if phase == "queued":
                live.status = RunStatus.QUEUED
            return key
        return key if self._touch(key, run_id, ts) else None

    def on_phase(
        self,
        key: str,
        run_id: str | None,
        phase: Any,
        data: Mapping[str, Any],
        ts: int,
    ) -> str | None:
        """A lifecycle phase (``agent`` lifecycle, or a ``sessions.changed`` phase event)."""
        if not isinstance(phase, str):
            return None
        if phase in LIFECYCLE_END_PHASES:
            status = normalize_run_status(data.get("status"))
            if phase == "error":
                status = RunStatus.FAILED
            elif data.get("aborted") is True or status is RunStatus.KILLED:
                status = RunStatus.KILLED
            elif status not in (RunStatus.FAILED, RunStatus.TIMEOUT):
                status = RunStatus.DONE
            error = data.get("error")
            self._end(key, run_id, status, ts, error=str(error) if error else None)
            return key
        if run_id is not None and run_id in self._session(key).ended:
            return None
        live = self._start(key, run_id, ts, phase)
        live.status = RunStatus.RUNNING
        return key

    def on_chat(self, payload: Mapping[str, Any], now_ms: int) -> str | None:
        """A ``chat`` event (status / delta / final / aborted / error)."""
        head = self._event_head(payload, now_ms)
        if head is None:
            return None
        key, run_id, ts = head
        state = payload.get("state")
        if state == "final":
            self._end(key, run_id, RunStatus.DONE, ts)
            return key
        if state == "aborted":
            self._end(key, run_id, RunStatus.KILLED, ts)
            return key
        if state == "error":
            error = payload.get("errorMessage")
            self._end(key, run_id, RunStatus.FAILED, ts, error=str(error) if error else None)
            return key
        if state in ("delta", "status"):
            return key if self._touch(key, run_id, ts) else None
        return None

    def on_session_event(self, payload: Mapping[str, Any], now_ms: int) -> str | None:
        """``session.message`` / ``session.tool`` / ``session.operation``: the transcript grew.

        Activity only (it neither starts nor ends a run); returns the key whose row must be
        re-annotated, at most about once a second per session.
        """
        key = payload.get("sessionKey")
        if not isinstance(key, str) or not key:
            return None
        session = self._sessions.get(key)
        if session is None:
            return None  # a session with no row and no run: nothing to keep alive
        previous = session.last_activity
        if previous is not None and now_ms <= previous:
            return None
        session.last_activity = now_ms
        if previous is None or now_ms - previous >= ACTIVITY_THROTTLE_MS:
            return key
        return None

    def on_started(self, key: str, run_id: str, now_ms: int) -> None:
        """A send we made answered ``{runId, status:"started"}``: remember whose run it is."""
        self._learn(key, (run_id,))


class FileStoreActivity:
    """The run-control methods of a file store, with the gateway store's names and signatures.

    A session file is what the gateway writes; the runs themselves live in the gateway process,
    so nothing here can stop one. Each call says so and names how to reach the gateway.
    """

    path: Any

    async def abort_run(self, key: str) -> AbortResult:
        return file_store_abort(key, str(self.path))

    async def wait_run_ended(
        self, key: str, run_id: str | None = None, *, timeout: float = 10.0
    ) -> AbortResult:
        return file_store_abort(key, str(self.path))

    async def stop_run(self, key: str, *, timeout: float = 10.0) -> AbortResult:
        return file_store_abort(key, str(self.path))

    def open_transcript(self, key: str, *, history_limit: int = 200) -> TranscriptSource:
        """The transcript of ``key`` (a ``store.transcripts.TranscriptSource``): the JSONL file
        or the SQLite ``transcript_events`` of its entry; same name as the gateway store's."""
        from openclaw_tui.store.transcripts import open_file_transcript

        entry = self.get(key)  # type: ignore[attr-defined]
        return open_file_transcript(self.path, key, entry or {})

    async def transcript_activity(self, keys: Iterable[str]) -> dict[str, int]:
        """key -> when that session's transcript was last written (epoch ms), for the keys whose
        transcript could be looked at (``store.transcripts.activity``; read in a thread)."""
        import anyio

        from openclaw_tui.store.transcripts.activity import transcript_written_ms

        entries = {key: entry for key in keys if (entry := self.get(key)) is not None}  # type: ignore[attr-defined]
        if not entries:
            return {}
        return await anyio.to_thread.run_sync(transcript_written_ms, self.path, entries)

    async def usage_report(self, params: Mapping[str, Any] | None = None) -> GatewayUsage:
        """File stores have no usage service: the figures are the entries' own fields."""
        why = (
            f"{self.path} is a session file: usage comes from its entries (tokens, "
            "estimatedCostUsd); the gateway's own usage needs --gateway"
        )
        return GatewayUsage(errors={method: why for method in USAGE_METHODS})
