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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    pass


DEFAULT_STALL_SECONDS = 600.0
"""A run going this long with no sign of activity is flagged ``stalled`` (the app's
``--stalled-after``; here, not in the view model, so the command line has it without
importing the app)."""

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


_UNREAD: Any = object()


def last_activity_ms(
    entry: Mapping[str, Any] | None, *also: int | None, state: RunState | None = _UNREAD
) -> int | None:
    """When the session last showed activity of any kind, epoch ms: the newest of its run's
    events, its interaction or update time, and ``also`` (e.g. when its transcript was last
    written, from ``ActivityMarks``). ``state``: ``run_state(entry)`` when the caller has
    already read it (it is not read again)."""
    if state is _UNREAD:
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

    def __contains__(self, key: object) -> bool:
        return key in self._marks

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
