"""Foreign changes arrive as typed events; own writes never do; slow subscribers never block."""

from __future__ import annotations

import asyncio
import json
import os
import shutil

import pytest

from openclaw_tui.store import (
    EntryAdded,
    EntryChanged,
    EntryRemoved,
    Resync,
    SessionStore,
    StoreErrorEvent,
    StoreReloaded,
)
from tests.store.helpers import next_event, read_json, replace_atomically, wait_for

pytestmark = pytest.mark.anyio


async def test_atomic_replace_by_another_process_arrives_as_per_key_events(small_store):
    async with SessionStore(small_store) as store:
        sub = store.subscribe()
        data = read_json(small_store)
        data["agent:main:main"]["label"] = "from outside"
        removed_key = "agent:main:telegram:group:-1001234567890"
        del data[removed_key]
        data["agent:main:explicit:new"] = {"sessionId": "n1", "updatedAt": 1}
        replace_atomically(small_store, data)
        events = [await next_event(sub) for _ in range(3)]
        by_type = {type(e): e for e in events}
        assert all(e.source == "external" for e in events)
        assert by_type[EntryChanged].key == "agent:main:main"
        assert by_type[EntryChanged].fields == {"label"}
        assert by_type[EntryRemoved].key == removed_key
        assert by_type[EntryAdded].key == "agent:main:explicit:new"
        assert dict(store.load()) == data


async def test_own_writes_are_not_reported_as_foreign(small_store):
    async with SessionStore(small_store) as store:
        sub = store.subscribe()
        for i in range(5):
            await store.update_entry("agent:main:main", {"n": i})
        # A foreign write afterwards is the first external event: nothing of ours came back.
        data = read_json(small_store)
        data["agent:main:main"]["foreign"] = True
        replace_atomically(small_store, data)
        events = await wait_for(sub, lambda e: getattr(e, "source", None) == "external")
        assert [e.source for e in events[:-1]] == ["local"] * 5
        assert events[-1].fields == {"foreign"}
        assert store.stats["reloads"] == 2  # the initial load and the foreign write


async def test_delete_and_recreate_reports_an_error_then_recovers(small_store):
    async with SessionStore(small_store) as store:
        sub = store.subscribe()
        original = small_store.read_bytes()
        os.unlink(small_store)
        error = await next_event(sub)
        assert isinstance(error, StoreErrorEvent)
        assert "deleted" in error.message and str(small_store) in error.message
        assert len(store.load()) == 12  # the last good snapshot is still served
        with pytest.raises(Exception, match="deleted"):
            await store.update_entry("agent:main:main", {"x": 1})
        small_store.write_bytes(original)
        back = await wait_for(sub, lambda e: isinstance(e, StoreReloaded))
        assert back[-1].reason == "recovered"
        await store.update_entry("agent:main:main", {"x": 1})


async def test_directory_deleted_and_recreated(small_store):
    directory = small_store.parent
    async with SessionStore(small_store) as store:
        sub = store.subscribe()
        await store.update_entry("agent:main:main", {"x": 1})
        await next_event(sub)
        shutil.rmtree(directory)
        assert isinstance(await next_event(sub), StoreErrorEvent)
        directory.mkdir()
        (directory / "sessions.json").write_text(json.dumps({"k": {"sessionId": "k"}}, indent=2))
        back = await wait_for(sub, lambda e: isinstance(e, StoreReloaded))
        assert dict(back[-1].entries) == {"k": {"sessionId": "k"}}
        # Still watching the new directory:
        replace_atomically(directory / "sessions.json", {"k": {"sessionId": "k", "n": 2}})
        changed = await wait_for(sub, lambda e: isinstance(e, EntryChanged))
        assert changed[-1].after["n"] == 2


async def test_corrupt_while_live_then_fixed_recovers_by_itself(small_store):
    async with SessionStore(small_store) as store:
        sub = store.subscribe()
        original = small_store.read_bytes()
        tmp = small_store.with_name("x.tmp")
        tmp.write_bytes(b"{ broken")
        os.replace(tmp, small_store)
        error = await next_event(sub)
        assert isinstance(error, StoreErrorEvent) and error.operation == "read"
        assert "invalid JSON" in error.message
        assert store.health.operation == "read"
        tmp.write_bytes(original)
        os.replace(tmp, small_store)
        back = await wait_for(sub, lambda e: isinstance(e, StoreReloaded))
        assert back[-1].reason == "recovered"
        assert store.health.ok
        assert small_store.read_bytes() == original


async def test_a_write_after_a_foreign_change_re_reads_first(small_store):
    async with SessionStore(small_store) as store:
        data = read_json(small_store)
        data["agent:main:main"]["foreign"] = "kept"
        replace_atomically(small_store, data)
        # No subscriber, no watcher: the writer's stat check alone must notice.
        await store.update_entry("agent:main:main", {"mine": 1})
        entry = read_json(small_store)["agent:main:main"]
        assert entry["foreign"] == "kept" and entry["mine"] == 1


async def test_slow_subscriber_is_coalesced_per_key_and_never_blocks(small_store):
    async with SessionStore(small_store) as store:
        slow = store.subscribe(max_backlog=50)
        fast = store.subscribe()
        keys = [f"k{i}" for i in range(10)]
        for round_ in range(20):
            await asyncio.gather(
                *(store.update_entry(k, {"round": round_}, create=True) for k in keys)
            )
        assert fast.pending == 200  # 10 added + 190 changed, nothing dropped
        assert slow.pending <= 50
        assert slow.coalesced > 0
        latest = {}
        while (event := slow.get_nowait()) is not None:
            key = event.key
            latest[key] = event.entry if isinstance(event, EntryAdded) else event.after
        assert {k: v["round"] for k, v in latest.items()} == {k: 19 for k in keys}


async def test_hopelessly_slow_subscriber_gets_one_resync(small_store):
    async with SessionStore(small_store) as store:
        slow = store.subscribe(max_backlog=20)
        await asyncio.gather(
            *(store.update_entry(f"k{i}", {"n": i}, create=True) for i in range(100))
        )
        event = slow.get_nowait()
        assert isinstance(event, Resync)
        assert slow.get_nowait() is None
        assert len(store.load()) == 112  # what the subscriber rebuilds from


async def test_subscription_context_and_close(small_store):
    async with SessionStore(small_store) as store:
        async with store.subscribe() as sub:
            await store.update_entry("agent:main:main", {"n": 1})
            assert isinstance(await next_event(sub), EntryChanged)
        received = []

        async def consume():
            async for event in sub:
                received.append(event)

        await asyncio.wait_for(consume(), 2)  # a closed subscription ends its iteration
        assert received == []


async def test_recover_after_the_file_vanished_restores_the_last_known_sessions(small_store):
    async with SessionStore(small_store) as store:
        sub = store.subscribe()
        before = dict(store.load())
        os.unlink(small_store)
        assert isinstance(await next_event(sub), StoreErrorEvent)
        assert await store.recover() is None  # nothing on disk to keep a copy of
        assert store.health.ok
        assert read_json(small_store) == before


async def test_unchanged_entries_keep_their_identity_across_generations(small_store):
    async with SessionStore(small_store) as store:
        first = store.load()
        await store.update_entry("agent:main:main", {"label": "x"})
        data = read_json(small_store)
        data["agent:main:telegram:group:-1001234567890"]["subject"] = "renamed outside"
        replace_atomically(small_store, data)
        await store.refresh()
        second = store.load()
        assert first is not second
        changed = {"agent:main:main", "agent:main:telegram:group:-1001234567890"}
        for key in first:
            assert (first[key] is second[key]) == (key not in changed), key
