"""The command bar: a one-line input for slash commands with completion, history and feedback.

The bar knows nothing about commands or the store. It is given a *completer* (a callable that
returns whole-text completions for the current text) and posts ``CommandBar.Submitted`` when
the operator presses Enter. The host runs the command and reports back with
``show_result(ok, message)``: on success the acknowledgement shows under the bar and the bar
closes; on failure the error shows and the typed text stays for correction.

Feedback does not outstay its use: a success line goes away by itself after ``feedback_seconds``
(read on the ``monotonic`` clock the host gives, so tests move time themselves), an error stays
until ``dismiss_feedback`` (the host's Escape) or the next command replaces it, and output
longer than ``MAX_INLINE_LINES`` opens in a scrollable window (``widgets/output.py``) that says
how to close it, instead of pushing the table away.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.reactive import reactive
from textual.suggester import Suggester
from textual.widget import Widget
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from openclaw_tui.widgets.output import OutputScreen
from openclaw_tui.widgets.text import literal_text, marked_error, visible_control_chars

Completer = Callable[[str], Sequence[str]]
"""Returns candidate *whole values* of the input for the given text (best first)."""

MAX_DROPDOWN_ROWS = 8
MAX_INLINE_LINES = 3
"""Feedback longer than this (once wrapped to the bar's width) opens in a window."""
FEEDBACK_SECONDS = 5.0
"""How long a success line stays by default (``feedback_seconds`` in config.toml)."""
EXPIRY_CHECK_SECONDS = 0.25


class CompletionSuggester(Suggester):
    """Ghost text from the first completion that extends what was typed.

    Caching is off because candidates depend on live data (models seen in the store, the
    highlighted session). The suggestion keeps the operator's own prefix, so accepting it never
    rewrites what was typed.
    """

    def __init__(self, completer: Completer) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self._completer = completer

    async def get_suggestion(self, value: str) -> str | None:
        if not value:
            return None
        for candidate in safe_complete(self._completer, value):
            if len(candidate) > len(value) and candidate.casefold().startswith(value.casefold()):
                return value + candidate[len(value) :]
        return None


def safe_complete(completer: Completer, value: str) -> list[str]:
    """Completion must never break typing: a failing completer just offers nothing."""
    try:
        return [c for c in completer(value) if isinstance(c, str)]
    except Exception:
        return []


class CommandBar(Vertical):
    """Input + completion dropdown + feedback line. Hidden input until ``open()``."""

    DEFAULT_CSS = """
    CommandBar {
        height: auto;
    }
    CommandBar > #command-input {
        display: none;
        border: none;
        height: 1;
        padding: 0 1;
        background: $boost;
    }
    CommandBar.-open > #command-input {
        display: block;
    }
    CommandBar > #command-completions {
        display: none;
        height: auto;
        max-height: 8;
        border: none;
        padding: 0 1;
        background: $panel;
    }
    CommandBar.-open.-completing > #command-completions {
        display: block;
    }
    CommandBar > #command-feedback-box {
        display: none;
        height: auto;
        max-height: 12;
    }
    CommandBar.-has-feedback > #command-feedback-box {
        display: block;
    }
    CommandBar #command-feedback {
        height: auto;
        padding: 0 1;
    }
    CommandBar #command-feedback.-ok {
        color: $text-success;
    }
    CommandBar #command-feedback.-error {
        color: $text-error;
        background: $error-muted;
    }
    CommandBar #command-feedback.-busy {
        color: $text-muted;
    }
    """

    BINDINGS = [
        Binding("escape", "close", "Close", show=False, id="command-bar.close"),
        Binding("up", "history(-1)", "Previous command", show=False, id="command-bar.history-up"),
        Binding("down", "history(1)", "Next command", show=False, id="command-bar.history-down"),
        Binding("tab", "complete", "Complete", show=False, id="command-bar.complete"),
        Binding(
            "ctrl+n", "completion_cursor(1)", "Next completion", show=False, id="command-bar.next"
        ),
        Binding(
            "ctrl+p",
            "completion_cursor(-1)",
            "Previous completion",
            show=False,
            id="command-bar.previous",
        ),
    ]

    busy: reactive[bool] = reactive(False)
    """True while a submitted command runs; further submits are ignored."""

    class _BarMessage(Message):
        """A message about this bar (``control`` is the bar, as Textual expects)."""

        def __init__(self, bar: CommandBar) -> None:
            super().__init__()
            self.bar = bar

        @property
        def control(self) -> CommandBar:
            return self.bar

    class Submitted(_BarMessage):
        """The operator pressed Enter on ``text`` (never while a command is running)."""

        def __init__(self, bar: CommandBar, text: str) -> None:
            super().__init__(bar)
            self.text = text

    class Closed(_BarMessage):
        """The input was closed (Escape, or after a successful command)."""

    def __init__(
        self,
        completer: Completer | None = None,
        *,
        placeholder: str = "/command  (Tab completes, ↑↓ history, Esc closes)",
        history: Sequence[str] = (),
        monotonic: Callable[[], float] = time.monotonic,
        feedback_seconds: float = FEEDBACK_SECONDS,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._monotonic = monotonic
        self.feedback_seconds = feedback_seconds
        """A success line goes away after this many seconds; 0: it stays until dismissed."""
        self._feedback_expires: float | None = None
        self.output: OutputScreen | None = None
        """The window showing the last long output, while it is open."""
        self._completer: Completer = completer or (lambda _text: ())
        self._placeholder = placeholder
        self.history: list[str] = list(history)
        self._history_index: int | None = None
        self._draft = ""
        self._submitted_text: str | None = None
        self._return_focus: Widget | None = None
        self._candidates: list[str] = []
        self._feedback_text = Text("")

    def compose(self) -> ComposeResult:
        yield Input(
            placeholder=self._placeholder,
            suggester=CompletionSuggester(self._completer),
            select_on_focus=False,
            id="command-input",
        )
        completions = OptionList(id="command-completions")
        completions.can_focus = False  # keyboard stays in the input; the list follows it
        yield completions
        # Long replies (/help, bulk results) scroll instead of pushing the table away.
        with VerticalScroll(id="command-feedback-box", can_focus=False):
            yield Static("", id="command-feedback", markup=False)

    # -- public API ---------------------------------------------------------------------------

    @property
    def input(self) -> Input:
        return self.query_one("#command-input", Input)

    @property
    def value(self) -> str:
        return self.input.value

    @property
    def is_open(self) -> bool:
        return self.has_class("-open")

    @property
    def feedback(self) -> str:
        """The plain text of the feedback line ("" when none is shown)."""
        if not self.has_class("-has-feedback"):
            return ""
        return self._feedback_text.plain

    def on_mount(self) -> None:
        self.set_interval(EXPIRY_CHECK_SECONDS, self.expire_feedback)

    def open(self, text: str = "") -> None:
        """Show the input holding ``text`` (cursor at the end) and focus it."""
        focused = self.screen.focused if self.is_mounted else None
        if not self.is_open and focused is not None and focused is not self.input:
            self._return_focus = focused
        self.add_class("-open")
        self._history_index = None
        self.input.value = text
        self.input.cursor_position = len(text)
        self._focus_input_now()
        self._refresh_completions(text)

    def _focus_input_now(self) -> None:
        # Widget.focus() defers the change, so keys already queued behind the one that opened
        # the bar (a fast typist, a paste, tmux send-keys) would still reach the table and
        # trigger its bindings. Setting the focus synchronously routes them to the input.
        if self.is_attached:
            self.screen.set_focus(self.input)
        else:
            self.input.focus()

    def close(self) -> None:
        """Hide the input (keeping the feedback line) and give focus back."""
        was_open = self.is_open
        self.remove_class("-open", "-completing")
        self._history_index = None
        if was_open:
            target = self._return_focus
            self._return_focus = None
            if target is not None and target.is_attached and target.focusable:
                # Synchronous, like opening: a deferred focus could land after a reopen.
                self.screen.set_focus(target)
            elif self.input.has_focus:
                self.screen.set_focus(None)
            self.post_message(self.Closed(self))

    def show_busy(self, message: str = "Running…") -> None:
        self.busy = True
        self._set_feedback(Text(message), "-busy")

    def show_result(
        self, ok: bool, message: str, *, title: str | None = None, window: bool = False
    ) -> None:
        """Report a finished command.

        ok: the acknowledgement shows under the bar, the text is cleared and the bar closes.
        not ok: the error shows under the bar and the typed text stays for correction.
        Long output (or any with ``window``, a report) opens in a window titled ``title``
        (default: the command typed) instead; an error's first line also stays under the bar.
        """
        self.busy = False
        submitted = self._submitted_text
        self._submitted_text = None
        heading = title or (visible_control_chars(submitted) if submitted else "Command output")
        if ok:
            self._report(True, message, heading, window)
            # Only clear what was submitted: text typed while the command ran is the
            # operator's next command and must not vanish.
            if submitted is None or self.input.value == submitted:
                self.input.value = ""
                self.close()
        else:
            if not self.is_open:
                self.add_class("-open")
            if submitted is not None and not self.input.value:
                self.input.value = submitted
            self._focus_input_now()
            self._report(False, message, heading, window)

    def show_message(
        self, ok: bool, message: str, *, title: str = "Command output", window: bool = False
    ) -> None:
        """Show feedback for something not typed in the bar (an editor, a key) without
        touching the input's text or open state."""
        self._report(ok, message, title, window)

    def dismiss_feedback(self) -> None:
        """Take the feedback line away (Escape on the table, another store): it must not
        outstay its use."""
        self.remove_class("-has-feedback")
        self._feedback_expires = None

    def expire_feedback(self) -> None:
        """A success line whose time is up goes away (called on a timer; errors never)."""
        expires = self._feedback_expires
        if expires is not None and self._monotonic() >= expires:
            self.dismiss_feedback()

    def wrapped_lines(self, text: Text) -> int:
        """How many lines ``text`` takes under the table, wrapped to the bar's width."""
        # Before its first layout the bar has no size yet: it spans the screen.
        bar_width = self.size.width or (self.app.size.width if self.is_attached else 80)
        width = max(1, bar_width - 2)  # the feedback line's padding
        return sum(max(1, -(-Text(line).cell_len // width)) for line in text.plain.split("\n"))

    # -- internals ----------------------------------------------------------------------------

    def _report(self, ok: bool, message: str, title: str, window: bool) -> None:
        text = literal_text(message, keep_newlines=True)
        kind = "-ok" if ok else "-error"
        lines = self.wrapped_lines(text)
        # A report (window) opens one as soon as it is more than a line: it is read, not glanced.
        long = lines > MAX_INLINE_LINES or (window and lines > 1)
        if not long or not self._can_open_window():
            self._set_feedback(text, kind)
            return
        # The window is the feedback: nothing stays under the table for a success. An error's
        # first line stays (until Escape or the next command), beside the text to correct.
        if ok:
            self.dismiss_feedback()
        else:
            first = text.plain.split("\n", 1)[0]
            self._set_feedback(literal_text(first + " …"), kind)
        self._open_window(title, marked_error(text) if not ok else text, error=not ok)

    def _can_open_window(self) -> bool:
        # Only over the bar's own screen: with an editor or a confirmation on top, the reply
        # is read there, and the bar's line is what remains when it closes.
        return self.is_attached and self.app.screen is self.screen

    def _open_window(self, title: str, text: Text, *, error: bool) -> None:
        screen = OutputScreen(title, text, error=error)
        self.output = screen

        def closed(_result: object) -> None:
            if self.output is screen:
                self.output = None

        self.app.push_screen(screen, callback=closed)

    def _set_feedback(self, text: Text, kind: str) -> None:
        if kind == "-error":
            text = marked_error(text)
        feedback = self.query_one("#command-feedback", Static)
        feedback.remove_class("-ok", "-error", "-busy")
        feedback.add_class(kind)
        self._feedback_text = text
        feedback.update(text)
        self.add_class("-has-feedback")
        # A success ages out; an error (never dropped before it could be read) and a command
        # still running stay until Escape or the next command.
        if kind == "-ok" and self.feedback_seconds > 0:
            self._feedback_expires = self._monotonic() + self.feedback_seconds
        else:
            self._feedback_expires = None
        self.query_one("#command-feedback-box", VerticalScroll).scroll_home(animate=False)

    @on(Input.Submitted, "#command-input")
    def _on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value
        if self.busy:
            return  # a command is running: Enter again must not run it twice
        if not text.strip():
            self.close()
            return
        if not self.history or self.history[-1] != text:
            self.history.append(text)
        self._history_index = None
        self._submitted_text = text
        self.remove_class("-completing")
        self.show_busy(f"Running {visible_control_chars(text)} …")
        self.post_message(self.Submitted(self, text))

    @on(Input.Changed, "#command-input")
    def _on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._refresh_completions(event.value)

    def _refresh_completions(self, value: str) -> None:
        completions = self.query_one("#command-completions", OptionList)
        candidates = [c for c in safe_complete(self._completer, value) if c != value]
        if not value or not candidates:
            completions.clear_options()
            self.remove_class("-completing")
            return
        shown = candidates[:MAX_DROPDOWN_ROWS]
        completions.set_options([Option(literal_text(c), id=f"c{i}") for i, c in enumerate(shown)])
        self._candidates = shown
        completions.highlighted = 0
        self.add_class("-completing")

    def action_close(self) -> None:
        self.close()

    def action_history(self, step: int) -> None:
        if not self.history:
            return
        if self._history_index is None:
            if step > 0:
                return
            self._draft = self.input.value
            index = len(self.history) - 1
        else:
            index = self._history_index + step
        if index >= len(self.history):
            self._history_index = None
            self._set_input(self._draft)
            return
        index = max(0, index)
        self._history_index = index
        self._set_input(self.history[index])

    def action_complete(self) -> None:
        completions = self.query_one("#command-completions", OptionList)
        if self.has_class("-completing") and completions.highlighted is not None:
            self._accept_candidate(completions.highlighted)
        elif self.input.cursor_at_end:
            # At the end of the text, "cursor right" is the Input's own accept-suggestion.
            self.input.action_cursor_right()

    def action_completion_cursor(self, step: int) -> None:
        completions = self.query_one("#command-completions", OptionList)
        if not self.has_class("-completing") or not completions.option_count:
            return
        current = completions.highlighted or 0
        completions.highlighted = (current + step) % completions.option_count

    @on(OptionList.OptionSelected, "#command-completions")
    def _on_completion_clicked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._accept_candidate(event.option_index)

    def _accept_candidate(self, index: int) -> None:
        if 0 <= index < len(self._candidates):
            self._set_input(self._candidates[index])
        self.input.focus()

    def _set_input(self, text: str) -> None:
        self.input.value = text
        self.input.cursor_position = len(text)

    async def _on_click(self, event: events.Click) -> None:
        # Clicking the feedback line of a failed command reopens it for correction.
        if not self.is_open and self.has_class("-has-feedback"):
            self.open(self.input.value)
