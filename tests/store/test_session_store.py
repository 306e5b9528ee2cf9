"""SessionStore API semantics on real sessions.json files (ARCHITECTURE.md "The store API")."""

from __future__ import annotations

import asyncio
import json
import os
import stat
import time

import pytest

from openclaw_tui.store import (
    EntryAdded,
    EntryChanged,
    EntryRemoved,
    SessionStore,
    StoreCorruptError,
    StoreReadOnlyError,
    StoreReloaded,
)
from openclaw_tui.store.codec import dumps
from tests.conftest import SMALL_STORE
from tests.store.helpers import next_event, read_json, temp_files

pytestmark = pytest.mark.anyio


async def test_load_is_a_read_only_view_of_the_file(small_store):
    async with SessionStore(small_store) as store:
        snapshot = store.load()
        assert dict(snapshot) == read_json(small_store)
        assert list(snapshot) == list(read_json(small_store))
        with pytest.raises(TypeError):
            snapshot["x"] = {}  # type: ignore[index]
        assert store.get("agent:main:main") is snapshot["agent:main:main"]
        assert store.get("nope") is None
        assert store.health.ok and store.issues == []


async def test_unchanged_store_round_trips_byte_identically_and_no_op_writes_are_skipped(
    small_store,
):
    before = small_store.read_bytes()
    st_before = os.stat(small_store)
    async with SessionStore(small_store) as store:
        assert await store.update_entry("agent:main:main", lambda entry: None) is None
        assert await store.update(lambda s: s["agent:main:main"] and 42) == 42
        # Re-saving the same content is a no-op too.
        await store.save(dict(store.load()))
        assert store.stats["writes"] == 0
    assert small_store.read_bytes() == before
    assert os.stat(small_store).st_mtime_ns == st_before.st_mtime_ns


async def test_update_entry_merges_like_openclaw(small_store):
    async with SessionStore(small_store) as store:
        old = store.get("agent:main:main")
        assert old is not None
        started = int(time.time() * 1000)
        merged = await store.update_entry(
            "agent:main:main", {"label": "Ada", "verboseLevel": None, "sessionId": None}
        )
        assert merged is not None
        assert merged["label"] == "Ada"
        assert "verboseLevel" not in merged  # None deletes the field
        assert merged["sessionId"] == old["sessionId"]  # sessionId is kept
        assert merged["updatedAt"] >= max(old["updatedAt"], started)
        # Unknown and untouched fields survive, key order is kept, new fields go last.
        assert list(merged)[:-1] == [k for k in old if k != "verboseLevel"]
        assert list(merged)[-1] == "label"
        # A future updatedAt in the patch wins (max of existing, patch, now).
        future = int(time.time() * 1000) + 10**9
        assert (await store.update_entry("agent:main:main", {"updatedAt": future}))[
            "updatedAt"
        ] == future
        on_disk = read_json(small_store)
        assert on_disk["agent:main:main"] == dict(store.get("agent:main:main"))


async def test_missing_key_returns_none_unless_create(small_store):
    async with SessionStore(small_store) as store:
        assert await store.update_entry("agent:main:new", {"label": "x"}) is None
        assert "agent:main:new" not in read_json(small_store)
        created = await store.update_entry("agent:main:new", {"label": "x"}, create=True)
        assert created is not None
        assert len(created["sessionId"]) == 36  # a fresh uuid4
        assert created["label"] == "x"
        assert list(read_json(small_store))[-1] == "agent:main:new"


async def test_patch_function_sync_and_async(small_store):
    async with SessionStore(small_store) as store:
        seen = []

        def fn(entry):
            seen.append(dict(entry))
            return {"inputTokens": entry["inputTokens"] + 1}

        async def afn(entry):
            await asyncio.sleep(0)
            return {"outputTokens": entry["outputTokens"] + 1}

        before = store.get("agent:main:main")
        await store.update_entry("agent:main:main", fn)
        result = await store.update_entry("agent:main:main", afn)
        assert result["inputTokens"] == before["inputTokens"] + 1
        assert result["outputTokens"] == before["outputTokens"] + 1
        assert seen[0] == dict(before)
        # For a missing key with create=True the function sees an empty entry.
        empty_seen = []
        await store.update_entry(
            "new", lambda e: empty_seen.append(dict(e)) or {"a": 1}, create=True
        )
        assert empty_seen == [{}]


