"""/recover: an unreadable store is recovered from the command bar, after confirmation.

Real SessionStores on real files. Nothing is written before the operator confirms; the message
says where the copy of the unreadable file was kept, that nothing needed recovering, or why
recovery was refused.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from openclaw_tui.store import SessionStore
from openclaw_tui.tui.slash import execute

pytestmark = pytest.mark.anyio

CORRUPT = b'{"agent:main:main": {"sessionId": "m1", "updatedAt": 1},\n  "agent:main:x": {'
GOOD = {"agent:main:main": {"sessionId": "m1", "updatedAt": 1}}


def _store_file(tmp_path: Path, content: bytes) -> Path:
    path = tmp_path / "agents" / "main" / "sessions" / "sessions.json"
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    path.chmod(0o600)
    return path


def _copies(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f"{path.name}.corrupt-*"))


async def test_recover_asks_first_then_keeps_a_copy_and_says_where(tmp_path: Path) -> None:
    path = _store_file(tmp_path, CORRUPT)
    async with SessionStore(path) as store:
        store.load()
        assert store.health.error is not None
        asked = await execute("/recover", store, ["agent:main:main"])
        assert asked.needs_confirmation and not asked.ok
        assert str(path) in asked.message
        assert "copy" in asked.detail and "start" in asked.detail
        assert path.read_bytes() == CORRUPT and _copies(path) == []  # nothing before "yes"
        done = await execute("/recover", store, ["agent:main:main"], confirmed=True)
        assert done.ok, done.message
        (kept,) = _copies(path)
        assert kept.read_bytes() == CORRUPT  # the unreadable file, byte for byte
        assert str(kept) in done.message
        assert store.health.error is None
        assert json.loads(path.read_bytes()) == {}  # started over: nothing safe to rescue
        assert "0 sessions" in done.message


async def test_recover_of_a_bom_file_keeps_the_sessions_behind_it(tmp_path: Path) -> None:
    raw = b"\xef\xbb\xbf" + json.dumps(GOOD).encode()
    path = _store_file(tmp_path, raw)
    async with SessionStore(path) as store:
        store.load()
        done = await execute("/recover", store, [], confirmed=True)
        assert done.ok, done.message
        assert "1 session" in done.message and str(_copies(path)[0]) in done.message
        assert json.loads(path.read_bytes()) == GOOD


async def test_recover_on_a_readable_store_says_nothing_needed_recovering(tmp_path: Path) -> None:
    raw = json.dumps(GOOD).encode()
    path = _store_file(tmp_path, raw)
    async with SessionStore(path) as store:
        store.load()
        outcome = await execute("/recover", store, [])
        assert outcome.ok and not outcome.needs_confirmation
        assert outcome.message.startswith("Nothing to recover")
        assert str(path) in outcome.message
    assert path.read_bytes() == raw and _copies(path) == []


async def test_recover_after_the_file_was_fixed_meanwhile_changes_nothing(tmp_path: Path) -> None:
    path = _store_file(tmp_path, CORRUPT)
    async with SessionStore(path, watch=False) as store:
        store.load()
        asked = await execute("/recover", store, [])
        assert asked.needs_confirmation
        # While the question is on screen, someone fixes the file by hand.
        fixed = json.dumps(GOOD).encode()
        path.write_bytes(fixed)
        done = await execute("/recover", store, [], confirmed=True)
        assert done.ok, done.message
        assert done.message.startswith("Nothing needed recovering")
    assert path.read_bytes() == fixed and _copies(path) == []


async def test_recover_refused_says_why_and_touches_nothing(tmp_path: Path) -> None:
    path = _store_file(tmp_path, CORRUPT)
    async with SessionStore(path) as store:
        store.load()
        # The app in --read-only mode: refused before asking.
        refused = await execute("/recover", store, [], read_only=True)
        assert not refused.ok and not refused.needs_confirmation
        assert "read-only" in refused.message.lower()
    async with SessionStore(path, read_only=True) as store:
        store.load()
        # A store opened read-only refuses by itself, even when confirmed.
        refused = await execute("/recover", store, [], confirmed=True)
        assert not refused.ok
        assert refused.message.startswith("Not recovered:") and "read-only" in refused.message
    assert path.read_bytes() == CORRUPT and _copies(path) == []


async def test_recover_takes_no_arguments(tmp_path: Path) -> None:
    path = _store_file(tmp_path, CORRUPT)
    async with SessionStore(path) as store:
        outcome = await execute("/recover now", store, [])
        assert not outcome.ok and not outcome.needs_confirmation
        assert "Unknown command" not in outcome.message
        assert "/recover takes no arguments" in outcome.message
    assert path.read_bytes() == CORRUPT
