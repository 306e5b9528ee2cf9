"""A small OpenAI-compatible streaming model endpoint for real-turn interop checks.

Real OpenClaw gateways run real agent turns against any endpoint that speaks a model API they
support (``api: "openai-completions"``; see shared/reference/openclaw-activity.md). This one
answers ``GET /v1/models`` and ``POST /v1/chat/completions`` with ``stream: true`` as SSE chunks
(``choices[0].delta.content``, a final chunk with ``usage``, then ``data: [DONE]``), on
127.0.0.1 only. Standard library only: it runs inside the check's process and event loop.

What it answers is chosen by a control word in the *last user message* (the gateway adds a
timestamp prefix and an internal-context block, and a ~50-85 KB system prompt that must not be
searched):

- ``FAKE_SLOW``: a long reply streamed one token every ``slow_interval`` seconds, long enough
  to watch the run and stop it;
- ``FAKE_TOOL``: a ``read`` tool call (``{"path":"AGENTS.md","limit":3}``, finish_reason
  ``tool_calls``); once the conversation holds the tool's result, a normal reply;
- anything else: a normal short reply (``NORMAL_REPLY``), a token every ``interval`` seconds.

A ``ref-<id>`` in the user's text is echoed at the end of a normal or tool reply.

Every request is recorded (``requests``): its mode, when it arrived, when the first chunk was
written, and how it ended: ``done`` (the reply was written to the end) or ``client-closed``
(the client closed the connection mid-stream: what a stopped run must do). ``wait_for``
waits for such a record without polling.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

SLOW_WORD = "FAKE_SLOW"
TOOL_WORD = "FAKE_TOOL"
NORMAL_REPLY = "Hello from the fake model: the turn is done."
TOOL_REPLY = "I read AGENTS.md: the tool call worked."
TOOL_NAME = "read"
TOOL_ARGS = {"path": "AGENTS.md", "limit": 3}
SLOW_TOKENS = 300
MAX_BODY = 16 * 1024 * 1024  # real requests are ~50-85 KB
MODEL_ID = "fake-model"
CONTEXT_MARK = "<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>"
REF = re.compile(r"\bref-[0-9a-z]{4,32}\b")


@dataclass
class Request:
    """One chat completion request and what became of its stream."""

    number: int
    mode: str  # "slow" | "tool-call" | "tool-reply" | "normal"
    user_text: str
    received: float  # time.perf_counter()
    first_chunk: float | None = None
    ended: float | None = None
    outcome: str | None = None  # "done" | "client-closed"
    chunks: int = 0


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            part.get("text", "")
            for part in content
            if isinstance(part, Mapping) and isinstance(part.get("text"), str)
        )
    return ""


def choose_mode(body: Mapping[str, Any]) -> tuple[str, str]:
    """(mode, last user text) for a chat completion request body."""
    messages = body.get("messages")
    messages = messages if isinstance(messages, list) else []
    last_user, text = -1, ""
    for index, message in enumerate(messages):
        if isinstance(message, Mapping) and message.get("role") == "user":
            own = _text_of(message.get("content")).split(CONTEXT_MARK, 1)[0]
            # The gateway may send its internal-context block as a user message of its own.
            if own.strip():
                last_user, text = index, own
    if last_user < 0:
        return "normal", ""
    if SLOW_WORD in text:
        return "slow", text
    if TOOL_WORD in text:
        answered = any(
            isinstance(m, Mapping) and m.get("role") == "tool" for m in messages[last_user + 1 :]
        )
        return ("tool-reply" if answered else "tool-call"), text
    return "normal", text


def _chunk(delta: Mapping[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": MODEL_ID,
        "choices": [{"index": 0, "delta": dict(delta), "finish_reason": finish}],
    }


def _usage_chunk(prompt_chars: int, completion_tokens: int) -> dict[str, Any]:
    prompt_tokens = max(1, prompt_chars // 4)
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": MODEL_ID,
        "choices": [],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def reply_text(mode: str, user_text: str) -> str:
    """The normal / tool reply; a ``ref-<id>`` in the user's text is echoed at its end, so a
    check can tell this turn's reply from the identical reply of an earlier turn."""
    text = TOOL_REPLY if mode == "tool-reply" else NORMAL_REPLY
    ref = REF.search(user_text)
    return f"{text} ({ref.group(0)})" if ref else text


def reply_tokens(mode: str, user_text: str = "") -> list[str]:
    if mode == "slow":
        return [f"slow{i} " for i in range(SLOW_TOKENS)]
    text = reply_text(mode, user_text)
    words = text.split(" ")
    return [w + (" " if i < len(words) - 1 else "") for i, w in enumerate(words)]


class ClientClosed(Exception):
    pass


