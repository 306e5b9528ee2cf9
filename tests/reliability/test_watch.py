"""The watcher: our own writes are never taken for foreign ones, foreign ones are never missed.

Also the store file deleted, replaced by a directory, or its directory removed while a store is
subscribed: a StoreErrorEvent, then StoreReloaded(reason="recovered") once it is back.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from openclaw_tui.store import SessionStore
from openclaw_tui.store.events import (
    EntryAdded,
    EntryChanged,
    EntryRemoved,
    StoreErrorEvent,
    StoreEvent,
    StoreReloaded,
)
from tests.reliability.helpers import read_json, store_at, temp_files, wait_for_event

pytestmark = pytest.mark.anyio

KEY = "agent:main:main"


def foreign_replace(path: Path, data: Any) -> None:
    """OpenClaw 2026.7.35's way: a temp file, then rename over the store."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.foreign.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def _is_external_change(key: str, label: str) -> Any:
    def check(event: StoreEvent) -> bool:
        return (
            isinstance(event, EntryChanged)
            and event.source == "external"
            and event.key == key
            and event.after.get("label") == label
        )

    return check


def _recovered(event: StoreEvent) -> bool:
    return isinstance(event, StoreReloaded) and event.reason == "recovered"


async def test_own_writes_are_never_taken_for_foreign_ones(tmp_path: Path) -> None:
    path = store_at(tmp_path)
    async with SessionStore(path, watch=True) as store:
        sub = store.subscribe()
        reloads = store.stats["reloads"]
        for i in range(40):
            await store.update_entry(KEY, {"label": f"own {i}"})
        await store.update_entry("agent:main:explicit:new", {"label": "added"}, create=True)
        await store.delete_entry("agent:main:explicit:new")
        # A foreign write afterwards is the marker: every event before it must be local.
        data = read_json(path)
        data[KEY]["label"] = "foreign"
        foreign_replace(path, data)
        events = await wait_for_event(sub, _is_external_change(KEY, "foreign"))
        before_marker = events[:-1]
        assert [e for e in before_marker if getattr(e, "source", "local") != "local"] == []
        assert not any(isinstance(e, StoreReloaded | StoreErrorEvent) for e in before_marker)
        local_changes = [e for e in before_marker if isinstance(e, EntryChanged) and e.key == KEY]
        assert [e.after["label"] for e in local_changes] == [f"own {i}" for i in range(40)]
        assert any(isinstance(e, EntryAdded) for e in before_marker)
        assert any(isinstance(e, EntryRemoved) for e in before_marker)
        # Exactly one reload: the foreign write. Our 42 writes caused none.
        assert store.stats["reloads"] == reloads + 1
        assert dict(store.load()) == read_json(path)
        sub.close()


async def test_a_burst_of_foreign_replaces_ends_in_the_file_state(tmp_path: Path) -> None:
    path = store_at(tmp_path)
    async with SessionStore(path, watch=True) as store:
        sub = store.subscribe()
        data = read_json(path)
        for i in range(60):
            data[KEY]["label"] = f"burst {i}"
            data[f"agent:main:explicit:burst-{i}"] = {"sessionId": f"b{i}", "updatedAt": i}
            foreign_replace(path, data)
        await wait_for_event(sub, _is_external_change(KEY, "burst 59"))
        assert dict(store.load()) == read_json(path)
        assert temp_files(path.parent) == []
        sub.close()


async def test_store_file_deleted_then_recreated(tmp_path: Path) -> None:
    path = store_at(tmp_path)
    async with SessionStore(path, watch=True) as store:
        sub = store.subscribe()
        original = read_json(path)
        path.unlink()
        events = await wait_for_event(sub, lambda e: isinstance(e, StoreErrorEvent))
        error = events[-1]
        assert isinstance(error, StoreErrorEvent) and str(path) in error.message
        assert "deleted" in error.message
        assert dict(store.load()) == original  # the last good snapshot is kept
        with pytest.raises(Exception) as info:
            await store.update_entry(KEY, {"label": "while gone"})
        assert str(path) in str(info.value)
        assert not path.exists()  # a write while the store is gone never re-creates it
        original[KEY]["label"] = "back"
        foreign_replace(path, original)
        events = await wait_for_event(sub, _recovered)
        reloaded = events[-1]
        assert isinstance(reloaded, StoreReloaded)
        assert dict(reloaded.entries) == original == dict(store.load())
        await store.update_entry(KEY, {"label": "writable again"})
        assert read_json(path)[KEY]["label"] == "writable again"
        sub.close()


