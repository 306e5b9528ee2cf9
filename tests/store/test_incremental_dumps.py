"""The incremental serializer: a batch re-serializes only what it changed, byte-identically."""

from __future__ import annotations

import asyncio
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openclaw_tui.store import SessionStore, codec
from tests.conftest import GATEWAY_STORE, SMALL_STORE

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: 1e-4 < abs(f) < 1e15)
    | st.text(max_size=6)
)
# Occasionally a value orjson refuses (a big integer, a lone surrogate): the exact path.
odd = st.sampled_from([2**70, -(2**65), "cut \ud83d", {"x": "\udc00"}])
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=8,
)
entries_st = st.dictionaries(st.text(max_size=4), values | odd, max_size=4)
keys_st = st.text(min_size=1, max_size=3)
ops = st.lists(
    st.tuples(
        st.sampled_from(["put", "delete", "readd"]),
        keys_st,
        st.one_of(entries_st, st.dictionaries(st.text(max_size=4), odd, max_size=1)),
    ),
    max_size=12,
)


def _apply(
    store: dict[str, object], batch: list[tuple[str, str, dict[str, object]]]
) -> tuple[dict[str, object], dict[str, object], set[str], bool]:
    """A batch the way the engine describes it: new store, upserts, removed, reordered."""
    new = dict(store)
    reordered = False
    touched: set[str] = set()
    for op, key, value in batch:
        touched.add(key)
        if op == "put":
            # As the engine flags it: a key of the base put back after a delete moves.
            reordered = reordered or (key not in new and key in store)
            new[key] = value
        elif op == "delete":
            new.pop(key, None)
        elif key in new:  # readd: delete, then put back at the end
            del new[key]
            new[key] = value
            reordered = reordered or key in store
        else:
            new[key] = value
    upserts = {
        k: new[k] for k in touched if k in new and (k not in store or store[k] is not new[k])
    }
    removed = {k for k in touched if k in store and k not in new}
    return new, upserts, removed, reordered


@settings(max_examples=300, deadline=None)
@given(
    start=st.dictionaries(keys_st, entries_st, max_size=12),
    batches=st.lists(ops, max_size=6),
    block_size=st.integers(min_value=1, max_value=5),
)
def test_incremental_output_is_the_full_serialization(start, batches, block_size):
    inc = codec.IncrementalDumps(block_size=block_size)
    store: dict[str, object] = dict(start)
    assert inc.full(store) == codec.dumps(store)
    for batch in batches:
        store, upserts, removed, reordered = _apply(store, batch)
        out = inc.update(store, upserts, frozenset(removed), reordered=reordered)
        assert out == codec.dumps(store)


def test_unchanged_blocks_are_not_serialized_again():
    store = {f"k{i}": {"n": i} for i in range(10)}
    inc = codec.IncrementalDumps(block_size=3)
    inc.full(store)
    first = [block.data for block in inc._blocks]
    store = dict(store)
    store["k4"] = {"n": 40}
    assert inc.update(store, {"k4": store["k4"]}, frozenset()) == codec.dumps(store)
    after = [block.data for block in inc._blocks]
    assert [a is b for a, b in zip(first, after, strict=True)] == [True, False, True, True]


def test_fixtures_round_trip_through_blocks():
    for source in (SMALL_STORE, GATEWAY_STORE):
        raw = source.read_bytes()
        entries = codec.loads(raw, str(source)).entries
        assert codec.IncrementalDumps(block_size=2).full(entries) == raw


def test_store_writes_stay_byte_identical_to_a_full_dump(tmp_path):
    """Through the real engine: single-entry patches, creates, deletes, a save that reorders."""
    path = tmp_path / "sessions.json"
    path.write_bytes(SMALL_STORE.read_bytes())

    async def main() -> None:
        async with SessionStore(path) as store:
            keys = list(store.load())

            def check() -> None:
                raw = path.read_bytes()
                assert raw == codec.dumps(json.loads(raw))
                assert json.loads(raw) == dict(store.load())
                assert list(json.loads(raw)) == list(store.load())

            for i, key in enumerate(keys * 2):
                await store.update_entry(key, {"label": f"L{i}", "big": 2**70 if i == 3 else i})
                check()
            await store.update_entry("agent:main:new:1", {"label": "new"}, create=True)
            check()
            await store.delete_entry(keys[0])
            check()
            await asyncio.gather(
                *(store.update_entry(k, {"label": "batch"}) for k in keys[1:]),
                store.update_entry("agent:main:new:2", {"label": "x"}, create=True),
            )
            check()
            await store.save(dict(reversed(list(store.load().items()))))
            check()
            await store.update_entry(keys[1], {"label": "after save"})
            check()

    asyncio.run(main())


