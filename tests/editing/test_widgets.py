"""The editing widgets on their own, in tiny host apps (no store, no command engine)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Input, OptionList, Static

from openclaw_tui.widgets.command_bar import CommandBar, Completer
from openclaw_tui.widgets.confirm import ConfirmScreen
from openclaw_tui.widgets.editors import (
    ChoiceEditor,
    EditMenu,
    EditorScreen,
    MenuField,
    ModelEditor,
    TextEditor,
)
from openclaw_tui.widgets.output import OutputScreen
from openclaw_tui.widgets.text import literal_text, visible, visible_control_chars
from tests.tui.helpers import wait_until

pytestmark = pytest.mark.anyio

COMMANDS = ["/think", "/thinking", "/verbose", "/model", "/status"]
UNSET = object()
LEVELS = ["off", "minimal", "low", "medium", "high"]


def toy_completer(text: str) -> Sequence[str]:
    """Whole-value completions for a handful of commands (what the host's engine would give)."""
    if " " not in text:
        return [c for c in COMMANDS if c.startswith(text.casefold())]
    command, _, arg = text.partition(" ")
    if command.casefold() in ("/think", "/thinking"):
        return [f"{command} {level}" for level in LEVELS if level.startswith(arg.casefold())]
    return []


class Target(Static, can_focus=True):
    """Stands in for the session table: where focus goes back when the bar closes."""


class BarHost(App[None]):
    def __init__(self, completer: Completer = toy_completer, **bar_options: Any) -> None:
        super().__init__()
        self.completer = completer
        self.bar_options = bar_options
        self.submitted: list[str] = []
        self.closed = 0

    def compose(self) -> ComposeResult:
        yield Target("table", id="target")
        yield CommandBar(self.completer, id="bar", **self.bar_options)

    def on_mount(self) -> None:
        self.query_one(Target).focus()

    def on_command_bar_submitted(self, message: CommandBar.Submitted) -> None:
        self.submitted.append(message.text)

    def on_command_bar_closed(self, message: CommandBar.Closed) -> None:
        self.closed += 1


async def test_bar_opens_submits_and_closes_on_success() -> None:
    app = BarHost()
    async with app.run_test() as pilot:
        bar = app.query_one(CommandBar)
        assert not bar.is_open
        bar.open("/")
        await pilot.pause()
        assert bar.is_open and bar.input.has_focus and bar.value == "/"
        await pilot.press(*"think high", "enter")
        await wait_until(pilot, lambda: app.submitted == ["/think high"])
        assert bar.busy and "Running" in bar.feedback
        bar.show_result(True, "Thinking level set to high.")
        await pilot.pause()
        assert bar.feedback == "Thinking level set to high."
        assert bar.value == "" and not bar.is_open
        assert app.query_one(Target).has_focus, "focus goes back to where it was"
        assert app.closed == 1


async def test_bar_keeps_text_and_shows_error_on_failure() -> None:
    app = BarHost()
    async with app.run_test() as pilot:
        bar = app.query_one(CommandBar)
        bar.open("/")
        await pilot.press(*"think banana", "enter")
        await wait_until(pilot, lambda: app.submitted)
        bar.show_result(False, 'Unrecognized thinking level "banana". Valid levels: off, low.')
        await pilot.pause()
        assert bar.is_open and bar.value == "/think banana" and bar.input.has_focus
        assert bar.feedback.startswith('✖ Unrecognized thinking level "banana"')
        assert "-error" in bar.query_one("#command-feedback").classes
        # The operator corrects the text in place and resubmits.
        await pilot.press(*["backspace"] * 6, *"high", "enter")
        await wait_until(pilot, lambda: len(app.submitted) == 2)
        assert app.submitted[-1] == "/think high"


async def test_bar_ignores_enter_while_busy() -> None:
    app = BarHost()
    async with app.run_test() as pilot:
        bar = app.query_one(CommandBar)
        bar.open("/status")
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.submitted)
        await pilot.press("enter", "enter")
        await pilot.pause()
        assert app.submitted == ["/status"], "no double submit while the first one runs"
        bar.show_result(False, "boom")
        await pilot.press("enter")
        await wait_until(pilot, lambda: len(app.submitted) == 2)


