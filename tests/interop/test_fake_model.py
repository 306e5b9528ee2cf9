"""The interop fake model endpoint (interop/fake_model.py) alone: real HTTP on loopback, no
gateway, no network. What the real-turns check relies on: the reply streams as OpenAI SSE, the
control word is read from the user's text only, a tool call then a reply, and a client that
closes mid-stream is recorded as such."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from interop.fake_model import (
    NORMAL_REPLY,
    SLOW_TOKENS,
    TOOL_ARGS,
    TOOL_NAME,
    TOOL_REPLY,
    FakeModel,
    choose_mode,
)


async def _post(
    fake: FakeModel, body: dict[str, Any], *, stop_after: int | None = None
) -> tuple[str, list[Any]]:
    """POST /v1/chat/completions; (status line, decoded SSE data items). ``stop_after``: close
    the connection after that many data items, as an aborted gateway run does."""
    reader, writer = await asyncio.open_connection(fake.host, fake.port)
    payload = json.dumps(body).encode()
    writer.write(
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(payload)}\r\n\r\n".encode()
        + payload
    )
    await writer.drain()
    head = (await reader.readuntil(b"\r\n\r\n")).decode()
    items: list[Any] = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).strip(), 16)
        if size == 0:
            break
        chunk = (await reader.readexactly(size + 2))[:-2].decode()
        assert chunk.startswith("data: ") and chunk.endswith("\n\n"), chunk
        data = chunk[len("data: ") : -2]
        items.append(data if data == "[DONE]" else json.loads(data))
        if stop_after is not None and len(items) >= stop_after:
            break
    writer.close()
    return head.split("\r\n", 1)[0], items


def _body(user: str, *extra: dict[str, Any]) -> dict[str, Any]:
    return {
        "model": "fake-model",
        "stream": True,
        "stream_options": {"include_usage": True},
        "messages": [
            {"role": "system", "content": "You may be asked to FAKE_SLOW or FAKE_TOOL."},
            {"role": "user", "content": user},
            *extra,
        ],
    }


def _text(items: list[Any]) -> str:
    return "".join(
        i["choices"][0]["delta"].get("content") or ""
        for i in items
        if isinstance(i, dict) and i["choices"]
    )


def test_normal_reply_streams_as_openai_sse_with_usage() -> None:
    async def main() -> None:
        async with FakeModel(interval=0.001) as fake:
            status, items = await _post(fake, _body("[Wed 2026-12-02 06:19 UTC] hello"))
            assert status == "HTTP/1.1 200 OK"
            assert items[-1] == "[DONE]"
            assert _text(items) == NORMAL_REPLY
            assert items[-2]["usage"]["completion_tokens"] > 0
            finishes = [i["choices"][0]["finish_reason"] for i in items[:-1] if i["choices"]]
            assert finishes[-1] == "stop"
            assert [r.mode for r in fake.requests] == ["normal"]
            assert fake.requests[0].outcome == "done"

    asyncio.run(main())


def test_tool_call_then_reply_once_the_result_is_in_the_conversation() -> None:
    async def main() -> None:
        async with FakeModel(interval=0.001) as fake:
            _, items = await _post(fake, _body("[ts] please FAKE_TOOL now"))
            calls = [
                c
                for i in items[:-1]
                if i["choices"]
                for c in i["choices"][0]["delta"].get("tool_calls") or []
            ]
            assert [
                (c["function"]["name"], json.loads(c["function"]["arguments"])) for c in calls
            ] == [(TOOL_NAME, TOOL_ARGS)]
            assert items[1]["choices"][0]["finish_reason"] == "tool_calls"
            answered = _body(
                "[ts] please FAKE_TOOL now",
                {"role": "assistant", "content": None, "tool_calls": calls},
                {"role": "tool", "tool_call_id": calls[0]["id"], "content": "# AGENTS"},
            )
            _, items = await _post(fake, answered)
            assert _text(items) == TOOL_REPLY
            assert [r.mode for r in fake.requests] == ["tool-call", "tool-reply"]

    asyncio.run(main())


def test_a_ref_in_the_user_text_is_echoed_at_the_end_of_the_reply() -> None:
    async def main() -> None:
        async with FakeModel(interval=0.001) as fake:
            _, items = await _post(fake, _body("[ts] hello ref-a1b2c3"))
            assert _text(items) == f"{NORMAL_REPLY} (ref-a1b2c3)"

    asyncio.run(main())


def test_control_words_are_read_from_the_user_text_only() -> None:
    # The system prompt names the words; the gateway's internal-context block may too.
    context = "<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>> FAKE_SLOW <<<END_OPENCLAW_INTERNAL_CONTEXT>>>"
    assert choose_mode(_body("[ts] hi"))[0] == "normal"
    assert choose_mode(_body(f"[ts] hi\n{context}"))[0] == "normal"
    assert choose_mode(_body("[ts] FAKE_SLOW please", {"role": "user", "content": context}))[0] == (
        "slow"
    )
    parts = [{"type": "text", "text": "[ts] FAKE_TOOL"}]
    assert choose_mode(_body(parts))[0] == "tool-call"  # type: ignore[arg-type]


def test_a_client_closing_the_slow_stream_is_recorded() -> None:
    async def main() -> None:
        async with FakeModel(slow_interval=0.05) as fake:
            _, items = await _post(fake, _body("[ts] FAKE_SLOW"), stop_after=3)
            assert _text(items) == "slow0 slow1 slow2 "
            closed = await fake.wait_for(lambda r: r.outcome is not None, timeout=5)
            assert closed is not None
            assert closed.mode == "slow"
            assert closed.outcome == "client-closed"
            assert 3 <= closed.chunks < SLOW_TOKENS
            assert closed.first_chunk is not None and closed.ended is not None

    asyncio.run(main())


def test_models_listing_and_unknown_routes() -> None:
    async def main() -> None:
        async with FakeModel() as fake:
            reader, writer = await asyncio.open_connection(fake.host, fake.port)
            writer.write(b"GET /v1/models HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\n\r\n")
            await writer.drain()
            answers = []
            for _ in range(2):
                head = (await reader.readuntil(b"\r\n\r\n")).decode()
                length = int(head.lower().split("content-length:")[1].split("\r\n")[0])
                answers.append((head.split(" ")[1], json.loads(await reader.readexactly(length))))
            writer.close()
            assert answers[0] == (
                "200",
                {"object": "list", "data": [{"id": "fake-model", "object": "model"}]},
            )
            assert answers[1][0] == "404"

    asyncio.run(main())


def test_serves_on_loopback_only() -> None:
    async def main() -> None:
        try:
            async with FakeModel(host="0.0.0.0"):
                raise AssertionError("bound a non-loopback address")
        except ValueError as exc:
            assert "loopback" in str(exc)

    asyncio.run(main())
