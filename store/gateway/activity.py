"""Run state, stopping and usage for a ``GatewayStore`` (mixed into it; no Textual, no Rich).

Live run state: every connection receives ``agent`` (lifecycle, assistant, item, usage,
run_status) and ``chat`` (status, delta, final, aborted) events for every session, without
subscribing; ``sessions.changed`` brings rows (and, during runs, phase events). A
``store.run_tracker.RunTracker`` merges both, and each held row carries the resolved state in its
mirror-only ``_run`` field, so ``store.runs.run_state(row)`` is all a caller needs. A change of
run state is published as an ordinary ``EntryChanged`` (fields include ``_run``).

Stopping: ``abort_run(key)`` sends ``sessions.abort {"key"}`` (answer observed on both releases:
``{"ok":true,"abortedRunId":<runId>,"status":"aborted"}``); ``wait_run_ended`` waits until the
gateway itself reports that run over (lifecycle ``end``/``error``, ``chat`` ``aborted``/
``final``, or the row leaving running after our request); ``stop_run`` does both. None of them
raises for a refusal: the result carries the gateway's own message.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from openclaw_tui.store.abort import AbortResult
from openclaw_tui.store.diff import changed_fields
from openclaw_tui.store.events import EntryChanged
from openclaw_tui.store.gateway.errors import (
    GatewayError,
    GatewayRequestError,
)
from openclaw_tui.store.run_tracker import RunTracker
from openclaw_tui.store.runs import RUN_FIELD, run_state
from openclaw_tui.store.usage import USAGE_METHODS, GatewayUsage, gateway_usage

if TYPE_CHECKING:
    from openclaw_tui.store.events import StoreEvent
    from openclaw_tui.store.gateway.client import GatewayClient
    from openclaw_tui.store.gateway.gateway_store import EventHub
    from openclaw_tui.store.gateway.transcript import GatewayTranscript

DEFAULT_STOP_TIMEOUT = 10.0
RECONNECTED = "_reconnected"  # the pseudo event a store's taps get after a reconnect
RUN_EVENTS = frozenset({"agent", "chat"})


def now_ms() -> int:
    return int(time.time() * 1000)


class GatewayActivity:
    """The activity half of ``GatewayStore`` (it provides the attributes used here)."""

    # Provided by GatewayStore.
    path: str
    read_only: bool
    _entries: dict[str, dict[str, Any]]
    _client: GatewayClient | None

    if TYPE_CHECKING:
        _hub: EventHub

        def _set_row(self, key: str, row: dict[str, Any]) -> None: ...

        def _publish(self, event: StoreEvent) -> None: ...

    def _init_activity(self) -> None:
        self._runs = RunTracker()
        self._key_changes: dict[str, int] = {}
        self._key_waiters: dict[str, set[asyncio.Event]] = {}
        # Event listeners for transcript sources: (name, payload) of agent/chat/session.* events.
        self._event_taps: set[Any] = set()
        self._background: set[asyncio.Task[Any]] = set()

    # -- hooks called by GatewayStore -------------------------------------------------------

    def _annotate_run(self, key: str, row: dict[str, Any]) -> dict[str, Any]:
        return self._runs.annotate(key, row)

    def _notify_key(self, key: str) -> None:
        self._key_changes[key] = self._key_changes.get(key, 0) + 1
        for waiter in self._key_waiters.get(key, ()):
            waiter.set()

    def _client_error(self, exc: Exception) -> None:
        if self._client is not None:
            self._client.last_error = exc

    def _forget_run(self, key: str) -> None:
        self._runs.forget(key)

    def _activity_reconnected(self) -> None:
        # Events may have been missed while disconnected: the re-list is the truth again,
        # and open transcripts read their history again.
        self._runs.reset_live()
        for tap in list(self._event_taps):
            try:
                tap(RECONNECTED, {})
            except Exception as exc:
                self._client_error(exc)

    async def _close_activity(self) -> None:
        for task in list(self._background):
            task.cancel()
        for task in list(self._background):
            with contextlib.suppress(BaseException):
                await task

    def open_transcript(self, key: str, *, history_limit: int = 200) -> GatewayTranscript:
        """The live transcript of ``key`` (a ``TranscriptSource``; nothing is sent until
        ``tail``). Close it when done: it stops following and unsubscribes."""
        from openclaw_tui.store.gateway.transcript import GatewayTranscript

        return GatewayTranscript(self, key, history_limit=history_limit)  # type: ignore[arg-type]

    def _on_activity_event(self, name: str, payload: Mapping[str, Any]) -> None:
        for tap in list(self._event_taps):
            try:
                tap(name, payload)
            except Exception as exc:  # one transcript's bug must not stop run tracking
                self._client_error(exc)
        if name == "agent":
            key = self._runs.on_agent(payload, now_ms())
        elif name == "chat":
            key = self._runs.on_chat(payload, now_ms())
        elif name.startswith("session."):
            # The transcript grew (a message, a tool call): a sign of life of a running run
            # (the stalled flag), nothing more; an idle row is left as it is.
            state = run_state(self._entries.get(str(payload.get("sessionKey"))))
            if state is None or not state.is_running:
                return
            key = self._runs.on_session_event(payload, now_ms())
        else:
            return
        if key is not None:
            self._refresh_run(key)
            self._notify_key(key)

    def _on_phase_event(self, key: str, payload: Mapping[str, Any]) -> None:
        """A ``sessions.changed`` run-phase event (``phase`` start|model|end|error + ``runId``)."""
        phase = payload.get("phase")
        run_id = payload.get("runId")
        if not isinstance(phase, str):
            return
        ts = payload.get("ts")
        self._runs.on_phase(
            key,
            run_id if isinstance(run_id, str) else None,
            phase,
            payload,
            int(ts) if isinstance(ts, int | float) and not isinstance(ts, bool) else now_ms(),
        )

    def _refresh_run(self, key: str) -> None:
        held = self._entries.get(key)
        if held is None:
            return
        row = self._runs.annotate(key, dict(held))
        if row == held:
            return
        self._set_row(key, row)
        generation = self._hub.bump()
        fields = changed_fields(held, row)
        self._publish(EntryChanged(key, held, row, fields, "external", generation))

    # -- stopping a run -----------------------------------------------------------------------

    async def abort_run(self, key: str) -> AbortResult:
        """``sessions.abort`` for ``key``; returns ``sent`` (with the run id), ``not-running``,
        ``refused`` (the gateway's message verbatim) or ``not-sent``. Does not wait."""
        if self.read_only:
            return AbortResult(
                key,
                "not-sent",
                f"{self.path} is open read-only: nothing was stopped",
                fix="open it without --read-only to stop runs",
            )
        client = self._client
        if client is None or not client.connected:
            return AbortResult(
                key,
                "not-sent",
                f"{self.path}: not connected, so nothing was stopped",
                fix="wait until the status bar shows the gateway connected, then retry",
            )
        try:
            answer = await client.request("sessions.abort", {"key": key})
        except GatewayRequestError as exc:
            return AbortResult(
                key,
                "refused",
                f"the gateway refused to stop {key}: {exc.message}",
                gateway_message=exc.message,
                fix=exc.fix,
            )
        except GatewayError as exc:
            return AbortResult(
                key,
                "not-sent",
                f"could not stop {key}: {exc.message}",
                fix=exc.fix,
            )
        run_id = answer.get("abortedRunId") if isinstance(answer, dict) else None
        if isinstance(run_id, str) and run_id:
            self._runs.on_started(key, run_id, now_ms())
            return AbortResult(key, "sent", f"asked the gateway to stop {key}", run_id=run_id)
        if not isinstance(answer, dict):
            # Accepted, with an answer of no shape we know (e.g. null): the request went through,
            # so whether the run ended is for wait_run_ended to tell, not this answer.
            return AbortResult(key, "sent", f"asked the gateway to stop {key}")
        ok = answer.get("ok") is not False
        if not ok:
            message = str(answer.get("message") or answer.get("error") or answer)
            return AbortResult(
                key,
                "refused",
                f"the gateway refused to stop {key}: {message}",
                gateway_message=message,
            )
        return AbortResult(key, "not-running", f"{key} had no active run: nothing to stop")

    async def wait_run_ended(
        self,
        key: str,
        run_id: str | None = None,
        *,
        timeout: float = DEFAULT_STOP_TIMEOUT,
        changes_before: int | None = None,
    ) -> AbortResult:
        """Wait until the gateway reports the run over; ``stopped`` or ``still-running``.

        Over means: the lifecycle end / chat aborted of ``run_id`` arrived, or the row changed
        after ``changes_before`` (the key's change count when the abort was sent) and no longer
        says running, or the session is gone. Waits on events, never polls.
        """
        started = time.monotonic()
        baseline = self._key_changes.get(key, 0) if changes_before is None else changes_before
        waiter = asyncio.Event()
        self._key_waiters.setdefault(key, set()).add(waiter)
        try:
            while True:
                verdict = self._ended_verdict(key, run_id, baseline)
                waited = int((time.monotonic() - started) * 1000)
                if verdict is not None:
                    return AbortResult(key, "stopped", verdict, run_id=run_id, waited_ms=waited)
                remaining = timeout - (time.monotonic() - started)
                if remaining <= 0:
                    return AbortResult(
                        key,
                        "still-running",
                        f"{key} is still running {timeout:g}s after the stop request",
                        run_id=run_id,
                        fix="try /stop again, or check the gateway's log for the run",
                        waited_ms=waited,
                    )
                waiter.clear()
                try:
                    await asyncio.wait_for(waiter.wait(), remaining)
                except TimeoutError:
                    continue
        finally:
            waiters = self._key_waiters.get(key)
            if waiters is not None:
                waiters.discard(waiter)
                if not waiters:
                    del self._key_waiters[key]

    def _ended_verdict(self, key: str, run_id: str | None, baseline: int) -> str | None:
        row = self._entries.get(key)
        if row is None:
            return f"{key} is gone (deleted)"
        if run_id is not None and self._runs.is_ended(key, run_id):
            state = run_state(row)
            word = state.status.value if state is not None and state.status else "ended"
            return f"stopped {key} (the gateway reports the run {word})"
        state = run_state(row)
        if self._key_changes.get(key, 0) > baseline and (state is None or not state.is_running):
            return f"stopped {key} (the gateway reports no active run)"
        return None

    async def stop_run(self, key: str, *, timeout: float = DEFAULT_STOP_TIMEOUT) -> AbortResult:
        """``abort_run`` then ``wait_run_ended``: "stopped" only once the gateway says so."""
        baseline = self._key_changes.get(key, 0)
        sent = await self.abort_run(key)
        if sent.outcome != "sent":
            return sent
        result = await self.wait_run_ended(
            key, sent.run_id, timeout=timeout, changes_before=baseline
        )
        return result

    async def transcript_activity(self, keys: Iterable[str]) -> dict[str, int]:
        """Nothing to look at: a gateway's transcript activity arrives as events (deltas,
        ``session.message``/``session.tool``), already in each row's ``_run`` activity."""
        return {}

    # -- usage ---------------------------------------------------------------------------------

    async def usage_report(self, params: Mapping[str, Any] | None = None) -> GatewayUsage:
        """The gateway's own usage figures (``usage.cost``, ``sessions.usage``), where offered.

        Both are callable on some releases though not advertised in ``hello-ok``; a refusal or an
        unknown method is recorded in ``errors`` with the gateway's message, never raised.
        """
        client = self._client
        if client is None or not client.connected:
            why = f"{self.path}: not connected"
            return GatewayUsage(errors={method: why for method in USAGE_METHODS})
        answers: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for method in USAGE_METHODS:
            try:
                answers[method] = await client.request(method, dict(params or {}))
            except GatewayError as exc:
                errors[method] = exc.message
        return gateway_usage(answers, errors)


__all__ = ["DEFAULT_STOP_TIMEOUT", "RUN_EVENTS", "RUN_FIELD", "GatewayActivity"]
