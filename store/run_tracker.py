"""RunTracker: a gateway store's rows and run events merged per session into each row's ``_run``."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from openclaw_tui.store.runs import (
    ACTIVE_STATUSES,
    RUN_FIELD,
    RunState,
    RunStatus,
    _ms,
    _run_ids,
    normalize_run_status,
    row_run_state,
)

if TYPE_CHECKING:
    pass


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
