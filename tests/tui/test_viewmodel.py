"""The view model on its own: cells, filter grammar, sort, incremental apply, pause, marks."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openclaw_tui.store.events import EntryAdded, EntryChanged, EntryRemoved, Resync, StoreReloaded
from openclaw_tui.tui.viewmodel import (
    FilterError,
    SessionViewModel,
    model_of,
    parse_filter,
    relative_age,
    tokens_of,
)
from tests.shared_data import SMALL_JSON

SMALL = json.loads(SMALL_JSON.read_text())
NOW = 1_795_612_000.0
MAIN = "agent:main:main"


def vm_of(entries: dict[str, Any] | None = None) -> SessionViewModel:
    vm = SessionViewModel(clock=lambda: NOW, monotonic=lambda: 100.0)
    vm.rebuild(entries if entries is not None else SMALL)
    return vm


def refilter(vm: SessionViewModel, text: str) -> None:
    """A new filter, the way the app sets one (``configure`` keeps the sort)."""
    vm.configure(entries=vm.entries, filter_text=text)


def resort(vm: SessionViewModel, column: str, reverse: bool | None = None) -> None:
    """Sort by a column, the way the app does: the same column again reverses it."""
    column, reverse = vm.sort_request(column, reverse)
    vm.configure(
        entries=vm.entries, sort_column=column, sort_reverse=reverse, filter_text=vm.filter_text
    )


def changed(key: str, before: dict, after: dict, gen: int = 1) -> EntryChanged:
    return EntryChanged(key, before, after, frozenset(after), "external", gen)


def test_cells_of_the_main_session():
    vm = vm_of()
    row = vm.rows[MAIN]
    cell = dict(zip((c.id for c in vm.columns), row.cells, strict=True))
    assert cell["kind"] == "main"
    assert cell["channel"] == "telegram"
    assert cell["label"] == "Ada"
    assert cell["thinking"] == "high"
    assert cell["model"] == "anthropic/claude-opus-4-5"
    assert cell["levels"] == "on/·"
    assert cell["tokens"] == "1.9k 1%"
    assert vm.live_cell(vm.columns[vm.column_index("updated")], row) == "6m"


def test_auto_model_override_is_marked_and_stale_tokens_say_so():
    assert model_of({"providerOverride": "openai", "modelOverride": "gpt-5.2"}) == "openai/gpt-5.2"
    auto = {"providerOverride": "openai", "modelOverride": "gpt-5.2", "modelOverrideSource": "auto"}
    assert model_of(auto) == "openai/gpt-5.2 (auto)"
    assert tokens_of({"totalTokens": 50_000, "contextTokens": 200_000}) == "50k 25%"
    assert tokens_of({"totalTokens": 50_000, "totalTokensFresh": False}) == "50k ?%"
    assert tokens_of({}) == ""


def test_relative_age_units():
    assert relative_age(NOW * 1000 - 5_000, NOW) == "5s"
    assert relative_age(NOW * 1000 - 3 * 3600_000, NOW) == "3h"
    assert relative_age(NOW * 1000 - 9 * 86_400_000, NOW) == "1w"
    assert relative_age("banana", NOW) == "-"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "telegram",
            {
                MAIN,
                "agent:main:telegram:group:-1001234567890",
                "agent:main:telegram:group:-1001234567890:topic:42",
            },
        ),
        (
            "channel:discord",
            {
                "agent:main:discord:channel:123456789012345678",
                "agent:main:discord:channel:123456789012345678:thread:987654321098765432",
            },
        ),
        ("think:high", {MAIN}),
        ("think:low", {"agent:main:cron:daily-digest"}),
        ("model:gpt-5-mini", {"agent:main:cron:daily-digest"}),
        ("kind:topic", {"agent:main:telegram:group:-1001234567890:topic:42"}),
        (
            "kind:cron-run",
            {"agent:main:cron:daily-digest:run:3f1c2a9e-8b7d-4c6e-9f01-2a3b4c5d6e7f"},
        ),
        ("cron !run", {"agent:main:cron:daily-digest"}),
        ("~wbhkgthb", {"agent:main:hook:0b9d7a52-1c3e-4f5a-8b6c-7d8e9f0a1b2c"}),
        ("sendPolicy:allow", {"agent:main:telegram:group:-1001234567890"}),
        ('label:"portal session"', {"agent:main:explicit:portal-123"}),
    ],
)
def test_filter_grammar(text: str, expected: set[str]):
    vm = vm_of()
    refilter(vm, text)
    assert set(vm.shown_keys()) == expected


def test_think_inherit_matches_sessions_without_a_level_and_negation_inverts():
    vm = vm_of()
    refilter(vm, "think:inherit")
    without = set(vm.shown_keys())
    assert without == {k for k, e in SMALL.items() if "thinkingLevel" not in e}
    refilter(vm, "!think:inherit")
    assert set(vm.shown_keys()) == set(SMALL) - without


def test_every_editable_level_field_filters_by_its_command_name_and_help_lists_it():
    from openclaw_tui.store.fields import FIELDS
    from openclaw_tui.tui.viewmodel import FILTER_GRAMMAR

    grammar = " ".join(meaning for _example, meaning in FILTER_GRAMMAR)
    for spec in (s for s in FIELDS if s.values):
        # The filter takes the field by its command's name (queue:collect), exactly, as the
        # help says: both come from store/fields.py, not from a list kept beside it.
        assert f" {spec.command} " in f" {grammar.replace(';', ' ')} ", spec.command
        entries = {**SMALL, "agent:main:explicit:x": {"sessionId": "x", spec.name: spec.values[0]}}
        vm = vm_of(entries)
        refilter(vm, f"{spec.command}:{spec.values[0]}")
        with_value = {k for k, e in entries.items() if e.get(spec.name) == spec.values[0]}
        assert "agent:main:explicit:x" in with_value
        assert set(vm.shown_keys()) == with_value, spec.command
        refilter(vm, f"{spec.command}:{spec.values[0][:-1]}")  # exact: a prefix is not it
        assert set(vm.shown_keys()) == set(), spec.command


def test_malformed_filter_is_refused_with_a_hint_and_the_old_one_stays():
    vm = vm_of()
    refilter(vm, "kind:cron")
    with pytest.raises(FilterError, match="needs a word"):
        refilter(vm, "!")
    assert vm.filter_text == "kind:cron"
    assert parse_filter('"unbalanced') != []  # an open quote is taken as text, not an error


def test_sort_is_stable_with_the_key_as_tie_breaker_and_repeat_reverses():
    entries = {f"agent:main:explicit:{c}": {"sessionId": c, "updatedAt": 5} for c in "dbca"}
    vm = vm_of(entries)
    assert vm.shown_keys() == sorted(entries)  # equal updatedAt: by key
    resort(vm, "updated")  # again: reverse (ascending); ties still by key
    assert vm.sort_reverse is False
    assert vm.shown_keys() == sorted(entries)
    resort(vm, "key")
    assert vm.shown_keys() == sorted(entries)
    resort(vm, "key")
    assert vm.shown_keys() == sorted(entries, reverse=True)


def test_empty_cells_sort_last_in_both_directions():
    vm = vm_of()
    resort(vm, "thinking", reverse=False)
    keys = vm.shown_keys()
    with_level = [k for k in keys if "thinkingLevel" in SMALL[k]]
    assert keys[: len(with_level)] == with_level
    resort(vm, "thinking", reverse=True)
    assert vm.shown_keys()[: len(with_level)] == sorted(
        with_level, key=lambda k: SMALL[k]["thinkingLevel"], reverse=True
    )


def test_incremental_changes_move_rows_and_highlight_changed_cells():
    vm = vm_of()
    portal = "agent:main:explicit:portal-123"
    after = {**SMALL[portal], "updatedAt": 1_795_611_999_000, "thinkingLevel": "xhigh"}
    assert vm.enqueue(changed(portal, SMALL[portal], after))
    result = vm.flush()
    assert result.structural and result.changed_keys == {portal}
    assert vm.row_at(0).key == portal
    row = vm.rows[portal]
    assert row.version == 1
    assert set(row.changed_at) == {"thinking", "updated"}
    assert vm.index_of(portal) == 0


def test_pause_counts_then_applies_everything_at_once():
    vm = vm_of()
    vm.set_paused(True)
    new = "agent:main:explicit:new"
    assert not vm.enqueue(EntryAdded(new, {"sessionId": "n", "updatedAt": 1}, "local", 1))
    assert not vm.enqueue(EntryRemoved(MAIN, SMALL[MAIN], "local", 2))
    assert vm.pending_count == 2 and new not in vm.rows and MAIN in vm.rows
    assert vm.flush().changed_keys == set()  # nothing while paused
    vm.set_paused(False)
    result = vm.flush()
    assert result.changed_keys == {new, MAIN}
    assert new in vm.rows and MAIN not in vm.rows and vm.pending_count == 0


def test_a_big_burst_is_applied_over_several_flushes_oldest_first():
    # Ten gateways listing at once pile up tens of thousands of rows between two frames:
    # a flush takes at most max_rows of them (the oldest), the rest wait for the next one.
    vm = vm_of({})
    keys = [f"agent:main:explicit:s{n}" for n in range(7)]
    for n, key in enumerate(keys):
        vm.enqueue(EntryAdded(key, {"sessionId": key, "updatedAt": n}, "external", n))
    vm.enqueue(changed(keys[0], {"sessionId": keys[0], "updatedAt": 0}, {"updatedAt": 9}, 8))
    assert vm.pending_count == 8
    first = vm.flush(max_rows=3)
    assert first.changed_keys == set(keys[:3])
    assert vm.rows[keys[0]].entry == {"updatedAt": 9}  # a key's latest state, once
    assert vm.pending_count == 4  # the events of the four rows not applied yet
    assert vm.flush(max_rows=3).changed_keys == set(keys[3:6])
    assert vm.flush(max_rows=3).changed_keys == {keys[6]}
    assert vm.pending_count == 0 and set(vm.shown_keys()) == set(keys)


def test_resync_needs_a_snapshot_and_reloaded_carries_one():
    vm = vm_of()
    vm.enqueue(Resync("fell behind", 9))
    assert vm.needs_reload
    assert not vm.flush().changed_keys and vm.needs_reload  # waits for a snapshot
    vm.flush({"agent:main:explicit:only": {"sessionId": "o", "updatedAt": 1}})
    assert vm.shown_keys() == ["agent:main:explicit:only"]
    vm.enqueue(StoreReloaded({MAIN: SMALL[MAIN]}, "recovered", 10))
    assert not vm.needs_reload
    vm.flush()
    assert vm.shown_keys() == [MAIN]


def test_changes_after_a_reload_in_the_same_frame_apply_on_top_of_its_snapshot():
    # A gateway publishes its first page as a reload, then the next pages' rows as events;
    # one frame can hold both. The reload's snapshot does not have the later rows.
    vm = vm_of()
    late = "agent:main:explicit:late"
    vm.enqueue(StoreReloaded({MAIN: SMALL[MAIN]}, "first page", 10))
    vm.enqueue(EntryAdded(late, {"sessionId": "l", "updatedAt": 2}, "external", 11))
    vm.enqueue(changed(MAIN, SMALL[MAIN], {**SMALL[MAIN], "label": "After"}, 12))
    result = vm.flush()
    assert set(vm.shown_keys()) == {MAIN, late}
    assert vm.rows[MAIN].entry["label"] == "After"
    assert result.rebuilt and {MAIN, late} <= result.changed_keys


def test_a_row_changed_off_screen_is_diffed_when_looked_at_and_lets_go_of_old_rows():
    clock = [100.0]
    vm = SessionViewModel(clock=lambda: NOW, monotonic=lambda: clock[0])
    vm.rebuild(SMALL)
    portal = "agent:main:explicit:portal-123"
    first = {**SMALL[portal], "thinkingLevel": "xhigh"}
    vm.enqueue(changed(portal, SMALL[portal], first))
    vm.flush()
    clock[0] = 101.0
    second = {**first, "label": "Renamed"}
    vm.enqueue(changed(portal, first, second, 2))
    vm.flush()
    # Never drawn in between: both changes are marked, at the time of the latest.
    assert dict(vm.rows[portal].changed_at) == {"thinking": 101.0, "label": 101.0}
    # A change nobody looks at for long enough is dropped with the row it replaced.
    vm.enqueue(changed(portal, second, {**second, "label": "Again"}, 3))
    vm.flush()
    row = vm.rows[portal]
    clock[0] = 200.0
    vm.enqueue(changed(MAIN, SMALL[MAIN], {**SMALL[MAIN], "label": "Later"}, 4))
    vm.flush()
    assert row._changed_from is None and dict(row.changed_at) == {}


def test_marks_survive_updates_and_drop_removed_keys():
    vm = vm_of()
    portal = "agent:main:explicit:portal-123"
    assert vm.toggle_mark(portal) and vm.toggle_mark(MAIN)
    vm.enqueue(changed(portal, SMALL[portal], {**SMALL[portal], "label": "x"}))
    vm.enqueue(EntryRemoved(MAIN, SMALL[MAIN], "local", 2))
    vm.flush()
    assert vm.marked_keys == {portal}
    refilter(vm, "kind:cron")  # a mark survives being filtered out
    assert vm.marked_keys == {portal}


def test_invalid_values_are_flagged_but_kept():
    vm = vm_of(
        {
            "agent:main:explicit:x": {
                "sessionId": "x",
                "updatedAt": 1,
                "thinkingLevel": "banana",
                "verboseLevel": 42,
            }
        }
    )
    row = vm.rows["agent:main:explicit:x"]
    assert set(row.invalid) >= {"thinkingLevel", "verboseLevel"}
    assert row.cells[vm.column_index("thinking")] == "banana"


def test_non_object_entries_are_not_rows():
    vm = vm_of(
        {"agent:main:explicit:ok": {"sessionId": "a", "updatedAt": 1}, "agent:main:explicit:bad": 5}
    )
    assert vm.shown_keys() == ["agent:main:explicit:ok"]


def test_changes_per_second_counts_applied_events():
    clock = [100.0]
    vm = SessionViewModel(clock=lambda: NOW, monotonic=lambda: clock[0])
    vm.rebuild(SMALL)
    for n in range(10):
        vm.enqueue(changed(MAIN, SMALL[MAIN], {**SMALL[MAIN], "totalTokens": n}))
    vm.flush()
    assert vm.changes_per_second(window=5.0) == 2.0
    clock[0] += 10
    assert vm.changes_per_second(window=5.0) == 0.0


# --- property: incremental apply gives exactly what a rebuild from the final store gives ------

_keys = st.sampled_from([f"agent:main:explicit:k{i}" for i in range(12)])
_entries = st.fixed_dictionaries(
    {"sessionId": st.just("s"), "updatedAt": st.integers(0, 20)},
    optional={
        "thinkingLevel": st.sampled_from(["low", "high", "banana"]),
        "totalTokens": st.integers(0, 5),
        "label": st.sampled_from(["a", "b", "[red]c"]),
        "channel": st.sampled_from(["telegram", "slack"]),
    },
)
_ops = st.lists(st.tuples(_keys, st.one_of(st.none(), _entries)), max_size=40)


@settings(max_examples=60, deadline=None)
@given(
    start=st.dictionaries(_keys, _entries, max_size=8),
    ops=_ops,
    sort=st.sampled_from(["key", "updated", "tokens", "thinking", "label", "channel"]),
    reverse=st.booleans(),
    flt=st.sampled_from(["", "channel:telegram", "!think:high", "~k1", "b"]),
    flush_every=st.integers(1, 7),
)
def test_incremental_apply_equals_rebuild(start, ops, sort, reverse, flt, flush_every):
    vm = SessionViewModel(clock=lambda: NOW, monotonic=lambda: 0.0)
    vm.rebuild(start)
    resort(vm, sort, reverse)
    refilter(vm, flt)
    current = dict(start)
    for n, (key, entry) in enumerate(ops):
        if entry is None:
            if key in current:
                vm.enqueue(EntryRemoved(key, current.pop(key), "local", n))
        elif key in current:
            vm.enqueue(changed(key, current[key], entry, n))
            current[key] = entry
        else:
            vm.enqueue(EntryAdded(key, entry, "local", n))
            current[key] = entry
        if n % flush_every == 0:
            vm.flush()
    vm.flush()
    fresh = SessionViewModel(clock=lambda: NOW, monotonic=lambda: 0.0)
    fresh.rebuild(current)
    resort(fresh, sort, reverse)
    refilter(fresh, flt)
    keys = vm.shown_keys()
    assert keys == fresh.shown_keys()
    assert [vm.rows[k].cells for k in keys] == [fresh.rows[k].cells for k in keys]
    assert all(vm.index_of(k) == i for i, k in enumerate(vm.shown_keys()))


def test_top_entries_picks_what_the_full_sort_puts_first():
    entries = {
        f"agent:main:explicit:{n}": {"sessionId": str(n), "updatedAt": (n * 37) % 101}
        for n in range(100)
    }
    entries["agent:main:explicit:none"] = {"sessionId": "x"}
    vm = vm_of(entries)
    top = vm.top_entries(entries, 5)
    assert top is not None and set(top) == set(vm.shown_keys()[:5])
    resort(vm, "updated")  # ascending now; the one without updatedAt still last
    top = vm.top_entries(entries, 5)
    assert top is not None and set(top) == set(vm.shown_keys()[:5])
    assert "agent:main:explicit:none" not in top
    resort(vm, "label")
    assert vm.top_entries(entries, 5) is None  # no cheap key for text columns


def test_gateway_filter_picks_the_rows_of_one_gateway_of_a_merged_view():
    entries = {
        "home/agent:main:main": {"sessionId": "a", "updatedAt": 3},
        "home/agent:main:telegram:group:-1001": {"sessionId": "b", "updatedAt": 2},
        "lab/agent:main:main": {"sessionId": "c", "updatedAt": 1},
    }
    vm = vm_of(entries)
    refilter(vm, "gateway:home")
    assert set(vm.shown_keys()) == {"home/agent:main:main", "home/agent:main:telegram:group:-1001"}
    refilter(vm, "!gw:home")
    assert vm.shown_keys() == ["lab/agent:main:main"]
    refilter(vm, "gateway:home kind:group")  # the session grammar still applies under the prefix
    assert vm.shown_keys() == ["home/agent:main:telegram:group:-1001"]
    vm_single = vm_of()
    refilter(vm_single, "gateway:home")  # a single store has no gateway: nothing matches
    assert vm_single.shown_keys() == []
