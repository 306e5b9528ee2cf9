"""The app's main scenes, shared by the snapshot tests and ``make screenshots``.

Each scene is deterministic: a fixed store (the real 12-entry OpenClaw store plus three entries
that show invalid, unknown and hostile values), a fixed clock, a fixed terminal size, and a
fixed store location (``/tmp/openclaw-tui-scenes/<scene>``, recreated for every run) so the path
in the status bar never changes.

    python -m tests.scenes --write screenshots     # what `make screenshots` runs
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import shutil
import sys
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from openclaw_tui.tui.app import SessionBrowserApp
from openclaw_tui.tui.config import UserConfig
from openclaw_tui.tui.target import target_for_agent
from tests.tui.helpers import FIXED_NOW, SMALL_STORE, started, store_path, wait_until

SCENES_ROOT = Path("/tmp/openclaw-tui-scenes")
SIZE = (130, 34)
SMALL = (80, 24)
TINY = (60, 20)
FLEET = (120, 40)

EXTRA_ENTRIES: dict[str, dict[str, Any]] = {
    "agent:main:telegram:group:-1009876543210": {
        "chatType": "group",
        "channel": "telegram",
        "subject": "Ops [red]alerts[/red]",
        "label": "[red]x \x1b[31mnot red\x1b[0m",
        "sessionId": "6a0d1c43-2b9e-4f0e-9d7c-2f1e3a4b5c6d",
        "updatedAt": 1_795_611_990_000,
        "thinkingLevel": "banana",
        "providerOverride": "openai",
        "modelOverride": "gpt-4.1",
        "modelOverrideSource": "auto",
        "verboseLevel": "full",
        "reasoningLevel": "stream",
        "totalTokens": 152_300,
        "contextTokens": 1_047_576,
        "myCustomField": {"nested": [1, 2, {"x": True}]},
    },
    "agent:main:subagent:5b0c7e2a-9f1d-4c3b-8a6e-1d2f3a4b5c6d": {
        "label": "Subagent: research",
        "spawnedBy": "agent:main:main",
        "spawnDepth": 1,
        "sessionId": "0f9e8d7c-6b5a-4c3d-2e1f-0a9b8c7d6e5f",
        "updatedAt": 1_795_611_700_000,
        "thinkingLevel": "xhigh",
        "totalTokens": 48_200,
        "contextTokens": 400_000,
        "totalTokensFresh": False,
    },
    "agent:main:slack:channel:c0999zzzz": {
        "chatType": "channel",
        "channel": "slack",
        "displayName": "slack:#launch",
        "sessionId": "9c8b7a6f-5e4d-4c3b-a2f1-0e9d8c7b6a5f",
        "updatedAt": 1_795_608_000_000,
        "sendPolicy": "deny",
        "verboseLevel": 42,
    },
}
NASTY_KEY = "agent:main:telegram:group:-1009876543210"

_NOW_MS = int(FIXED_NOW * 1000)
RUN_PATCHES: dict[str, dict[str, Any]] = {
    # The "runs" scene: sessions doing something, as OpenClaw writes their run fields.
    "agent:main:main": {
        "status": "running",
        "startedAt": _NOW_MS - 72_000,
        "updatedAt": _NOW_MS - 4_000,
        "estimatedCostUsd": 0.067287,
    },
    "agent:main:telegram:group:-1001234567890": {
        "status": "running",
        "startedAt": _NOW_MS - 25 * 60_000,
        "updatedAt": _NOW_MS - 18 * 60_000,
        "lastInteractionAt": _NOW_MS - 18 * 60_000,
        "estimatedCostUsd": 1.2044,
    },
    "agent:main:discord:channel:123456789012345678": {
        "status": "failed",
        "startedAt": _NOW_MS - 300_000,
        "endedAt": _NOW_MS - 290_000,
    },
    "agent:main:slack:channel:c0123abcd": {
        "status": "killed",
        "abortedLastRun": True,
        "startedAt": _NOW_MS - 600_000,
        "endedAt": _NOW_MS - 590_000,
        "estimatedCostUsd": 0.0031,
    },
    "agent:main:cron:daily-digest": {"status": "timeout", "estimatedCostUsd": 0.42},
}


@contextlib.contextmanager
def scenes_lock() -> Iterator[None]:
    """Scenes live at fixed paths: two test runs at once must take turns, not clobber them."""
    SCENES_ROOT.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{SCENES_ROOT}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def scene_store(name: str, patches: dict[str, dict[str, Any]] | None = None) -> Path:
    """A fresh state dir for ``name`` at a fixed path, holding the scene data."""
    state_dir = SCENES_ROOT / name
    shutil.rmtree(state_dir, ignore_errors=True)
    entries = json.loads(SMALL_STORE.read_text(encoding="utf-8"))
    entries.update(EXTRA_ENTRIES)
    for key, patch in (patches or {}).items():
        entries[key] = {**entries[key], **patch}
    path = store_path(state_dir)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(entries, indent=2, ensure_ascii=False), encoding="utf-8")
    return state_dir


def scene_app(state_dir: Path, *, read_only: bool = False) -> SessionBrowserApp:
    # An empty UserConfig: the developer's own keymap must not change the pictures.
    return SessionBrowserApp(
        target_for_agent("main", state_dir),
        clock=lambda: FIXED_NOW,
        config=UserConfig(),
        read_only=read_only,
    )


RunBefore = Callable[[Pilot], Awaitable[None]]


@dataclass(frozen=True)
class Scene:
    name: str
    title: str
    setup: Callable[[], SessionBrowserApp]
    run_before: RunBefore
    size: tuple[int, int] = SIZE


async def _settle(pilot: Pilot) -> None:
    await pilot.pause()
    await pilot.pause()


def _main() -> SessionBrowserApp:
    return scene_app(scene_store("main"))


def _runs() -> SessionBrowserApp:
    return scene_app(scene_store("runs", RUN_PATCHES))


async def _runs_before(pilot: Pilot) -> None:
    screen = await started(pilot)
    screen.sort_by("run")
    await _settle(pilot)


async def _runs_detail_before(pilot: Pilot) -> None:
    # Default sort (a sorted column never gives way): the narrowing order alone keeps Run.
    screen = await started(pilot)
    screen.detail.display = True
    screen.table.move_cursor_to_key("agent:main:main")
    await _settle(pilot)


async def _main_before(pilot: Pilot) -> None:
    await started(pilot)
    await _settle(pilot)


async def _detail_before(pilot: Pilot) -> None:
    screen = await started(pilot)
    screen.table.move_cursor_to_key(NASTY_KEY)
    await _settle(pilot)


async def _filter_before(pilot: Pilot) -> None:
    screen = await started(pilot)
    await pilot.press("f")
    screen.filter_bar.input.cursor_blink = False
    await pilot.press(*"channel:telegram !topic")
    await wait_until(pilot, lambda: screen.vm.filter_text == "channel:telegram !topic")
    await _settle(pilot)


async def _paused_before(pilot: Pilot) -> None:
    screen = await started(pilot)
    app = pilot.app
    assert isinstance(app, SessionBrowserApp)
    screen.set_paused(True)
    assert app.store is not None
    await app.store.update_entry("agent:main:explicit:portal-123", {"thinkingLevel": "high"})
    await app.store.update_entry("agent:main:cron:daily-digest", {"totalTokens": 900})
    await app.store.delete_entry("agent:main:slack:channel:c0999zzzz")
    await wait_until(pilot, lambda: screen.vm.pending_count == 3)
    await _settle(pilot)


async def _usage_before(pilot: Pilot) -> None:
    from openclaw_tui.tui.usage import UsageScreen

    await started(pilot)
    await pilot.press("u")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, UsageScreen))
    usage = pilot.app.screen
    assert isinstance(usage, UsageScreen)
    await wait_until(pilot, lambda: not usage.waiting)
    await _settle(pilot)


def _read_only() -> SessionBrowserApp:
    return scene_app(scene_store("read-only"), read_only=True)


async def _marked_before(pilot: Pilot) -> None:
    """Three rows marked with space (which moves down), and a bulk command typed for them."""
    screen = await started(pilot)
    screen.table.move_cursor_to_key("agent:main:main")
    await pilot.press("space", "space", "space")
    await wait_until(pilot, lambda: len(screen.marked_keys) == 3)
    await pilot.press("colon")
    bar = screen.query_one("#command-input")
    bar.cursor_blink = False  # type: ignore[attr-defined]
    await pilot.press(*"/think high")
    await _settle(pilot)


def _fleet() -> SessionBrowserApp:
    from tests.fleet_scene import fleet_app

    return fleet_app()


async def _fleet_started(pilot: Pilot) -> Any:
    from tests.fleet_scene import REFUSALS

    screen = await started(pilot)
    await wait_until(pilot, lambda: screen.vm.total_count > 0)
    screen.refusals.update(REFUSALS)  # a /think high the gateway refused (missing scope)
    return screen


async def _gateways_before(pilot: Pilot) -> None:
    from openclaw_tui.tui.gateways import GatewaysScreen

    await _fleet_started(pilot)
    await pilot.press("w")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, GatewaysScreen))
    await _settle(pilot)


async def _attention_before(pilot: Pilot) -> None:
    from openclaw_tui.tui.attention import AttentionScreen

    await _fleet_started(pilot)
    await pilot.press("exclamation_mark")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, AttentionScreen))
    await _settle(pilot)


async def _scoped_before(pilot: Pilot) -> None:
    screen = await _fleet_started(pilot)
    # What Enter on "lab" in the gateways panel applies (without its toast over the table).
    screen.apply_filter("gw:lab")
    await wait_until(pilot, lambda: screen.gateway_scope == "lab")


async def _bulk_before(pilot: Pilot) -> None:
    """``/bulk`` previewing a thinking level on the sessions last updated over five minutes
    ago, cron aside: the changes, and a refusal (a model without that level)."""
    screen = await started(pilot)
    await pilot.press("colon")
    await pilot.press(*"/bulk updated:>5m !kind:cron -- /think xhigh", "enter")
    await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == "BulkScreen")
    assert screen.vm.total_count == 15
    await _settle(pilot)


def _cleanup() -> SessionBrowserApp:
    """A state dir whose openclaw.json keeps 10 sessions and none idle for over 6 minutes,
    with the transcripts of the fixture's sessions beside the store."""
    state_dir = scene_store("cleanup")
    (state_dir / "openclaw.json").write_text(
        "{\n  session: { maintenance: { pruneAfter: '6m', maxEntries: 10 } },\n}\n"
    )
    sessions = store_path(state_dir).parent
    for entry in json.loads(store_path(state_dir).read_text()).values():
        session_id = entry.get("sessionId") if isinstance(entry, dict) else None
        if isinstance(session_id, str) and not entry.get("sessionFile"):
            (sessions / f"{session_id}.jsonl").write_text('{"type":"session"}\n' * 40)
    return scene_app(state_dir)


