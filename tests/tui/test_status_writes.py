"""The status bar says what is true about writes: never "writes ok" while they are refused.

In ``--read-only`` mode it says "read-only: <reason>"; when the store went read-only while the
app runs (another program wrote duplicate keys), it says so; after the store refused a write it
says "last write refused: <reason>" until a write lands again.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from openclaw_tui.store import SessionStore
from openclaw_tui.store.errors import StoreReadOnlyError
from tests.backends import make_store_copy
from tests.editing.test_app import type_command
from tests.sqlite.test_row_values import set_entry_json, with_fields
from tests.tui.helpers import make_app, started, store_path, wait_until, write_json_store

pytestmark = pytest.mark.anyio

MAIN = "agent:main:main"
OTHER = "agent:main:explicit:other"
SLACK = "agent:main:slack:channel:c0123abcd"


def _entries() -> dict[str, dict[str, object]]:
    return {
        MAIN: {"sessionId": "m1", "updatedAt": 2, "label": "main"},
        OTHER: {"sessionId": "o1", "updatedAt": 1, "label": "other"},
    }


def _write_with_duplicate_keys(path: Path) -> None:
    """What a careless program may write: the same key twice (the store opens it read-only)."""
    body = json.dumps(_entries(), indent=2)[:-2]
    body += ',\n  "agent:main:explicit:other": {"sessionId": "o2", "updatedAt": 1}\n}'
    tmp = path.with_name("dup.tmp")
    tmp.write_text(body, encoding="utf-8")
    os.replace(tmp, path)


async def test_read_only_mode_says_read_only_not_writes_ok(tmp_path: Path) -> None:
    write_json_store(store_path(tmp_path), _entries())
    app = make_app(tmp_path, read_only=True)
    async with app.run_test(size=(160, 30)) as pilot:
        screen = await started(pilot)
        await pilot.pause()
        assert "read-only: started with --read-only" in screen.status.text
        assert "writes ok" not in screen.status.text
        ok, _message = await type_command(pilot, screen, "/think high")
        assert not ok
        screen._update_status()
        assert "writes ok" not in screen.status.text
        assert "read-only: started with --read-only" in screen.status.text


async def test_a_store_gone_read_only_while_running_is_said(tmp_path: Path) -> None:
    path = store_path(tmp_path)
    write_json_store(path, _entries())
    app = make_app(tmp_path)
    async with app.run_test(size=(200, 30)) as pilot:
        screen = await started(pilot)
        await pilot.pause()
        assert "writes ok" in screen.status.text  # writable, nothing refused yet
        _write_with_duplicate_keys(path)
        await wait_until(
            pilot,
            lambda: "read-only:" in screen.status.text and "duplicate" in screen.status.text,
            what="the status bar to say read-only",
        )
        assert "writes ok" not in screen.status.text
        ok, message = await type_command(pilot, screen, "/think high")
        assert not ok and "refused" in message
        await pilot.press("escape")  # the bar keeps the refused text for correction: close it
        await wait_until(pilot, lambda: "writes ok" not in screen.status.text)
        # The duplicates are fixed by hand: the store is writable again, and the status bar
        # says the last write was refused until one lands.
        write_json_store(path, _entries())
        await wait_until(
            pilot,
            lambda: "last write refused:" in screen.status.text,
            what="the refusal to be reported",
        )
        assert "read-only:" not in screen.status.text
        ok, message = await type_command(pilot, screen, "/think high")
        assert ok, message
        await wait_until(pilot, lambda: "writes ok" in screen.status.text, what="writes ok")
        assert "refused" not in screen.status.text


async def test_store_health_records_a_refused_write_until_one_lands(tmp_path: Path) -> None:
    path = store_path(tmp_path)
    write_json_store(path, _entries())
    _write_with_duplicate_keys(path)
    async with SessionStore(path, watch=False) as store:
        store.load()
        assert store.health.refused is None
        with pytest.raises(StoreReadOnlyError) as refused:
            await store.update_entry(MAIN, {"label": "x"})
        assert store.health.refused is refused.value
        assert store.health.ok  # a refusal is not a failed write: the file is untouched
        write_json_store(path, _entries())
        await store.refresh()
        assert store.health.refused is refused.value
        await store.update_entry(MAIN, {"label": "landed"})
        assert store.health.refused is None


async def test_a_refused_sqlite_row_is_said_not_writes_ok(tmp_path: Path) -> None:
    # One SQLite row repeats a field: only that row is refused, the store stays writable. The
    # status bar must not go on saying "writes ok" after the refusal.
    path = make_store_copy("sqlite", tmp_path)
    set_entry_json(path, MAIN, with_fields(path, MAIN, '"label":"first","label":"second"'))
    app = make_app(tmp_path)
    async with app.run_test(size=(200, 30)) as pilot:
        screen = await started(pilot)
        await wait_until(pilot, lambda: screen.table.move_cursor_to_key(MAIN), what="main row")
        await pilot.pause()
        assert "writes ok" in screen.status.text  # the store as a whole is writable
        ok, message = await type_command(pilot, screen, "/think low")
        assert not ok and "'label'" in message
        await pilot.press("escape")
        await wait_until(
            pilot,
            lambda: "last write refused:" in screen.status.text and "'label'" in screen.status.text,
            what="the refusal in the status bar",
        )
        assert "writes ok" not in screen.status.text
        assert screen.table.move_cursor_to_key(SLACK)
        await pilot.pause()
        ok, message = await type_command(pilot, screen, "/think high")
        assert ok, message
        await wait_until(pilot, lambda: "writes ok" in screen.status.text, what="writes ok")
        assert "last write refused" not in screen.status.text
