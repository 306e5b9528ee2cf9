"""The running and stalled counts kept per change (issue #16): after any sequence of changes,
activity marks, filters, rebuilds and limit changes they equal a naive recount over every entry,
at any whole-millisecond time; and a row's run state, read once, is the entry's."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from openclaw_tui.store.events import EntryAdded, EntryChanged, EntryRemoved, StoreReloaded
from openclaw_tui.tui.viewmodel import (
    SessionViewModel,
    entry_run,
    is_running,
    is_stalled,
    run_cell,
    stall_deadline,
)

NOW = 1_795_612_000_000
KEYS = [f"agent:main:s{n}" for n in range(6)]
LIMIT_MS = 60_000

# Around the limit, so deadlines fall both sides of the times asked.
times = st.integers(min_value=NOW - 3 * LIMIT_MS, max_value=NOW + 3 * LIMIT_MS)
maybe_time = st.none() | times


@st.composite
def entries(draw: st.DrawFn) -> dict[str, Any]:
    entry: dict[str, Any] = {"sessionId": draw(st.sampled_from("abc"))}
    for name in ("updatedAt", "startedAt", "endedAt", "lastInteractionAt"):
        value = draw(maybe_time)
        if value is not None:
            entry[name] = value
    status = draw(st.sampled_from([None, "running", "queued", "done", "failed", "started"]))
    if status is not None:
        entry["status"] = status
    if draw(st.booleans()):
        entry["hasActiveRun"] = draw(st.booleans())
    if draw(st.integers(0, 5)) == 0:
        # A gateway's resolved run state (``_run``), with its own activity time.
        run: dict[str, Any] = {"status": draw(st.sampled_from(["running", "done", "queued"]))}
        for name in ("startedAt", "lastActivityAt"):
            value = draw(maybe_time)
            if value is not None:
                run[name] = value
        entry["_run"] = run
    return entry


operations = st.one_of(
    st.tuples(st.just("set"), st.sampled_from(KEYS), entries()),
    st.tuples(st.just("remove"), st.sampled_from(KEYS)),
    st.tuples(st.just("activity"), st.sampled_from(KEYS), times),
    st.tuples(st.just("filter"), st.sampled_from(["", "s1", "!s2", "run:running"])),
    st.tuples(st.just("reload"), st.dictionaries(st.sampled_from(KEYS), entries(), max_size=6)),
    st.tuples(st.just("limit"), st.sampled_from([0, 1, LIMIT_MS / 1000, 2 * LIMIT_MS / 1000])),
    st.tuples(st.just("count"), times),
)


def naive_stalled(vm: SessionViewModel, now_ms: int) -> int:
    return sum(
        1
        for key, entry in vm.entries.items()
        if is_stalled(entry, now_ms, vm.stall_limit_ms, vm.activity.get(key))
    )


@settings(max_examples=300, deadline=None)
@given(st.lists(operations, max_size=40))
def test_stalled_count_equals_a_naive_recount(ops: list[tuple[Any, ...]]) -> None:
    vm = SessionViewModel(clock=lambda: NOW / 1000, stall_seconds=LIMIT_MS / 1000)
    vm.rebuild({})
    for generation, op in enumerate(ops, start=1):
        kind = op[0]
        if kind == "set":
            _, key, entry = op
            before = vm.entries.get(key)
            if before is None:
                vm.enqueue(EntryAdded(key, entry, "external", generation))
            else:
                vm.enqueue(EntryChanged(key, before, entry, frozenset(), "external", generation))
            vm.flush()
        elif kind == "remove":
            _, key = op
            if key in vm.entries:
                vm.enqueue(EntryRemoved(key, vm.entries[key], "external", generation))
                vm.flush()
        elif kind == "activity":
            _, key, at = op
            vm.activity.retain(vm.running_keys)  # as the app does before each update
            vm.note_activity({key: at})
        elif kind == "filter":
            vm.configure(entries=vm.entries, filter_text=op[1])
        elif kind == "reload":
            vm.enqueue(StoreReloaded(op[1], "replaced", generation))
            vm.flush()
        elif kind == "limit":
            vm.stall_seconds = op[1]
        else:
            now = op[1]
            assert vm.stalled_count(now) == naive_stalled(vm, now)
        assert vm.running_keys == {k for k, e in vm.entries.items() if is_running(e)}
    for now in (NOW - 3 * LIMIT_MS, NOW, NOW + LIMIT_MS, NOW + 3 * LIMIT_MS + 1):
        assert vm.stalled_count(now) == naive_stalled(vm, now)
    for key, row in vm.rows.items():
        assert row.run == entry_run(vm.entries[key])
        run_index = vm.column_index("run")
        assert vm.live_cell(vm.columns[run_index], row) == run_cell(
            row.entry, NOW, vm.stall_limit_ms, vm.activity.get(key)
        )


@settings(max_examples=300, deadline=None)
@given(entries(), st.none() | times, times)
def test_stall_deadline_is_the_last_millisecond_not_stalled(
    entry: dict[str, Any], activity: int | None, now: int
) -> None:
    deadline = stall_deadline(entry_run(entry), entry, LIMIT_MS, activity)
    expected = is_stalled(entry, now, LIMIT_MS, activity)
    assert expected == (deadline is not None and now > deadline)


def test_a_running_session_goes_stalled_at_its_deadline_and_back_with_activity() -> None:
    key = KEYS[0]
    started = NOW - 10 * LIMIT_MS
    vm = SessionViewModel(clock=lambda: NOW / 1000, stall_seconds=LIMIT_MS / 1000)
    vm.rebuild({key: {"status": "running", "startedAt": started, "updatedAt": started}})
    assert vm.stalled_count(started + LIMIT_MS) == 0
    assert vm.stalled_count(started + LIMIT_MS + 1) == 1
    # Its transcript was written just now: not stalled until a limit after that.
    vm.note_activity({key: NOW})
    assert vm.stalled_count(NOW + LIMIT_MS) == 0
    assert vm.stalled_count(NOW + LIMIT_MS + 1) == 1
    # The run ended: nothing to count.
    before = vm.entries[key]
    vm.enqueue(EntryChanged(key, before, {**before, "status": "done"}, frozenset(), "x", 2))
    vm.flush()
    assert vm.stalled_count(NOW + 10 * LIMIT_MS) == 0