async def _cleanup_before(pilot: Pilot) -> None:
    await started(pilot)
    await pilot.press("colon")
    await pilot.press(*"/cleanup", "enter")
    await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == "BulkScreen")
    await _settle(pilot)


def _empty() -> SessionBrowserApp:
    state_dir = SCENES_ROOT / "empty"
    shutil.rmtree(state_dir, ignore_errors=True)
    return scene_app(state_dir)


def _error() -> SessionBrowserApp:
    state_dir = scene_store("error")
    store_path(state_dir).write_text('{\n  "agent:main:main": {\n    "sessionId": "2892')
    return scene_app(state_dir)


async def _error_before(pilot: Pilot) -> None:
    screen = await started(pilot)
    await wait_until(pilot, lambda: screen.banner.message is not None)
    await _settle(pilot)


async def _help_before(pilot: Pilot) -> None:
    await started(pilot)
    await pilot.press("question_mark")
    await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == "HelpScreen")
    # The search field's cursor blinks: off, or the picture depends on when it is taken.
    pilot.app.screen.query_one("#help-search").cursor_blink = False  # type: ignore[attr-defined]
    await _settle(pilot)


def _agents() -> SessionBrowserApp:
    """Three agents under one state dir: main and ops (sessions.json), research (SQLite)."""
    from tests.shared_data import SQLITE_DB

    state_dir = scene_store("agents")
    ops = store_path(state_dir, "ops")
    ops.parent.mkdir(parents=True)
    shutil.copyfile(store_path(state_dir), ops)
    research = state_dir / "agents" / "research" / "agent" / SQLITE_DB.name
    research.parent.mkdir(parents=True)
    shutil.copyfile(SQLITE_DB, research)  # a copy: the fixture itself is never opened
    return scene_app(state_dir)