@settings(max_examples=300, deadline=None)
@given(a=values | odd, b=values | odd)
def test_same_json_is_json_equal(a, b):
    assert codec.same_json(a, b) == codec.json_equal(a, b)
    assert codec.same_json(a, codec.clone(a)) == codec.json_equal(a, codec.clone(a))


def _materialize(pieces: list[bytes | tuple[int, int]], old: bytes) -> bytes:
    """What the writer puts in the file: bytes as they are, spans copied from the old file."""
    return b"".join(
        old[piece[0] : piece[0] + piece[1]] if isinstance(piece, tuple) else piece
        for piece in pieces
    )


@settings(max_examples=300, deadline=None)
@given(
    start=st.dictionaries(keys_st, entries_st, max_size=12),
    batches=st.lists(ops, max_size=6),
    block_size=st.integers(min_value=1, max_value=5),
    from_read=st.booleans(),
)
def test_pieces_copied_from_the_last_file_are_the_full_serialization(
    start, batches, block_size, from_read
):
    """Blocks kept as spans of the file last written (or read) and copied from it give exactly
    ``dumps``; the file the spans point into is always the previous output."""
    inc = codec.IncrementalDumps(block_size=block_size)
    store: dict[str, object] = dict(start)
    file = codec.dumps(store)
    layout = codec.loads(file, "sessions.json", index=block_size).layout if from_read else None
    if layout is not None:
        inc.prime(layout)  # the blocks of the file just read
    else:
        file = _materialize(inc.full_parts(store), b"")
        assert file == codec.dumps(store)
        inc.settle()
    for batch in batches:
        store, upserts, removed, reordered = _apply(store, batch)
        pieces = inc.parts(store, upserts, frozenset(removed), reordered=reordered)
        file = _materialize(pieces, file)
        assert file == codec.dumps(store)
        inc.settle()


@settings(max_examples=300, deadline=None)
@given(
    start=st.dictionaries(keys_st, entries_st, max_size=12),
    rewrites=st.lists(ops, min_size=1, max_size=5),
    batch=ops,
    block=st.integers(min_value=1, max_value=4),
    block_size=st.integers(min_value=1, max_value=5),
)
def test_priming_after_each_incremental_read_keeps_the_blocks_right(
    start, rewrites, batch, block, block_size
):
    """``prime`` after every read of a file rewritten by another process keeps the blocks its
    layout still has (the same objects) and redoes the others: a write copying the unchanged
    ones from the file last read is still exactly ``dumps``."""
    parser = codec.IncrementalLoads(block=block)
    inc = codec.IncrementalDumps(block_size=block_size)
    store: dict[str, object] = dict(start)
    file = codec.dumps(store)
    parser.loads(file, "sessions.json")
    primed = parser.layout is not None
    if primed:
        inc.prime(parser.layout)
    for rewrite in rewrites:
        store = _apply(store, rewrite)[0]
        file = codec.dumps(store)
        store = parser.loads(file, "sessions.json").entries
        primed = parser.layout is not None
        if primed:  # as the backend does: only a file in OpenClaw's layout primes
            inc.prime(parser.layout)
    new, upserts, removed, reordered = _apply(store, batch)
    if not primed:
        return
    pieces = inc.parts(new, upserts, frozenset(removed), reordered=reordered)
    assert _materialize(pieces, file) == codec.dumps(new)


