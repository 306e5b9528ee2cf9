"""The preview of a big ``sessions.json`` (tui/preview.py): every row the view model would build
from the whole parse, at the same index, with the same key and cells, built only when asked
for; or, when the file is not exactly what the store's parse accepts, it breaks and says so."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openclaw_tui.store import codec
from openclaw_tui.store.backends import json_scan
from openclaw_tui.store.backends.json_file import IndexedFile
from openclaw_tui.store.synthetic import generate_store
from openclaw_tui.tui.preview import PreviewViewModel
from openclaw_tui.tui.viewmodel import SessionViewModel
from tests.store.test_incremental_parse import LAYOUTS, entry_values, full_parse, keys_st, render
from tests.store.test_newest_entries import dated_entry

NOW = 1_795_612_000.0


def _clock() -> float:
    return NOW


def _preview_of(raw: bytes, directory: str) -> PreviewViewModel | None:
    index = codec.index_entries(raw)
    if index is None:
        return None
    path = Path(directory) / "sessions.json"
    path.write_bytes(raw)
    fd = os.open(path, os.O_RDONLY)
    return PreviewViewModel(
        IndexedFile(path, fd, index), clock=_clock, monotonic=lambda: 0.0, stall_seconds=600
    )


def _shown(vm: SessionViewModel, n: int) -> tuple[Any, ...]:
    row = vm.row_at(n)
    live = tuple(vm.live_cell(c, row) for c in vm.columns if c.live)
    return row.key, row.cells, live, row.invalid


same_updated = st.sampled_from([5, 5.0, -1, None, 7, -0.0, 0])
tied_entry = st.fixed_dictionaries({"sessionId": st.text(max_size=2), "updatedAt": same_updated})
pairs_st = st.lists(st.tuples(keys_st, dated_entry | tied_entry | entry_values), max_size=14)
# OpenClaw's own files: objects in its layout, most of them exact (the common case).
openclaw_files = st.tuples(
    st.lists(
        st.tuples(keys_st | st.text(min_size=4, max_size=8), dated_entry | tied_entry),
        min_size=1,
        max_size=30,
        unique_by=lambda pair: pair[0],
    ),
    st.just("openclaw"),
    st.just(0),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(file=st.tuples(pairs_st, st.sampled_from(LAYOUTS), st.integers(0, 10_000)) | openclaw_files)
def test_every_preview_row_is_the_row_of_the_whole_parse(
    file: tuple[list[tuple[str, Any]], str, int],
) -> None:
    raw = render(*file)
    with tempfile.TemporaryDirectory() as directory:
        preview = _preview_of(raw, directory)
        if preview is None:
            return  # another layout: nothing early, the app waits for the store
        try:
            shown = [_shown(preview, n) for n in range(preview.row_count)]
            keys = [row[0] for row in shown]
            found = {key: preview.index_of(key) for key in keys}
        finally:
            preview.close()
    kind, decoded = full_parse(raw)
    if preview.broken:
        # Only a file the store's block parse would not take as it is breaks the preview.
        exact = kind == "ok" and decoded.canonical and not decoded.duplicate_keys
        assert not exact or any(not isinstance(v, dict) for v in decoded.entries.values())
        return
    assert kind == "ok", "a preview of a file the store refuses"
    assert not decoded.duplicate_keys
    full = SessionViewModel(clock=_clock, monotonic=lambda: 0.0, stall_seconds=600)
    full.rebuild(decoded.entries)
    assert preview.row_count == full.row_count == preview.total_count == full.total_count
    assert shown == [_shown(full, n) for n in range(full.row_count)]
    assert found == {key: full.index_of(key) for key in keys}
    for n, row in enumerate(shown):
        assert codec.json_equal(preview.row_at(n).entry, decoded.entries[row[0]])


def test_rows_are_built_only_when_asked_for(tmp_path: Path) -> None:
    entries = generate_store(2_000, seed=3, now_ms=int(NOW * 1000))
    preview = _preview_of(codec.dumps(entries), str(tmp_path))
    assert preview is not None
    try:
        assert preview.total_count == preview.row_count == 2_000
        assert preview.built_keys() == []
        last = preview.row_at(1_999)
        assert preview.built_keys() == [last.key]
        expected = sorted(entries, key=lambda k: (-entries[k]["updatedAt"], k))
        assert last.key == expected[-1]
        assert preview.index_of(expected[1_000]) == 1_000  # a key never drawn: read once
        assert preview.rows.get(expected[5]) is not None
        assert preview.entries.get("no such key") is None
    finally:
        preview.close()


def test_ties_are_ordered_by_key() -> None:
    entries = {"b": {"updatedAt": 5}, "z": {}, "a": {"updatedAt": 5.0}, "x": {"updatedAt": 9}}
    entries |= {"y": {"updatedAt": -1}, "c": {"updatedAt": 5}, "d": {"updatedAt": 4}}
    index = codec.index_entries(codec.dumps(entries))
    assert index is not None
    keys = list(entries)
    assert [keys[i] for i in index.order] == ["x", "a", "b", "c", "d", "y", "z"]
    assert set(index.keys.values()) == {"a", "b", "c", "y", "z"}  # read only for the ties


def test_an_entry_that_is_not_exact_breaks_the_preview(tmp_path: Path) -> None:
    entries = {f"k{i}": {"sessionId": f"s{i}", "updatedAt": 100 - i} for i in range(30)}
    raw = codec.dumps(entries)
    # JavaScript writes 1.5, never 1.50: the store's block parse would not take this entry as
    # it is (the exact parser reads it), so the preview may not show it either.
    raw = raw.replace(b'"updatedAt": 80', b'"updatedAt": 80.50')
    broken: list[bool] = []
    preview = _preview_of(raw, str(tmp_path))
    assert preview is not None
    preview.on_broken = lambda: broken.append(True)
    try:
        assert preview.check_first(10)  # the newest ten are exact
        assert not preview.broken
        placeholder = preview.row_at(20)  # k20, the one written as 80.50
        assert preview.broken and broken == [True]
        assert placeholder.key == "…" and not placeholder.entry
        assert set(preview.built_entries()) == {f"k{i}" for i in range(10)}
    finally:
        preview.close()


def test_a_file_changed_in_place_breaks_the_preview(tmp_path: Path) -> None:
    entries = {f"k{i}": {"sessionId": f"s{i}", "updatedAt": 100 - i} for i in range(30)}
    preview = _preview_of(codec.dumps(entries), str(tmp_path))
    assert preview is not None
    try:
        # Someone writes the file in place (OpenClaw renames a new one, which the fd ignores).
        path = tmp_path / "sessions.json"
        raw = path.read_bytes()
        with path.open("r+b") as f:
            f.seek(raw.index(b'"updatedAt": 97'))
            f.write(b'"updatedAt": 98')  # k3 now sorts elsewhere than the index says
        assert preview.row_at(2).key == "k2"
        preview.row_at(3)
        assert preview.broken
    finally:
        preview.close()


def test_two_updated_at_fields_or_another_layout_give_no_index() -> None:
    raw = codec.dumps({"a": {"updatedAt": 1, "x": 2}, "b": {"updatedAt": 2}})
    assert codec.index_entries(raw) is not None
    assert codec.index_entries(raw.replace(b'"x": 2', b'"updatedAt": 2')) is None
    assert codec.index_entries(raw + b"\n") is None
    assert codec.index_entries(b'{"a": {"updatedAt": 1}}') is None


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda o: [*o[:-1], o[0]], id="repeated"),
        pytest.param(lambda o: [*o[:-1], len(o)], id="past-the-end"),
        pytest.param(lambda o: [*o[:-1], -1], id="negative"),
        pytest.param(lambda o: [float(i) for i in o], id="floats"),
        pytest.param(lambda o: [*o[:-1], "0"], id="a-string"),
        pytest.param(lambda o: o[:-1], id="short"),
    ],
)
def test_entry_index_of_refuses_an_order_that_is_not_a_permutation(change: Any) -> None:
    raw = b'{\n  "a": {\n    "updatedAt": 2\n  },\n  "b": {\n    "updatedAt": 1\n  },\n  "c": {}\n}'
    found = json_scan.scan(raw)
    assert found is not None and codec.EntryIndex.of(found) is not None
    size, starts, updated, keys, order = found
    assert codec.EntryIndex.of((size, starts, updated, keys, change(order))) is None


def test_entry_index_of_refuses_starts_that_are_not_offsets() -> None:
    raw = b'{\n  "a": {\n    "updatedAt": 2\n  },\n  "b": {}\n}'
    found = json_scan.scan(raw)
    assert found is not None
    size, starts, updated, keys, order = found
    assert codec.EntryIndex.of((size, [float(s) for s in starts], updated, keys, order)) is None
    assert codec.EntryIndex.of((size, None, updated, keys, order)) is None
