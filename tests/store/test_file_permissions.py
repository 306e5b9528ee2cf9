"""A sessions.json the user may not write opens read-only and is never replaced (issue #10 item 7).

A directory the user can write lets a rename replace any file in it, whatever the file's own
mode and owner: the store must check write permission on the file itself (as the SQLite backend
does), say why it is read-only, and leave the file, its bytes and its owner alone.

The store runs as another user: as root, with the effective uid and gid of ``nobody`` (seteuid,
so root may switch back) against a root-owned 0644 file in a directory anyone may write (root may
write any file, so only another user shows the rule); as another user, as that user against a
0444 file.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from openclaw_tui.store import SessionStore
from openclaw_tui.store.backends.base import Changes
from openclaw_tui.store.backends.json_file import JsonFileBackend
from openclaw_tui.store.errors import StoreReadOnlyError, StoreWriteError
from tests.shared_data import SMALL_JSON

pytestmark = pytest.mark.anyio

NOBODY = 65534


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A directory any user may write (tmp_path's parents are private to the test's user)."""
    directory = Path(tempfile.mkdtemp(prefix="oc-perm-"))
    directory.chmod(0o777)
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@contextlib.contextmanager
def as_another_user() -> Iterator[None]:
    """As root: act as nobody (effective ids only, restored after). Otherwise: as we are."""
    if os.geteuid() != 0:
        yield
        return
    os.setegid(NOBODY)
    os.seteuid(NOBODY)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)


async def test_a_store_file_the_user_may_not_write_opens_read_only_and_is_kept(shared_dir):
    path = shared_dir / "sessions.json"
    shutil.copyfile(SMALL_JSON, path)
    path.chmod(0o644 if os.geteuid() == 0 else 0o444)  # as root: owned by root, nobody writes
    before = os.stat(path)
    data = path.read_bytes()
    async with SessionStore(path, read_only=True) as store:  # imports what the store needs
        key = next(iter(store.load()))

    with as_another_user():
        async with SessionStore(path) as store:
            reason = store.health.read_only_reason
            with pytest.raises(StoreReadOnlyError) as info:
                await store.update_entry(key, {"label": "replaced"})
            assert await store.recover() is None  # readable: nothing to recover

    assert reason is not None and str(path) in reason and "write permission" in reason
    assert "write permission" in str(info.value)
    after = os.stat(path)
    assert path.read_bytes() == data
    assert (after.st_ino, after.st_uid, after.st_gid) == (
        before.st_ino,
        before.st_uid,
        before.st_gid,
    )
    assert stat.S_IMODE(after.st_mode) == stat.S_IMODE(before.st_mode)
    assert sorted(os.listdir(shared_dir)) == ["sessions.json"]  # no temp, lock or copy left


def test_the_write_path_itself_refuses_a_file_it_may_not_write(shared_dir):
    # The permission may change after the store was read: atomic_write checks again.
    path = shared_dir / "sessions.json"
    shutil.copyfile(SMALL_JSON, path)
    path.chmod(0o644 if os.geteuid() == 0 else 0o444)
    data = path.read_bytes()
    backend = JsonFileBackend(path)
    with as_another_user():
        snap = backend.read()
        entries = dict(snap.entries)
        key = next(iter(entries))
        entries[key] = {**entries[key], "label": "replaced"}
        with pytest.raises(StoreWriteError) as info:
            backend.commit(
                snap.signature,
                Changes(entries=entries, upserts={key: entries[key]}, removed=frozenset()),
            )
    assert info.value.errno == errno.EACCES and "no write permission" in str(info.value)
    assert path.read_bytes() == data
    assert sorted(os.listdir(shared_dir)) == ["sessions.json"]


async def test_recovery_of_a_file_the_user_may_not_write_leaves_no_copy_beside_it(shared_dir):
    path = shared_dir / "sessions.json"
    path.write_bytes(b'{"agent:main:main": {"sessionId": ')  # truncated: unreadable
    path.chmod(0o644 if os.geteuid() == 0 else 0o444)
    async with SessionStore(path, read_only=True) as store:  # imports what the store needs
        pass
    with as_another_user():
        async with SessionStore(path) as store:
            with pytest.raises(StoreReadOnlyError, match="no write permission"):
                await store.recover()
    assert sorted(os.listdir(shared_dir)) == ["sessions.json"]


async def test_recovery_of_a_store_opened_read_only_is_refused(tmp_path):
    path = tmp_path / "sessions.json"
    path.write_bytes(b"[1, 2")
    async with SessionStore(path, read_only=True) as store:
        with pytest.raises(StoreReadOnlyError, match="read-only"):
            await store.recover()
    assert path.read_bytes() == b"[1, 2" and sorted(os.listdir(tmp_path)) == ["sessions.json"]