async def test_store_directory_removed_then_recreated(tmp_path: Path) -> None:
    path = store_at(tmp_path)
    async with SessionStore(path, watch=True) as store:
        sub = store.subscribe()
        original = read_json(path)
        shutil.rmtree(path.parent)
        await wait_for_event(sub, lambda e: isinstance(e, StoreErrorEvent))
        assert dict(store.load()) == original
        path.parent.mkdir(parents=True)
        original[KEY]["label"] = "dir back"
        foreign_replace(path, original)
        events = await wait_for_event(sub, _recovered, timeout=15)
        assert dict(store.load()) == original
        assert isinstance(events[-1], StoreReloaded)
        # The watcher follows the new directory: later foreign changes still arrive.
        original[KEY]["label"] = "after dir back"
        foreign_replace(path, original)
        await wait_for_event(sub, _is_external_change(KEY, "after dir back"), timeout=15)
        sub.close()


async def test_store_file_replaced_by_a_directory_then_restored(tmp_path: Path) -> None:
    path = store_at(tmp_path)
    async with SessionStore(path, watch=True) as store:
        sub = store.subscribe()
        original = read_json(path)
        saved = path.read_bytes()
        path.unlink()
        path.mkdir()
        events = await wait_for_event(
            sub, lambda e: isinstance(e, StoreErrorEvent) and "directory" in e.message
        )
        assert str(path) in events[-1].message  # type: ignore[union-attr]
        with pytest.raises(Exception) as info:
            await store.update_entry(KEY, {"label": "x"})
        assert str(path) in str(info.value)
        assert path.is_dir()  # never replaced by a write
        path.rmdir()
        path.write_bytes(saved)
        await wait_for_event(sub, _recovered)
        assert dict(store.load()) == original
        sub.close()


async def test_a_same_size_foreign_replace_right_after_our_write_is_seen(tmp_path: Path) -> None:
    """Same size, within one coarse timestamp tick: the fingerprint's inode tells them apart."""
    path = store_at(tmp_path)
    async with SessionStore(path, watch=True) as store:
        sub = store.subscribe()
        for i in range(15):
            await store.update_entry(KEY, {"label": f"ours-{i:02d}"})
            data = read_json(path)
            data[KEY]["label"] = f"them-{i:02d}"  # exactly as long as ours
            raw = json.dumps(data, indent=2, ensure_ascii=False).encode()
            assert len(raw) == path.stat().st_size
            foreign_replace(path, data)
            await wait_for_event(sub, _is_external_change(KEY, f"them-{i:02d}"))
            assert dict(store.load()) == read_json(path)
        sub.close()


async def test_a_foreign_in_place_rewrite_is_seen(tmp_path: Path) -> None:
    """A writer that truncates and rewrites the same inode (no rename) is noticed too."""
    path = store_at(tmp_path)
    async with SessionStore(path, watch=True) as store:
        sub = store.subscribe()
        data = read_json(path)
        data[KEY]["label"] = "rewritten in place, and longer than before"
        with open(path, "r+b") as fh:
            fh.truncate(0)
            fh.write(json.dumps(data, indent=2, ensure_ascii=False).encode())
        label = data[KEY]["label"]
        changed = _is_external_change(KEY, label)

        def seen(event: StoreEvent) -> bool:
            # Read between the truncate and the write, the file is briefly empty: an error,
            # then a recovery carrying the new content.
            reloaded = isinstance(event, StoreReloaded) and event.entries[KEY].get("label") == label
            return changed(event) or reloaded

        await wait_for_event(sub, seen)
        assert dict(store.load()) == data
        sub.close()
