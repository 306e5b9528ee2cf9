"""7.35 JSONL transcripts: the active branch of the real-turns fixture, paging, hostile lines."""

from __future__ import annotations

import json
import os
import re
import tracemalloc
from pathlib import Path

import pytest

from openclaw_tui.store.transcripts import (
    MAX_TEXT_CHARS,
    JsonlTranscript,
    TranscriptPage,
    TranscriptUnavailable,
    open_file_transcript,
)
from tests.transcripts.helpers import (
    MAIN,
    REAL_TURNS_JSON,
    REAL_TURNS_JSONL,
    append,
    copy_real_turns,
    line,
    message,
)

pytestmark = pytest.mark.anyio

# The fixture's turns, as OpenClaw 2026.7.35 wrote them (see openclaw-activity.md): two aborted
# runs, each with its gateway-injected partial reply on a side branch.
EXPECTED_KINDS = [
    "system",  # model: fakellm/fake-model
    "system",  # thinking: off
    "user",
    "assistant",
    "user",  # Please answer SLOW
    "assistant",  # aborted (runtime reply; the injected one is on the side branch)
    "error",  # openclaw:prompt-error
    "user",
    "assistant",
    "error",
    "user",
    "assistant",
    "user",
    "assistant",
    "user",
    "assistant",
]


async def tail_of(path: Path, n: int) -> TranscriptPage:
    source = JsonlTranscript(path)
    try:
        page = await source.tail(n)
    finally:
        await source.close()
    assert isinstance(page, TranscriptPage), page
    return page


async def test_real_turns_follow_the_active_branch_with_usage_cost_and_aborts():
    entry = json.loads(REAL_TURNS_JSON.read_text())[MAIN]
    # sessionFile is an absolute path of the machine that wrote it (/home/operator/...):
    # re-mapped into this sessions directory, as OpenClaw does.
    source = open_file_transcript(REAL_TURNS_JSON, MAIN, entry)
    assert source.path == str(REAL_TURNS_JSONL.resolve())
    page = await source.tail(100)
    await source.close()
    assert isinstance(page, TranscriptPage)
    assert [item.kind for item in page.items] == EXPECTED_KINDS
    assert page.has_earlier is False and page.skipped == 0
    first_user, first_reply = page.items[2], page.items[3]
    assert first_user.text == "Say hello. TOKENS=30 DELAY=100"
    assert first_user.timestamp_ms == 1796192794597
    assert first_reply.text.startswith("Hello from the fake model.")
    assert first_reply.cost_usd == pytest.approx(0.064164)
    assert first_reply.usage is not None and first_reply.usage["input"] == 21238
    assert first_reply.model == "fakellm/fake-model" and first_reply.stop_reason == "stop"
    assert first_reply.message_id == "88546e73"
    aborted = page.items[5]
    assert aborted.aborted and aborted.error == "Request was aborted"
    assert aborted.message_id == "b0e17331"
    assert page.items[6].error == "This operation was aborted | 20"
    # The gateway-injected partial replies (side branch) are not on the active branch.
    ids = {item.message_id for item in page.items}
    assert "3f45881b-80c1-4231-91d0-35dba0150e47" not in ids
    assert "146957f7-928e-4ce7-b83b-c2119dfa1256" not in ids
    assert page.items[-1].cost_usd == pytest.approx(0.067287)


async def test_tail_then_earlier_pages_back_without_gaps():
    source = JsonlTranscript(REAL_TURNS_JSONL)
    try:
        last = await source.tail(4)
        assert isinstance(last, TranscriptPage) and last.has_earlier
        assert [i.kind for i in last.items] == EXPECTED_KINDS[-4:]
        pages = [last]
        while pages[-1].has_earlier:
            page = await source.earlier(5)
            assert isinstance(page, TranscriptPage)
            pages.append(page)
        kinds = [i.kind for page in reversed(pages) for i in page.items]
        assert kinds == EXPECTED_KINDS
    finally:
        await source.close()


