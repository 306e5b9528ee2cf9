"""The Run column (OpenClaw's words, a ticking elapsed time, stalled), its filter and sort, the
running count and the token/cost totals of the rows shown, on file stores and the real-turns
fixtures written by real 2026.7.35 / 2026.9.6 gateways."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from openclaw_tui.tui.viewmodel import SessionViewModel, format_elapsed, run_cell
from tests.backends import copy_fixture, store_path_for
from tests.shared_data import FIXTURES
from tests.tui.helpers import make_app, row_line, started, store_path, wait_until, write_json_store

pytestmark = pytest.mark.anyio

NOW_S = 1_795_612_000.0
NOW = int(NOW_S * 1000)
MIN = 60_000

RUNNING = "agent:main:telegram:direct:111"
STALLED = "agent:main:telegram:direct:222"
DONE = "agent:main:main"
FAILED = "agent:main:cron:nightly"
KILLED = "agent:main:slack:channel:c01"
IDLE = "agent:main:discord:channel:d01"

ENTRIES: dict[str, dict[str, Any]] = {
    # 72 s into a run, updated 5 s ago.
    RUNNING: {
        "sessionId": "s-run",
        "status": "running",
        "startedAt": NOW - 72_000,
        "updatedAt": NOW - 5_000,
        "totalTokens": 1_000,
        "estimatedCostUsd": 0.25,
    },
    # 20 minutes into a run, nothing for 15 minutes: stalled with the default 10 min limit.
    STALLED: {
        "sessionId": "s-stall",
        "status": "running",
        "startedAt": NOW - 20 * MIN,
        "updatedAt": NOW - 15 * MIN,
        "lastInteractionAt": NOW - 15 * MIN,
        "totalTokens": 2_000,
        "estimatedCostUsd": 0.5,
    },
    DONE: {
        "sessionId": "s-done",
        "status": "done",
        "startedAt": NOW - 30 * MIN,
        "endedAt": NOW - 29 * MIN,
        "runtimeMs": 60_000,
        "updatedAt": NOW - 29 * MIN,
        "totalTokens": 4_000,
        "estimatedCostUsd": 1.0,
    },
    FAILED: {
        "sessionId": "s-fail",
        "status": "failed",
        "startedAt": NOW - 40 * MIN,
        "endedAt": NOW - 39 * MIN,
        "updatedAt": NOW - 39 * MIN,
        "totalTokens": 8_000,
    },
    KILLED: {
        "sessionId": "s-kill",
        "status": "killed",
        "abortedLastRun": True,
        "startedAt": NOW - 50 * MIN,
        "endedAt": NOW - 49 * MIN,
        "updatedAt": NOW - 49 * MIN,
    },
    IDLE: {"sessionId": "s-idle", "updatedAt": NOW - 60 * MIN},
}


def test_elapsed_is_spelled_compactly() -> None:
    assert [format_elapsed(ms) for ms in (0, 9_999, 72_000, 3_723_000, 93_600_000)] == [
        "0s",
        "9s",
        "1m12s",
        "1h02m",
        "1d02h",
    ]
    assert format_elapsed(None) == ""


def test_run_cell_words_and_stall_limit() -> None:
    limit = 10 * MIN
    assert run_cell(ENTRIES[RUNNING], NOW, limit) == "running 1m12s"
    assert run_cell(ENTRIES[STALLED], NOW, limit) == "stalled 20m00s"
    # A longer limit: the same run is just running.
    assert run_cell(ENTRIES[STALLED], NOW, 30 * MIN) == "running 20m00s"
    assert run_cell(ENTRIES[DONE], NOW, limit) == "done"
    assert run_cell(ENTRIES[FAILED], NOW, limit) == "failed"
    assert run_cell(ENTRIES[KILLED], NOW, limit) == "killed"
    assert run_cell(ENTRIES[IDLE], NOW, limit) == ""
    assert run_cell({"status": "queued", "startedAt": NOW - 3_000}, NOW, limit) == "queued 3s"
    assert run_cell({"status": "timeout"}, NOW, limit) == "timeout"


def test_totals_follow_the_filter_and_every_change() -> None:
    vm = SessionViewModel(clock=lambda: NOW_S)
    vm.rebuild(ENTRIES)
    assert vm.shown_tokens == 15_000
    assert vm.shown_cost_usd == 1.75 and vm.shown_with_cost == 3
    assert vm.running_keys == {RUNNING, STALLED}
    vm.configure(entries=vm.entries, filter_text="run:running")
    assert set(vm.shown_keys()) == {RUNNING, STALLED}
    assert vm.shown_tokens == 3_000 and vm.shown_cost_usd == 0.75
    # A run ends: it leaves the filter, the totals and the running count.
    from openclaw_tui.store.events import EntryChanged

    after = {**ENTRIES[RUNNING], "status": "done", "endedAt": NOW, "runtimeMs": 72_000}
    vm.enqueue(EntryChanged(RUNNING, ENTRIES[RUNNING], after, frozenset({"status"}), "external", 2))
    vm.flush()
    assert vm.shown_keys() == [STALLED]
    assert vm.shown_tokens == 2_000 and vm.shown_cost_usd == 0.5
    assert vm.running_keys == {STALLED}


def test_filter_by_run_word_and_negation() -> None:
    vm = SessionViewModel(clock=lambda: NOW_S)
    vm.configure(entries=ENTRIES, filter_text="!run:done")
    assert DONE not in vm.shown_keys() and len(vm.shown_keys()) == 5
    vm.configure(entries=ENTRIES, filter_text="run:failed")
    assert vm.shown_keys() == [FAILED]
    vm.configure(entries=ENTRIES, filter_text="run:none")
    assert vm.shown_keys() == [IDLE]


def test_sort_by_run_puts_the_longest_running_first_then_failures() -> None:
    vm = SessionViewModel(clock=lambda: NOW_S)
    column, reverse = vm.sort_request("run")
    vm.configure(entries=ENTRIES, sort_column=column, sort_reverse=reverse)
    assert vm.shown_keys() == [STALLED, RUNNING, FAILED, KILLED, DONE, IDLE]


async def test_run_column_ticks_with_the_clock_and_counts_running(tmp_path: Path) -> None:
    write_json_store(store_path(tmp_path), ENTRIES)
    now = [NOW_S]
    app = make_app(tmp_path, clock=lambda: now[0])
    async with app.run_test(size=(160, 20)) as pilot:
        screen = await started(pilot)
        assert "running 1m12s" in row_line(screen, RUNNING)
        assert "stalled 20m00s" in row_line(screen, STALLED)
        assert "failed" in row_line(screen, FAILED)
        status = screen.status
        await wait_until(pilot, lambda: "2 running (1 stalled)" in status.text, what="count")
        assert "Σ 15k tok $1.75" in status.text
        now[0] += 1
        # The 1 s tick repaints what is on screen: the elapsed time moves on.
        await wait_until(
            pilot, lambda: "running 1m13s" in row_line(screen, RUNNING), what="the tick"
        )
        screen.apply_filter("run:running")
        await wait_until(pilot, lambda: screen.vm.row_count == 2, what="the filter")
        await wait_until(pilot, lambda: "Σ 3.0k tok $0.75" in status.text, what="totals")
        # The running count is of every session, not only the ones shown.
        screen.apply_filter("run:done")
        await wait_until(pilot, lambda: screen.vm.row_count == 1, what="the filter")
        await wait_until(pilot, lambda: "2 running" in status.text, what="count")


async def test_stall_limit_comes_from_the_app(tmp_path: Path) -> None:
    write_json_store(store_path(tmp_path), ENTRIES)
    app = make_app(tmp_path, stall_seconds=30 * 60)
    async with app.run_test(size=(160, 20)) as pilot:
        screen = await started(pilot)
        assert "running 20m00s" in row_line(screen, STALLED)
        assert "stalled" not in screen.status.text


async def test_the_run_column_survives_80_columns(tmp_path: Path) -> None:
    write_json_store(store_path(tmp_path), ENTRIES)
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 20)) as pilot:
        screen = await started(pilot)
        layout = screen.table._layout(screen.table.scrollable_content_region.width)
        shown = [screen.vm.columns[i].id for i, _x, _w in layout]
        assert "run" in shown and "key" in shown and "cost" not in shown
        assert "running 1m12s" in row_line(screen, RUNNING)


async def test_the_run_column_stays_at_80_columns_with_the_detail_pane_open(
    tmp_path: Path,
) -> None:
    write_json_store(store_path(tmp_path), ENTRIES)
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await started(pilot)
        screen.detail.display = True
        await wait_until(pilot, lambda: screen.table.size.width < 60, what="the pane")
        # Sorted by Updated (a sorted column never gives way): the narrowing order keeps Run.
        assert screen.vm.sort_column == "updated"
        shown = screen.table.shown_column_ids()
        assert shown[0] == "key" and "run" in shown and "updated" in shown
        assert "thinking" not in shown and "model" not in shown
        assert "running 1m12s" in row_line(screen, RUNNING)


REAL_735 = FIXTURES / "openclaw-2026.7.35" / "real-turns" / "sessions" / "sessions.json"
REAL_96 = FIXTURES / "openclaw-2026.9.6" / "real-turns" / "openclaw-agent.sqlite"


async def test_real_turns_fixtures_show_the_last_run_and_its_cost(tmp_path: Path) -> None:
    # Copied first: a SQLite reader creates -wal/-shm files beside the database.
    cases = (
        (REAL_735, "json", "$0.07", "22k tok $0.07"),
        (REAL_96, "sqlite", "$0.05", "16k tok $0.05"),
    )
    for source, kind, cost, totals in cases:
        state = tmp_path / kind
        copy_fixture(source, store_path_for(kind, state))  # type: ignore[arg-type]
        app = make_app(state, clock=lambda: 1_796_200_000.0)
        async with app.run_test(size=(220, 20)) as pilot:
            screen = await started(pilot)
            line = row_line(screen, "agent:main:main")
            assert " done " in line and cost in line
            assert f"Σ {totals}" in screen.status.text
            assert "running" not in screen.status.text


def test_stall_limit_from_config_toml_and_the_command_line(tmp_path: Path) -> None:
    from openclaw_tui.tui.cli import UsageError, build_parser
    from openclaw_tui.tui.config import UserConfig, load_config

    config = tmp_path / "config.toml"
    config.write_text("stalled_after_minutes = 25\n", encoding="utf-8")
    loaded = load_config({"OPENCLAW_TUI_CONFIG": str(config)})
    assert loaded.stalled_after_minutes == 25 and not loaded.warnings
    assert make_app(tmp_path, config=loaded).stall_seconds == 25 * 60
    # --stalled-after wins over the file; nothing given: the default (10 minutes).
    assert make_app(tmp_path, config=loaded, stall_seconds=60).stall_seconds == 60
    assert make_app(tmp_path, config=UserConfig()).stall_seconds == 600
    config.write_text("stalled_after_minutes = -1\n", encoding="utf-8")
    bad = load_config({"OPENCLAW_TUI_CONFIG": str(config)})
    assert bad.stalled_after_minutes is None
    assert any("stalled_after_minutes" in w for w in bad.warnings)
    assert build_parser().parse_args(["--stalled-after", "2.5"]).stalled_after == 2.5
    assert build_parser().parse_args([]).stalled_after is None
    with pytest.raises(UsageError, match="minutes above 0"):
        build_parser().parse_args(["--stalled-after", "0"])


def test_a_run_with_no_start_and_no_activity_stalls_from_when_it_was_first_seen() -> None:
    """``status: running`` with neither ``startedAt`` nor ``updatedAt`` nor any event: the
    stall limit counts from when the app first saw it running (it used to never stall)."""
    key = "agent:main:cron:silent"
    now = [NOW_S]
    vm = SessionViewModel(clock=lambda: now[0])
    vm.rebuild({key: {"sessionId": "s-silent", "status": "running"}})
    assert vm.running_keys == {key}
    limit = vm.stall_limit_ms
    assert vm.stalled_count(NOW) == 0
    row = vm.row_at(0)
    run = vm.columns[vm.column_index("run")]
    assert vm.live_cell(run, row) == "running"
    now[0] = NOW_S + limit / 1000 + 1
    assert vm.stalled_count(int(now[0] * 1000)) == 1
    assert vm.live_cell(run, row) == "stalled"
    # A sign of life (the transcript written) moves the deadline on.
    vm.note_activity({key: int(now[0] * 1000)})
    assert vm.stalled_count(int(now[0] * 1000)) == 0
    assert vm.live_cell(run, row) == "running"


def test_a_run_with_no_start_stalls_from_its_updated_at() -> None:
    key = "agent:main:cron:quiet"
    entry = {"sessionId": "s-quiet", "status": "running", "updatedAt": NOW - 11 * MIN}
    vm = SessionViewModel(clock=lambda: NOW_S)
    vm.rebuild({key: entry})
    assert vm.stalled_count(NOW) == 1
    assert run_cell(entry, NOW, 10 * MIN) == "stalled"
    fresh = {**entry, "updatedAt": NOW - 9 * MIN}
    assert run_cell(fresh, NOW, 10 * MIN) == "running"
