"""A run whose transcript keeps growing is not stalled (issue #12): "stalled" means no activity of
any kind for --stalled-after: no event, no row update, no transcript write. File transcripts are
looked at every few seconds (the JSONL file's mtime, the newest ``transcript_events`` row); the
real-turns fixtures written by real 2026.7.35 / 2026.9.6 gateways are read from copies."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from openclaw_tui.store.run_tracker import RunTracker
from openclaw_tui.store.runs import ActivityMarks, RunState, RunStatus, last_activity_ms, run_state
from openclaw_tui.store.session_store import SessionStore
from openclaw_tui.store.transcripts.activity import transcript_written_ms
from openclaw_tui.tui.viewmodel import is_stalled, run_cell
from tests.backends import copy_fixture
from tests.gateway.fake_runs import RunningFakeGateway
from tests.gateway.helpers import make_store
from tests.gateway.test_runs import state_of, until
from tests.shared_data import FIXTURES
from tests.tui.helpers import make_app, row_line, started, store_path, wait_until, write_json_store

pytestmark = pytest.mark.anyio

NOW_S = 1_795_612_000.0
NOW = int(NOW_S * 1000)
MIN = 60_000
KEY = "agent:main:telegram:direct:77"
REAL_JSON = FIXTURES / "openclaw-2026.7.35" / "real-turns" / "sessions"
REAL_SQLITE = FIXTURES / "openclaw-2026.9.6" / "real-turns" / "openclaw-agent.sqlite"

RUN = {"sessionId": "s-77", "status": "running", "startedAt": NOW - 30 * MIN}


def test_the_newest_sign_of_life_of_any_kind_decides():
    entry = {**RUN, "updatedAt": NOW - 30 * MIN}
    limit = 10 * MIN
    assert last_activity_ms(entry) == NOW - 30 * MIN
    assert is_stalled(entry, NOW, limit)
    assert run_cell(entry, NOW, limit).startswith("stalled 30m")
    # The transcript was written a minute ago: alive.
    assert last_activity_ms(entry, NOW - MIN, None) == NOW - MIN
    assert not is_stalled(entry, NOW, limit, NOW - MIN)
    assert run_cell(entry, NOW, limit, NOW - MIN) == "running 30m00s"
    # An older transcript write does not hide newer activity of the row.
    fresh = {**entry, "updatedAt": NOW - 2 * MIN}
    assert last_activity_ms(fresh, NOW - 20 * MIN) == NOW - 2 * MIN

    marks = ActivityMarks()
    assert marks.note(KEY, NOW - 5 * MIN) and not marks.note(KEY, NOW - 6 * MIN)
    assert marks.update({KEY: NOW - MIN, "other": NOW}) == [KEY, "other"]
    assert marks.get(KEY) == NOW - MIN
    assert not marks.note(KEY, float("nan")) and not marks.note(KEY, None)
    marks.retain({KEY})
    assert marks.get("other") is None and len(marks) == 1
    state = RunState(RunStatus.RUNNING, NOW - 30 * MIN)
    assert state.is_running


async def test_transcript_writes_of_the_real_turns_fixtures_from_copies(tmp_path: Path):
    # 7.35: the JSONL file's mtime, at its path as the entry names it.
    sessions = tmp_path / "json" / "agents" / "main" / "sessions"
    for item in REAL_JSON.iterdir():
        copy_fixture(item, sessions / item.name)
    store_file = sessions / "sessions.json"
    entries = json.loads(store_file.read_text())
    [(key, entry)] = [(k, e) for k, e in entries.items() if isinstance(e, dict)][:1]
    transcript = sessions / f"{entry['sessionId']}.jsonl"
    os.utime(transcript, ns=(NOW * 1_000_000, (NOW - 3 * MIN) * 1_000_000))
    assert transcript_written_ms(store_file, {key: entry}) == {key: NOW - 3 * MIN}
    async with SessionStore(store_file, read_only=True) as store:  # the store API's name
        assert await store.transcript_activity([key, "agent:main:absent"]) == {key: NOW - 3 * MIN}
    # A session without a transcript, or naming one outside the directory: no sign, no error.
    missing = {"sessionId": "no-such-session"}
    outside = {"sessionId": "x", "sessionFile": "/etc/passwd"}
    assert transcript_written_ms(store_file, {"a": missing, "b": outside}) == {}

    # 9.6: created_at of the session's newest transcript_events row (epoch ms).
    db = copy_fixture(REAL_SQLITE, tmp_path / "sqlite" / "openclaw-agent.sqlite")
    found = transcript_written_ms(db, {"k": {"sessionId": "e1768c82-d04d-4dca-a7c0-d158ea3ea127"}})
    assert found == {"k": 1796193204019}
    async with SessionStore(db, read_only=True) as store:
        [(sqlite_key, _)] = list(store.load().items())[:1]
        assert await store.transcript_activity([sqlite_key]) == {sqlite_key: 1796193204019}
    assert transcript_written_ms(db, {"k": {"sessionId": "not-there"}}) == {}
    assert transcript_written_ms(tmp_path / "nothing.sqlite", {"k": RUN}) == {}


async def test_a_running_session_writing_its_transcript_is_not_stalled_in_the_app(tmp_path):
    now = [NOW_S]
    path = store_path(tmp_path)
    write_json_store(path, {KEY: {**RUN, "updatedAt": NOW - 30 * MIN}})
    transcript = path.parent / "s-77.jsonl"
    transcript.write_text('{"type":"session","version":3,"id":"s-77"}\n')

    def written(at_ms: int) -> None:
        os.utime(transcript, ns=(at_ms * 1_000_000, at_ms * 1_000_000))

    written(NOW - 25 * MIN)
    # --stalled-after of 2 s: the transcripts are looked at every 0.5 s.
    app = make_app(tmp_path, clock=lambda: now[0], stall_seconds=2.0)
    async with app.run_test(size=(200, 20)) as pilot:
        screen = await started(pilot)
        await wait_until(pilot, lambda: "stalled 30m00s" in row_line(screen, KEY))
        await wait_until(pilot, lambda: "1 stalled" in screen.status.text)
        # The run writes its transcript (the entry itself stays as it was).
        written(NOW)
        await wait_until(pilot, lambda: "running 30m00s" in row_line(screen, KEY), timeout=10)
        assert screen.vm.activity.get(KEY) == NOW
        await wait_until(pilot, lambda: "stalled" not in screen.status.text)
        # Then silence for longer than the limit: stalled again.
        now[0] += 3
        await wait_until(pilot, lambda: "stalled 30m03s" in row_line(screen, KEY))


def test_gateway_transcript_events_move_a_running_sessions_activity():
    tracker = RunTracker()
    key = "agent:main:main"
    tracker.annotate(key, {"updatedAt": NOW, "hasActiveRun": True, "activeRunIds": ["r1"]})
    # A tool call pushed as session.tool, 4 minutes later: the row is re-annotated with it.
    assert tracker.on_session_event({"sessionKey": key, "phase": "start"}, NOW + 4 * MIN) == key
    row = tracker.annotate(key, {"updatedAt": NOW, "hasActiveRun": True})
    assert run_state(row).last_activity_ms == NOW + 4 * MIN
    # At most about once a second per session; never for a session the tracker does not know.
    assert tracker.on_session_event({"sessionKey": key}, NOW + 4 * MIN + 300) is None
    assert tracker.on_session_event({"sessionKey": "unknown"}, NOW) is None
    assert tracker.on_session_event({"sessionKey": 5}, NOW) is None


async def test_transcript_events_of_an_idle_gateway_session_leave_its_row_alone(tmp_path):
    async with RunningFakeGateway(flavor="9") as gw:
        gw.put("agent:main:main", label="Main")
        gw.put(KEY, label="Idle")
        async with make_store(gw, tmp_path) as store:
            await store.wait_synced(5)
            idle = dict(store.get(KEY) or {})
            await gw.begin_run("agent:main:main")
            await until(store, lambda: (s := state_of(store)) is not None and s.is_running)
            await gw._message(KEY, {"role": "user", "content": "hi", "timestamp": NOW})
            await gw.call_tool("agent:main:main", "read", {"path": "AGENTS.md"}, "# Agents")
            await until(store, lambda: gw.count("sessions.list") >= 1)
            assert store.get(KEY) == idle
            assert "_run" not in (store.get(KEY) or {})
