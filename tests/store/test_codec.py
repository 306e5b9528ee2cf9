"""The sessions.json codec: byte compatibility with OpenClaw and lossless handling of odd input."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openclaw_tui.store import codec
from openclaw_tui.store.errors import StoreCorruptError
from tests.conftest import GATEWAY_STORE, SMALL_STORE

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: 1e-4 < abs(f) < 1e15)
    | st.text()
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)
stores = st.dictionaries(st.text(min_size=1), st.dictionaries(st.text(), json_values), max_size=5)


@pytest.mark.parametrize("source", [SMALL_STORE, GATEWAY_STORE], ids=["small", "gateway"])
def test_openclaw_fixtures_round_trip_byte_identically(source):
    raw = source.read_bytes()
    decoded = codec.loads(raw, str(source))
    assert decoded.canonical
    assert codec.dumps(decoded.entries) == raw
    assert codec.dumps_exact(decoded.entries) == raw
    assert list(decoded.entries) == list(json.loads(raw))


@settings(max_examples=150, deadline=None)
@given(stores)
def test_fast_serializer_matches_the_exact_one(entries):
    # json.dumps(indent=2, ensure_ascii=False) reproduces OpenClaw's bytes (reference §1).
    assert codec.dumps(entries) == codec.dumps_exact(entries)
    assert codec.loads(codec.dumps(entries), "p").entries == entries


def test_no_trailing_newline_no_ascii_escaping_and_ints_stay_ints():
    out = codec.dumps({"k": {"label": "Zoë 🦀", "n": 1, "f": 1.5}})
    assert out == '{\n  "k": {\n    "label": "Zoë 🦀",\n    "n": 1,\n    "f": 1.5\n  }\n}'.encode()


def test_big_integers_are_exact_both_ways():
    raw = (
        b'{\n  "k": {\n    "big": 123456789012345678901234567890,\n'
        b'    "neg": -9223372036854775809\n  }\n}'
    )
    decoded = codec.loads(raw, "p")
    assert decoded.entries["k"]["big"] == 123456789012345678901234567890
    assert decoded.entries["k"]["neg"] == -9223372036854775809
    assert codec.dumps(decoded.entries) == raw


def test_lone_surrogates_round_trip_as_escapes_like_javascript():
    raw = b'{\n  "k": {\n    "label": "cut \\ud83e"\n  }\n}'
    decoded = codec.loads(raw, "p")
    assert decoded.entries["k"]["label"] == "cut \ud83e"
    assert codec.dumps(decoded.entries) == raw


def test_compact_layout_loads_identically_and_is_not_canonical():
    raw = SMALL_STORE.read_bytes()
    compact = json.dumps(json.loads(raw), separators=(",", ":"), ensure_ascii=False).encode()
    decoded = codec.loads(compact, "p")
    assert not decoded.canonical
    assert codec.dumps(decoded.entries) == raw


def test_duplicate_keys_are_reported_not_silently_merged():
    decoded = codec.loads(b'{"a": {"x": 1, "x": 2}, "a": {"y": 1}}', "p")
    assert {key for _, key in decoded.duplicate_keys} == {"x", "a"}


@pytest.mark.parametrize(
    ("raw", "words", "position"),
    [
        (b"", "empty", 0),
        (b"   \n", "empty", 0),
        (b'\xef\xbb\xbf{"a": {}}', "byte order mark", 0),
        (b"null", "null, not an object", 0),
        (b"[]", "an array, not an object", 0),
        (b'"x"', "a string, not an object", 0),
        (b"1", "a number, not an object", 0),
        (b'{"a": NaN}', "NaN is not valid JSON", None),
        (b'{"a": Infinity}', "Infinity is not valid JSON", None),
        (b'{"a": 1,}', "line 1 column 9", 8),
        (b'{"a":\n  {"b": tru}}', "line 2 column 9", 14),
        (b'{"a": "\xff"}', "not valid UTF-8 (byte 0xff at offset 7)", 7),
        (b"[" * 5000 + b"]" * 5000, "nested too deeply", None),
        (b'{"a":' * 100_000 + b"1" + b"}" * 100_000, "nested too deeply", None),
    ],
    ids=lambda value: value[:24].decode("latin-1") if isinstance(value, bytes) else None,
)
def test_bad_files_raise_a_typed_error_naming_the_path_and_position(raw, words, position):
    with pytest.raises(StoreCorruptError) as info:
        codec.loads(raw, "/state/sessions.json")
    error = info.value
    assert "/state/sessions.json" in str(error)
    assert words in str(error)
    assert error.fix
    if position is not None:
        assert error.position == position


def test_every_truncation_of_a_real_store_is_an_error_never_a_smaller_store():
    raw = SMALL_STORE.read_bytes()
    for cut in range(len(raw)):
        with pytest.raises(StoreCorruptError):
            codec.loads(raw[:cut], "p")


def test_json_equal_distinguishes_order_and_int_float():
    assert codec.json_equal({"a": 1, "b": [1, {"c": 2}]}, {"a": 1, "b": [1, {"c": 2}]})
    assert not codec.json_equal({"a": 1, "b": 2}, {"b": 2, "a": 1})
    assert not codec.json_equal({"a": 1}, {"a": 1.0})
    assert not codec.json_equal({"a": True}, {"a": 1})


def test_clone_is_deep_and_equal():
    value = {"a": [1, {"b": "c"}], "d": {"e": None}}
    copy = codec.clone(value)
    assert copy == value
    copy["a"][1]["b"] = "changed"
    assert value["a"][1]["b"] == "c"


@pytest.mark.parametrize(
    ("session_id", "safe"),
    [
        ("28921b8e-df92-4f18-85a7-3ce27f266e77", True),
        ("a.b:c@d-e_f", True),
        (" padded ", True),
        ("../etc/passwd", False),
        ("a/b", False),
        ("a\\b", False),
        (".", False),
        ("..", False),
        ("has space", False),
        ("", False),
        ("x" * 256, False),
        (42, False),
    ],
)
def test_session_id_safety_rule(session_id, safe):
    assert codec.is_safe_session_id(session_id) is safe
