"""The subagent tree (``T``): children (``spawnedBy`` / ``parentSessionKey``) right under their
parent, indented, and the parent's Cost summed over its subtree; live changes keep the tree."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openclaw_tui.store.events import EntryAdded, EntryChanged, EntryRemoved
from openclaw_tui.tui.viewmodel import SessionViewModel
from tests.tui.helpers import make_app, row_line, started, store_path, wait_until, write_json_store

pytestmark = pytest.mark.anyio

NOW = 1_795_612_000_000
PARENT = "agent:main:main"
CHILD = "agent:main:subagent:aaa"
GRANDCHILD = "agent:main:subagent:bbb"
OTHER = "agent:main:telegram:direct:1"

ENTRIES: dict[str, dict[str, Any]] = {
    # Updated order (newest first) puts the children far from their parent when flat.
    OTHER: {"sessionId": "o", "updatedAt": NOW - 1_000, "estimatedCostUsd": 5.0},
    CHILD: {
        "sessionId": "c",
        "updatedAt": NOW - 2_000,
        "spawnedBy": PARENT,
        "estimatedCostUsd": 0.25,
    },
    GRANDCHILD: {
        "sessionId": "g",
        "updatedAt": NOW - 500,
        "parentSessionKey": CHILD,
        "estimatedCostUsd": 0.125,
    },
    PARENT: {"sessionId": "p", "updatedAt": NOW - 9_000, "estimatedCostUsd": 1.0},
}


def cost_cell(vm: SessionViewModel, key: str) -> str:
    return vm.rows[key].cells[vm.column_index("cost")]


def test_tree_orders_children_under_parents_and_sums_cost() -> None:
    vm = SessionViewModel(clock=lambda: NOW / 1000)
    vm.rebuild(ENTRIES)
    assert vm.shown_keys() == [GRANDCHILD, OTHER, CHILD, PARENT]
    vm.tree = True
    vm.rebuild()
    assert vm.shown_keys() == [OTHER, PARENT, CHILD, GRANDCHILD]
    assert [vm.rows[k].depth for k in vm.shown_keys()] == [0, 0, 1, 2]
    assert cost_cell(vm, PARENT) == "Σ$1.38"  # 1.0 + 0.25 + 0.125
    assert cost_cell(vm, CHILD) == "Σ$0.38"
    assert cost_cell(vm, GRANDCHILD) == "$0.12"
    assert cost_cell(vm, OTHER) == "$5.00"
    # Back to flat: own costs again.
    vm.tree = False
    vm.rebuild()
    assert cost_cell(vm, PARENT) == "$1.00"
    assert vm.shown_keys() == [GRANDCHILD, OTHER, CHILD, PARENT]


def test_tree_follows_live_changes() -> None:
    vm = SessionViewModel(clock=lambda: NOW / 1000)
    vm.tree = True
    vm.rebuild(ENTRIES)
    before = ENTRIES[CHILD]
    after = {**before, "estimatedCostUsd": 2.0, "updatedAt": NOW}
    vm.enqueue(EntryChanged(CHILD, before, after, frozenset({"estimatedCostUsd"}), "external", 2))
    vm.flush()
    assert cost_cell(vm, PARENT) == "Σ$3.12"
    # A new subagent of OTHER lands right under it.
    new = {"sessionId": "n", "updatedAt": NOW, "spawnedBy": OTHER}
    vm.enqueue(EntryAdded("agent:main:subagent:new", new, "external", 3))
    vm.flush()
    keys = vm.shown_keys()
    assert keys[keys.index(OTHER) + 1] == "agent:main:subagent:new"
    # An unrelated session changing keeps the tree as it is.
    lone = {"sessionId": "l", "updatedAt": NOW - 100}
    vm.enqueue(EntryAdded("agent:main:cron:x", lone, "external", 4))
    vm.flush()
    assert vm.rows["agent:main:cron:x"].depth == 0
    assert vm.shown_keys().index(CHILD) == vm.shown_keys().index(PARENT) + 1


def test_a_spawnedby_cycle_does_not_hang() -> None:
    vm = SessionViewModel(clock=lambda: NOW / 1000)
    vm.tree = True
    vm.rebuild({"a": {"spawnedBy": "b"}, "b": {"spawnedBy": "a"}})
    assert sorted(vm.shown_keys()) == ["a", "b"]


async def test_tree_toggle_in_the_app_indents_children(tmp_path: Path) -> None:
    write_json_store(store_path(tmp_path), ENTRIES)
    app = make_app(tmp_path, clock=lambda: NOW / 1000)
    async with app.run_test(size=(200, 20)) as pilot:
        screen = await started(pilot)
        await pilot.press("T")
        await wait_until(pilot, lambda: screen.vm.tree, what="tree on")
        assert "└ subagent:aaa" in row_line(screen, CHILD)
        assert "  └ subagent:bbb" in row_line(screen, GRANDCHILD)
        assert "Σ$1.38" in row_line(screen, PARENT)
        await pilot.press("T")
        await wait_until(pilot, lambda: not screen.vm.tree, what="tree off")
        assert "└" not in row_line(screen, CHILD)
        assert "Σ" not in row_line(screen, PARENT)


# --- the tree kept per change (issue #16) ---------------------------------------------------

TREE_KEYS = [f"agent:main:subagent:k{n}" for n in range(7)]


@st.composite
def tree_entries(draw: st.DrawFn) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "sessionId": draw(st.sampled_from(["a", "b", "c"])),
        "updatedAt": NOW - draw(st.integers(0, 5)) * 1000,
    }
    parent = draw(st.none() | st.sampled_from([*TREE_KEYS, "agent:main:gone"]))
    if parent is not None:
        entry[draw(st.sampled_from(["spawnedBy", "parentSessionKey"]))] = parent
    cost = draw(st.none() | st.sampled_from([0.0, 0.125, 0.25, 1.0]))
    if cost is not None:
        entry["estimatedCostUsd"] = cost
    return entry


tree_ops = st.one_of(
    st.tuples(st.just("set"), st.sampled_from(TREE_KEYS), tree_entries()),
    # The same parent, another sort value and cost: the change the tree keeps in place.
    st.tuples(st.just("touch"), st.sampled_from(TREE_KEYS), st.integers(0, 9), st.booleans()),
    st.tuples(st.just("remove"), st.sampled_from(TREE_KEYS)),
)


def tree_picture(vm: SessionViewModel) -> list[tuple[str, int, tuple[str, ...]]]:
    return [(key, vm.rows[key].depth, vm.rows[key].cells) for key in vm.shown_keys()]


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(st.sampled_from(TREE_KEYS), tree_entries(), max_size=7),
    st.lists(tree_ops, max_size=25),
    st.sampled_from(["", "!k3"]),
)
def test_the_tree_kept_per_change_equals_the_tree_arranged_anew(
    start: dict[str, dict[str, Any]], ops: list[tuple[Any, ...]], filter_text: str
) -> None:
    vm = SessionViewModel(clock=lambda: NOW / 1000)
    vm.tree = True
    vm.configure(entries=start, filter_text=filter_text)
    for generation, op in enumerate(ops, start=1):
        key = op[1]
        before = vm.entries.get(key)
        if op[0] == "remove":
            if before is None:
                continue
            vm.enqueue(EntryRemoved(key, before, "external", generation))
        else:
            if op[0] == "set":
                after = op[2]
            elif before is None:
                continue
            else:
                after = {**before, "updatedAt": NOW - op[2] * 1000}
                if op[3]:
                    after["estimatedCostUsd"] = op[2] / 8
            if before is None:
                vm.enqueue(EntryAdded(key, after, "external", generation))
            else:
                vm.enqueue(EntryChanged(key, before, after, frozenset(), "external", generation))
        vm.flush()
        fresh = SessionViewModel(clock=lambda: NOW / 1000)
        fresh.tree = True
        fresh.configure(entries=vm.entries, filter_text=filter_text)
        assert tree_picture(vm) == tree_picture(fresh), f"after {op}"


def test_a_change_that_keeps_the_tree_is_not_a_rebuild() -> None:
    vm = SessionViewModel(clock=lambda: NOW / 1000)
    vm.tree = True
    vm.rebuild(ENTRIES)
    rebuilds: list[int] = []
    original = vm.rebuild

    def counting(entries: Any = None) -> Any:
        rebuilds.append(1)
        return original(entries)

    vm.rebuild = counting  # type: ignore[method-assign]
    before = ENTRIES[GRANDCHILD]
    after = {**before, "estimatedCostUsd": 0.5, "updatedAt": NOW}
    vm.enqueue(EntryChanged(GRANDCHILD, before, after, frozenset(), "external", 2))
    result = vm.flush()
    assert rebuilds == []
    assert {PARENT, CHILD, GRANDCHILD} <= result.changed_keys  # the sums above it moved
    assert cost_cell(vm, PARENT) == "Σ$1.75"  # 1.0 + 0.25 + 0.5
    # A child moving to another parent changes the shape: arranged anew.
    vm.enqueue(
        EntryChanged(GRANDCHILD, after, {**after, "parentSessionKey": OTHER}, frozenset(), "x", 3)
    )
    vm.flush()
    assert rebuilds == [1]
    keys = vm.shown_keys()
    assert keys[keys.index(OTHER) + 1] == GRANDCHILD
