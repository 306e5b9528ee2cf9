"""Following a growing JSONL transcript: appends, branch moves, truncation, rotation, creation."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from openclaw_tui.store.transcript_model import TranscriptItem, TranscriptUpdate
from openclaw_tui.store.transcripts import (
    JsonlTranscript,
    TranscriptPage,
    TranscriptUnavailable,
    open_file_transcript,
)
from tests.transcripts.helpers import (
    MAIN,
    REAL_TURNS_ID,
    append,
    apply,
    copy_real_turns,
    line,
    message,
    next_update,
)

pytestmark = pytest.mark.anyio
LAST_ID = "4447fe95"  # the fixture's last entry (a bootstrap-context custom entry)


async def until(
    updates: AsyncIterator[TranscriptUpdate],
    shown: list[TranscriptItem],
    done: Callable[[list[TranscriptItem]], bool],
    seen: list[TranscriptUpdate] | None = None,
) -> None:
    """Apply updates to ``shown`` until ``done(shown)``; each update awaited with a timeout."""
    while not done(shown):
        update = await next_update(updates)
        if seen is not None:
            seen.append(update)
        apply(shown, update)


async def opened(tmp_path: Path) -> tuple[JsonlTranscript, Path, list[TranscriptItem]]:
    store, entry = copy_real_turns(tmp_path)
    source = open_file_transcript(store, MAIN, entry)
    assert isinstance(source, JsonlTranscript)
    page = await source.tail(100)
    assert isinstance(page, TranscriptPage)
    return source, store.parent / f"{REAL_TURNS_ID}.jsonl", list(page.items)


async def test_appended_lines_arrive_as_items(tmp_path):
    source, path, shown = await opened(tmp_path)
    updates = source.follow()
    try:
        append(path, message("n1", LAST_ID, "user", "new question"))
        await until(updates, shown, lambda s: s[-1].text == "new question")
        append(
            path,
            message("n2", "n1", "assistant", [{"type": "text", "text": "new answer"}]),
            message(
                "n3",
                "n2",
                "toolResult",
                [{"type": "text", "text": "ok"}],
                toolCallId="c",
                toolName="read",
            ),
        )
        await until(updates, shown, lambda s: s[-1].kind == "tool_result")
        assert [i.text for i in shown[-3:]] == ["new question", "new answer", "ok"]
        assert len(shown) == 19
    finally:
        await source.close()


async def test_a_side_appended_abort_reply_is_retracted_when_the_leaf_moves_back(tmp_path):
    """7.35's abort: injected partial reply appended, a ``leaf`` entry points back at the user
    message, then the runtime's aborted reply hangs off the user message."""
    source, path, shown = await opened(tmp_path)
    updates = source.follow()
    try:
        append(path, message("q", LAST_ID, "user", "Please answer SLOW"))
        await until(updates, shown, lambda s: s[-1].text == "Please answer SLOW")
        injected = message("inj", "q", "assistant", [{"type": "text", "text": "partial"}])
        append(path, injected)
        await until(updates, shown, lambda s: s[-1].message_id == "inj")
        append(
            path,
            {"type": "leaf", "id": "lf", "parentId": "inj", "targetId": "q", "appendMode": "side"},
            message(
                "rt",
                "q",
                "assistant",
                [{"type": "text", "text": "partial "}],
                stopReason="aborted",
                errorMessage="Request was aborted",
            ),
        )
        await until(updates, shown, lambda s: s[-1].message_id == "rt")
        assert "inj" not in {i.message_id for i in shown}
        assert shown[-1].aborted and shown[-2].text == "Please answer SLOW"
        fresh = await JsonlTranscript(path).tail(100)
        assert isinstance(fresh, TranscriptPage) and list(fresh.items) == shown
    finally:
        await source.close()


async def test_a_line_written_in_two_pieces_arrives_once_complete(tmp_path):
    source, path, shown = await opened(tmp_path)
    updates = source.follow()
    data = line(message("n1", LAST_ID, "user", "split write"))
    try:
        with path.open("ab") as handle:
            handle.write(data[:20])
        append(path)  # nothing: a touch of the file
        with path.open("ab") as handle:
            handle.write(data[20:])
        await until(updates, shown, lambda s: s[-1].text == "split write")
        assert sum(1 for i in shown if i.text == "split write") == 1
    finally:
        await source.close()


async def test_truncation_and_rotation_reset_the_view(tmp_path):
    source, path, shown = await opened(tmp_path)
    updates = source.follow()
    seen: list[TranscriptUpdate] = []
    try:
        lines = path.read_bytes().splitlines(keepends=True)
        with path.open("r+b") as handle:  # truncated in place to the first user turn
            handle.truncate(sum(len(x) for x in lines[:6]))
        await until(updates, shown, lambda s: len(s) == 4, seen)
        assert seen[-1].reset and shown[-1].text.startswith("Hello from the fake model.")
        # Rotated: a new file renamed over the old name.
        fresh = path.with_name("new.tmp")
        fresh.write_bytes(line(message("r1", None, "user", "after rotation")))
        os.replace(fresh, path)
        await until(updates, shown, lambda s: [i.text for i in s] == ["after rotation"], seen)
        assert seen[-1].reset
    finally:
        await source.close()


async def test_a_missing_transcript_is_told_then_shown_when_it_appears(tmp_path):
    store, _ = copy_real_turns(tmp_path)
    source = open_file_transcript(store, MAIN, {"sessionId": "later"})
    page = await source.tail(10)
    assert isinstance(page, TranscriptUnavailable) and page.reason == "missing"
    updates = source.follow()
    try:
        append(store.parent / "later.jsonl", message("u", None, "user", "first words"))
        update = await next_update(updates)
        assert update.reset and [i.text for i in update.items] == ["first words"]
        (store.parent / "later.jsonl").unlink()
        update = await next_update(updates)
        assert update.notice is not None and "later.jsonl" in update.notice
    finally:
        await source.close()


async def test_close_ends_the_follow_iterator(tmp_path):
    source, _path, _shown = await opened(tmp_path)
    updates = source.follow()
    pending = asyncio.ensure_future(anext(updates))
    await source.close()
    with pytest.raises(StopAsyncIteration):
        await asyncio.wait_for(pending, 10)
