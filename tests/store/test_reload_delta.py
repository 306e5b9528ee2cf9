"""A foreign rewrite is diffed from what the incremental parse re-read (``codec.Delta``), not by
comparing every entry: the result must be exactly what the whole comparison gives.

Over random rewrites (changed values, added, removed, moved and repeated keys, quarantined
non-object values, files in other layouts or cut short), after every one: the entries equal
``codec.loads`` of the file (values, types, key order), ``delta_diff`` equals ``diff_entries``
against the whole parse, the quarantined set equals a scan of every entry, and every entry the
delta does not name is the previous object. Then the same through the store, with its own writes
between the rewrites: its snapshot, and a copy kept only from its events, equal the file.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from pathlib import Path
from typing import Any
from unittest.mock import patch

from hypothesis import given, settings
from hypothesis import strategies as st

from openclaw_tui.store import SessionStore, _core, codec
from openclaw_tui.store._work import MISSING
from openclaw_tui.store.diff import Diff, delta_diff, delta_hidden, diff_entries
from openclaw_tui.store.errors import StoreCorruptError
from openclaw_tui.store.events import (
    EntryAdded,
    EntryChanged,
    EntryRemoved,
    Resync,
    StoreErrorEvent,
    StoreReloaded,
)
from tests.store.test_incremental_parse import (
    entry_values,
    initial,
    keys_st,
    render,
    rewrite,
    steps,
)


def as_changes(diff: Diff) -> dict[str, tuple[Any, Any]]:
    changes: dict[str, tuple[Any, Any]] = {}
    for key, before, after in diff:
        assert key not in changes, f"{key!r} twice in one diff"
        changes[key] = (before, after)
    return changes


def same_change(a: tuple[Any, Any], b: tuple[Any, Any]) -> bool:
    return all(
        (x is MISSING and y is MISSING)
        or (x is not MISSING and y is not MISSING and codec.json_equal(x, y))
        for x, y in zip(a, b, strict=True)
    )


def non_objects(entries: dict[str, Any]) -> frozenset[str]:
    return frozenset(k for k, v in entries.items() if not isinstance(v, dict))


@settings(max_examples=400, deadline=None)
@given(initial=initial, steps=steps, block=st.sampled_from([1, 2, 3, 64]))
def test_delta_diff_equals_the_whole_comparison(
    initial: list[tuple[str, Any]], steps: list[Any], block: int
) -> None:
    parser = codec.IncrementalLoads(block=block)
    pairs = initial
    raws = [render(pairs, "openclaw", 0)]
    for op, key, value, where, layout, cut in steps:
        pairs = rewrite(pairs, op, key, value, where)
        raws.append(render(pairs, layout, cut))
    previous: dict[str, Any] | None = None
    hidden: frozenset[str] = frozenset()
    for raw in raws:
        try:
            expected = codec.loads(raw, "sessions.json")
        except StoreCorruptError:
            expected = None
        try:
            decoded = parser.loads(raw, "sessions.json")
        except StoreCorruptError:
            assert expected is None
            previous = None
            continue
        assert expected is not None
        new = decoded.entries
        assert codec.json_equal(new, expected.entries), raw  # key order included
        delta = decoded.delta
        if delta is not None:
            assert previous is not None and delta.base is previous
            named = {*delta.fresh, *delta.gone}
            assert all(new[k] is previous[k] for k in new if k not in named)
            assert all(k in previous and k not in new for k in delta.gone)
            whole = diff_entries(previous, dict(expected.entries))
            got = as_changes(delta_diff(previous, new, delta))
            want = as_changes(whole)
            assert got.keys() == want.keys(), raw
            assert all(same_change(got[k], want[k]) for k in got), raw
            assert delta_hidden(hidden, new, delta) == non_objects(expected.entries), raw
        previous = new
        hidden = non_objects(new)


def check_store(store: SessionStore, path: Path, mirror: dict[str, Any]) -> None:
    snapshot = dict(store.load())
    try:
        on_disk = codec.loads(path.read_bytes(), str(path)).entries
    except StoreCorruptError:
        return  # the store keeps its last good read (the error is its health)
    shown = {k: v for k, v in on_disk.items() if isinstance(v, dict)}
    assert codec.json_equal(snapshot, shown)
    assert codec.json_equal(mirror, snapshot)
    assert store._core().hidden == non_objects(on_disk)


def follow(store: SessionStore, subscription: Any, mirror: dict[str, Any]) -> None:
    """Apply the events published so far to ``mirror``, as the app does."""
    while (event := subscription.get_nowait()) is not None:
        if isinstance(event, EntryAdded):
            mirror[event.key] = event.entry
        elif isinstance(event, EntryChanged):
            mirror[event.key] = event.after
        elif isinstance(event, EntryRemoved):
            del mirror[event.key]
        elif isinstance(event, StoreReloaded | Resync):
            mirror.clear()
            mirror.update(store.load())
        else:
            assert isinstance(event, StoreErrorEvent)
    # The app keeps the store's order; the events keep the entries.
    ordered = {k: mirror[k] for k in store.load() if k in mirror}
    assert ordered.keys() == mirror.keys()
    mirror.clear()
    mirror.update(ordered)


# Mostly OpenClaw's layout, so that most reads are incremental ones, sometimes not.
store_steps = st.lists(
    st.tuples(
        st.sampled_from(["set", "set", "set", "delete", "move", "insert", "dedupe"]),
        keys_st,
        entry_values,
        st.integers(min_value=0, max_value=50),
        st.sampled_from(["openclaw"] * 8 + ["indent4", "truncated"]),
        st.integers(min_value=0, max_value=10_000),
    ),
    min_size=1,
    max_size=12,
)
own_writes = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", "c", "agent:main:main", "z"]),
        st.sampled_from(["set", "delete"]),
        st.text(max_size=3),
    ),
    max_size=2,
)


@settings(max_examples=60, deadline=None)
@given(initial=initial, steps=store_steps, writes=st.lists(own_writes, min_size=12, max_size=12))
def test_store_follows_rewrites_and_its_own_writes(
    initial: list[tuple[str, Any]], steps: list[Any], writes: list[Any]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(_follow_rewrites(Path(tmp) / "sessions.json", initial, steps, writes))


async def _follow_rewrites(
    path: Path, initial: list[tuple[str, Any]], steps: list[Any], writes: list[Any]
) -> None:
    pairs = initial
    path.write_bytes(render(pairs, "openclaw", 0))
    async with SessionStore(path) as store:
        mirror = dict(store.load())
        subscription = store.subscribe()
        for (op, key, value, where, layout, cut), ours in zip(steps, writes, strict=False):
            pairs = rewrite(pairs, op, key, value, where)
            path.write_bytes(render(pairs, layout, cut))
            await store.refresh()
            follow(store, subscription, mirror)
            check_store(store, path, mirror)
            for own_key, what, label in ours:
                try:
                    if what == "set":
                        await store.update_entry(own_key, {"label": label}, create=True)
                    else:
                        await store.delete_entry(own_key)
                except Exception:  # refused (read-only, unreadable, quarantined): no change
                    pass
                follow(store, subscription, mirror)
            if path.exists():
                # What we wrote is the file the next rewrite starts from, as for OpenClaw.
                with contextlib.suppress(StoreCorruptError):
                    pairs = list(codec.loads(path.read_bytes(), str(path)).entries.items())
        subscription.close()


def test_own_writes_keep_foreign_rewrites_incremental(tmp_path: Path) -> None:
    """After the store's own write, the next foreign rewrite is still diffed from the delta."""
    path = tmp_path / "sessions.json"
    entries = {f"agent:main:k{i}": {"sessionId": f"s{i}", "n": i} for i in range(200)}
    entries["agent:main:odd"] = 7  # quarantined
    path.write_bytes(codec.dumps(entries))

    async def run() -> None:
        async with SessionStore(path) as store:
            await store.update_entry("agent:main:k3", {"label": "ours"})
            on_disk = codec.loads(path.read_bytes(), str(path)).entries
            on_disk["agent:main:k150"] = {**on_disk["agent:main:k150"], "n": -1}
            del on_disk["agent:main:k7"]
            on_disk["agent:main:new"] = "quarantined too"
            path.write_bytes(codec.dumps(on_disk))
            with patch.object(_core, "diff_entries", side_effect=AssertionError("O(store)")):
                await store.refresh()
            assert store.get("agent:main:k150")["n"] == -1  # type: ignore[index]
            assert store.get("agent:main:k3")["label"] == "ours"  # type: ignore[index]
            assert store.get("agent:main:k7") is None
            assert store._core().hidden == {"agent:main:odd", "agent:main:new"}
            # What is shown is a view without the hidden entries, never a copy of the rest.
            shown = store.load()
            assert "agent:main:new" not in shown and "agent:main:odd" not in shown
            assert shown.get("agent:main:odd") is None and store.get("agent:main:odd") is None
            assert len(shown) == len(list(shown)) == 199  # 200 less k7
            assert dict(shown) == {k: v for k, v in store._core().entries.items() if k in shown}
            assert shown["agent:main:k150"]["n"] == -1

    asyncio.run(run())
