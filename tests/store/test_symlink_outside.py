"""A store path that is a symlink out of its directory is never written (issue #10 item 1).

``recover()`` on a ``sessions.json`` linked to a non-JSON file elsewhere (as root:
``/etc/passwd``) used to replace the target with ``{}``. A store whose real file lies outside
the directory it was opened in is shown read-only with both paths named; no write, recovery,
temp, lock or copy ever lands beside the target.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from openclaw_tui.store import SessionStore, StoreReadOnlyError
from openclaw_tui.store.errors import StoreCorruptError
from openclaw_tui.store.paths import json_store_path, sqlite_store_path
from tests.shared_data import SMALL_JSON, SQLITE_DB
from tests.sqlite.conftest import row

pytestmark = pytest.mark.anyio

MAIN = "agent:main:main"
PASSWD = b"root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534::/nonexistent:/usr/sbin/nologin\n"


def planted_link(tmp_path: Path, target: Path, *, sqlite: bool = False) -> Path:
    link = (sqlite_store_path if sqlite else json_store_path)("main", tmp_path / "state")
    link.parent.mkdir(parents=True)
    link.symlink_to(target)
    return link


def listing(directory: Path) -> list[str]:
    return sorted(os.listdir(directory))


async def test_recover_through_a_link_to_a_file_elsewhere_is_refused(tmp_path):
    elsewhere = tmp_path / "etc"
    elsewhere.mkdir()
    target = elsewhere / "passwd"
    target.write_bytes(PASSWD)
    link = planted_link(tmp_path, target)
    before = (listing(elsewhere), listing(link.parent))
    async with SessionStore(link) as store:
        assert isinstance(store.health.error, StoreCorruptError)
        with pytest.raises(StoreReadOnlyError) as info:
            await store.recover()
        with pytest.raises(StoreCorruptError):  # unreadable: writes are refused anyway
            await store.update_entry(MAIN, {"label": "x"}, create=True)
    message = str(info.value)
    assert str(link) in message and str(target) in message and "outside" in message
    assert target.read_bytes() == PASSWD
    assert (listing(elsewhere), listing(link.parent)) == before
    assert link.is_symlink()


async def test_a_readable_store_linked_from_elsewhere_is_shown_read_only(tmp_path):
    elsewhere = tmp_path / "other"
    elsewhere.mkdir()
    target = elsewhere / "sessions.json"
    shutil.copyfile(SMALL_JSON, target)
    data = target.read_bytes()
    link = planted_link(tmp_path, target)
    async with SessionStore(link) as store:
        assert MAIN in store.load()
        reason = store.health.read_only_reason
        assert reason is not None and str(link) in reason and str(target) in reason
        with pytest.raises(StoreReadOnlyError, match="symbolic link"):
            await store.update_entry(MAIN, {"label": "through the link"})
        with pytest.raises(StoreReadOnlyError):
            await store.save({})
        assert await store.recover() is None  # readable: nothing to recover
    assert target.read_bytes() == data
    assert listing(elsewhere) == ["sessions.json"]


async def test_a_link_and_the_real_path_in_one_process_do_not_share_a_writer(tmp_path):
    elsewhere = tmp_path / "other"
    elsewhere.mkdir()
    target = elsewhere / "sessions.json"
    shutil.copyfile(SMALL_JSON, target)
    link = planted_link(tmp_path, target)
    async with SessionStore(target) as direct, SessionStore(link) as linked:
        await direct.update_entry(MAIN, {"label": "direct"})  # opened where it lies: writable
        with pytest.raises(StoreReadOnlyError):
            await linked.update_entry(MAIN, {"label": "linked"})


async def test_a_sqlite_store_linked_from_elsewhere_is_never_written(tmp_path):
    elsewhere = tmp_path / "other"
    elsewhere.mkdir()
    target = elsewhere / "openclaw-agent.sqlite"
    shutil.copyfile(SQLITE_DB, target)
    before = row(target, MAIN)
    link = planted_link(tmp_path, target, sqlite=True)
    async with SessionStore(link) as store:
        assert MAIN in store.load()
        reason = store.health.read_only_reason
        assert reason is not None and str(link) in reason and str(target) in reason
        with pytest.raises(StoreReadOnlyError, match="symbolic link"):
            await store.update_entry(MAIN, {"label": "through the link"})
    assert row(target, MAIN) == before
    # Only SQLite's own companion files of a WAL reader may appear (any reader makes them).
    assert set(listing(elsewhere)) <= {target.name, f"{target.name}-wal", f"{target.name}-shm"}


async def test_links_inside_the_directory_and_linked_directories_stay_writable(tmp_path):
    # sessions.json -> sessions.live.json in the same directory: the real file is inside.
    sessions = json_store_path("main", tmp_path / "a").parent
    sessions.mkdir(parents=True)
    real = sessions / "sessions.live.json"
    shutil.copyfile(SMALL_JSON, real)
    (sessions / "sessions.json").symlink_to(real.name)
    # A state directory that is itself a link (e.g. to another disk): the file is inside it.
    disk = tmp_path / "disk"
    shutil.copytree(tmp_path / "a", disk)
    (tmp_path / "b").symlink_to(disk)
    for path in (sessions / "sessions.json", json_store_path("main", tmp_path / "b")):
        async with SessionStore(path) as store:
            assert store.health.read_only_reason is None
            assert await store.update_entry(MAIN, {"label": "ok"}) is not None