@dataclass
class FakeModel:
    """The endpoint; ``async with FakeModel() as fake`` serves on ``fake.base_url``."""

    host: str = "127.0.0.1"
    port: int = 0
    interval: float = 0.05
    slow_interval: float = 0.2
    requests: list[Request] = field(default_factory=list)
    _server: asyncio.Server | None = None
    _changed: asyncio.Condition | None = None
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    async def __aenter__(self) -> FakeModel:
        if self.host not in ("127.0.0.1", "::1", "localhost"):
            raise ValueError(f"the fake model serves on loopback only, not {self.host}")
        self._changed = asyncio.Condition()
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.close()
            for task in list(self._tasks):
                task.cancel()
            for task in list(self._tasks):
                with contextlib.suppress(BaseException):
                    await task
            with contextlib.suppress(Exception):
                await self._server.wait_closed()

    async def _notify(self) -> None:
        assert self._changed is not None
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(
        self, predicate: Callable[[Request], bool], timeout: float
    ) -> Request | None:
        """The first recorded request that satisfies ``predicate`` (waits for it), or None."""
        assert self._changed is not None

        def found() -> Request | None:
            return next((r for r in self.requests if predicate(r)), None)

        async with self._changed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait_for(lambda: found() is not None), timeout)
        return found()

    # -- HTTP ---------------------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)  # type: ignore[arg-type]
        try:
            while await self._one_request(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError, ClientClosed):
            pass
        finally:
            self._tasks.discard(task)  # type: ignore[arg-type]
            with contextlib.suppress(Exception):
                writer.close()

    async def _one_request(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = [*lines[0].split(" "), "", ""][:3]
        headers = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length") or 0)
        if length > MAX_BODY:
            await self._respond(writer, 413, {"error": {"message": "request too large"}})
            return False
        body = await reader.readexactly(length) if length else b""
        path = target.split("?", 1)[0]
        if method == "GET" and path.rstrip("/") == "/v1/models":
            await self._respond(
                writer, 200, {"object": "list", "data": [{"id": MODEL_ID, "object": "model"}]}
            )
            return True
        if method == "POST" and path.rstrip("/") == "/v1/chat/completions":
            try:
                data = json.loads(body or b"{}")
            except ValueError:
                await self._respond(writer, 400, {"error": {"message": "body is not JSON"}})
                return True
            await self._complete(reader, writer, data if isinstance(data, dict) else {}, len(body))
            return False  # the stream ended the connection
        await self._respond(writer, 404, {"error": {"message": f"no route {method} {path}"}})
        return True

    async def _respond(self, writer: asyncio.StreamWriter, status: int, obj: Any) -> None:
        payload = json.dumps(obj).encode()
        writer.write(
            f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(payload)}\r\n\r\n".encode()
            + payload
        )
        await writer.drain()

    async def _complete(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        body: Mapping[str, Any],
        body_size: int,
    ) -> None:
        mode, user_text = choose_mode(body)
        request = Request(len(self.requests) + 1, mode, user_text, time.perf_counter())
        self.requests.append(request)
        await self._notify()
        # The client closing its side is how a stopped run shows here: watch for EOF while
        # streaming (a write to a closed socket may not fail for a while).
        eof = asyncio.create_task(reader.read(1))
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
            b"Connection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
        )

        async def send(obj: Any) -> None:
            if eof.done():
                raise ClientClosed
            data = ("data: " + (obj if isinstance(obj, str) else json.dumps(obj)) + "\n\n").encode()
            writer.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            await writer.drain()
            if request.first_chunk is None:
                request.first_chunk = time.perf_counter()
            request.chunks += 1
            await self._notify()  # wait_for may be waiting for the n-th chunk

        async def pause(seconds: float) -> None:
            done, _ = await asyncio.wait({eof}, timeout=seconds)
            if done:
                raise ClientClosed

        try:
            if mode == "tool-call":
                call = {
                    "index": 0,
                    "id": "call_fake_1",
                    "type": "function",
                    "function": {"name": TOOL_NAME, "arguments": json.dumps(TOOL_ARGS)},
                }
                await send(_chunk({"role": "assistant", "content": None, "tool_calls": [call]}))
                await send(_chunk({}, "tool_calls"))
                tokens = 1
            else:
                step = self.slow_interval if mode == "slow" else self.interval
                tokens = 0
                for token in reply_tokens(mode, user_text):
                    delta: dict[str, Any] = {"content": token}
                    if tokens == 0:
                        delta["role"] = "assistant"
                    await send(_chunk(delta))
                    tokens += 1
                    await pause(step)
                await send(_chunk({}, "stop"))
            await send(_usage_chunk(body_size, tokens))
            await send("[DONE]")
            writer.write(b"0\r\n\r\n")
            await writer.drain()
            request.outcome = "done"
        except (ClientClosed, ConnectionError):
            request.outcome = "client-closed"
        finally:
            request.ended = time.perf_counter()
            eof.cancel()
            with contextlib.suppress(BaseException):
                await eof
            await self._notify()
