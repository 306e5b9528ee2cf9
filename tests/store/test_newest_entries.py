"""``codec.newest_entries``: the first screenful of a big ``sessions.json`` before it is parsed
(issue #16) is exactly what the whole parse puts first, or nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openclaw_tui.store import codec
from openclaw_tui.store.backends import json_file, scan_process
from openclaw_tui.store.synthetic import generate_store
from tests.store.test_incremental_parse import LAYOUTS, entry_values, full_parse, keys_st, render


def _number(value: Any) -> bool:
    return type(value) in (int, float) and value != -1


def _newest_values(entries: dict[str, Any]) -> list[Any]:
    """The updatedAt values in the order the table shows them (newest first, -1 = none)."""
    found = [
        entry["updatedAt"]
        for entry in entries.values()
        if isinstance(entry, dict) and _number(entry.get("updatedAt"))
    ]
    return sorted(found, reverse=True)


updated = st.one_of(
    st.integers(min_value=-5, max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([-1, 1e300, -0.0, True, "1700000000000", None]),
)
dated_entry = st.fixed_dictionaries(
    {"sessionId": st.text(max_size=3), "updatedAt": updated},
    optional={"label": st.text(max_size=4), "nested": st.just({"updatedAt": 9e18})},
)
pairs_st = st.lists(st.tuples(keys_st, dated_entry | entry_values), max_size=12)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pairs=pairs_st, layout=st.sampled_from(LAYOUTS), cut=st.integers(0, 10_000), n=st.integers(1, 5)
)
def test_newest_entries_are_what_the_whole_parse_shows_first(
    pairs: list[tuple[str, Any]], layout: str, cut: int, n: int
) -> None:
    raw = render(pairs, layout, cut)
    found = codec.newest_entries(raw, n)
    if found is None:
        return  # nothing early: the app waits for the whole parse
    entries, total = found
    kind, decoded = full_parse(raw)
    assert kind == "ok", "an early page of a file the store refuses"
    if decoded.duplicate_keys:
        return  # the store reports those and refuses writes; its snapshot replaces the page
    assert total == len(decoded.entries)
    for key, value in entries.items():
        assert codec.json_equal(value, decoded.entries[key])
    got = sorted((entry["updatedAt"] for entry in entries.values()), reverse=True)
    assert got == _newest_values(decoded.entries)[:n]


def test_a_synthetic_store_gives_the_rows_the_table_sorts_first() -> None:
    entries = generate_store(3_000, seed=4, now_ms=1_795_612_000_000)
    raw = json.dumps(entries, indent=2, ensure_ascii=False).encode()
    found = codec.newest_entries(raw, 200)
    assert found is not None
    newest, total = found
    assert total == 3_000
    expected = sorted(entries, key=lambda k: (-entries[k]["updatedAt"], k))[:200]
    assert set(newest) == set(expected)
    assert all(newest[key] == entries[key] for key in newest)


def test_other_layouts_give_nothing_early() -> None:
    entries = generate_store(50, seed=2, now_ms=1_795_612_000_000)
    for raw in (
        json.dumps(entries).encode(),
        json.dumps(entries, indent=4).encode(),
        json.dumps(entries, indent=2).encode() + b"\n",
        b"",
        b"{}",
    ):
        assert codec.newest_entries(raw, 10) is None


def test_peek_reads_only_big_regular_files_within_the_limit(tmp_path: Path, monkeypatch) -> None:
    entries = generate_store(400, seed=3, now_ms=1_795_612_000_000)
    path = tmp_path / "sessions.json"
    path.write_text(json.dumps(entries, indent=2, ensure_ascii=False), encoding="utf-8")
    assert json_file.peek_newest(path, 10) is None  # small: parsed whole before the first paint
    monkeypatch.setattr(scan_process, "PEEK_MIN_BYTES", 1)
    found = json_file.peek_newest(path, 10)
    assert found is not None and len(found[0]) == 10 and found[1] == 400
    assert json_file.peek_newest(path, 10, max_bytes=100) is None  # the store refuses it
    assert json_file.peek_newest(tmp_path / "missing.json", 10) is None
    assert json_file.peek_newest(tmp_path, 10) is None  # a directory