async def test_tool_calls_and_results_with_arguments(tmp_path):
    path = tmp_path / "s.jsonl"
    path.write_bytes(
        line({"type": "session", "version": 3, "id": "s"})
        + line(message("u1", None, "user", "read the file"))
        + line(
            message(
                "a1",
                "u1",
                "assistant",
                [
                    {"type": "text", "text": "Reading it."},
                    {
                        "type": "toolCall",
                        "id": "call_1",
                        "name": "read",
                        "arguments": {"path": "AGENTS.md", "limit": 3},
                    },
                ],
                usage={"input": 10, "output": 2, "cost": {"total": 0.5}},
                stopReason="toolUse",
            )
        )
        + line(
            message(
                "r1",
                "a1",
                "toolResult",
                [{"type": "text", "text": "no such file"}],
                toolCallId="call_1",
                toolName="read",
                isError=True,
            )
        )
        + line(
            message(
                "a2",
                "r1",
                "assistant",
                [{"type": "toolCall", "id": "call_2", "name": "ls", "arguments": {"path": "."}}],
                usage={"input": 20, "output": 1, "cost": {"total": 0.25}},
            )
        )
    )
    page = await tail_of(path, 10)
    assert [i.kind for i in page.items] == [
        "user",
        "assistant",
        "tool_call",
        "tool_result",
        "tool_call",
    ]
    reply, call, result, only_call = page.items[1:]
    assert reply.text == "Reading it." and reply.cost_usd == 0.5
    assert call.tool_name == "read" and call.tool_args == {"path": "AGENTS.md", "limit": 3}
    assert call.tool_call_id == "call_1" and call.cost_usd is None
    assert result.tool_name == "read" and result.tool_call_id == "call_1"
    assert result.text == "no such file" and result.error == "no such file"
    # An assistant message of tool calls only: its usage and cost go on its first call.
    assert only_call.tool_name == "ls" and only_call.cost_usd == 0.25


async def test_a_rewind_to_an_earlier_entry_shows_only_the_new_branch(tmp_path):
    path = tmp_path / "s.jsonl"
    append(
        path,
        message("u1", None, "user", "one"),
        message("a1", "u1", "assistant", [{"type": "text", "text": "old answer"}]),
        message("u2", "a1", "user", "abandoned question"),
        *[message(f"x{i}", f"x{i - 1}" if i else "u2", "user", f"filler {i}") for i in range(300)],
        message("a1b", "u1", "assistant", [{"type": "text", "text": "new answer"}]),
    )
    page = await tail_of(path, 10)
    assert [i.text for i in page.items] == ["one", "new answer"]


async def test_cut_lines_invalid_utf8_and_a_partial_last_line(tmp_path):
    path = tmp_path / "s.jsonl"
    good = line(message("u1", None, "user", "first"))
    cut = line(message("u2", "u1", "user", "cut short"))[:25] + b"\n"  # a crash mid-write
    bad_utf8 = line(message("u3", "u2", "user", "caf\u00e9")).replace(b"\\u00e9", b"\xff")
    partial = line(message("u4", "u3", "user", "being written"))[:-10]  # no newline yet
    path.write_bytes(good + cut + bad_utf8 + partial)
    page = await tail_of(path, 10)
    # u3's parent u2 is the cut line: it is skipped, and the history above it still shows.
    assert [i.text for i in page.items] == ["first", "caf\ufffd"]
    assert page.skipped == 1