async def test_text_typed_while_busy_survives_success() -> None:
    app = BarHost()
    async with app.run_test() as pilot:
        bar = app.query_one(CommandBar)
        bar.open("/status")
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.submitted)
        bar.input.value = "/think low"  # the operator already typed the next command
        bar.show_result(True, "ok")
        await pilot.pause()
        assert bar.value == "/think low" and bar.is_open


async def test_ghost_suggestion_accepted_with_right_arrow_and_dropdown_with_tab() -> None:
    app = BarHost()
    async with app.run_test() as pilot:
        bar = app.query_one(CommandBar)
        bar.open("/")
        await pilot.press(*"th")
        await wait_until(pilot, lambda: bar.input._suggestion == "/think", what="ghost text")
        await pilot.press("right")
        assert bar.value == "/think"
        await pilot.press("space", "h")
        completions = bar.query_one("#command-completions", OptionList)
        await wait_until(pilot, lambda: completions.option_count == 1 and completions.display)
        assert str(completions.get_option_at_index(0).prompt) == "/think high"
        await pilot.press("tab")
        assert bar.value == "/think high"
        assert not bar.has_class("-completing"), "an exact match needs no dropdown"


async def test_dropdown_click_and_cycle() -> None:
    app = BarHost()
    async with app.run_test(size=(80, 24)) as pilot:
        bar = app.query_one(CommandBar)
        bar.open("/think ")
        completions = bar.query_one("#command-completions", OptionList)
        await wait_until(pilot, lambda: completions.option_count == len(LEVELS))
        await pilot.press("ctrl+n", "ctrl+n", "tab")
        assert bar.value == "/think low"
        bar.open("/think ")
        await wait_until(pilot, lambda: completions.option_count == len(LEVELS))
        await pilot.pause()  # let the dropdown repaint before clicking on its rows
        await pilot.click(completions, offset=(3, 4))  # the fifth row: "/think high"
        await pilot.pause()
        assert bar.value == "/think high" and bar.input.has_focus


async def test_history_up_and_down_restores_draft() -> None:
    app = BarHost()
    async with app.run_test() as pilot:
        bar = app.query_one(CommandBar)
        for text in ("/think high", "/verbose on"):
            bar.open(text)
            await pilot.press("enter")
            await wait_until(pilot, lambda text=text: app.submitted[-1:] == [text])
            bar.show_result(True, "ok")
        bar.open("/sta")
        await pilot.press("up")
        assert bar.value == "/verbose on"
        await pilot.press("up", "up")
        assert bar.value == "/think high"
        await pilot.press("down")
        assert bar.value == "/verbose on"
        await pilot.press("down")
        assert bar.value == "/sta", "going past the newest entry restores the draft"


async def test_escape_closes_and_keeps_feedback() -> None:
    app = BarHost()
    async with app.run_test() as pilot:
        bar = app.query_one(CommandBar)
        bar.open("/x")
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.submitted)
        bar.show_result(False, "Unknown command /x. Type /help for the list.")
        await pilot.press("escape")
        assert not bar.is_open and app.query_one(Target).has_focus
        assert bar.feedback.startswith("✖ Unknown command")


def window_open(app: App[None]) -> bool:
    """An output window is on top, with its contents mounted."""
    return isinstance(app.screen, OutputScreen) and bool(app.screen.query("#output-box"))