async def _agents_before(pilot: Pilot) -> None:
    from openclaw_tui.tui.agents import AgentScreen

    await started(pilot)
    await pilot.press("a")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, AgentScreen))
    await _settle(pilot)


async def _palette_before(pilot: Pilot) -> None:
    """ctrl+p, "telegram" typed: the sessions it jumps to, best match first."""
    from textual.command import CommandInput, CommandList, CommandPalette

    await started(pilot)
    await pilot.press("ctrl+p")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, CommandPalette))
    palette = pilot.app.screen
    assert isinstance(palette, CommandPalette)
    palette.query_one(CommandInput).cursor_blink = False
    await pilot.press(*"telegram")
    hits = palette.query_one(CommandList)

    def searched() -> bool:
        # The providers search in a worker of the palette's: done once it has ended and the
        # list holds this search's hits (not the discovery list shown before typing).
        running = [w for w in pilot.app.workers if w.node is palette and w.is_running]
        shown = [str(hits.get_option_at_index(i).prompt) for i in range(hits.option_count)]
        return not running and bool(shown) and all("telegram" in text for text in shown)

    await wait_until(pilot, searched, what="the palette's search to finish")
    await _settle(pilot)


def _one_gateway(name: str) -> Callable[[], SessionBrowserApp]:
    def setup() -> SessionBrowserApp:
        from tests.fleet_scene import fleet_app

        return fleet_app((name,))

    return setup