async def test_a_huge_line_is_shown_as_a_bounded_preview_without_loading_it(tmp_path):
    path = tmp_path / "s.jsonl"
    huge_text = "x" * (50 * 1024 * 1024)
    append(
        path,
        message("u1", None, "user", "cat the log"),
        message(
            "r1",
            "u1",
            "toolResult",
            [{"type": "text", "text": huge_text}],
            toolCallId="c1",
            toolName="exec",
        ),
        message("a1", "r1", "assistant", [{"type": "text", "text": "done"}]),
    )
    del huge_text
    tracemalloc.start()
    try:
        page = await tail_of(path, 10)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [i.kind for i in page.items] == ["user", "tool_result", "assistant"]
    result = page.items[1]
    assert result.tool_name == "exec" and result.tool_call_id == "c1"
    assert result.text.startswith("x" * 1000)
    assert len(result.text) < MAX_TEXT_CHARS + 200
    size = re.search(r"a ([\d,]+)-byte transcript line, not shown in full", result.text)
    assert size and int(size.group(1).replace(",", "")) > 50 * 1024 * 1024
    assert peak < 8 * 1024 * 1024


async def test_a_long_line_under_the_huge_limit_is_parsed_and_its_text_bounded(tmp_path):
    path = tmp_path / "s.jsonl"
    text = "y" * (2 * 1024 * 1024)
    append(path, message("u1", None, "user", text))
    page = await tail_of(path, 1)
    (item,) = page.items
    assert item.text.startswith("y" * MAX_TEXT_CHARS)
    assert len(item.text) < MAX_TEXT_CHARS + 100 and f"{len(text):,} in all" in item.text


async def test_a_missing_transcript_is_a_typed_result_naming_the_path(tmp_path):
    store, entry = copy_real_turns(tmp_path)
    entry = {"sessionId": "not-run-yet"}
    source = open_file_transcript(store, MAIN, entry)
    page = await source.tail(10)
    await source.close()
    assert isinstance(page, TranscriptUnavailable) and page.reason == "missing"
    assert page.path == str((store.parent / "not-run-yet.jsonl").resolve())
    assert page.path in page.describe()


async def test_an_unreadable_transcript_is_a_typed_result(tmp_path):
    store, _entry = copy_real_turns(tmp_path)
    (store.parent / "dir.jsonl").mkdir()
    source = open_file_transcript(store, MAIN, {"sessionId": "dir"})
    page = await source.tail(10)
    await source.close()
    assert isinstance(page, TranscriptUnavailable) and page.reason == "unreadable"
    assert "dir.jsonl" in page.describe()


async def test_a_transcript_path_that_is_a_directory_or_fifo_says_so_and_what_to_do(tmp_path):
    store, _entry = copy_real_turns(tmp_path)
    (store.parent / "dir.jsonl").mkdir()
    os.mkfifo(store.parent / "pipe.jsonl")
    cases = (
        ({"sessionFile": "dir.jsonl", "sessionId": "x"}, "a directory", "move the directory"),
        ({"sessionId": "dir"}, "a directory", "move the directory"),
        ({"sessionFile": "pipe.jsonl", "sessionId": "x"}, "a FIFO (named pipe)", "move the FIFO"),
    )
    for entry, what, fix in cases:
        source = open_file_transcript(store, MAIN, entry)
        page = await source.tail(10)
        await source.close()
        assert isinstance(page, TranscriptUnavailable) and page.reason == "unreadable"
        text = page.describe()
        assert f"this is {what}, not a transcript file" in text
        assert fix in text and "sessionFile" in text
        assert "permission" not in text  # not the problem, so not the advice


async def test_tail_of_a_big_linear_transcript_reads_only_its_end(tmp_path, monkeypatch):
    path = tmp_path / "big.jsonl"
    with path.open("wb") as out:
        parent = None
        for i in range(20_000):  # ~20 MB
            out.write(line(message(f"m{i}", parent, "user", f"turn {i} " + "w" * 900)))
            parent = f"m{i}"
    read: list[int] = []
    real_pread = os.pread

    def counting_pread(fd: int, size: int, offset: int) -> bytes:
        data = real_pread(fd, size, offset)
        read.append(len(data))
        return data

    monkeypatch.setattr(os, "pread", counting_pread)
    page = await tail_of(path, 10)
    assert [i.text.split(" w")[0] for i in page.items] == [
        f"turn {i}" for i in range(19_990, 20_000)
    ]
    assert page.has_earlier
    assert sum(read) < 1024 * 1024  # of ~20 MB
