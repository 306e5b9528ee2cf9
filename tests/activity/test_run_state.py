"""Run state, stalls, usage and cost from real OpenClaw stores and gateway rows/events."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from openclaw_tui.store.run_tracker import RunTracker
from openclaw_tui.store.runs import RunState, RunStatus, normalize_run_status, run_state, stalled
from openclaw_tui.store.session_store import SessionStore
from openclaw_tui.store.usage import entry_usage, format_cost, usage_groups, usage_totals
from tests.shared_data import FIXTURES

pytestmark = pytest.mark.anyio

REAL_JSON = FIXTURES / "openclaw-2026.7.35" / "real-turns" / "sessions" / "sessions.json"
REAL_SQLITE = FIXTURES / "openclaw-2026.9.6" / "real-turns" / "openclaw-agent.sqlite"


async def _entries(path: Path) -> dict:
    async with SessionStore(path, read_only=True) as store:
        return dict(store.load())


@pytest.fixture
def sqlite_copy(tmp_path: Path) -> Path:
    target = tmp_path / "agents" / "main" / "agent" / "openclaw-agent.sqlite"
    target.parent.mkdir(parents=True)
    shutil.copyfile(REAL_SQLITE, target)
    return target


async def test_the_7_35_real_turns_entry_is_a_finished_run_of_20_seconds():
    entry = json.loads(REAL_JSON.read_text())["agent:main:main"]
    state = run_state(entry)
    assert state == RunState(
        RunStatus.DONE,
        started_at_ms=1796192823426,
        ended_at_ms=1796192843552,
        runtime_ms=20126,
        aborted=False,
        source="entry",
        raw_status="done",
        last_activity_ms=1796192822549,
    )
    assert not state.is_running
    assert state.elapsed_ms(1796192999999) == 20126
    usage = entry_usage(entry)
    assert usage.cost_usd == pytest.approx(0.067287)
    assert usage.tokens == 21929 and usage.context_tokens == 128000
    assert usage.context_fill == pytest.approx(21929 / 128000)
    assert format_cost(usage.cost_usd) == "$0.07"


async def test_the_9_6_real_turns_row_through_the_sqlite_store(sqlite_copy):
    entries = await _entries(sqlite_copy)
    state = run_state(entries["agent:main:main"])
    assert state is not None
    assert (state.status, state.runtime_ms, state.aborted) == (RunStatus.DONE, 20151, False)
    assert state.last_run_id == "8f335e1e-0b37-4b3a-89dd-a6b5b7ff2544"
    assert state.started_at_ms == 1796193183898 and state.ended_at_ms == 1796193204049
    assert entry_usage(entries["agent:main:main"]).cost_usd == pytest.approx(0.050958)


def test_status_words_map_to_openclaws_own():
    assert normalize_run_status("cancelled") is RunStatus.KILLED
    assert normalize_run_status("aborted") is RunStatus.KILLED
    assert normalize_run_status("started") is RunStatus.RUNNING
    assert normalize_run_status("Timeout") is RunStatus.TIMEOUT
    assert normalize_run_status("error") is RunStatus.FAILED
    assert normalize_run_status("weird") is None
    assert normalize_run_status(3) is None


def test_a_file_entry_running_and_one_without_run_fields():
    running = run_state({"status": "running", "startedAt": 1000, "updatedAt": 1000})
    assert running.is_running and running.elapsed_ms(73_000) == 72_000
    assert run_state({"label": "x", "updatedAt": 5}) is None
    killed = run_state({"status": "killed", "abortedLastRun": True, "startedAt": 1, "endedAt": 9})
    assert killed.status is RunStatus.KILLED and killed.aborted and killed.elapsed_ms(99) == 8


def test_a_7_35_row_with_the_previous_runs_status_is_running_with_unknown_start():
    # 7.35: hasActiveRun turns true while status still says the previous run's "done".
    row = {
        "hasActiveRun": True,
        "status": "done",
        "startedAt": 1000,
        "endedAt": 5000,
        "activeRunIds": ["r2"],
        "updatedAt": 6000,
    }
    state = run_state(row)
    assert state.status is RunStatus.RUNNING and state.source == "gateway-row"
    assert state.started_at_ms is None and state.elapsed_ms(9000) is None
    assert state.active_run_ids == ("r2",)


def test_an_idle_gateway_row_that_never_ran():
    state = run_state({"hasActiveRun": False, "activeRunIds": [], "updatedAt": 1})
    assert state is not None and state.status is None and not state.is_running


def test_stalled_needs_a_long_run_and_no_recent_activity():
    run = RunState(RunStatus.RUNNING, started_at_ms=0)
    assert stalled(run, last_activity=10_000, now_ms=200_000, limit_ms=60_000)
    assert not stalled(run, last_activity=190_000, now_ms=200_000, limit_ms=60_000)
    assert not stalled(run, last_activity=None, now_ms=30_000, limit_ms=60_000)  # young
    assert stalled(run, last_activity=None, now_ms=90_000, limit_ms=60_000)
    done = RunState(RunStatus.DONE, started_at_ms=0, ended_at_ms=5)
    assert not stalled(done, last_activity=0, now_ms=10**9, limit_ms=1)


def test_usage_groups_count_running_tokens_and_cost_sorted_by_cost():
    entries = {
        "agent:main:telegram:direct:1": {
            "channel": "telegram",
            "model": "fake-model",
            "modelProvider": "fakellm",
            "totalTokens": 100,
            "estimatedCostUsd": 0.5,
            "hasActiveRun": True,
        },
        "agent:main:telegram:direct:2": {"channel": "telegram", "totalTokens": 50},
        "agent:ops:cron:nightly": {
            "model": "gpt-5.5",
            "modelProvider": "openai",
            "inputTokens": 10,
            "outputTokens": 5,
            "estimatedCostUsd": 2.0,
            "status": "done",
        },
    }
    groups = usage_groups(entries)
    channel = [(g.value, g.count, g.running, g.tokens, g.cost_usd) for g in groups["channel"]]
    assert channel == [("-", 1, 0, 15, 2.0), ("telegram", 2, 1, 150, 0.5)]
    assert [g.value for g in groups["agent"]] == ["ops", "main"]
    assert [g.value for g in groups["model"]] == ["openai/gpt-5.5", "fakellm/fake-model", "-"]
    telegram = groups["channel"][1]
    assert telegram.with_cost == 1  # one session had no cost figure: unknown, not $0
    totals = usage_totals(entries.values())
    assert (totals.count, totals.running, totals.tokens) == (3, 1, 165)
    assert totals.cost_usd == pytest.approx(2.5)
    with pytest.raises(ValueError, match="unknown usage dimension"):
        usage_groups(entries, by=("colour",))


# --- the tracker: rows and events merged, per the quirks of the reference ---------------------


def _row(**fields) -> dict:
    return {"updatedAt": 1, "sessionId": "s", **fields}


def test_9_6_keeps_the_run_ids_of_the_first_snapshot_until_the_run_ends():
    tracker = RunTracker()
    key = "agent:main:main"
    first = tracker.annotate(key, _row(hasActiveRun=True, status="running", activeRunIds=["r1"]))
    assert run_state(first).active_run_ids == ("r1",)
    # 9.6 omits activeRunIds in later snapshots of the same run.
    later = tracker.annotate(key, _row(hasActiveRun=True, status="running", startedAt=100))
    state = run_state(later)
    assert state.is_running and state.active_run_ids == ("r1",)
    assert tracker.key_of_run("r1") == key
    # The end arrives as an agent lifecycle event without a sessionKey: found by its run id.
    assert (
        tracker.on_agent(
            {"runId": "r1", "stream": "lifecycle", "data": {"phase": "end"}, "ts": 900}, 0
        )
        == key
    )
    # A late row still saying running (out of order) does not bring the run back.
    late = tracker.annotate(key, _row(hasActiveRun=True, status="running", startedAt=100))
    state = run_state(late)
    assert state.status is RunStatus.DONE and state.source == "event"
    assert state.ended_at_ms == 900 and not state.is_running


def test_7_35_abort_lag_the_row_keeps_hasActiveRun_after_the_kill():
    tracker = RunTracker()
    key = "agent:main:main"
    tracker.on_agent(
        {
            "runId": "r9",
            "sessionKey": key,
            "stream": "lifecycle",
            "data": {"phase": "start"},
            "ts": 10,
        },
        0,
    )
    tracker.on_agent(
        {
            "runId": "r9",
            "sessionKey": key,
            "stream": "lifecycle",
            "data": {"phase": "end", "status": "cancelled", "aborted": True, "stopReason": "rpc"},
            "ts": 500,
        },
        0,
    )
    tracker.on_agent(
        {
            "runId": "r9",
            "sessionKey": key,
            "stream": "lifecycle",
            "data": {"phase": "error", "error": "This operation was aborted"},
            "ts": 510,
        },
        0,
    )
    row = tracker.annotate(
        key,
        _row(hasActiveRun=True, status="killed", activeRunIds=["r9"], abortedLastRun=True),
    )
    state = run_state(row)
    assert state.status is RunStatus.KILLED and state.aborted
    assert state.error == "This operation was aborted"
    assert state.elapsed_ms(10**6) == 490


def test_a_lifecycle_start_shows_running_before_the_row_catches_up_then_the_row_wins():
    tracker = RunTracker()
    key = "k"
    idle = _row(hasActiveRun=False, status="done", startedAt=10, endedAt=20, runtimeMs=10)
    assert run_state(tracker.annotate(key, dict(idle))).status is RunStatus.DONE
    tracker.on_agent(
        {
            "runId": "r2",
            "sessionKey": key,
            "stream": "lifecycle",
            "data": {"phase": "start"},
            "ts": 1000,
        },
        0,
    )
    # The held (stale, idle) row re-annotated: running, from the event.
    state = run_state(tracker.annotate(key, dict(idle)))
    assert state.is_running and state.source == "event" and state.started_at_ms == 1000
    assert state.active_run_ids == ("r2",)
    # Deltas keep it alive and move its last activity.
    tracker.on_chat({"runId": "r2", "sessionKey": key, "state": "delta", "ts": 3000}, 0)
    assert run_state(tracker.annotate(key, dict(idle))).last_activity_ms == 3000
    # The row that reports this run's end replaces the event view.
    done = _row(hasActiveRun=False, status="done", startedAt=1001, endedAt=4000, runtimeMs=2999)
    state = run_state(tracker.annotate(key, dict(done)))
    assert state.status is RunStatus.DONE and state.source == "gateway-row"
    assert state.runtime_ms == 2999


def test_a_new_run_after_an_ended_one_is_running_even_without_ids():
    tracker = RunTracker()
    key = "k"
    tracker.annotate(key, _row(hasActiveRun=True, activeRunIds=["old"], startedAt=10))
    tracker.on_chat({"runId": "old", "sessionKey": key, "state": "final", "ts": 50}, 0)
    row = tracker.annotate(key, _row(hasActiveRun=True, status="running", startedAt=80))
    assert run_state(row).is_running


async def test_a_file_store_never_pretends_to_stop_a_run_and_names_the_gateway_way(tmp_path):
    path = tmp_path / "sessions.json"
    path.write_text(REAL_JSON.read_text())
    async with SessionStore(path) as store:
        before = path.read_bytes()
        for result in (
            await store.abort_run("agent:main:main"),
            await store.stop_run("agent:main:main"),
            await store.wait_run_ended("agent:main:main"),
        ):
            assert result.outcome == "unsupported" and not result.ok
            assert "nothing was stopped" in result.message
            assert "gateway process" in result.message and str(store.path) in result.message
            assert "--gateway" in result.fix
        assert path.read_bytes() == before
        report = await store.usage_report()
        assert not report.offered and report.total_cost_usd is None
        assert all("--gateway" in why for why in report.errors.values())


def test_the_tracker_takes_hostile_events_without_raising():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    values = st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
        max_leaves=8,
    )
    payloads = st.dictionaries(
        st.sampled_from(["sessionKey", "runId", "stream", "data", "ts", "state", "phase"]),
        values,
    )

    rows = st.dictionaries(
        st.sampled_from(
            ["hasActiveRun", "status", "activeRunIds", "startedAt", "endedAt", "lastRunId"]
        ),
        values,
    )

    @settings(max_examples=150, deadline=None)
    @given(st.lists(st.tuples(st.sampled_from(["agent", "chat"]), payloads), max_size=6), rows)
    def check(events, row):
        tracker = RunTracker()
        for name, payload in events:
            if name == "agent":
                tracker.on_agent(payload, 0)
            else:
                tracker.on_chat(payload, 0)
        key = next(
            (p["sessionKey"] for _, p in events if isinstance(p.get("sessionKey"), str)), "k"
        )
        annotated = tracker.annotate(key, dict(row))
        state = run_state(annotated)
        if state is not None:
            state.elapsed_ms(10**12)

    check()


async def test_a_file_store_opens_transcripts_by_the_same_name_as_a_gateway(tmp_path):
    sessions = tmp_path / "agents" / "main" / "sessions"
    shutil.copytree(REAL_JSON.parent, sessions)
    async with SessionStore(sessions / "sessions.json", read_only=True) as store:
        source = store.open_transcript("agent:main:main")
        page = await source.tail(4)
        await source.close()
    assert [item.kind for item in page.items][-2:] == ["user", "assistant"]
    assert page.items[-2].text == "Steady SLOW TOKENS=100 DELAY=200"


def test_a_streaming_run_reports_its_activity_about_once_a_second_not_per_delta():
    tracker = RunTracker()
    key = "k"
    start = {"runId": "r", "sessionKey": key, "stream": "lifecycle", "data": {"phase": "start"}}
    tracker.on_agent({**start, "ts": 0}, 0)
    asked = [
        tracker.on_chat({"runId": "r", "sessionKey": key, "state": "delta", "ts": t}, 0)
        for t in range(75, 3001, 75)  # 9.6's ~13 deltas a second for 3 s
    ]
    assert 3 <= sum(1 for a in asked if a == key) <= 4
    state = run_state(tracker.annotate(key, _row(hasActiveRun=True, activeRunIds=["r"])))
    assert state.last_activity_ms == 3000


def test_the_demo_runs_start_end_and_stall_as_openclaw_writes_them():
    import random

    from openclaw_tui.store.synthetic import (
        STALLED_RUN_MS,
        apply_patch,
        is_stalled_demo_key,
        run_patch,
    )

    rng = random.Random(5)
    keys = [f"agent:main:telegram:direct:{i}" for i in range(400)]
    stalled_key = next(k for k in keys if is_stalled_demo_key(k))
    entries = {k: {"updatedAt": 1} for k in keys}
    now = 10**12
    outcomes = set()
    for step in range(3000):
        key = keys[rng.randrange(40)] if step % 3 else stalled_key
        entries[key] = apply_patch(entries[key], run_patch(rng, key, entries[key], now + step))
        state = run_state(entries[key])
        outcomes.add(state.status)
        if state.is_running:
            assert state.ended_at_ms is None and state.runtime_ms is None
        else:
            assert state.runtime_ms is not None and state.runtime_ms >= 0
    assert outcomes >= {RunStatus.RUNNING, RunStatus.DONE, RunStatus.FAILED, RunStatus.KILLED}
    stuck = run_state(entries[stalled_key])
    assert stuck.is_running and stuck.elapsed_ms(now + 3000) >= STALLED_RUN_MS
    assert stalled(stuck, stuck.last_activity_ms, now + 3000, limit_ms=10 * 60_000)
    assert usage_totals(entries.values()).cost_usd > 0


# What a real 2026.7.35 gateway sent an observer (read+write) around one aborted and one normal
# run (interop trace, 2026-12: fields trimmed to the run markers, times shifted to small numbers).
# Its phase rows keep hasActiveRun:true after the end, and the row is re-sent with it ~2 s later.
R1, R2 = "61c03833-run-one", "8bc0b302-run-two"


def _agent(run_id: str, ts: int, **data) -> dict:
    return {"runId": run_id, "stream": "lifecycle", "ts": ts, "data": data}


def _row735(active: bool, status: str, ids: list, started: int, updated: int, ended=None):
    row = _row(hasActiveRun=active, status=status, activeRunIds=ids, startedAt=started)
    row["updatedAt"] = updated
    if ended is not None:
        row["endedAt"] = ended
    return row


def test_7_35_a_row_re_sent_with_hasActiveRun_after_the_end_does_not_revive_the_run():
    tracker = RunTracker()
    key = "agent:main:main"
    tracker.annotate(key, _row735(False, "done", [], 100, 250, ended=200))
    # An aborted run: start, the phase row, chat aborted, lifecycle end (cancelled) and error.
    tracker.on_agent({**_agent(R1, 1000, phase="start", startedAt=1000), "sessionKey": key}, 0)
    tracker.annotate(key, _row735(True, "running", [R1], 1000, 1000))
    tracker.on_chat({"runId": R1, "sessionKey": key, "state": "aborted"}, 4095)
    tracker.on_agent(_agent(R1, 4081, phase="end", status="cancelled", aborted=True), 0)
    ended = tracker.annotate(key, _row735(True, "killed", [], 1000, 4173, ended=4081))
    assert run_state(ended).status is RunStatus.KILLED
    tracker.on_agent(_agent(R1, 4487, phase="error", aborted=True, endedAt=4487), 0)
    # The error phase row says hasActiveRun:false: the row now speaks for the run.
    settled = tracker.annotate(key, _row735(False, "killed", [], 1000, 4498, ended=4487))
    assert run_state(settled).status is RunStatus.KILLED
    # Re-sent, as it was at the end (same updatedAt as an earlier row, no run ids): still over.
    again = run_state(tracker.annotate(key, _row735(True, "killed", [], 1000, 4173, ended=4081)))
    assert again.status is RunStatus.KILLED and not again.is_running
    assert again.ended_at_ms is not None and again.aborted
    # A normal run after it: the end row keeps hasActiveRun:true, a later list says false, then
    # the end row comes again.
    tracker.on_agent({**_agent(R2, 9000, phase="start", startedAt=9000), "sessionKey": key}, 0)
    running = run_state(tracker.annotate(key, _row735(True, "done", [R2], 1000, 9010, ended=4487)))
    assert running.is_running and running.active_run_ids == (R2,)
    tracker.on_agent(_agent(R2, 10_400, phase="end", aborted=False, endedAt=10_400), 0)
    tracker.on_chat({"runId": R2, "sessionKey": key, "state": "final"}, 10_401)
    end_row = _row735(True, "done", [], 9000, 10_406, ended=10_400)
    assert run_state(tracker.annotate(key, dict(end_row))).status is RunStatus.DONE
    assert run_state(tracker.annotate(key, _row735(False, "done", [], 9000, 10_900, 10_400)))
    echo = run_state(tracker.annotate(key, dict(end_row)))
    assert echo.status is RunStatus.DONE and not echo.is_running
    assert echo.elapsed_ms(10**9) == 1400


def test_after_an_end_a_row_with_a_later_start_or_a_new_run_id_is_a_new_run():
    tracker = RunTracker()
    key = "k"
    tracker.on_agent({**_agent(R1, 1000, phase="start"), "sessionKey": key}, 0)
    tracker.on_agent({**_agent(R1, 2000, phase="end"), "sessionKey": key}, 0)
    tracker.annotate(key, _row735(False, "done", [], 1000, 2005, ended=2000))
    # 9.6 style: no ids, but a start after the end we saw, written after it.
    fresh = run_state(tracker.annotate(key, _row735(True, "running", [], 2500, 2500)))
    assert fresh.is_running and fresh.started_at_ms == 2500
    tracker.forget(key)
    tracker.on_agent({**_agent(R1, 1000, phase="start"), "sessionKey": key}, 0)
    tracker.on_agent({**_agent(R1, 2000, phase="end"), "sessionKey": key}, 0)
    tracker.annotate(key, _row735(False, "done", [], 1000, 2005, ended=2000))
    # 7.35 style: the previous run's status lingers, but the row names a run not seen ending.
    new = run_state(tracker.annotate(key, _row735(True, "done", [R2], 1000, 2600, ended=2000)))
    assert new.is_running and new.active_run_ids == (R2,)
