"""SQLite rows keep every value exactly, as the JSON backend keeps a file (issue #10 items 2, 3).

A row's ``entry_json`` is decoded by the same exact rules as a ``sessions.json``: integers beyond
64 bits and lone surrogates survive an edit of that row, and a row that repeats a field is shown
(the last value wins, as in JavaScript) but refused for writing with the reason, because writing
it back would drop the other value.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import pytest

from openclaw_tui.store import SessionStore, StoreReadOnlyError
from openclaw_tui.store.errors import StoreWriteError
from tests.sqlite.conftest import row

pytestmark = pytest.mark.anyio

MAIN = "agent:main:main"
SLACK = "agent:main:slack:channel:c0123abcd"
BIG = 123456789012345678901234567890
BELOW_INT64 = -9223372036854775809


def set_entry_json(path: Path, key: str, text: str) -> None:
    """Write ``text`` into a row's entry_json from outside, the way another program would."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("UPDATE session_nodes SET entry_json = ? WHERE session_key = ?", (text, key))
        conn.execute("UPDATE session_nodes SET entry_valid = 1 WHERE session_key = ?", (key,))
    finally:
        conn.close()


def raw_json_of(path: Path, key: str) -> str:
    stored = row(path, key)
    assert stored is not None
    return stored["entry_json"]


def with_fields(path: Path, key: str, fields_json: str) -> str:
    """The row's entry_json with ``fields_json`` (raw JSON members) appended."""
    text = raw_json_of(path, key)
    assert text.endswith("}")
    return f"{text[:-1]},{fields_json}}}"


async def test_integers_beyond_64_bits_survive_an_edit_of_their_row(sqlite_store):
    set_entry_json(
        sqlite_store,
        MAIN,
        with_fields(sqlite_store, MAIN, f'"big":{BIG},"belowInt64":{BELOW_INT64}'),
    )
    async with SessionStore(sqlite_store) as store:
        entry = store.get(MAIN)
        assert entry is not None
        assert type(entry["big"]) is int and entry["big"] == BIG
        assert type(entry["belowInt64"]) is int and entry["belowInt64"] == BELOW_INT64
        await store.update_entry(MAIN, {"label": "edited"})
    text = raw_json_of(sqlite_store, MAIN)
    assert f'"big":{BIG}' in text and f'"belowInt64":{BELOW_INT64}' in text
    assert json.loads(text)["label"] == "edited"


async def test_a_row_repeating_a_field_opens_read_only_with_the_reason(sqlite_store):
    original = with_fields(sqlite_store, MAIN, '"label":"first","label":"second"')
    set_entry_json(sqlite_store, MAIN, original)
    async with SessionStore(sqlite_store) as store:
        entry = store.get(MAIN)
        assert entry is not None and entry["label"] == "second"  # the last wins, as in JS
        [issue] = [i for i in store.issues if i.key == MAIN]
        assert issue.code == "duplicate_keys" and "'label'" in issue.message
        with pytest.raises(StoreReadOnlyError) as info:
            await store.update_entry(MAIN, {"thinkingLevel": "high"})
        message = str(info.value)
        assert MAIN in message and "'label'" in message and "by hand" in message
        with pytest.raises(StoreReadOnlyError):
            await store.delete_entry(MAIN)
        # Only that row: the others stay writable, and the store as a whole is not read-only.
        assert store.health.read_only_reason is None
        assert await store.update_entry(SLACK, {"label": "fine"}) is not None
    assert raw_json_of(sqlite_store, MAIN) == original


async def test_a_lone_surrogate_survives_an_edit_of_its_row(sqlite_store):
    # JavaScript writes a label cut mid-emoji as a lone surrogate escape.
    set_entry_json(sqlite_store, MAIN, with_fields(sqlite_store, MAIN, '"cut":"ab\\ud83d"'))
    async with SessionStore(sqlite_store) as store:
        entry = store.get(MAIN)
        assert entry is not None and entry["cut"] == "ab\ud83d"
        after = await store.update_entry(MAIN, {"label": "x\udc00y"})
        assert after is not None
        assert store.health.ok
    stored = row(sqlite_store, MAIN)
    assert stored is not None
    text = stored["entry_json"]
    assert '"cut":"ab\\ud83d"' in text and '"label":"x\\udc00y"' in text
    # The mirrored column holds what OpenClaw's UTF-8 conversion makes of it (U+FFFD).
    assert stored["label"] == "x\ufffdy"
    async with SessionStore(sqlite_store) as store:
        entry = store.get(MAIN)
        assert entry is not None and entry["cut"] == "ab\ud83d" and entry["label"] == "x\udc00y"


async def test_a_new_key_with_a_lone_surrogate_is_a_typed_error(sqlite_store):
    async with SessionStore(sqlite_store) as store:
        with pytest.raises(StoreWriteError) as info:
            await store.update_entry("agent:main:cut\ud83d", {"label": "x"}, create=True)
        assert "surrogate" in str(info.value)
        assert store.get("agent:main:cut\ud83d") is None


async def test_a_refused_row_fails_only_its_own_caller_in_a_batch(sqlite_store):
    set_entry_json(sqlite_store, MAIN, with_fields(sqlite_store, MAIN, '"label":"a","label":"b"'))
    async with SessionStore(sqlite_store) as store:
        # Queued together, so the writer takes both in one batch (one group commit).
        refused, fine = await asyncio.gather(
            store.update_entry(MAIN, {"thinkingLevel": "high"}),
            store.update_entry(SLACK, {"label": "same batch"}),
            return_exceptions=True,
        )
        assert isinstance(refused, StoreReadOnlyError) and "'label'" in str(refused)
        assert isinstance(fine, dict) and fine["label"] == "same batch"
        assert store.health.ok  # one refused row is no failed write of the store
    assert json.loads(raw_json_of(sqlite_store, SLACK))["label"] == "same batch"


async def test_a_refused_row_is_in_the_health_until_a_write_lands(sqlite_store):
    # One caller's row is refused inside a group commit: the others land, and the store's
    # health says a write was refused (not "ok, nothing refused") until the next write lands.
    set_entry_json(
        sqlite_store,
        MAIN,
        with_fields(sqlite_store, MAIN, '"label":"first","label":"second"'),
    )
    async with SessionStore(sqlite_store) as store:
        assert store.health.refused is None
        refused, landed = await asyncio.gather(
            store.update_entry(MAIN, {"thinkingLevel": "high"}),
            store.update_entry(SLACK, {"label": "fine"}),
            return_exceptions=True,
        )
        assert isinstance(refused, StoreReadOnlyError)
        assert isinstance(landed, dict) and landed["label"] == "fine"
        assert store.health.refused is refused
        assert store.health.ok  # a refusal is not a failed write
        # An invalid sessionId is refused by the backend for that row only.
        bad, fine = await asyncio.gather(
            store.update_entry(SLACK, {"sessionId": "../etc"}),
            store.update_entry(SLACK, {"label": "still fine"}),
            return_exceptions=True,
        )
        assert isinstance(bad, StoreWriteError) and "sessionId" in str(bad)
        assert isinstance(fine, dict) and fine["label"] == "still fine"
        assert store.health.refused is bad
        await store.update_entry(SLACK, {"label": "landed"})
        assert store.health.refused is None
    assert json.loads(raw_json_of(sqlite_store, SLACK))["label"] == "landed"