async def _gateway_before(pilot: Pilot) -> None:
    screen = await started(pilot)
    await wait_until(pilot, lambda: screen.vm.total_count > 0)
    await _settle(pilot)


async def _gateway_problem_before(pilot: Pilot) -> None:
    """A gateway that lists nothing (pairing, refused scope): its banner is the screen."""
    screen = await started(pilot)
    await wait_until(pilot, lambda: screen.banner.message is not None)
    await _settle(pilot)


async def _fleet_main_before(pilot: Pilot) -> None:
    await _fleet_started(pilot)
    await _settle(pilot)


async def _marked_editor_before(pilot: Pilot) -> None:
    """Three rows marked, then ``t``: the thinking editor, which edits every marked row."""
    from openclaw_tui.widgets.editors import ChoiceEditor

    screen = await started(pilot)
    screen.table.move_cursor_to_key("agent:main:main")
    await pilot.press("space", "space", "space")
    await wait_until(pilot, lambda: len(screen.marked_keys) == 3)
    await pilot.press("t")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, ChoiceEditor))
    await _settle(pilot)


async def _command_error_before(pilot: Pilot) -> None:
    """A command with a bad value: the error inline, under the command bar."""
    screen = await started(pilot)
    await pilot.press("colon")
    bar = screen.query_one("#command-input")
    bar.cursor_blink = False  # type: ignore[attr-defined]
    await pilot.press(*"/think banana", "enter")
    from openclaw_tui.widgets.command_bar import CommandBar

    command_bar = screen.query_one(CommandBar)
    await wait_until(pilot, lambda: "banana" in command_bar.feedback)
    await _settle(pilot)


