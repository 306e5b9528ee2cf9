"""A command's feedback does not outstay its use (issue #13 item 5): long output is read in a
window, a success ages out on the app's clock, an error stays until Escape or the next command,
and switching store takes the old feedback away."""

from __future__ import annotations

from pathlib import Path

import pytest

from openclaw_tui.tui.config import UserConfig, load_config
from openclaw_tui.tui.editing import EditingPanel
from openclaw_tui.tui.target import target_for_agent
from openclaw_tui.widgets.output import OutputScreen
from tests.tui.helpers import copy_small_store, make_app, started, wait_until

pytestmark = pytest.mark.anyio

SIZE = (140, 40)
PORTAL = "agent:main:explicit:portal-123"


class FakeClock:
    """The app's monotonic clock, moved by the test (no sleeping)."""

    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


async def type_command(pilot, text: str) -> tuple[bool, str]:
    screen = pilot.app.main
    panel = screen.query_one(EditingPanel)
    panel.last_outcome = None
    await pilot.press("colon")
    await wait_until(pilot, lambda: panel.bar.is_open)
    await pilot.press(*text)
    await pilot.press("enter")
    await wait_until(pilot, lambda: panel.last_outcome is not None, what=text)
    await pilot.pause()
    assert panel.last_outcome is not None
    return panel.last_outcome


def window_of(app) -> OutputScreen | None:
    screen = app.screen
    if isinstance(screen, OutputScreen) and screen.query("#output-box"):
        return screen
    return None


@pytest.mark.parametrize(
    ("command", "starts"),
    [
        ("/help", "Commands (the leading / is optional"),
        ("/status", "agent:main:explicit:portal-123 ("),
        ("/model list", "Models (current: "),
    ],
)
async def test_long_output_is_read_in_a_window_and_escape_leaves_nothing_behind(
    tmp_path: Path, command: str, starts: str
) -> None:
    copy_small_store(tmp_path)
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        main = await started(pilot)
        assert main.table.move_cursor_to_key(PORTAL)
        panel = main.query_one(EditingPanel)
        ok, message = await type_command(pilot, command)
        assert ok
        await wait_until(pilot, lambda: window_of(app) is not None, what="the output window")
        window = window_of(app)
        assert window is not None and window.plain == message and message.startswith(starts)
        assert panel.bar.feedback == "", "the output is not also left under the table"
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is main, what="the window to close")
        assert main.table.has_focus and panel.bar.feedback == ""
        await pilot.press("down", "up")
        assert panel.bar.feedback == ""


async def test_a_success_ages_out_after_the_configured_seconds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy_small_store(tmp_path)
    config = tmp_path / "config.toml"
    config.write_text("feedback_seconds = 2\n", encoding="utf-8")
    monkeypatch.setenv("OPENCLAW_TUI_CONFIG", str(config))
    monkeypatch.delenv("OPENCLAW_TUI_KEYMAP", raising=False)
    loaded = load_config()
    assert loaded.feedback_seconds == 2 and not loaded.warnings
    clock = FakeClock()
    app = make_app(tmp_path, config=loaded, monotonic=clock)
    async with app.run_test(size=SIZE) as pilot:
        main = await started(pilot)
        assert main.table.move_cursor_to_key(PORTAL)
        bar = main.query_one(EditingPanel).bar
        ok, message = await type_command(pilot, "/think high")
        assert ok and bar.feedback == message
        clock.now += 1.9
        bar.expire_feedback()
        assert bar.feedback == message
        clock.now += 0.1
        await wait_until(pilot, lambda: bar.feedback == "", what="the success to age out")


async def test_an_error_stays_until_escape_or_the_next_command(tmp_path: Path) -> None:
    copy_small_store(tmp_path)
    clock = FakeClock()
    app = make_app(tmp_path, config=UserConfig(), monotonic=clock)
    async with app.run_test(size=SIZE) as pilot:
        main = await started(pilot)
        assert main.table.move_cursor_to_key(PORTAL)
        panel = main.query_one(EditingPanel)
        bar = panel.bar
        ok, message = await type_command(pilot, "/think banana")
        assert not ok and bar.feedback == "✖ " + message
        clock.now += 3600
        bar.expire_feedback()
        await pilot.pause()
        assert bar.feedback == "✖ " + message, "a failure is never dropped unread"
        # The next command replaces it, here one run from an editor (not typed in the bar).
        await pilot.press("escape")  # closes the bar; the error stays where it can be read
        assert bar.feedback == "✖ " + message
        panel.last_outcome = None
        panel.run_command("/verbose on", reply=None)
        assert bar.feedback == "", "the old error goes as soon as the next command starts"
        await wait_until(pilot, lambda: panel.last_outcome is not None)
        await pilot.pause()
        assert bar.feedback == panel.last_outcome[1]
        ok, message = await type_command(pilot, "/verbose banana")
        assert not ok
        await pilot.press("escape", "escape")  # the bar, then the table: dismissed
        await pilot.pause()
        assert bar.feedback == ""


async def test_switching_store_takes_the_old_feedback_away(tmp_path: Path) -> None:
    copy_small_store(tmp_path, "main")
    copy_small_store(tmp_path, "ops")
    app = make_app(tmp_path, config=UserConfig(), monotonic=FakeClock())
    async with app.run_test(size=SIZE) as pilot:
        main = await started(pilot)
        assert main.table.move_cursor_to_key(PORTAL)
        bar = main.query_one(EditingPanel).bar
        ok, _ = await type_command(pilot, "/think banana")
        assert not ok and bar.feedback
        await pilot.press("escape")
        app.open_target(target_for_agent("ops", tmp_path))
        await wait_until(pilot, lambda: main.target is not None and main.target.agent_id == "ops")
        assert bar.feedback == "", "feedback about the other agent's sessions stayed"