class FakeClock:
    """A monotonic clock the test moves: feedback ages out without any sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_success_ages_out_on_the_clock_and_an_error_stays() -> None:
    clock = FakeClock()
    app = BarHost(monotonic=clock, feedback_seconds=5.0)
    async with app.run_test() as pilot:
        bar = app.query_one(CommandBar)
        bar.show_message(True, "Thinking level set to high.")
        clock.now += 4.9
        bar.expire_feedback()
        assert bar.feedback == "Thinking level set to high.", "gone before its time"
        clock.now += 0.1
        # The bar's own timer notices, reading the clock it was given.
        await wait_until(pilot, lambda: bar.feedback == "", what="the success to age out")
        bar.show_message(False, "Not saved: the store is read-only.")
        clock.now += 3600
        bar.expire_feedback()
        await pilot.pause()
        assert bar.feedback == "✖ Not saved: the store is read-only.", "an error never ages out"
        bar.show_busy("Running /think high …")
        clock.now += 3600
        bar.expire_feedback()
        assert "Running" in bar.feedback, "a command still running says so until it ends"
        bar.dismiss_feedback()
        assert bar.feedback == ""


async def test_zero_seconds_keeps_a_success_until_dismissed() -> None:
    clock = FakeClock()
    app = BarHost(monotonic=clock, feedback_seconds=0)
    async with app.run_test():
        bar = app.query_one(CommandBar)
        bar.show_message(True, "Label set.")
        clock.now += 10_000
        bar.expire_feedback()
        assert bar.feedback == "Label set."


async def test_long_output_opens_a_window_that_says_how_to_close_it() -> None:
    app = BarHost()
    async with app.run_test(size=(80, 24)) as pilot:
        bar = app.query_one(CommandBar)
        bar.open("/help")
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.submitted == ["/help"])
        listing = "\n".join(f"/command{n} – does thing {n}" for n in range(30))
        bar.show_result(True, listing)
        await wait_until(pilot, lambda: window_open(app), what="the window")
        window = app.screen
        assert isinstance(window, OutputScreen)
        assert window.plain == listing and bar.output is window
        assert "/help" in str(window.query_one("#output-box").border_title)
        assert "Esc, q or Enter closes" in str(window.query_one("#output-box").border_subtitle)
        assert bar.feedback == "", "nothing is left under the table"
        assert not bar.is_open
        await pilot.press("pagedown")
        box = window.query_one("#output-box")
        await wait_until(pilot, lambda: box.scroll_y > 0, what="the window to scroll")
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, OutputScreen))
        assert app.query_one(Target).has_focus and bar.output is None
        # Three short lines still fit under the table.
        bar.show_message(True, "one\ntwo\nthree")
        await pilot.pause()
        assert not isinstance(app.screen, OutputScreen) and bar.feedback == "one\ntwo\nthree"
        # A report opens a window as soon as it takes more than one line.
        bar.show_message(True, "one\ntwo", title="/status", window=True)
        await wait_until(pilot, lambda: window_open(app))
        await pilot.press("q")
        await wait_until(pilot, lambda: not isinstance(app.screen, OutputScreen))
        bar.show_message(True, "one line", title="/help think", window=True)
        await pilot.pause()
        assert not isinstance(app.screen, OutputScreen) and bar.feedback == "one line"


async def test_a_long_error_opens_a_window_and_keeps_the_text_to_correct() -> None:
    app = BarHost()
    async with app.run_test(size=(80, 24)) as pilot:
        bar = app.query_one(CommandBar)
        bar.open("/label x")
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.submitted)
        failures = "\n".join(f"agent:main:s{n}: not saved: disk full" for n in range(8))
        bar.show_result(False, failures)
        await wait_until(pilot, lambda: window_open(app))
        window = app.screen
        assert isinstance(window, OutputScreen) and window.error
        assert window.plain == "✖ " + failures
        assert str(window.query_one("#output-box").border_title).startswith("✖ Error: /label x")
        await pilot.press("enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, OutputScreen))
        assert bar.is_open and bar.value == "/label x" and bar.input.has_focus
        assert bar.feedback == "✖ agent:main:s0: not saved: disk full …"


async def test_failing_completer_does_not_break_typing() -> None:
    def broken(_text: str) -> Sequence[str]:
        raise RuntimeError("catalog unavailable")

    app = BarHost(broken)
    async with app.run_test() as pilot:
        bar = app.query_one(CommandBar)
        bar.open("/")
        await pilot.press(*"think", "enter")
        await wait_until(pilot, lambda: app.submitted == ["/think"])


def test_control_characters_are_made_visible() -> None:
    assert visible_control_chars("a\x1b[31mred\x07") == "a\\x1b[31mred\\x07"
    assert visible_control_chars("x\u202ey") == "x\\u202ey"
    assert visible_control_chars("l1\nl2", keep_newlines=True) == "l1\nl2"
    assert visible_control_chars("l1\nl2") == "l1\\nl2"


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("a\ud800b", "a\\ud800b"),  # lone surrogates: the terminal would draw them wider
        ("a\udfffb", "a\\udfffb"),
        ("a\u2028b\u2029c", "a\\u2028b\\u2029c"),  # line/paragraph separators
        ("ma\u200din", "ma\\u200din"),  # zero-width joiner between letters
        ("main\ufe0f", "main\\ufe0f"),  # a variation selector on ASCII
        ("\u3164", "\\u3164"),  # Hangul filler: a letter that draws nothing
        ("a\u034fb", "a\\u034fb"),  # combining grapheme joiner
        ("a\U000e0041b", "a\\U000e0041b"),  # tag characters
        ("\u2066x\u2069", "\\u2066x\\u2069"),  # bidi isolates
        # Emoji sequences keep their joiners and selectors: they draw as one picture.
        ("👨\u200d👩\u200d👧", "👨\u200d👩\u200d👧"),
        ("❤\ufe0f", "❤\ufe0f"),
        ("1\ufe0f\u20e3", "1\ufe0f\u20e3"),
        ("Réunion\u00a0: ok", "Réunion\u00a0: ok"),
    ],
)
def test_invisible_and_unencodable_characters_are_spelled_out(raw: str, shown: str) -> None:
    assert visible_control_chars(raw) == shown
    assert visible(raw) == shown
    text = literal_text("[bold]not markup[/bold]")
    assert text.plain == "[bold]not markup[/bold]" and not text.spans


async def test_feedback_shows_markup_and_escapes_literally() -> None:
    app = BarHost()
    async with app.run_test() as pilot:
        bar = app.query_one(CommandBar)
        bar.open("/label x")
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.submitted)
        bar.show_result(True, "Label set to [red]x[/red]\x1b[2J.")
        await pilot.pause()
        assert bar.feedback == "Label set to [red]x[/red]\\x1b[2J."


# -- editors ------------------------------------------------------------------------------------


class EditorHost(App[None]):
    """Pushes one editor; answers each choice with a scripted (ok, message)."""

    def __init__(self, screen_factory, answers: list[tuple[bool, str]] | None = None) -> None:
        super().__init__()
        self.screen_factory = screen_factory
        self.answers = list(answers or [])
        self.chosen: list[tuple[str, str | None]] = []
        self.picked: list[str] = []
        self.result: object = UNSET

    def on_mount(self) -> None:
        self.editor = self.screen_factory()
        self.push_screen(self.editor, callback=self._done)

    def _done(self, result: object) -> None:
        self.result = result

    def on_editor_screen_chosen(self, message: EditorScreen.Chosen) -> None:
        self.chosen.append((message.field, message.value))
        if self.answers:
            message.editor.show_result(*self.answers.pop(0))

    def on_edit_menu_picked(self, message: EditMenu.Picked) -> None:
        self.picked.append(message.field)


async def test_choice_editor_highlights_current_and_posts_choice() -> None:
    app = EditorHost(
        lambda: ChoiceEditor(
            "thinkingLevel", "Thinking level", LEVELS, "medium", subject="agent:main:main"
        ),
        answers=[(True, "Thinking level set to high.")],
    )
    async with app.run_test() as pilot:
        editor = app.editor
        await wait_until(pilot, lambda: editor.is_current)
        assert editor.highlighted_value == "medium"
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: app.result is None)
        assert app.chosen == [("thinkingLevel", "high")]
        assert not editor.is_attached or app.screen is not editor


async def test_choice_editor_inherit_custom_and_inline_error() -> None:
    app = EditorHost(
        lambda: ChoiceEditor("thinkingLevel", "Thinking level", LEVELS, "banana"),
        answers=[(False, "Write refused: read-only")],
    )
    async with app.run_test() as pilot:
        editor = app.editor
        await wait_until(pilot, lambda: editor.is_current)
        choices = editor.query_one(OptionList)
        assert editor.highlighted_value == "banana"
        assert str(choices.get_option_at_index(0).prompt) == "inherit"
        last = choices.get_option_at_index(choices.option_count - 1)
        assert "banana (custom)" in str(last.prompt)
        await pilot.press("home", "enter")  # inherit
        await wait_until(pilot, lambda: app.chosen == [("thinkingLevel", None)])
        await pilot.pause()
        assert app.screen is editor, "a failed change keeps the editor open"
        assert "Write refused" in str(editor.query_one("#editor-status", Static).render())
        # Picking the custom (current) value is "no change": it just closes.
        await pilot.press("end", "enter")
        await wait_until(pilot, lambda: app.result is None)
        assert len(app.chosen) == 1


async def test_text_editor_submits_and_empty_clears() -> None:
    app = EditorHost(
        lambda: TextEditor("label", "Label", "Old [b]label[/b]"),
        answers=[(False, "nope"), (True, "Label set.")],
    )
    async with app.run_test() as pilot:
        editor = app.editor
        await wait_until(pilot, lambda: editor.is_current)
        field = editor.query_one(Input)
        assert field.value == "Old [b]label[/b]"
        field.value = ""
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.chosen == [("label", None)])
        assert field.value == "" and app.screen is editor
        await pilot.press(*"New", "enter")
        await wait_until(pilot, lambda: app.result is None)
        assert app.chosen[-1] == ("label", "New")


async def test_text_editor_shows_control_characters_and_keeps_them_unless_edited() -> None:
    app = EditorHost(lambda: TextEditor("label", "Label", "red\x1b[31m"), [(True, "")])
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: app.editor.is_current)
        field = app.editor.query_one(Input)
        assert field.value == "red\\x1b[31m"
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.result is None)
        assert app.chosen == [], "submitting the shown value unchanged writes nothing"


async def test_model_editor_suggests_filters_and_default_clears() -> None:
    models = ["openai/gpt-5.2", "openai/gpt-4.1", "anthropic/claude-opus-4-5"]
    app = EditorHost(
        lambda: ModelEditor("model", "Model override", models, None),
        answers=[(True, "Model set to openai/gpt-4.1 for this session."), (True, "reset")],
    )
    async with app.run_test() as pilot:
        editor = app.editor
        await wait_until(pilot, lambda: editor.is_current)
        choices = editor.query_one(OptionList)
        assert choices.option_count == 1 + len(models)
        await pilot.press(*"openai/gpt-4")
        field = editor.query_one(Input)
        await wait_until(pilot, lambda: field._suggestion == "openai/gpt-4.1")
        assert choices.option_count == 2  # "default" and the one match
        await pilot.press("right", "enter")
        await wait_until(pilot, lambda: app.result is None)
        assert app.chosen == [("model", "openai/gpt-4.1")]
    app = EditorHost(lambda: ModelEditor("model", "Model", models, "openai/gpt-5.2"), [(True, "")])
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: app.editor.is_current)
        await pilot.press("down", "enter")  # "default (clear the override)"
        await wait_until(pilot, lambda: app.result is None)
        assert app.chosen == [("model", None)]


async def test_model_editor_empty_input_is_an_inline_error() -> None:
    app = EditorHost(lambda: ModelEditor("model", "Model", ["a/b"], None))
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: app.editor.is_current)
        await pilot.press("enter")
        await pilot.pause()
        assert app.chosen == [] and app.screen is app.editor
        assert "provider/model" in (app.editor.last_error or "")


async def test_edit_menu_posts_picked_field() -> None:
    fields = [MenuField("thinkingLevel", "Thinking", "high"), MenuField("label", "Label", None)]
    app = EditorHost(lambda: EditMenu(fields, subject="agent:main:main"))
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: app.editor.is_current)
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: app.picked == ["label"])


async def test_edit_menu_by_mouse() -> None:
    fields = [MenuField("thinkingLevel", "Thinking", "high"), MenuField("label", "Label", None)]
    app = EditorHost(lambda: EditMenu(fields))
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: app.editor.is_current)
        await pilot.click(app.editor.query_one(OptionList), offset=(2, 0))
        await wait_until(pilot, lambda: app.picked == ["thinkingLevel"])


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        (("y",), True),
        (("n",), False),
        (("enter",), False),  # the default answer of a destructive question is No
        (("escape",), False),
        (("shift+tab", "enter"), True),  # choosing Yes, then Enter
        (("tab", "enter"), True),
    ],
)
async def test_confirm_keys(keys: tuple[str, ...], expected: bool) -> None:
    app = EditorHost(lambda: ConfirmScreen("Reset agent:main:main?", "A new sessionId."))
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: app.editor.is_current)
        await pilot.press(*keys)
        await wait_until(pilot, lambda: app.result is not UNSET)
        assert app.result is expected


@pytest.mark.parametrize(("button", "expected"), [("#confirm-yes", True), ("#confirm-no", False)])
async def test_confirm_buttons(button: str, expected: bool) -> None:
    app = EditorHost(lambda: ConfirmScreen("Delete \x1b[2J session?"))
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: app.editor.is_current)
        question = app.editor.query_one("#confirm-question", Static)
        assert "\\x1b[2J" in str(question.render())
        await pilot.click(button)
        await wait_until(pilot, lambda: app.result is not UNSET)
        assert app.result is expected