async def test_a_throwing_mutator_leaves_no_trace_and_spares_its_batch(small_store):
    async with SessionStore(small_store) as store:
        before = dict(store.load())

        def bad(s):
            s["agent:main:main"]["label"] = "half-done"
            del s[next(k for k in s if k != "agent:main:main")]
            s["brand-new"] = {"sessionId": "x"}
            raise RuntimeError("boom")

        results = await asyncio.gather(
            store.update_entry("agent:main:main", {"inputTokens": 1}),
            store.update(bad),
            store.update_entry("agent:main:main", {"outputTokens": 2}),
            return_exceptions=True,
        )
        assert isinstance(results[1], RuntimeError)
        assert results[0]["inputTokens"] == 1
        assert results[2]["outputTokens"] == 2 and results[2]["inputTokens"] == 1
        after = store.load()
        assert "label" not in after["agent:main:main"] or after["agent:main:main"].get(
            "label"
        ) == before["agent:main:main"].get("label")
        assert "brand-new" not in after
        assert list(after) == list(before)
        assert read_json(small_store) == dict(after)
        assert store.stats["writes"] == 1  # the whole batch was one write


async def test_mutators_cannot_corrupt_published_entries(small_store):
    async with SessionStore(small_store) as store:
        published = store.get("agent:main:main")
        frozen = json.dumps(published)

        def mutate(s):
            s["agent:main:main"]["origin"]["label"] = "changed in place"

        await store.update(mutate)
        assert json.dumps(published) == frozen  # the old generation is untouched
        assert store.get("agent:main:main")["origin"]["label"] == "changed in place"


async def test_bad_values_fail_only_their_mutator(small_store):
    async with SessionStore(small_store) as store:
        with pytest.raises(TypeError):
            await store.update_entry("agent:main:main", {"bad": {1, 2}})
        with pytest.raises(ValueError):
            await store.update_entry("agent:main:main", {"bad": float("nan")})
        with pytest.raises(TypeError):
            await store.update(lambda s: s.__setitem__("k", 5))
        assert read_json(small_store) == json.loads(SMALL_STORE.read_bytes())


async def test_group_commit_1000_concurrent_updates_few_writes_none_lost(small_store):
    async with SessionStore(small_store) as store:
        keys = [f"agent:main:explicit:k{i}" for i in range(1000)]
        await asyncio.gather(
            *(store.update_entry(k, {"n": i}, create=True) for i, k in enumerate(keys))
        )
        on_disk = read_json(small_store)
        assert all(on_disk[k]["n"] == i for i, k in enumerate(keys))
        assert store.stats["writes"] <= 3


async def test_two_instances_for_one_path_share_one_writer(small_store):
    link = small_store.parent / "link.json"
    link.symlink_to(small_store)
    async with SessionStore(small_store) as a, SessionStore(link) as b:
        assert a.path == b.path
        sub = b.subscribe()
        await asyncio.gather(
            *(a.update_entry("agent:main:main", {f"a{i}": i}) for i in range(20)),
            *(b.update_entry("agent:main:main", {f"b{i}": i}) for i in range(20)),
        )
        entry = read_json(small_store)["agent:main:main"]
        assert all(entry[f"a{i}"] == i and entry[f"b{i}"] == i for i in range(20))
        assert a.load() is not None and a.generation == b.generation
        event = await next_event(sub)
        assert event.source == "local"
    assert link.is_symlink()  # the link was followed, not replaced


async def test_delete_entry_and_events(small_store):
    async with SessionStore(small_store) as store:
        sub = store.subscribe()
        assert await store.delete_entry("agent:main:main") is True
        assert await store.delete_entry("agent:main:main") is False
        await store.update_entry("k", {"label": "x"}, create=True)
        await store.update_entry("k", {"label": "y"})
        removed = await next_event(sub)
        added = await next_event(sub)
        changed = await next_event(sub)
        assert isinstance(removed, EntryRemoved) and removed.key == "agent:main:main"
        assert isinstance(added, EntryAdded) and added.entry["label"] == "x"
        assert isinstance(changed, EntryChanged)
        assert changed.fields == {"label", "updatedAt"} or changed.fields == {"label"}
        assert changed.before["label"] == "x" and changed.after["label"] == "y"
        assert removed.generation < added.generation < changed.generation == store.generation
        assert "agent:main:main" not in read_json(small_store)


