"""The incremental parser: after any rewrite it gives exactly what a full parse gives.

Each example is a sequence of rewrites of one file (changed values, added, removed and reordered
keys, repeated keys, other layouts, hostile strings, big integers, truncation); after every one
the incremental result (values with key order and types, the canonical flag, repeated keys, the
error and its message) must equal ``codec.loads`` of the same bytes, and the backend must report
the same issues and refusal as a backend that always parses the whole file.
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openclaw_tui.store import codec
from openclaw_tui.store.backends.json_file import JsonFileBackend
from openclaw_tui.store.errors import StoreCorruptError

HOSTILE = ['",\n  "', '"}', "\\", "\n", "\u2028", "cut \ud83d", "\udc00", '{\n  "', "é😀", ""]
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.sampled_from([2**70, -(2**65), 1.5, 1e300, -0.0])
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=5)
    | st.sampled_from(HOSTILE)
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=6,
)
# Mostly objects (sessions), sometimes another value (quarantined) or an unsafe sessionId.
entry_values = (
    st.dictionaries(st.sampled_from(["sessionId", "updatedAt", "label", "x"]), values, max_size=3)
    | values
)
keys_st = (
    st.sampled_from(["a", "b", "c", "agent:main:main", "d\u00e9"])
    | st.sampled_from(HOSTILE)
    | st.text(max_size=3)
)
_LONE = re.compile("[\ud800-\udfff]")
LAYOUTS = ["openclaw", "openclaw", "openclaw", "indent4", "compact", "newline", "truncated"]


def render(pairs: list[tuple[str, Any]], layout: str, cut: int) -> bytes:
    """The file for ``pairs`` (repeated keys kept) in one of several layouts."""
    if layout in ("openclaw", "newline", "truncated"):
        if not pairs:
            raw = b"{}"
        else:
            # One entry at a time, so repeated keys survive: OpenClaw's layout, key by key.
            fragments = [codec.dumps({key: value})[4:-2] for key, value in pairs]
            raw = b"{\n  " + b",\n  ".join(fragments) + b"\n}"
        if layout == "newline":
            raw += b"\n"
        if layout == "truncated":
            raw = raw[: cut % (len(raw) + 1)]
        return raw
    entries = dict(pairs)
    if layout == "indent4":
        text = json.dumps(entries, indent=4, ensure_ascii=False)
    else:
        text = json.dumps(entries, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8", "surrogatepass")


def rewrite(
    pairs: list[tuple[str, Any]], op: str, key: str, value: Any, where: int
) -> list[tuple[str, Any]]:
    pairs = list(pairs)
    if op == "set":
        for n, (k, _) in enumerate(pairs):
            if k == key:
                pairs[n] = (key, value)
                break
        else:
            pairs.append((key, value))
    elif op == "delete" and pairs:
        del pairs[where % len(pairs)]
    elif op == "move" and pairs:
        pairs.insert(where % (len(pairs) + 1), pairs.pop(where % len(pairs)))
    elif op == "insert":
        pairs.insert(where % (len(pairs) + 1), (key, value))  # may repeat a key
    elif op == "dedupe":
        pairs = list(dict(pairs).items())
    return pairs


def full_parse(raw: bytes) -> tuple[str, Any]:
    try:
        decoded = codec.loads(raw, "sessions.json")
    except StoreCorruptError as exc:
        return "error", exc.describe()
    return "ok", decoded


def same_decoded(a: codec.Decoded, b: codec.Decoded) -> bool:
    return (
        codec.json_equal(a.entries, b.entries)
        and a.canonical == b.canonical
        and a.duplicate_keys == b.duplicate_keys
    )


steps = st.lists(
    st.tuples(
        st.sampled_from(["set", "set", "set", "delete", "move", "insert", "dedupe"]),
        keys_st,
        entry_values,
        st.integers(min_value=0, max_value=50),
        st.sampled_from(LAYOUTS),
        st.integers(min_value=0, max_value=10_000),
    ),
    min_size=1,
    max_size=12,
)
# The first file mostly in the exact layout, so the rewrites after it take the incremental path.
safe_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63) | st.text(max_size=4),
    lambda inner: (
        st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=3), inner, max_size=2)
    ),
    max_leaves=4,
)
initial = st.lists(
    st.tuples(keys_st.filter(lambda k: not _LONE.search(k)), safe_values), max_size=8
)


@settings(max_examples=300, deadline=None)
@given(initial=initial, steps=steps, block=st.sampled_from([1, 2, 3, 64]))
def test_incremental_equals_full_parse(
    initial: list[tuple[str, Any]], steps: list[Any], block: int
) -> None:
    parser = codec.IncrementalLoads(block=block)
    pairs = initial
    raws = [render(pairs, "openclaw", 0)]
    for op, key, value, where, layout, cut in steps:
        pairs = rewrite(pairs, op, key, value, where)
        raws.append(render(pairs, layout, cut))
    for raw in raws:
        expected = full_parse(raw)
        try:
            got: tuple[str, Any] = ("ok", parser.loads(raw, "sessions.json"))
        except StoreCorruptError as exc:
            got = ("error", exc.describe())
        assert got[0] == expected[0], raw
        if got[0] == "error":
            assert got[1] == expected[1]
        else:
            assert same_decoded(got[1], expected[1]), raw


def _synthetic_store(n: int) -> dict[str, Any]:
    return {
        f"agent:main:telegram:dm:{i}": {
            "sessionId": f"s-{i}",
            "updatedAt": 1_795_608_000_000 + i,
            "origin": {"label": f"chat {i}", "tags": [i, str(i)]},
        }
        for i in range(n)
    }


def test_only_changed_entries_are_parsed() -> None:
    entries = _synthetic_store(1000)
    parser = codec.IncrementalLoads()
    entries_before = parser.loads(codec.dumps(entries), "sessions.json").entries
    assert parser.reparsed is None  # the first read parses the whole file
    keys = list(entries)
    entries[keys[10]] = {**entries[keys[10]], "updatedAt": 1}
    entries[keys[500]] = {**entries[keys[500]], "label": "new ✓"}
    del entries[keys[700]]
    entries["agent:main:slack:channel:new"] = {"sessionId": "n"}
    raw = codec.dumps(entries)
    decoded = parser.loads(raw, "sessions.json")
    # Only the blocks holding a change are parsed (the removal's block too); of those, only
    # the two changed entries and the added one are new objects.
    assert parser.reparsed is not None and parser.reparsed <= 3 * parser.block + 1
    assert parser.fresh == [keys[10], keys[500], "agent:main:slack:channel:new"]
    assert decoded.entries[keys[11]] is entries_before[keys[11]]
    assert codec.json_equal(decoded.entries, codec.loads(raw, "sessions.json").entries)
    assert decoded.canonical


@pytest.mark.parametrize(
    "value", [2**70, 1.0e5, "\udc00", "cut \ud83d", {"x": 1, "x ": {"x": 2}}, -0.0]
)
def test_changed_entry_orjson_cannot_reproduce_matches_full_parse(value: Any) -> None:
    entries = _synthetic_store(20)
    parser = codec.IncrementalLoads(block=4)
    parser.loads(codec.dumps(entries), "sessions.json")
    entries["agent:main:telegram:dm:7"] = {"sessionId": "s", "odd": value}
    raw = codec.dumps(entries)
    decoded = parser.loads(raw, "sessions.json")
    assert same_decoded(decoded, codec.loads(raw, "sessions.json"))
    assert codec.json_equal(decoded.entries["agent:main:telegram:dm:7"]["odd"], value)


def test_other_layouts_are_parsed_whole() -> None:
    entries = _synthetic_store(50)
    parser = codec.IncrementalLoads()
    parser.loads(codec.dumps(entries), "sessions.json")
    for raw in (
        json.dumps(entries, indent=4).encode(),
        codec.dumps(entries) + b"\n",
        codec.dumps(entries).replace(b"\n", b"\r\n"),
    ):
        decoded = parser.loads(raw, "sessions.json")
        assert parser.reparsed is None
        assert not decoded.canonical
        assert codec.json_equal(decoded.entries, entries)


def test_repeated_key_in_openclaw_layout_is_reported() -> None:
    entries = _synthetic_store(10)
    parser = codec.IncrementalLoads(block=2)
    raw = codec.dumps(entries)
    parser.loads(raw, "sessions.json")
    first = b'"agent:main:telegram:dm:3": '
    at = raw.index(first)
    # A second copy of entry 3 (changed) at the end, in exactly OpenClaw's layout.
    fragment = codec.dumps({"agent:main:telegram:dm:3": {"sessionId": "other"}})[4:-2]
    doubled = raw[:-2] + b",\n  " + fragment + b"\n}"
    assert at > 0
    decoded = parser.loads(doubled, "sessions.json")
    assert decoded.duplicate_keys == [(None, "agent:main:telegram:dm:3")]
    assert decoded.entries["agent:main:telegram:dm:3"] == {"sessionId": "other"}


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=steps, chunk=st.sampled_from([1, 3, 16, 4 << 20]))
def test_backend_issues_match_a_full_parse(tmp_path: Path, steps: list[Any], chunk: int) -> None:
    """Also with the file read a few bytes at a time as it is parsed (``chunk``)."""
    with patch.object(codec.Source, "CHUNK", chunk):
        _backend_issues_match_a_full_parse(tmp_path, steps)


def _backend_issues_match_a_full_parse(tmp_path: Path, steps: list[Any]) -> None:
    path = tmp_path / "sessions.json"
    incremental = JsonFileBackend(path)
    whole = JsonFileBackend(path, incremental_parse=False)
    pairs: list[tuple[str, Any]] = [("a", {"sessionId": "../evil"}), ("b", 3), ("c", {})]
    path.write_bytes(render(pairs, "openclaw", 0))
    incremental.read()
    for op, key, value, where, layout, cut in steps:
        pairs = rewrite(pairs, op, key, value, where)
        path.write_bytes(render(pairs, layout, cut))
        try:
            got = incremental.read()
        except StoreCorruptError as exc:
            got_error: str | None = exc.describe()
        else:
            got_error = None
        try:
            expected = whole.read()
        except StoreCorruptError as exc:
            assert got_error == exc.describe()
            continue
        assert got_error is None
        assert codec.json_equal(got.entries, expected.entries)
        assert got.issues == expected.issues
        assert got.read_only_reason == expected.read_only_reason


def whole_file_parse(raw: bytes) -> tuple[str, Any]:
    """The one-call parse of the whole file (what ``loads`` did before it parsed in blocks)."""
    if raw.startswith(codec.BOM) or not raw.strip():
        return full_parse(raw)  # refused before any parsing, whatever the parser
    try:
        decoded = codec._loads_fast(raw) or codec._loads_exact(raw, "sessions.json")
    except StoreCorruptError as exc:
        return "error", exc.describe()
    return "ok", decoded


@settings(max_examples=300, deadline=None)
@given(
    pairs=st.lists(st.tuples(keys_st, entry_values), max_size=12),
    layout=st.sampled_from(LAYOUTS),
    cut=st.integers(min_value=0, max_value=10_000),
    block=st.sampled_from([1, 2, 3, 16]),
    learn=st.sampled_from([1, 2, 256]),
    chunk=st.sampled_from([None, 1, 2, 7, 64]),
)
def test_block_parse_equals_whole_file_parse(
    pairs: list[tuple[str, Any]],
    layout: str,
    cut: int,
    block: int,
    learn: int,
    chunk: int | None,
) -> None:
    """Parsing in blocks, with repeated values shared, gives exactly the whole-file parse: the
    same values (types, key order), the same flag and repeated keys, the same error; also when
    the file is read from disk a few bytes at a time (``chunk``) as it is parsed."""
    raw = render(pairs, layout, cut)
    expected = whole_file_parse(raw)
    with (
        tempfile.TemporaryFile() as file,
        patch.object(codec.ValueSharer, "LEARN", learn),
        patch.object(codec.Source, "CHUNK", chunk or codec.Source.CHUNK),
    ):
        file.write(raw)
        file.flush()
        source: bytes | codec.Source = raw
        if chunk is not None:
            source = codec.Source(file.fileno(), len(raw))
        try:
            got: tuple[str, Any] = ("ok", codec.loads(source, "sessions.json", index=block))
        except StoreCorruptError as exc:
            got = ("error", exc.describe())
    assert got[0] == expected[0], raw
    if got[0] == "error":
        assert got[1] == expected[1]
        return
    assert same_decoded(got[1], expected[1]), raw
    # And what is written back is the file itself, byte for byte, when it was canonical.
    if got[1].canonical:
        assert codec.dumps(got[1].entries) == raw


def test_repeated_values_are_stored_once() -> None:
    """Equal strings and containers of a repeating field are one object; numbers never are
    (1, 1.0 and True are equal in Python, not in JSON); the values stay exact."""
    entries = {
        f"agent:main:s{i}": {
            "channel": "telegram",
            "route": {"channel": "telegram", "n": [1, 1.0, True]},
            "count": [1, 1.0, True][i % 3],
            "unique": f"u{i}",
        }
        for i in range(600)
    }
    raw = codec.dumps(entries)
    decoded = codec.loads(raw, "sessions.json")
    values = list(decoded.entries.values())
    late = values[300:]  # after the first entries, which teach which fields repeat
    assert all(v["route"] is late[0]["route"] for v in late)
    assert all(v["channel"] is late[0]["channel"] for v in late)
    assert [type(v["count"]) for v in values[:6]] == [int, float, bool] * 2
    assert codec.json_equal(decoded.entries, entries)
    assert codec.dumps(decoded.entries) == raw
