"""Temp copies of the real OpenClaw 2026.9.6 database, and ways to look inside them."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.backends import make_store_copy, read_only
from tests.shared_data import SQLITE_DB, SQLITE_DIR

SQLITE_FIXTURE = SQLITE_DB
SQLITE_ROWS_DUMP = SQLITE_DIR / "session_nodes.json"


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Path:
    """A writable copy at ``<tmp>/agents/main/agent/openclaw-agent.sqlite``."""
    return make_store_copy("sqlite", tmp_path)


def dumped_entries() -> dict[str, Any]:
    """``session_key -> entry`` from the JSON dump OpenClaw's rows were exported to."""
    rows = json.loads(SQLITE_ROWS_DUMP.read_text())
    return {row["session_key"]: row["entry_json"] for row in rows}


def rows(path: Path, where: str = "", params: tuple[Any, ...] = ()) -> dict[str, dict[str, Any]]:
    """Raw ``session_nodes`` rows, read by a separate read-only connection."""
    with read_only(path) as conn:
        conn.row_factory = sqlite3.Row
        query = "SELECT * FROM session_nodes" + (f" WHERE {where}" if where else "")
        return {r["session_key"]: dict(r) for r in conn.execute(query, params)}


def row(path: Path, key: str) -> dict[str, Any] | None:
    return rows(path, "session_key = ?", (key,)).get(key)


def pending_keys(path: Path) -> set[str]:
    with read_only(path) as conn:
        return {r[0] for r in conn.execute("SELECT * FROM session_canonical_validation_pending")}