async def test_save_replaces_the_whole_store_in_the_given_order(small_store):
    async with SessionStore(small_store) as store:
        entries = {"b": {"sessionId": "b"}, "a": {"sessionId": "a", "x": [1, {"y": 2}]}}
        await store.save(entries)
        assert small_store.read_bytes() == dumps(entries)
        assert list(store.load()) == ["b", "a"]


async def test_missing_file_is_empty_and_first_creating_write_makes_file_and_dirs(tmp_path):
    old_umask = os.umask(0o022)
    try:
        path = tmp_path / "state" / "agents" / "main" / "sessions" / "sessions.json"
        async with SessionStore(path) as store:
            assert dict(store.load()) == {}
            assert await store.update_entry("a", {"x": 1}) is None
            assert not path.exists()
            await store.update_entry("a", {"x": 1}, create=True)
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        for directory in (path.parent, path.parent.parent, tmp_path / "state"):
            assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700
    finally:
        os.umask(old_umask)


async def test_existing_mode_is_kept(small_store):
    small_store.chmod(0o640)
    async with SessionStore(small_store) as store:
        await store.update_entry("agent:main:main", {"label": "x"})
    assert stat.S_IMODE(os.stat(small_store).st_mode) == 0o640


async def test_quarantined_entries_are_kept_untouched_and_reported(tmp_path):
    path = tmp_path / "sessions.json"
    raw = {
        "ok": {"sessionId": "good", "updatedAt": 1},
        "number": 5,
        "list": [1],
        "evil": {"sessionId": "../etc/passwd", "updatedAt": 2},
    }
    path.write_bytes(dumps(raw))
    async with SessionStore(path) as store:
        assert set(store.load()) == {"ok", "evil"}  # non-objects are hidden, not dropped
        codes = {(i.key, i.code) for i in store.issues}
        assert codes == {
            ("number", "not_an_object"),
            ("list", "not_an_object"),
            ("evil", "unsafe_session_id"),
        }
        await store.update_entry("ok", {"label": "edited"})
        with pytest.raises(Exception, match="not an object"):
            await store.update_entry("number", {"x": 1})
    on_disk = read_json(path)
    assert on_disk["number"] == 5 and on_disk["list"] == [1]
    assert on_disk["evil"] == raw["evil"]
    assert list(on_disk) == list(raw)


@pytest.mark.parametrize(
    "content",
    [b"{bad json", b"\xef\xbb\xbf{}", b"[]", b"", b'{"a": "\xff"}'],
    ids=["invalid", "bom", "array", "empty", "non-utf8"],
)
async def test_unreadable_file_refuses_writes_and_is_never_overwritten(tmp_path, content):
    path = tmp_path / "sessions.json"
    path.write_bytes(content)
    async with SessionStore(path) as store:
        assert not store.health.ok
        assert store.health.operation == "read"
        assert str(path) in (store.health.message or "")
        assert dict(store.load()) == {}
        with pytest.raises(StoreCorruptError):
            await store.update_entry("a", {"x": 1}, create=True)
        with pytest.raises(StoreCorruptError):
            await store.save({"a": {}})
    assert path.read_bytes() == content
    assert temp_files(tmp_path) == []


async def test_recover_keeps_a_copy_then_starts_over(tmp_path):
    path = tmp_path / "sessions.json"
    path.write_bytes(b'{"a": {"sessionId": "x"')
    async with SessionStore(path) as store:
        sub = store.subscribe()
        kept = await store.recover()
        assert kept is not None and kept.name.startswith("sessions.json.corrupt-")
        assert kept.read_bytes() == b'{"a": {"sessionId": "x"'
        assert store.health.ok
        assert path.read_bytes() == b"{}"
        event = await next_event(sub)
        assert isinstance(event, StoreReloaded) and event.reason == "recovered"
        await store.update_entry("b", {"x": 1}, create=True)
        assert await store.recover() is None  # nothing to recover any more
    assert set(read_json(path)) == {"b"}


async def test_recover_strips_a_bom_without_losing_sessions(tmp_path):
    path = tmp_path / "sessions.json"
    original = SMALL_STORE.read_bytes()
    path.write_bytes(b"\xef\xbb\xbf" + original)
    async with SessionStore(path) as store:
        assert not store.health.ok
        kept = await store.recover()
        assert kept is not None and kept.read_bytes().startswith(b"\xef\xbb\xbf")
        assert len(store.load()) == 12
    assert path.read_bytes() == original