SCENES: dict[str, Scene] = {
    scene.name: scene
    for scene in (
        Scene("main", "Main screen", _main, _main_before),
        Scene("runs", "Runs: running, stalled, failed; sorted by Run", _runs, _runs_before),
        Scene("usage", "Usage and cost by channel", _runs, _usage_before),
        Scene("detail", "Detail pane of an odd session", _main, _detail_before),
        Scene("filter", "Filter", _main, _filter_before),
        Scene("paused", "Paused with pending changes", _main, _paused_before),
        Scene("empty", "No store yet", _empty, _main_before),
        Scene("error", "Unreadable store", _error, _error_before),
        Scene("help", "Help screen", _main, _help_before),
        Scene("read-only", "Read-only mode", _read_only, _main_before),
        Scene("marked", "Marked rows and a bulk command", _main, _marked_before),
        Scene("bulk", "Bulk by filter: the preview before applying", _main, _bulk_before),
        Scene("cleanup", "Cleanup preview of session.maintenance", _cleanup, _cleanup_before),
        # The most common default terminal, and a small one (issue #13 items 12 and 16).
        Scene("main-80x24", "Main screen at 80x24", _main, _main_before, SMALL),
        Scene("help-80x24", "Help screen at 80x24", _main, _help_before, SMALL),
        Scene("error-80x24", "Unreadable store at 80x24", _error, _error_before, SMALL),
        Scene("main-60x20", "Main screen at 60x20", _main, _main_before, TINY),
        # At 80 columns with the detail pane open the Run column stays.
        Scene(
            "runs-80x24",
            "Runs at 80x24 with the detail pane open",
            _runs,
            _runs_detail_before,
            SMALL,
        ),
        # A fleet on one screen (issue #14): four gateways in every state, and what needs an
        # operator now, at 120x40 and at the common 80x24.
        Scene("gateways", "Gateways panel (w)", _fleet, _gateways_before, FLEET),
        Scene("gateways-80x24", "Gateways panel at 80x24", _fleet, _gateways_before, SMALL),
        Scene("attention", "Attention view (!)", _fleet, _attention_before, FLEET),
        Scene("attention-80x24", "Attention view at 80x24", _fleet, _attention_before, SMALL),
        Scene("gateway-scope", "The table scoped to one gateway", _fleet, _scoped_before, FLEET),
        # Issue #13 item 16: the screens that had no picture yet.
        Scene("agents", "Agent switcher (a)", _agents, _agents_before),
        Scene("palette", "Command palette (ctrl+p) jumping to a session", _main, _palette_before),
        Scene("gateway", "One gateway", _one_gateway("lab"), _gateway_before),
        Scene("fleet", "Several gateways in one table", _fleet, _fleet_main_before, FLEET),
        Scene(
            "gateway-pairing",
            "A gateway waiting for pairing approval",
            _one_gateway("edge"),
            _gateway_problem_before,
        ),
        Scene(
            "gateway-refused",
            "A gateway refusing this client's scopes",
            _one_gateway("vault"),
            _gateway_problem_before,
        ),
        Scene("marked-editor", "Thinking editor on marked rows", _main, _marked_editor_before),
        Scene(
            "command-error-80x24",
            "A command error inline at 80x24",
            _main,
            _command_error_before,
            SMALL,
        ),
        # The previews of /bulk and /cleanup read at 80 columns too.
        Scene("bulk-80x24", "Bulk preview at 80x24", _main, _bulk_before, SMALL),
        Scene("cleanup-80x24", "Cleanup preview at 80x24", _cleanup, _cleanup_before, SMALL),
    )
}


def screenshot(scene: Scene) -> str:
    """The scene's SVG, taken exactly as pytest-textual-snapshot takes it."""
    from textual._doc import take_svg_screenshot

    with scenes_lock():
        return take_svg_screenshot(
            app=scene.setup(), terminal_size=scene.size, run_before=scene.run_before
        )


def write_all(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for scene in SCENES.values():
        target = directory / f"{scene.name}.svg"
        target.write_text(screenshot(scene), encoding="utf-8")
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.scenes", description=__doc__)
    parser.add_argument("--write", metavar="DIR", required=True, help="write one SVG per scene")
    args = parser.parse_args(argv)
    for path in write_all(Path(args.write)):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
