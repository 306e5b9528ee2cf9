"""Hostile input at the store level: symlinks, planted temp names, modes, paths in entries,
huge files, truncation at every byte offset.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

import openclaw_tui.store.atomic as atomic
from openclaw_tui.store import SessionStore
from openclaw_tui.store.codec import loads
from openclaw_tui.store.errors import StoreCorruptError, StoreError, StoreTooLargeError
from openclaw_tui.store.lock import lock_path_for
from openclaw_tui.tui.slash import SlashConfig, execute
from tests.backends import copy_fixture
from tests.reliability.helpers import SMALL_STORE, read_json, store_at, temp_files

pytestmark = pytest.mark.anyio

MAIN = "agent:main:main"


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


async def test_symlinked_store_path_is_followed_and_the_link_kept(tmp_path: Path) -> None:
    # A link to a file in the same directory (one out of it is never written:
    # tests/store/test_symlink_outside.py).
    link_dir = tmp_path / "state" / "agents" / "main" / "sessions"
    real = copy_fixture(SMALL_STORE, link_dir / "sessions.real.json")
    link = link_dir / "sessions.json"
    link.symlink_to(real)
    async with SessionStore(link) as store:
        assert store.path == real
        await store.update_entry(MAIN, {"label": "through the link"})
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert read_json(real)[MAIN]["label"] == "through the link"
    assert temp_files(link_dir) == []


async def test_planted_symlink_or_file_at_the_temp_name_is_never_followed_or_overwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = store_at(tmp_path)
    victim = tmp_path / "victim.txt"
    victim.write_text("do not touch")
    planted_link = f".{path.name}.{os.getpid()}.aaaaaaaaaaaa.tmp"
    planted_file = f".{path.name}.{os.getpid()}.bbbbbbbbbbbb.tmp"
    (path.parent / planted_link).symlink_to(victim)
    (path.parent / planted_file).write_text("someone else's temp")
    # The attacker guessed our next two temp names; the third is a fresh random one.
    names = iter([planted_link, planted_file])
    real_temp_name = atomic.temp_name
    monkeypatch.setattr(
        atomic, "temp_name", lambda target: next(names, None) or real_temp_name(target)
    )
    async with SessionStore(path) as store:
        await store.update_entry(MAIN, {"label": "safe"})
    assert read_json(path)[MAIN]["label"] == "safe"
    assert victim.read_text() == "do not touch"
    assert os.readlink(path.parent / planted_link) == str(victim)
    assert (path.parent / planted_file).read_text() == "someone else's temp"
    assert not path.is_symlink()
    assert next(names, None) is None  # both planted names were really tried first


async def test_new_files_0600_new_dirs_0700_existing_modes_kept(tmp_path: Path) -> None:
    old_umask = os.umask(0)  # the modes must not depend on a permissive umask
    try:
        path = tmp_path / "state" / "agents" / "main" / "sessions" / "sessions.json"
        async with SessionStore(path) as store:
            await store.update_entry(MAIN, {"label": "new"}, create=True)
        assert _mode(path) == 0o600
        for directory in (path.parent, path.parent.parent, path.parent.parent.parent):
            assert _mode(directory) == 0o700, directory
        assert not lock_path_for(path).exists()
        # Existing modes are kept, on the file and on its directory.
        path.chmod(0o644)
        path.parent.chmod(0o750)
        async with SessionStore(path) as store:
            await store.update_entry(MAIN, {"label": "kept"})
        assert _mode(path) == 0o644 and _mode(path.parent) == 0o750
    finally:
        os.umask(old_umask)


class _Audit:
    """Records every file-system audit event (PEP 578) while armed."""

    EVENTS = {"open", "os.remove", "os.unlink", "os.rename", "os.replace", "os.rmdir",
              "shutil.rmtree", "os.symlink", "os.link", "os.chmod", "os.truncate", "os.listdir",
              "os.scandir"}  # fmt: skip

    def __init__(self) -> None:
        self.armed = False
        self.seen: list[tuple[str, str]] = []
        self.installed = False

    def install(self) -> None:
        """Audit hooks cannot be removed: install one, once, only when this test runs."""
        if not self.installed:
            sys.addaudithook(self._hook)
            self.installed = True

    def _hook(self, event: str, args: tuple[Any, ...]) -> None:
        if self.armed and event in self.EVENTS:
            for arg in args:
                if isinstance(arg, str | bytes | os.PathLike):
                    self.seen.append((event, os.fsdecode(arg)))


AUDIT = _Audit()


async def test_session_file_and_id_outside_the_sessions_dir_never_opened_followed_or_deleted(
    tmp_path: Path,
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    canary = outside / "secret.jsonl"
    canary.write_text("secret transcript\n")
    path = store_at(tmp_path, None)
    sessions = path.parent
    (sessions / "link.jsonl").symlink_to(canary)
    entries = {
        MAIN: {
            "sessionId": "ok-1",
            "updatedAt": 1,
            "sessionFile": "../../../../outside/secret.jsonl",
        },
        "agent:main:explicit:abs": {
            "sessionId": "ok-2",
            "updatedAt": 2,
            "sessionFile": str(canary),
        },
        "agent:main:explicit:link": {
            "sessionId": "ok-3",
            "updatedAt": 3,
            "sessionFile": "link.jsonl",
        },
        "agent:main:explicit:id": {"sessionId": "../../../../outside/secret", "updatedAt": 4},
    }
    path.write_text(json.dumps(entries, indent=2))
    before = (canary.read_bytes(), canary.stat().st_mtime_ns)
    AUDIT.install()
    AUDIT.seen.clear()
    AUDIT.armed = True
    try:
        async with SessionStore(path) as store:
            assert {i.code for i in store.issues} == {"unsafe_session_id"}
            for key in entries:
                await store.update_entry(key, {"label": "touched"})
            for key in entries:
                outcome = await execute(
                    "/reset", store, key, confirmed=True, config=SlashConfig(now_ms=lambda: 5)
                )
                assert outcome.message
            for key in entries:
                assert await store.delete_entry(key)
    finally:
        AUDIT.armed = False
    touched = [
        (event, p)
        for event, p in AUDIT.seen
        if "outside" in p or "secret" in p or p.endswith("link.jsonl")
    ]
    assert touched == []
    assert any(p == str(path) for _, p in AUDIT.seen)  # the audit hook did see the store
    assert (canary.read_bytes(), canary.stat().st_mtime_ns) == before
    assert os.readlink(sessions / "link.jsonl") == str(canary)
    # Only the store, its lock, its temp files and its directory were touched at all.
    allowed = (str(sessions),)
    assert all(p.startswith(allowed) or not p.startswith(str(tmp_path)) for _, p in AUDIT.seen)


async def test_a_file_over_a_configured_limit_is_refused_with_a_message(tmp_path: Path) -> None:
    path = store_at(tmp_path)
    raw = path.read_bytes()
    async with SessionStore(path, max_bytes=4096) as store:
        error = store.health.error
        assert isinstance(error, StoreTooLargeError)
        text = error.describe()
        assert str(path) in text and f"{len(raw):,} bytes" in text and "4,096-byte limit" in text
        assert "max_bytes" in text  # the fix
        with pytest.raises(StoreError):
            await store.update_entry(MAIN, {"label": "x"})
    assert path.read_bytes() == raw


async def test_a_sparse_file_over_the_default_512_mib_is_refused_without_reading_it(
    tmp_path: Path,
) -> None:
    path = store_at(tmp_path, None)
    with open(path, "wb") as fh:
        fh.write(b"{")
        fh.truncate(512 * 2**20 + 1)
    tracemalloc.start()
    try:
        async with SessionStore(path) as store:
            error = store.health.error
            with pytest.raises(StoreError):
                await store.update_entry(MAIN, {"label": "x"}, create=True)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(error, StoreTooLargeError)
    assert "536,870,913 bytes" in error.describe() and "536,870,912-byte limit" in error.describe()
    assert peak < 16 * 2**20  # refused before reading: no half-gigabyte buffer
    assert path.stat().st_size == 512 * 2**20 + 1


def test_truncation_at_every_byte_offset_is_a_clear_error() -> None:
    raw = SMALL_STORE.read_bytes()
    whole = loads(raw, "sessions.json").entries
    assert whole == json.loads(raw)
    ends_in_whitespace = 0
    for offset in range(len(raw)):
        with pytest.raises(StoreCorruptError) as info:
            loads(raw[:offset], "sessions.json")
        message = info.value.describe()
        assert message.startswith("sessions.json: ")
        assert "empty" in message or "invalid JSON" in message, (offset, message)
        if info.value.position is not None:
            assert 0 <= info.value.position <= offset
        ends_in_whitespace += raw[:offset].endswith(b"\n")
    assert ends_in_whitespace > 100  # offsets inside the indentation are covered too


@pytest.mark.parametrize("offset", [1, 2, 100, 1000, 4000, 8000, -2, -1])
async def test_a_truncated_store_is_never_overwritten(tmp_path: Path, offset: int) -> None:
    raw = SMALL_STORE.read_bytes()[:offset]
    path = store_at(tmp_path, None)
    path.write_bytes(raw)
    async with SessionStore(path) as store:
        assert isinstance(store.health.error, StoreCorruptError)
        with pytest.raises(StoreError):
            await store.update_entry(MAIN, {"label": "x"}, create=True)
        with pytest.raises(StoreError):
            await store.save({MAIN: {"sessionId": "a"}})
    assert path.read_bytes() == raw
    assert temp_files(path.parent) == []
