"""A yes/no confirmation for destructive actions (reset, new session, delete).

The screen returns ``True`` (confirmed) or ``False`` through ``dismiss``; the caller decides what
to do. The default answer is No: the focused button starts on "No", so Enter declines, as does
Escape or ``n``. Only ``y``, or choosing "Yes" (Tab to it and Enter, or a click), confirms: a
stray Enter typed after the command that asked must never delete or reset anything.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from openclaw_tui.widgets.text import literal_text


class ConfirmScreen(ModalScreen[bool]):
    DEFAULT_CSS = """
    ConfirmScreen {
        align: center middle;
        background: $background 50%;
    }
    ConfirmScreen > #confirm-body {
        width: 64;
        max-width: 90%;
        height: auto;
        border: thick $error;
        background: $surface;
        padding: 0 1;
    }
    ConfirmScreen #confirm-question {
        height: auto;
        margin: 0 0 1 0;
    }
    ConfirmScreen #confirm-detail {
        height: auto;
        color: $text-muted;
    }
    ConfirmScreen #confirm-buttons {
        height: auto;
        align-horizontal: right;
        margin: 1 0 0 0;
    }
    ConfirmScreen Button {
        margin: 0 0 0 2;
        min-width: 10;
    }
    """

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n", "answer(False)", "No", id="confirm.no"),
        Binding("escape", "answer(False)", "No", show=False, id="confirm.escape"),
    ]

    def __init__(self, question: str, detail: str = "", *, title: str = "Confirm") -> None:
        super().__init__()
        self.question = question
        self.detail = detail
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-body") as body:
            body.border_title = Text(self.title_text)
            yield Static(literal_text(self.question, keep_newlines=True), id="confirm-question")
            if self.detail:
                yield Static(literal_text(self.detail, keep_newlines=True), id="confirm-detail")
            with Horizontal(id="confirm-buttons"):
                yield Button(Text("Yes (y)"), variant="error", id="confirm-yes")
                yield Button(Text("No (n)"), variant="primary", id="confirm-no")

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    @on(Button.Pressed, "#confirm-yes")
    def _yes(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-no")
    def _no(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(False)

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