@settings(max_examples=300, deadline=None)
@given(
    start=st.dictionaries(keys_st, entries_st, max_size=12),
    steps=st.lists(st.tuples(st.booleans(), ops), min_size=1, max_size=8),
    block=st.integers(min_value=1, max_value=4),
    block_size=st.integers(min_value=1, max_value=5),
)
def test_priming_between_our_own_writes_keeps_the_blocks_right(start, steps, block, block_size):
    """Our writes (``parts``, ``settle``) and another process's rewrites (read, ``prime``) in
    any order: every write is exactly ``dumps``, copying from the file last written or read,
    though ``prime`` keeps the blocks no write touched since."""
    parser = codec.IncrementalLoads(block=block)
    inc = codec.IncrementalDumps(block_size=block_size)
    store: dict[str, object] = dict(start)
    file = codec.dumps(store)
    parser.loads(file, "sessions.json")
    primed = parser.layout is not None
    if primed:
        inc.prime(parser.layout)
    for ours, batch in steps:
        new, upserts, removed, reordered = _apply(store, batch)
        if ours:
            if not primed:
                continue
            pieces = inc.parts(new, upserts, frozenset(removed), reordered=reordered)
            file = _materialize(pieces, file)
            assert file == codec.dumps(new)
            inc.settle()
            store = new
        else:
            file = codec.dumps(new)
            store = parser.loads(file, "sessions.json").entries
            primed = parser.layout is not None
            if primed:
                inc.prime(parser.layout)


def test_priming_after_a_small_rewrite_keeps_the_unchanged_blocks():
    store = {f"agent:main:s{i}": {"sessionId": f"s{i}", "n": i} for i in range(1000)}
    parser = codec.IncrementalLoads()
    inc = codec.IncrementalDumps()
    parser.loads(codec.dumps(store), "sessions.json")
    inc.prime(parser.layout)
    before = list(inc._blocks)
    store["agent:main:s500"] = {"sessionId": "s500", "n": -1}
    parser.loads(codec.dumps(store), "sessions.json")
    inc.prime(parser.layout)
    kept = {id(block) for block in before} & {id(block) for block in inc._blocks}
    assert len(kept) == len(before) - 1
    # Our own write, then another process's rewrite: only the two blocks they touched redone.
    file = codec.dumps(store)
    ours = {**store, "agent:main:s10": {"sessionId": "s10", "n": -2}}
    pieces = inc.parts(ours, {"agent:main:s10": ours["agent:main:s10"]}, frozenset())
    file = _materialize(pieces, file)
    assert file == codec.dumps(ours)
    inc.settle()
    before = list(inc._blocks)
    theirs = {**ours, "agent:main:s900": {"sessionId": "s900", "n": -3}}
    parser.loads(codec.dumps(theirs), "sessions.json")
    inc.prime(parser.layout)
    kept = {id(block) for block in before} & {id(block) for block in inc._blocks}
    assert len(kept) == len(before) - 2


def test_a_write_copies_the_unchanged_blocks_from_the_file(tmp_path):
    """The backend writes only the changed blocks' bytes; the rest is copied from the file it
    read, and the file is exactly a full dump. A file changed in place meanwhile is refused
    (the fingerprint check), never copied from."""
    from openclaw_tui.store.atomic import Syscalls
    from openclaw_tui.store.backends.base import Changes, ConflictError
    from openclaw_tui.store.backends.json_file import JsonFileBackend

    class Counting(Syscalls):
        written = 0
        copied = 0

        def write(self, fd, data):
            n = super().write(fd, data)
            Counting.written += n
            return n

        def copy_range(self, src, dst, offset, count):
            n = super().copy_range(src, dst, offset, count)
            Counting.copied += n
            return n

    path = tmp_path / "sessions.json"
    store = {f"agent:main:s{i}": {"sessionId": f"s{i}", "n": i} for i in range(2000)}
    path.write_bytes(codec.dumps(store))
    backend = JsonFileBackend(path, syscalls=Counting())
    snapshot = backend.read()
    new = dict(snapshot.entries)
    new["agent:main:s7"] = {"sessionId": "s7", "n": -7}
    changes = Changes(new, {"agent:main:s7": new["agent:main:s7"]}, frozenset())
    signature = backend.commit(snapshot.signature, changes)
    assert path.read_bytes() == codec.dumps(new)
    assert Counting.copied > 0.9 * len(path.read_bytes()) > 50 * Counting.written
    # A second write copies from the file the first one wrote.
    newer = dict(new)
    del newer["agent:main:s1500"]
    Counting.copied = 0
    signature = backend.commit(signature, Changes(newer, {}, frozenset({"agent:main:s1500"})))
    assert path.read_bytes() == codec.dumps(newer)
    assert Counting.copied > 0
    # Changed in place (same inode): the commit is refused, and nothing is copied into place.
    with open(path, "r+b") as f:
        f.seek(10)
        f.write(b"X")
    changed = path.read_bytes()
    with pytest.raises(ConflictError):
        backend.commit(signature, Changes(newer, {}, frozenset()))
    assert path.read_bytes() == changed
    backend.close()
