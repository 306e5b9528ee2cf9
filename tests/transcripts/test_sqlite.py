"""9.6 ``transcript_events``: active order, zstd rows (good, corrupt, oversized), paging, follow."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from pathlib import Path

import pytest

from openclaw_tui.store.transcript_model import TranscriptItem
from openclaw_tui.store.transcripts import (
    SqliteTranscript,
    TranscriptPage,
    TranscriptUnavailable,
    open_file_transcript,
)
from openclaw_tui.store.transcripts.zstd import ZstdError, decompress
from tests.transcripts.helpers import (
    MAIN,
    REAL_TURNS_SQLITE_ID,
    apply,
    copy_sqlite,
    message,
    next_update,
)

if __import__("sys").version_info >= (3, 14):
    from compression.zstd import compress
else:
    from backports.zstd import compress

pytestmark = pytest.mark.anyio
ZSTD_SEQ = 14  # the fixture's compressed row: the 400-token "Burst" reply
LAST_ID = "70102c66-f944-4eb6-a6d6-e95a1ba4284f"
EXPECTED_KINDS = [
    "user",
    "system",  # thinking: off
    "assistant",
    "user",
    "assistant",  # aborted (gateway-injected, openclawAbort)
    "user",
    "assistant",  # aborted
    "user",
    "assistant",
    "user",
    "assistant",  # zstd
    "user",
    "assistant",
]


@contextlib.contextmanager
def writer(path: Path):
    conn = sqlite3.connect(path, isolation_level=None)
    # transcript_events' CHECK calls octet_length(), which SQLite has since 3.43 (OpenClaw's is
    # newer than this Python's): the same function, so the table can be written here.
    conn.create_function(
        "octet_length",
        1,
        lambda v: None if v is None else len(v.encode() if isinstance(v, str) else v),
        deterministic=True,
    )
    try:
        yield conn
    finally:
        conn.close()


async def tail_of(path: Path, n: int = 100) -> TranscriptPage:
    source = SqliteTranscript(path, REAL_TURNS_SQLITE_ID)
    try:
        page = await source.tail(n)
    finally:
        await source.close()
    assert isinstance(page, TranscriptPage), page
    return page


async def test_real_turns_in_active_order_with_the_zstd_row(tmp_path):
    db = copy_sqlite(tmp_path)
    source = open_file_transcript(db, MAIN, {"sessionId": REAL_TURNS_SQLITE_ID})
    page = await source.tail(100)
    await source.close()
    assert isinstance(page, TranscriptPage)
    assert [i.kind for i in page.items] == EXPECTED_KINDS
    assert page.skipped == 0 and not page.has_earlier
    assert page.items[0].text == "Say hello. TOKENS=30 DELAY=100"
    assert page.items[2].cost_usd == pytest.approx(0.047859)
    injected = page.items[4]
    assert injected.aborted and injected.model == "openclaw/gateway-injected"
    burst = page.items[10]  # decompressed from event_zstd
    assert burst.message_id == "01b0e204-3a7c-47fc-ad96-4a4c40030ca0"
    assert burst.text.startswith("Hello from the fake model.") and len(burst.text) > 1500
    assert burst.cost_usd == pytest.approx(0.053832)
    assert page.items[-1].cost_usd == pytest.approx(0.050958)


async def test_tail_and_earlier_page_through_the_active_index(tmp_path):
    source = SqliteTranscript(copy_sqlite(tmp_path), REAL_TURNS_SQLITE_ID)
    try:
        pages = [await source.tail(3)]
        while pages[-1].has_earlier:
            page = await source.earlier(4)
            assert isinstance(page, TranscriptPage)
            pages.append(page)
    finally:
        await source.close()
    assert [i.kind for p in reversed(pages) for i in p.items] == EXPECTED_KINDS


async def test_without_an_active_index_the_parent_chain_gives_the_same_order(tmp_path):
    db = copy_sqlite(tmp_path)
    with writer(db) as conn:
        conn.execute("DELETE FROM session_transcript_active_events")
    page = await tail_of(db)
    assert [i.kind for i in page.items] == EXPECTED_KINDS


async def test_a_corrupt_zstd_row_is_skipped_and_counted(tmp_path):
    db = copy_sqlite(tmp_path)
    with writer(db) as conn:
        (blob,) = conn.execute(
            "SELECT event_zstd FROM transcript_events WHERE seq = ?", (ZSTD_SEQ,)
        ).fetchone()
        damaged = blob[:8] + bytes(b ^ 0x5A for b in blob[8:])
        conn.execute(
            "UPDATE transcript_events SET event_zstd = ? WHERE seq = ?", (damaged, ZSTD_SEQ)
        )
    page = await tail_of(db)
    assert page.skipped == 1
    assert [i.kind for i in page.items] == EXPECTED_KINDS[:10] + EXPECTED_KINDS[11:]


async def test_a_zstd_row_larger_than_it_says_is_refused(tmp_path):
    db = copy_sqlite(tmp_path)
    with writer(db) as conn:
        conn.execute(
            "UPDATE transcript_events SET event_utf8_bytes = 100 WHERE seq = ?", (ZSTD_SEQ,)
        )
    page = await tail_of(db)
    assert page.skipped == 1 and len(page.items) == len(EXPECTED_KINDS) - 1


def test_decompress_refuses_bombs_cut_frames_and_junk():
    data = compress(b"a" * 100_000)
    assert decompress(data, 100_000) == b"a" * 100_000
    for bad, limit in ((data, 99_999), (data[:-4], 100_000), (data + b"junk", 100_000)):
        with pytest.raises(ZstdError):
            decompress(bad, limit)


def insert_event(
    conn: sqlite3.Connection, seq: int, position: int, entry: dict, *, zstd: bool = False
) -> None:
    raw = json.dumps(entry).encode()
    if zstd:
        (navigation,) = conn.execute(
            "SELECT navigation_json FROM transcript_events WHERE seq = ?", (ZSTD_SEQ,)
        ).fetchone()
        conn.execute(
            "INSERT INTO transcript_events (session_id, seq, event_json, created_at, event_zstd,"
            " event_utf8_bytes, navigation_json) VALUES (?, ?, NULL, 1, ?, ?, ?)",
            (REAL_TURNS_SQLITE_ID, seq, compress(raw), len(raw), navigation),
        )
    else:
        conn.execute(
            "INSERT INTO transcript_events (session_id, seq, event_json, created_at,"
            " event_utf8_bytes) VALUES (?, ?, ?, 1, ?)",
            (REAL_TURNS_SQLITE_ID, seq, raw.decode(), len(raw)),
        )
    conn.execute(
        "INSERT INTO session_transcript_active_events (session_id, active_position, event_seq)"
        " VALUES (?, ?, ?)",
        (REAL_TURNS_SQLITE_ID, position, seq),
    )


async def test_follow_sees_committed_rows_including_a_zstd_one(tmp_path):
    db = copy_sqlite(tmp_path)
    source = SqliteTranscript(db, REAL_TURNS_SQLITE_ID)
    page = await source.tail(100)
    assert isinstance(page, TranscriptPage)
    shown: list[TranscriptItem] = list(page.items)
    updates = source.follow()
    try:
        with writer(db) as conn:
            conn.execute("BEGIN IMMEDIATE")
            insert_event(conn, 19, 18, message("n1", LAST_ID, "user", "next question"))
            long_reply = [{"type": "text", "text": "z" * 5000}]
            insert_event(conn, 20, 19, message("n2", "n1", "assistant", long_reply), zstd=True)
            conn.execute("COMMIT")
        while shown[-1].message_id != "n2":
            apply(shown, await next_update(updates))
        assert [i.text[:4] for i in shown[-2:]] == ["next", "zzzz"]
        assert len(shown) == len(EXPECTED_KINDS) + 2
        # The session is reset to a new branch (rows deleted): the view is reset.
        with writer(db) as conn:
            conn.execute("DELETE FROM session_transcript_active_events WHERE active_position >= 10")
            conn.execute("DELETE FROM transcript_events WHERE seq >= 11")
        update = await next_update(updates)
        assert update.reset and len(update.items) == 8
    finally:
        await source.close()


async def test_missing_database_and_unsafe_session_id_are_typed_results(tmp_path):
    source = SqliteTranscript(tmp_path / "openclaw-agent.sqlite", REAL_TURNS_SQLITE_ID)
    page = await source.tail(5)
    await source.close()
    assert isinstance(page, TranscriptUnavailable) and page.reason == "missing"
    assert str(tmp_path / "openclaw-agent.sqlite") in page.describe()
    db = copy_sqlite(tmp_path)
    unsafe = open_file_transcript(db, MAIN, {"sessionId": "../x"})
    result = await unsafe.tail(5)
    await unsafe.close()
    assert isinstance(result, TranscriptUnavailable) and result.reason == "no_session"
