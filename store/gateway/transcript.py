"""One session's transcript from a gateway, live: ``chat.history``, then pushed events.

The ``TranscriptSource`` of a gateway session (the same protocol as file transcripts,
``store/transcripts/base.py``). As observed on real 2026.7.35 and 2026.9.6 gateways:

- ``chat.history {"sessionKey","limit"}`` returns committed messages (pi-ai shape: ``role`` user /
  assistant / toolResult, ``content`` blocks, ``usage`` with ``cost``) but never the in-flight
  reply;
- ``session.message`` pushes each committed user / assistant message (to connections that
  called ``sessions.subscribe`` or ``sessions.messages.subscribe`` for the key; ``toolResult``
  rows are NOT pushed), ``session.tool`` the tool start / result (``sessions.subscribe`` only);
- ``chat`` ``delta`` events carry the full reply so far (``message``) and the increment
  (``deltaText``), ``final`` / ``aborted`` / ``error`` end it. Every connection receives them.

So the in-flight reply is a ``partial`` assistant item (``message_id`` ``run:<runId>``) replaced
by each delta and finally by the committed message. Order in a turn: the committed assistant
``session.message`` comes before ``chat final``; on abort ``chat aborted`` comes first, then the
gateway's own copy of the partial reply (``openclawAbort``; 7.35 then also the runtime's
``stopReason:"aborted"`` copy). Whichever closes the partial first wins; the copy after it is not
shown twice. After a reconnect (events may have been missed) the history is read again and
sent as a ``reset``.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any

from openclaw_tui.store.gateway.activity import RECONNECTED
from openclaw_tui.store.gateway.errors import GatewayError
from openclaw_tui.store.transcript_model import TranscriptItem, TranscriptUpdate
from openclaw_tui.store.transcripts.base import TranscriptPage, TranscriptUnavailable
from openclaw_tui.store.transcripts.entries import bound_text, content_text, message_items

if TYPE_CHECKING:
    from openclaw_tui.store.gateway.gateway_store import GatewayStore

DEFAULT_HISTORY = 200


def _ts(message: Mapping[str, Any]) -> int | None:
    value = message.get("timestamp")
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return int(value)
    return None


def _identity(message: Mapping[str, Any]) -> tuple[Any, ...]:
    # chat.history messages carry no id; role + timestamp + text tells a message again.
    return (message.get("role"), message.get("timestamp"), content_text(message.get("content")))


def history_items(messages: Any) -> list[TranscriptItem]:
    items: list[TranscriptItem] = []
    for message in messages if isinstance(messages, list) else ():
        if isinstance(message, Mapping):
            role = message.get("role")
            message_id = f"{role}:{message.get('timestamp')}" if role else None
            items.extend(message_items(message, _ts(message), message_id))
    return items


class GatewayTranscript:
    """The live transcript of ``key`` on ``store``'s gateway (see module doc)."""

    def __init__(self, store: GatewayStore, key: str, *, history_limit: int = DEFAULT_HISTORY):
        self._store = store
        self._key = key
        self._limit = history_limit
        self._shown = 0  # messages of the history we have returned (tail + earlier)
        self._queue: asyncio.Queue[TranscriptUpdate | None] = asyncio.Queue()
        self._tapped = False
        self._closed = False
        self._seen: set[tuple[Any, ...]] = set()
        self._partial: dict[str, str] = {}  # runId -> text so far
        self._closed_by_chat: str | None = None  # text of a reply closed by a chat event
        self._last_abort_text: str | None = None  # text of the openclawAbort copy shown
        self._buffer: list[tuple[str, Mapping[str, Any]]] | None = None

    @property
    def path(self) -> str:
        return f"{self._store.path} session {self._key}"

    # -- reading the history -----------------------------------------------------------------

    async def _history(self, limit: int) -> Mapping[str, Any] | TranscriptUnavailable:
        client = self._store.client
        if client is None or not client.connected:
            return TranscriptUnavailable(
                self.path,
                "unreadable",
                "not connected to the gateway",
                fix="the transcript loads once the status bar shows it connected",
            )
        try:
            answer = await client.request("chat.history", {"sessionKey": self._key, "limit": limit})
        except GatewayError as exc:
            return TranscriptUnavailable(self.path, "unreadable", exc.message, fix=exc.fix)
        if not isinstance(answer, Mapping):
            return TranscriptUnavailable(self.path, "corrupt", "chat.history answered no object")
        return answer

    def _tap_on(self) -> None:
        if not self._tapped and not self._closed:
            self._tapped = True
            self._store._event_taps.add(self._on_event)
            client = self._store.client
            if client is not None and client.connected:
                # Not needed for our own sessions.subscribe connection, but it is how a
                # messages-only observer gets session.message; a refusal is harmless.
                task = asyncio.ensure_future(self._subscribe_messages())
                self._store._background.add(task)
                task.add_done_callback(self._store._background.discard)

    async def _subscribe_messages(self) -> None:
        client = self._store.client
        if client is not None:
            with contextlib.suppress(GatewayError):
                await client.request("sessions.messages.subscribe", {"key": self._key})

    async def tail(self, n_items: int) -> TranscriptPage | TranscriptUnavailable:
        self._buffer = []  # events that arrive while the history is read
        self._tap_on()
        limit = max(1, min(n_items, 1000))
        answer = await self._history(limit)
        buffered, self._buffer = self._buffer or [], None
        if isinstance(answer, TranscriptUnavailable):
            return answer
        messages = answer.get("messages")
        messages = messages if isinstance(messages, list) else []
        self._shown = len(messages)
        self._seen = {_identity(m) for m in messages if isinstance(m, Mapping)}
        more = answer.get("hasMore")
        has_earlier = bool(more) if isinstance(more, bool) else len(messages) >= limit
        for name, payload in buffered:
            self._apply(name, payload)
        return TranscriptPage(self.path, tuple(history_items(messages)), has_earlier)

    async def earlier(self, n_items: int) -> TranscriptPage | TranscriptUnavailable:
        # chat.history takes no offset: ask for more, keep the part before what was shown.
        limit = self._shown + max(1, n_items)
        answer = await self._history(limit)
        if isinstance(answer, TranscriptUnavailable):
            return answer
        messages = answer.get("messages")
        messages = messages if isinstance(messages, list) else []
        older = messages[: max(0, len(messages) - self._shown)]
        self._shown = len(messages)
        more = answer.get("hasMore")
        has_earlier = bool(more) if isinstance(more, bool) else len(messages) >= limit
        return TranscriptPage(self.path, tuple(history_items(older)), has_earlier)

    # -- following ---------------------------------------------------------------------------

    async def follow(self) -> AsyncIterator[TranscriptUpdate]:
        self._tap_on()
        while True:
            update = await self._queue.get()
            if update is None:
                return
            yield update

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._store._event_taps.discard(self._on_event)
        self._queue.put_nowait(None)
        client = self._store.client
        if client is not None and client.connected:
            with contextlib.suppress(GatewayError):
                await client.request("sessions.messages.unsubscribe", {"key": self._key})

    def _emit(self, *items: TranscriptItem, reset: bool = False) -> None:
        if items or reset:
            self._queue.put_nowait(TranscriptUpdate(items=tuple(items), reset=reset))

    def _on_event(self, name: str, payload: Mapping[str, Any]) -> None:
        if self._closed:
            return
        if name == RECONNECTED:
            task = asyncio.ensure_future(self._reload())
            self._store._background.add(task)
            task.add_done_callback(self._store._background.discard)
            return
        if payload.get("sessionKey") != self._key:
            return
        if self._buffer is not None:
            self._buffer.append((name, payload))
            return
        self._apply(name, payload)

    async def _reload(self) -> None:
        page = await self.tail(self._limit)
        if isinstance(page, TranscriptPage):
            self._partial.clear()
            self._emit(*page.items, reset=True)
        else:
            self._queue.put_nowait(page.update())

    def _apply(self, name: str, payload: Mapping[str, Any]) -> None:
        if name == "session.message":
            self._on_message(payload)
        elif name == "chat":
            self._on_chat(payload)
        elif name == "session.tool":
            self._on_tool(payload)

    def _on_message(self, payload: Mapping[str, Any]) -> None:
        message = payload.get("message")
        if not isinstance(message, Mapping):
            return
        identity = _identity(message)
        if identity in self._seen:
            return  # already in the history we returned
        self._seen.add(identity)
        role = message.get("role")
        text = content_text(message.get("content"))
        if role == "user":
            self._closed_by_chat = None
            self._last_abort_text = None
        if role == "assistant":
            abort = message.get("openclawAbort")
            if self._closed_by_chat is not None and text == self._closed_by_chat:
                self._closed_by_chat = None
                return  # the committed copy of a reply a chat event already closed
            if (
                message.get("stopReason") == "aborted"
                and self._last_abort_text is not None
                and text == self._last_abort_text
            ):
                return  # 7.35's second copy of an aborted reply
            if isinstance(abort, Mapping):
                self._last_abort_text = text
        role_id = f"{role}:{message.get('timestamp')}" if role else None
        items = message_items(message, _ts(message), role_id)
        if role == "assistant" and self._partial and items:
            run_id = next(iter(self._partial))
            del self._partial[run_id]
            items[0] = dataclasses.replace(items[0], message_id=f"run:{run_id}")
        self._emit(*items)

    def _on_chat(self, payload: Mapping[str, Any]) -> None:
        run_id = payload.get("runId")
        run_id = run_id if isinstance(run_id, str) else "?"
        state = payload.get("state")
        message = payload.get("message")
        full = content_text(message.get("content")) if isinstance(message, Mapping) else None
        if state == "delta":
            delta = payload.get("deltaText")
            text = (
                full
                if full is not None
                else self._partial.get(run_id, "") + (delta if isinstance(delta, str) else "")
            )
            self._partial[run_id] = text
            self._emit(
                TranscriptItem(
                    "assistant",
                    bound_text(text),
                    timestamp_ms=_ts(message) if isinstance(message, Mapping) else None,
                    message_id=f"run:{run_id}",
                    partial=True,
                )
            )
        elif state in ("final", "aborted", "error") and run_id in self._partial:
            text = self._partial.pop(run_id)
            if full:
                text = full
            error = payload.get("errorMessage")
            self._closed_by_chat = text
            if state == "aborted":
                self._last_abort_text = text
            self._emit(
                TranscriptItem(
                    "assistant",
                    bound_text(text),
                    aborted=state == "aborted",
                    error=str(error) if state == "error" and error else None,
                    message_id=f"run:{run_id}",
                    stop_reason=str(payload.get("stopReason") or "") or None,
                )
            )
        elif state == "error":
            error = payload.get("errorMessage")
            self._emit(TranscriptItem("error", str(error or "the run failed")))

    def _on_tool(self, payload: Mapping[str, Any]) -> None:
        if payload.get("phase") != "result":
            return  # the call itself arrives with the assistant's toolCall message
        result = payload.get("result")
        text = result if isinstance(result, str) else content_text(result)
        call_id = payload.get("toolCallId")
        name = payload.get("name") or payload.get("toolName")
        self._emit(
            TranscriptItem(
                "tool_result",
                bound_text(text or ""),
                tool_name=name if isinstance(name, str) else None,
                tool_call_id=call_id if isinstance(call_id, str) else None,
                message_id=call_id if isinstance(call_id, str) else None,
            )
        )