@pytest.mark.parametrize("kind", ["directory", "fifo"])
async def test_odd_targets_are_typed_read_errors(tmp_path, kind):
    path = tmp_path / "sessions.json"
    if kind == "directory":
        path.mkdir()
    else:
        os.mkfifo(path)
    async with SessionStore(path) as store:
        assert store.health.error is not None
        assert ("directory" if kind == "directory" else "FIFO") in store.health.message
        with pytest.raises(Exception, match=r"sessions\.json"):
            await store.update_entry("a", {}, create=True)


async def test_too_large_is_refused(small_store):
    async with SessionStore(small_store, max_bytes=1000) as store:
        assert "over the 1,000-byte limit" in store.health.message


async def test_read_only_refuses_writes(small_store):
    before = small_store.read_bytes()
    async with SessionStore(small_store, read_only=True) as store:
        assert len(store.load()) == 12
        with pytest.raises(StoreReadOnlyError):
            await store.update_entry("agent:main:main", {"label": "x"})
    assert small_store.read_bytes() == before


async def test_duplicate_keys_open_read_only_losslessly(tmp_path):
    path = tmp_path / "sessions.json"
    content = b'{"a": {"sessionId": "1"}, "a": {"sessionId": "2"}}'
    path.write_bytes(content)
    async with SessionStore(path) as store:
        assert store.get("a") == {"sessionId": "2"}
        assert store.health.read_only_reason
        with pytest.raises(StoreReadOnlyError):
            await store.update_entry("a", {"x": 1})
    assert path.read_bytes() == content


def test_synchronous_load_without_a_loop(small_store):
    store = SessionStore(small_store)
    assert len(store.load()) == 12
    assert store.health.ok


async def test_update_results_and_mutator_view_behave_like_a_dict(small_store):
    async with SessionStore(small_store) as store:

        def mutate(s):
            n = len(s)
            keys = list(s)
            s.pop(keys[0])
            s.setdefault("z", {"sessionId": "z"})
            return n, "z" in s, len(s)

        assert await store.update(mutate) == (12, True, 12)
        assert list(store.load())[-1] == "z"
        assert list(read_json(small_store)) == list(store.load())


async def test_store_path_symlink_is_followed(tmp_path):
    real = tmp_path / "real" / "sessions.json"
    real.parent.mkdir()
    real.write_bytes(SMALL_STORE.read_bytes())
    link = tmp_path / "sessions.json"
    link.symlink_to(real)
    async with SessionStore(link) as store:
        await store.update_entry("agent:main:main", {"label": "via link"})
    assert link.is_symlink()
    assert read_json(real)["agent:main:main"]["label"] == "via link"


async def test_closed_store_refuses(small_store):
    store = SessionStore(small_store)
    await store.open()
    await store.aclose()
    with pytest.raises(Exception, match="closed"):
        await store.update_entry("agent:main:main", {"x": 1})


async def test_a_mutator_that_waits_for_another_write_fails_instead_of_deadlocking(small_store):
    async with SessionStore(small_store) as store:

        async def nested(s):
            await store.update_entry("agent:main:main", {"inner": 1})

        with pytest.raises(Exception, match="cannot wait for another write"):
            await asyncio.wait_for(store.update(nested), 5)
        assert "inner" not in store.get("agent:main:main")
        await store.update_entry("agent:main:main", {"after": 1})  # the writer still works


async def test_reset_session_gives_the_entry_a_new_id_in_place(small_store):
    before = read_json(small_store)["agent:main:main"]
    assert "totalTokens" in before
    async with SessionStore(small_store) as store:
        done = await store.reset_session(
            "agent:main:main", new=True, session_id="fresh-id", now_ms=1_900_000_000_000
        )
        assert await store.reset_session("agent:main:gone") is None
        assert store.reset_policy.new_creates is False
    assert done is not None and done.key == "agent:main:main"
    assert done.message == "session agent:main:main reset"
    after = read_json(small_store)
    assert after["agent:main:main"]["sessionId"] == "fresh-id" != before["sessionId"]
    assert after["agent:main:main"]["sessionStartedAt"] == 1_900_000_000_000
    assert "totalTokens" not in after["agent:main:main"]
    assert "agent:main:gone" not in after
