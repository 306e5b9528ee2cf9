"""The size limit holds for both backends and for what a write produces (issue #10 item 5).

``max_bytes`` refused an oversized sessions.json before reading it, but a SQLite store was read
whatever its rows held (a 600 MB entry_json took 1.8 GB), and a write could produce a store that
the next open refuses. Now the limit applies to the SQLite rows too, and a write whose result
would be over it is refused with the sizes and the fix, nothing written.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from openclaw_tui.store import SessionStore, StoreTooLargeError
from openclaw_tui.store.errors import StoreWriteError
from tests.backends import make_store_copy
from tests.shared_data import SMALL_JSON
from tests.sqlite.conftest import row

pytestmark = pytest.mark.anyio

MAIN = "agent:main:main"
MIB = 2**20


async def test_a_json_write_over_the_limit_is_refused_and_the_file_kept(tmp_path: Path):
    path = tmp_path / "sessions.json"
    shutil.copyfile(SMALL_JSON, path)
    data = path.read_bytes()
    limit = len(data) + 1000
    async with SessionStore(path, max_bytes=limit) as store:
        with pytest.raises(StoreWriteError) as info:
            await store.update_entry(MAIN, {"label": "x" * 2000})
        message = str(info.value)
        assert f"{limit:,}-byte limit" in message and "--max-store-mb" in message
        assert "nothing was written" in message
        assert path.read_bytes() == data
        assert (store.get(MAIN) or {}).get("label") != "x" * 2000
        # Under the limit still writes.
        assert await store.update_entry(MAIN, {"label": "short"}) is not None
    async with SessionStore(path, max_bytes=limit) as store:
        assert store.health.ok


def add_big_row_field(path: Path, size: int) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        text = conn.execute(
            "SELECT entry_json FROM session_nodes WHERE session_key = ?", (MAIN,)
        ).fetchone()[0]
        big = text[:-1] + ',"huge":"' + "y" * size + '"}'
        conn.execute("UPDATE session_nodes SET entry_json = ? WHERE session_key = ?", (big, MAIN))
        conn.execute("UPDATE session_nodes SET entry_valid = 1 WHERE session_key = ?", (MAIN,))
    finally:
        conn.close()


async def test_a_sqlite_store_whose_rows_exceed_the_limit_is_refused_before_loading(tmp_path):
    path = make_store_copy("sqlite", tmp_path)
    add_big_row_field(path, 2 * MIB)
    async with SessionStore(path, max_bytes=MIB) as store:
        error = store.health.error
        assert isinstance(error, StoreTooLargeError)
        message = store.health.message or ""
        assert str(path) in message and f"{MIB:,}-byte limit" in message
        assert "--max-store-mb" in message
        assert store.load() == {}
    async with SessionStore(path, max_bytes=4 * MIB) as store:
        assert len(store.get(MAIN)["huge"]) == 2 * MIB  # type: ignore[index]


async def test_a_sqlite_write_over_the_limit_is_refused_and_the_row_kept(tmp_path):
    path = make_store_copy("sqlite", tmp_path)
    before = row(path, MAIN)
    async with SessionStore(path, max_bytes=MIB) as store:
        assert store.health.ok
        with pytest.raises(StoreWriteError) as info:
            await store.update_entry(MAIN, {"label": "z" * (MIB + 10)})
        assert f"{MIB:,}-byte limit" in str(info.value)
        assert row(path, MAIN) == before
        # Well under the limit (the database file is larger than the rows): writes.
        assert await store.update_entry(MAIN, {"label": "z" * 700_000}) is not None
    stored = row(path, MAIN)
    assert stored is not None and json.loads(stored["entry_json"])["label"] == "z" * 700_000
    async with SessionStore(path, max_bytes=MIB) as store:
        assert store.health.ok
