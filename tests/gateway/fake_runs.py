"""``RunningFakeGateway``: the test gateway, plus agent runs, abort, transcripts and streaming.

Shaped after what real 2026.7.35 / 2026.9.6 gateways did during real turns
(shared/reference/openclaw-activity.md): the order of events in one turn, who receives which
event (``agent`` and ``chat`` go to every connection; ``session.message`` only to connections
that called ``sessions.subscribe`` or ``sessions.messages.subscribe`` for that key;
``session.tool`` only to ``sessions.subscribe`` ones), the row fields during and after a run, and
the release quirks (7.35: the previous status lingers when a run begins and ``hasActiveRun``
stays true after ``killed``; 9.6: ``activeRunIds`` only in the first snapshot after a send).

The test drives each run step by step (``begin_run``, ``stream``, ``call_tool``, ``finish_run``,
``fail_run``), so nothing depends on timing. Not observed, so chosen here and marked as such:
the exact payload field names of ``agent`` / ``chat`` / ``session.*`` events beyond those the
reference names (``runId``, ``sessionKey``, ``stream``, ``data``, ``state``, ``deltaText``,
``message``, ``seq``, ``ts``), and the answer of ``sessions.abort`` when nothing runs.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from websockets.exceptions import ConnectionClosed

from tests.gateway.fake_gateway import Conn, FakeGateway, now_ms

COST_INPUT = 3 / 1e6  # USD per token, as the reference's fake model config
COST_OUTPUT = 15 / 1e6


USAGE_DATA = Path(__file__).resolve().parent / "data"


def captured_usage(version: str) -> dict[str, Any]:
    """``usage.cost`` and ``sessions.usage`` as a real gateway of ``version`` answered them after
    two real turns (``interop/gateway/check_usage.py --capture``): method -> payload."""
    data = json.loads((USAGE_DATA / f"usage-{version}.json").read_text(encoding="utf-8"))
    answers: dict[str, Any] = data["answers"]
    return answers


@dataclass
class FakeRun:
    run_id: str
    key: str
    started_at: int
    text: str = ""
    seq: int = 0


@dataclass
class RunningFakeGateway(FakeGateway):
    # What sessions.abort does: "ends" (the run stops, as observed), "ignored" (accepted, the
    # run goes on: to test the still-running verdict).
    abort_behaviour: str = "ends"
    # When set, sessions.abort answers with this payload instead (e.g. None: an answer of no
    # shape the client knows), still ending the run as abort_behaviour says.
    abort_payload: Any = field(default=..., repr=False)
    transcripts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    runs: dict[str, FakeRun] = field(default_factory=dict)
    message_subs: dict[int, set[str]] = field(default_factory=dict)
    # 9.6 delivers sessions.changed up to ~0.8 s late and out of order: while True, those
    # frames are held back until ``release_rows`` (agent/chat events still go out at once).
    # usage.cost / sessions.usage answers by method, as a real gateway sent them (see
    # ``captured_usage``); a method not in it falls to the fake's unknown-method refusal.
    usage: dict[str, Any] | None = None
    hold_rows: bool = False
    held_rows: list[str] = field(default_factory=list)

    # -- rows -------------------------------------------------------------------------------

    def row(self, key: str) -> dict[str, Any]:
        row = super().row(key)
        entry = self.sessions[key]
        for name in (
            "status",
            "startedAt",
            "endedAt",
            "runtimeMs",
            "abortedLastRun",
            "inputTokens",
            "outputTokens",
            "totalTokens",
            "estimatedCostUsd",
            "lastRunId",
        ):
            if entry.get(name) is not None:
                row[name] = entry[name]
        row["hasActiveRun"] = bool(entry.get("hasActiveRun"))
        ids = entry.get("activeRunIds")
        if self.flavor == "9":
            # 9.6: the run ids only in the first snapshot after the send, then omitted.
            if entry.pop("_ids_once", False):
                row["activeRunIds"] = list(ids or [])
            elif not row["hasActiveRun"]:
                row["activeRunIds"] = []
        else:
            row["activeRunIds"] = list(ids or []) if row["hasActiveRun"] else []
        return row

    # -- sending events ----------------------------------------------------------------------

    async def _event(self, name: str, payload: dict[str, Any], *, to: str = "all") -> None:
        frame: dict[str, Any] = {"type": "event", "event": name, "payload": payload}
        if self.flavor == "9" or name != "sessions.changed":
            self.seq += 1
            frame["seq"] = self.seq
        key = payload.get("sessionKey")
        if name == "sessions.changed" and self.hold_rows:
            self.held_rows.append(orjson.dumps(frame).decode())
            return
        for conn in list(self.conns):
            if to == "sessions" and not conn.subscribed:
                continue
            if to == "messages" and not (
                conn.subscribed or key in self.message_subs.get(id(conn), set())
            ):
                continue
            with contextlib.suppress(ConnectionClosed):
                await conn.ws.send(orjson.dumps(frame).decode())
        await self._notify()

    async def _agent(self, run: FakeRun, stream: str, data: dict[str, Any]) -> None:
        run.seq += 1
        await self._event(
            "agent",
            {
                "runId": run.run_id,
                "sessionKey": run.key,
                "stream": stream,
                "seq": run.seq,
                "ts": now_ms(),
                "data": data,
            },
        )

    async def _chat(self, run: FakeRun, state: str, **fields: Any) -> None:
        run.seq += 1
        await self._event(
            "chat",
            {"runId": run.run_id, "sessionKey": run.key, "seq": run.seq, "state": state, **fields},
        )

    async def _row_event(self, key: str, **meta: Any) -> None:
        payload = self.changed_payload(key, meta.pop("reason", None) or "")
        if not payload.get("reason"):
            payload.pop("reason", None)
        payload.update(meta)
        await self._event("sessions.changed", payload, to="sessions")

    async def _message(self, key: str, message: dict[str, Any]) -> None:
        self.transcripts.setdefault(key, []).append(message)
        await self._event("session.message", {"sessionKey": key, "message": message}, to="messages")

    # -- driving a run (test hooks) ----------------------------------------------------------

    async def begin_run(self, key: str, text: str = "hello", run_id: str | None = None) -> str:
        """A send arrived: the user message, then the run starts (as chat.send does)."""
        run = FakeRun(run_id or str(uuid.uuid4()), key, now_ms())
        self.runs[key] = run
        entry = self.sessions.setdefault(key, {"sessionId": str(uuid.uuid4())})
        entry["updatedAt"] = max(now_ms(), entry.get("updatedAt", 0) + 1)
        await self._message(key, {"role": "user", "content": text, "timestamp": now_ms()})
        entry["hasActiveRun"] = True
        entry["activeRunIds"] = [run.run_id]
        if self.flavor == "9":
            await self._chat(run, "status", status="preparing_context")
            await self._agent(run, "run_status", {"phase": "preparing_context"})
            entry.update(status="running", startedAt=run.started_at, _ids_once=True)
            entry.pop("endedAt", None)
            entry.pop("runtimeMs", None)
            await self._row_event(key, reason="agent.run.started")
            await self._agent(run, "lifecycle", {"phase": "start", "startedAt": run.started_at})
            await self._row_event(key, phase="start", runId=run.run_id)
        else:
            # 7.35: the row says hasActiveRun while status still names the previous run.
            await self._agent(run, "lifecycle", {"phase": "start", "startedAt": run.started_at})
            await self._row_event(key, phase="start", runId=run.run_id)
            entry.update(status="running", startedAt=run.started_at)
            entry.pop("endedAt", None)
            entry.pop("runtimeMs", None)
        await self._agent(run, "lifecycle", {"phase": "model"})
        return run.run_id

    async def stream(self, key: str, delta: str) -> None:
        run = self.runs[key]
        run.text += delta
        await self._agent(run, "assistant", {"text": run.text, "delta": delta})
        message = {
            "role": "assistant",
            "content": [{"type": "text", "text": run.text}],
            "timestamp": now_ms(),
        }
        await self._chat(run, "delta", deltaText=delta, message=message)

    async def call_tool(self, key: str, name: str, args: dict[str, Any], result: str) -> None:
        """A tool turn: the assistant's toolCall message, the tool, its result row."""
        run = self.runs[key]
        call_id = f"call_{uuid.uuid4().hex[:8]}"
        await self._agent(run, "item", {"phase": "start", "kind": "tool", "name": name})
        await self._event(
            "session.tool",
            {
                "sessionKey": key,
                "runId": run.run_id,
                "phase": "start",
                "name": name,
                "toolCallId": call_id,
                "args": args,
            },
            to="sessions",
        )
        await self._message(
            key,
            {
                "role": "assistant",
                "content": [{"type": "toolCall", "id": call_id, "name": name, "arguments": args}],
                "stopReason": "toolUse",
                "timestamp": now_ms(),
            },
        )
        # toolResult rows are not pushed as session.message; chat.history has them.
        self.transcripts[key].append(
            {
                "role": "toolResult",
                "toolCallId": call_id,
                "toolName": name,
                "content": [{"type": "text", "text": result}],
                "isError": False,
                "timestamp": now_ms(),
            }
        )
        await self._event(
            "session.tool",
            {
                "sessionKey": key,
                "runId": run.run_id,
                "phase": "result",
                "name": name,
                "toolCallId": call_id,
                "result": result,
            },
            to="sessions",
        )
        await self._agent(run, "item", {"phase": "end", "kind": "tool", "name": name})

    async def finish_run(
        self, key: str, input_tokens: int = 15815, output_tokens: int = 30
    ) -> None:
        run = self.runs.pop(key)
        cost_in, cost_out = input_tokens * COST_INPUT, output_tokens * COST_OUTPUT
        usage = {
            "input": input_tokens,
            "output": output_tokens,
            "cacheRead": 0,
            "cacheWrite": 0,
            "totalTokens": input_tokens + output_tokens,
            "cost": {
                "input": cost_in,
                "output": cost_out,
                "cacheRead": 0,
                "cacheWrite": 0,
                "total": cost_in + cost_out,
            },
        }
        if self.flavor == "9":
            await self._agent(run, "usage", {"input": input_tokens, "output": output_tokens})
        await self._message(
            key,
            {
                "role": "assistant",
                "content": [{"type": "text", "text": run.text}],
                "provider": "fakellm",
                "model": "fake-model",
                "usage": usage,
                "stopReason": "stop",
                "timestamp": now_ms(),
            },
        )
        await self._agent(run, "lifecycle", {"phase": "finishing"})
        ended = now_ms()
        entry = self.sessions[key]
        entry.update(
            # 7.35's end row still says hasActiveRun (observed); settle() clears it.
            hasActiveRun=self.flavor == "7",
            activeRunIds=[],
            status="done",
            endedAt=ended,
            runtimeMs=ended - run.started_at,
            abortedLastRun=False,
            inputTokens=input_tokens,
            outputTokens=output_tokens,
            totalTokens=input_tokens,
            estimatedCostUsd=round(cost_in + cost_out, 6),
            updatedAt=max(ended, entry.get("updatedAt", 0) + 1),
        )
        if self.flavor == "9":
            entry["lastRunId"] = run.run_id
        await self._agent(run, "lifecycle", {"phase": "end", "status": "ok"})
        await self._row_event(key, phase="end", runId=run.run_id)
        await self._chat(
            run,
            "final",
            stopReason="stop",
            message={"role": "assistant", "content": [{"type": "text", "text": run.text}]},
        )

    async def fail_run(self, key: str, error: str = "model endpoint returned 500") -> None:
        run = self.runs.pop(key)
        ended = now_ms()
        entry = self.sessions[key]
        entry.update(
            hasActiveRun=False,
            activeRunIds=[],
            status="failed",
            endedAt=ended,
            runtimeMs=ended - run.started_at,
            updatedAt=max(ended, entry.get("updatedAt", 0) + 1),
        )
        await self._agent(run, "lifecycle", {"phase": "error", "error": error})
        await self._row_event(key, phase="error", runId=run.run_id)
        await self._chat(run, "error", errorMessage=error)

    async def _abort(self, run: FakeRun) -> None:
        key = run.key
        self.runs.pop(key, None)
        ended = now_ms()
        await self._chat(run, "aborted", stopReason="rpc")
        partial = {
            "role": "assistant",
            "content": [{"type": "text", "text": run.text}],
            "provider": "openclaw",
            "model": "gateway-injected",
            "stopReason": "stop",
            "openclawAbort": {"aborted": True, "origin": "rpc", "runId": run.run_id},
            "timestamp": ended,
        }
        await self._message(key, partial)
        entry = self.sessions[key]
        entry.update(
            status="killed",
            abortedLastRun=True,
            endedAt=ended,
            runtimeMs=ended - run.started_at,
            updatedAt=max(ended, entry.get("updatedAt", 0) + 1),
        )
        if self.flavor == "9":
            entry.update(hasActiveRun=False, activeRunIds=[], lastRunId=run.run_id)
        # 7.35 keeps hasActiveRun true ~0.5 s after status "killed": the end row still says it.
        await self._agent(
            run,
            "lifecycle",
            {"phase": "end", "status": "cancelled", "aborted": True, "stopReason": "rpc"},
        )
        await self._row_event(key, phase="end", runId=run.run_id)
        await self._agent(
            run, "lifecycle", {"phase": "error", "error": "This operation was aborted"}
        )
        if self.flavor == "7":
            await self._message(
                key,
                {
                    "role": "assistant",
                    "content": [{"type": "text", "text": run.text}],
                    "stopReason": "aborted",
                    "errorMessage": "Request was aborted",
                    # As in the real fixture: the runtime stamps its copy with the run's start.
                    "timestamp": run.started_at,
                },
            )
            await self._event(
                "sessions.changed",
                {"sessionKey": key, "reason": "abort", "ts": now_ms()},
                to="sessions",
            )

    async def release_rows(self) -> None:
        """Deliver the held sessions.changed frames (all at once, as a late burst)."""
        self.hold_rows = False
        frames, self.held_rows = self.held_rows, []
        for frame in frames:
            for conn in list(self.conns):
                if conn.subscribed:
                    with contextlib.suppress(ConnectionClosed):
                        await conn.ws.send(frame)
        await self._notify()

    def settle(self, key: str) -> None:
        """7.35's lingering hasActiveRun finally clears (no event: the next list shows it)."""
        self.sessions[key].update(hasActiveRun=False, activeRunIds=[])

    async def resend_row(self, key: str, **fields: Any) -> None:
        """A ``sessions.changed`` row of ``key`` as the gateway sent it before, with ``fields``
        (2026.7.35 re-sent an ended run's row with ``hasActiveRun: true`` up to ~2 s later)."""
        payload = {**self.changed_payload(key, "patch"), **fields}
        await self._event("sessions.changed", payload, to="sessions")

    # -- methods -----------------------------------------------------------------------------

    async def _dispatch(self, conn: Conn, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "sessions.abort":
            if not self._has(conn, "operator.admin"):
                # Observed on 2026.7.35 and 2026.9.6 (read+write connection): sessions.abort
                # and chat.abort answer INVALID_REQUEST "unauthorized", naming no scope.
                return {"error": self._err("INVALID_REQUEST", "unauthorized")}
            key = params.get("key")
            if not isinstance(key, str):
                return {
                    "error": self._err(
                        "INVALID_REQUEST",
                        "invalid sessions.abort params: must have required property 'key'",
                    )
                }
            if self.abort_payload is not ...:
                return {"payload": self.abort_payload}
            run = self.runs.get(key)
            if run is None:
                # Not observed: what a real gateway answers when nothing runs.
                return {"payload": {"ok": True, "abortedRunId": None, "status": "no-active-run"}}
            return {"payload": {"ok": True, "abortedRunId": run.run_id, "status": "aborted"}}
        if method in ("usage.cost", "sessions.usage") and method in (self.usage or {}):
            assert self.usage is not None
            return {"payload": self.usage[method]}
        if method == "chat.history":
            if not self._has(conn, "operator.read"):
                return self._scope_error("operator.read")
            key = params.get("sessionKey")
            limit = int(params.get("limit") or 200)
            messages = self.transcripts.get(key, [])
            payload: dict[str, Any] = {
                "sessionKey": key,
                "messages": messages[-limit:],
                "sessionInfo": {"key": key},
            }
            if self.flavor == "9":
                payload.update(
                    hasMore=len(messages) > limit,
                    totalMessages=len(messages),
                    deltaCursor=len(messages),
                )
            return {"payload": payload}
        if method == "sessions.messages.subscribe":
            if not self._has(conn, "operator.read"):
                return self._scope_error("operator.read")
            self.message_subs.setdefault(id(conn), set()).add(params["key"])
            return {"payload": {"subscribed": True, "key": params["key"]}}
        if method == "sessions.messages.unsubscribe":
            self.message_subs.get(id(conn), set()).discard(params.get("key"))
            return {"payload": {"subscribed": False, "key": params.get("key")}}
        return await super()._dispatch(conn, method, params)

    async def _after(
        self, conn: Conn, method: str, params: dict[str, Any], answer: dict[str, Any]
    ) -> None:
        if method == "sessions.abort" and "error" not in answer:
            run = self.runs.get(params["key"])
            if run is not None and self.abort_behaviour == "ends":
                await self._abort(run)
            return
        await super()._after(conn, method, params, answer)
