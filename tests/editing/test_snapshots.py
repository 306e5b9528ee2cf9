"""Snapshots of the editing widgets: fixed data, fixed size, no blinking cursor.

Each scene is a tiny host app (a stand-in table above, the command bar docked below) so the
pictures depend only on the widgets under test. Regenerate deliberately with --snapshot-update.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.app import App, ComposeResult
from textual.containers import Vertical
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input, Static

from openclaw_tui.widgets.command_bar import CommandBar
from openclaw_tui.widgets.confirm import ConfirmScreen
from openclaw_tui.widgets.editors import ChoiceEditor, EditMenu, MenuField, ModelEditor, TextEditor
from tests.tui.helpers import wait_until

SIZE = (80, 24)
KEY = "agent:main:telegram:group:-1001234567890"
LEVELS = ["off", "minimal", "low", "medium", "high"]
MODELS = ["anthropic/claude-opus-4-5", "openai/gpt-4.1", "openai/gpt-5-mini", "openai/gpt-5.2"]


def completer(text: str) -> list[str]:
    return [c for c in ("/think", "/thinking") if c.startswith(text)]


class Scene(App[None]):
    """A fixed stand-in for the main screen with the command bar at the bottom."""

    CSS = """
    #table { height: 1fr; padding: 0 1; }
    #command-area { dock: bottom; height: auto; }
    """

    def __init__(self, setup: Callable[[Scene], object] | None = None) -> None:
        super().__init__()
        self.setup = setup

    def compose(self) -> ComposeResult:
        yield Static(
            "KEY                                        THINKING  MODEL\n"
            f"{KEY}   medium    -\n"
            "agent:main:main                            high      anthropic/claude-opus-4-5",
            id="table",
            markup=False,
        )
        with Vertical(id="command-area"):
            yield CommandBar(completer, id="bar")

    def on_mount(self) -> None:
        if self.setup is not None:
            self.setup(self)


async def settle(pilot: Pilot) -> None:
    """No blinking cursors, and every pushed screen mounted, before the picture is taken."""
    app = pilot.app
    await wait_until(pilot, lambda: isinstance(app.screen, Screen) and app.screen.is_mounted)
    await pilot.pause()
    for screen in app.screen_stack:
        for field in screen.query(Input):
            field.cursor_blink = False
    await pilot.pause()


def push(factory: Callable[[], Screen]) -> Callable[[Scene], object]:
    return lambda app: app.push_screen(factory())


def test_thinking_chooser(snap_compare) -> None:
    scene = Scene(
        push(lambda: ChoiceEditor("thinkingLevel", "Thinking level", LEVELS, "medium", subject=KEY))
    )
    assert snap_compare(scene, terminal_size=SIZE, run_before=settle)


def test_chooser_with_custom_value(snap_compare) -> None:
    scene = Scene(
        push(lambda: ChoiceEditor("thinkingLevel", "Thinking level", LEVELS, "banana", subject=KEY))
    )
    assert snap_compare(scene, terminal_size=SIZE, run_before=settle)


def test_model_editor(snap_compare) -> None:
    scene = Scene(
        push(lambda: ModelEditor("model", "Model override", MODELS, "openai/gpt-5.2", subject=KEY))
    )
    assert snap_compare(scene, terminal_size=SIZE, run_before=settle)


def test_label_editor_with_markup_in_label(snap_compare) -> None:
    scene = Scene(
        push(lambda: TextEditor("label", "Label", "[bold]Family[/bold] \x1b[31mchat", subject=KEY))
    )
    assert snap_compare(scene, terminal_size=SIZE, run_before=settle)


def test_edit_menu(snap_compare) -> None:
    fields = [
        MenuField("thinkingLevel", "Thinking", "medium"),
        MenuField("verboseLevel", "Verbose", None),
        MenuField("reasoningLevel", "Reasoning", None),
        MenuField("elevatedLevel", "Elevated", None),
        MenuField("sendPolicy", "Send policy", "allow"),
        MenuField("queueMode", "Queue mode", "collect"),
        MenuField("responseUsage", "Usage footer", None),
        MenuField("groupActivation", "Group activation", None),
        MenuField("label", "Label", None),
        MenuField("model", "Model", None),
    ]
    scene = Scene(push(lambda: EditMenu(fields, subject=KEY)))
    assert snap_compare(scene, terminal_size=SIZE, run_before=settle)


def test_confirmation(snap_compare) -> None:
    scene = Scene(
        push(
            lambda: ConfirmScreen(
                f"Reset session {KEY}?",
                "It gets a new sessionId and its token counters are cleared; label, model and "
                "routing are kept.",
                title="Reset session",
            )
        )
    )
    assert snap_compare(scene, terminal_size=SIZE, run_before=settle)


def _submitted(text: str, ok: bool, message: str) -> Callable[[Scene], object]:
    def setup(app: Scene) -> None:
        bar = app.query_one(CommandBar)
        bar.open(text)
        bar.input.cursor_blink = False
        bar.history.append(text)
        bar._submitted_text = text
        bar.show_result(ok, message)

    return setup


def test_acknowledgement(snap_compare) -> None:
    scene = Scene(_submitted("/think high", True, "Thinking level set to high."))
    assert snap_compare(scene, terminal_size=SIZE, run_before=settle)


def test_inline_error_keeps_text(snap_compare) -> None:
    scene = Scene(
        _submitted(
            "/think banana",
            False,
            'Unrecognized thinking level "banana". Valid levels: off, minimal, low, medium, high.',
        )
    )
    assert snap_compare(scene, terminal_size=SIZE, run_before=settle)


def test_bar_with_completions(snap_compare) -> None:
    scene = Scene(lambda app: app.query_one(CommandBar).open("/th"))
    assert snap_compare(scene, terminal_size=SIZE, run_before=settle)
