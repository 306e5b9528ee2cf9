"""Snapshots of the transcript view (``v``), one class per feature: fixed data (fixture copies
and built transcripts), fixed clock, fixed size, fixed paths under /tmp/openclaw-tui-scenes
(the header names the transcript's path) and local time pinned to UTC.

Regenerate deliberately with ``pytest tests/snapshots/test_transcript_snapshots.py
--snapshot-update`` and look at the SVG diff.
"""

from __future__ import annotations

import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from openclaw_tui.tui.app import SessionBrowserApp
from openclaw_tui.tui.config import UserConfig
from openclaw_tui.tui.target import target_for_agent
from tests.scenes import SCENES_ROOT, scenes_lock
from tests.transcripts.helpers import (
    REAL_TURNS_ID,
    REAL_TURNS_JSON,
    REAL_TURNS_JSONL,
    REAL_TURNS_SQLITE,
    append,
    message,
)
from tests.tui.helpers import FIXED_NOW, wait_until
from tests.tui.transcript_helpers import (
    chain,
    open_transcript,
    small_store_with_transcript,
    utc,  # noqa: F401 - the fixture
)

pytestmark = pytest.mark.usefixtures("utc")

SIZE = (110, 30)
KEY = "agent:main:cron:daily-digest"
RunBefore = Callable[[Pilot], Awaitable[None]]


def _state_dir(name: str) -> Path:
    state_dir = SCENES_ROOT / f"transcript-{name}"
    shutil.rmtree(state_dir, ignore_errors=True)
    return state_dir


def _app(state_dir: Path, clock: float = FIXED_NOW) -> SessionBrowserApp:
    return SessionBrowserApp(
        target_for_agent("main", state_dir), clock=lambda: clock, config=UserConfig()
    )


def _real_turns_735(*, missing: bool = False) -> SessionBrowserApp:
    state_dir = _state_dir("missing" if missing else "735")
    sessions = state_dir / "agents" / "main" / "sessions"
    sessions.mkdir(parents=True)
    shutil.copyfile(REAL_TURNS_JSON, sessions / "sessions.json")
    if not missing:
        shutil.copyfile(REAL_TURNS_JSONL, sessions / f"{REAL_TURNS_ID}.jsonl")
    return _app(state_dir, clock=1_796_193_000.0)


def _real_turns_96() -> SessionBrowserApp:
    state_dir = _state_dir("96")
    db = state_dir / "agents" / "main" / "agent" / "openclaw-agent.sqlite"
    db.parent.mkdir(parents=True)
    shutil.copyfile(REAL_TURNS_SQLITE, db)
    return _app(state_dir, clock=1_796_193_300.0)


def _tool_entries() -> list[dict[str, Any]]:
    call = {
        "type": "toolCall",
        "id": "c1",
        "name": "read",
        "arguments": {"path": "AGENTS.md", "limit": 3},
    }
    usage = {
        "input": 15815,
        "output": 30,
        "cacheRead": 0,
        "cacheWrite": 0,
        "totalTokens": 15845,
        "cost": {"total": 0.047895},
    }
    result = "# AGENTS.md\nBe brief.\nNever [bold]shout[/bold] \x1b[31min red\x1b[0m"
    return [
        message("u", None, "user", "What does AGENTS.md say? [red]not red[/red] \u202eevil"),
        message(
            "a",
            "u",
            "assistant",
            [{"type": "text", "text": "Let me read it."}, call],
            stopReason="toolUse",
            usage=usage,
            provider="fakellm",
            model="fake-model",
        ),
        message(
            "r",
            "a",
            "toolResult",
            [{"type": "text", "text": result}],
            toolCallId="c1",
            toolName="read",
        ),
        message(
            "r2",
            "r",
            "toolResult",
            [{"type": "text", "text": "permission denied: /etc/shadow"}],
            toolCallId="c2",
            toolName="read",
            isError=True,
        ),
        message(
            "b",
            "r2",
            "assistant",
            [{"type": "text", "text": "It says to be brief, and not to shout."}],
            stopReason="stop",
            usage=usage,
            provider="fakellm",
            model="fake-model",
        ),
    ]


def _tools() -> SessionBrowserApp:
    state_dir = _state_dir("tools")
    small_store_with_transcript(state_dir, KEY, _tool_entries())
    return _app(state_dir)


def _long() -> SessionBrowserApp:
    state_dir = _state_dir("paused")
    small_store_with_transcript(state_dir, KEY, chain(60))
    return _app(state_dir)


async def _opened(pilot: Pilot, key: str | None = None) -> None:
    await open_transcript(pilot, key)
    await pilot.pause()


async def _opened_at_the_top(pilot: Pilot) -> None:
    screen = await open_transcript(pilot)
    await pilot.press("home")
    assert not screen.view.has_earlier  # the whole (small) transcript is shown
    await pilot.pause()


async def _tools_expanded(pilot: Pilot) -> None:
    screen = await open_transcript(pilot, KEY)
    await pilot.press("up", "up")  # the first tool result
    await pilot.press("enter")
    assert screen.view.is_expanded(3)
    await pilot.pause()


async def _paused(pilot: Pilot) -> None:
    screen = await open_transcript(pilot, KEY)
    await pilot.press("pageup")
    transcript = SCENES_ROOT / "transcript-paused" / "agents" / "main" / "sessions"
    path = next(transcript.glob("*.jsonl"))
    append(path, *chain(3, prefix="late", parent="m59"))
    await wait_until(pilot, lambda: screen.view.pending == 3, what="three new items")
    await pilot.pause()


def _compare(
    snap_compare: Any, setup: Callable[[], SessionBrowserApp], run_before: RunBefore
) -> None:
    with scenes_lock():  # the scenes live at fixed paths: one run at a time
        assert snap_compare(setup(), run_before=run_before, terminal_size=SIZE)


class TestRealTurns:
    def test_735_jsonl_usage_cost_aborted_and_errors(self, snap_compare) -> None:
        _compare(snap_compare, _real_turns_735, _opened_at_the_top)

    def test_96_sqlite_with_a_zstd_row(self, snap_compare) -> None:
        _compare(snap_compare, _real_turns_96, _opened)


class TestTools:
    def test_calls_with_arguments_and_folded_results(self, snap_compare) -> None:
        _compare(snap_compare, _tools, lambda pilot: _opened(pilot, KEY))

    def test_a_result_expanded(self, snap_compare) -> None:
        _compare(snap_compare, _tools, _tools_expanded)


class TestFollowing:
    def test_paused_with_new_items_pending(self, snap_compare) -> None:
        _compare(snap_compare, _long, _paused)


class TestUnavailable:
    def test_a_missing_transcript_names_its_path(self, snap_compare) -> None:
        _compare(snap_compare, lambda: _real_turns_735(missing=True), _opened)
