"""A scrollable window for a command's long output (``/help``, ``/status``, ``/model list``, a bulk
edit's per-session results): read it, then close it, instead of having it sit under the table.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from openclaw_tui.widgets.text import visible

CLOSE_HINT = "Esc, q or Enter closes · ↑↓ PgUp PgDn scroll"


class OutputScreen(ModalScreen[None]):
    """``text`` in a bordered, scrollable box titled ``title``; an error says so in its title
    and border, not only by colour."""

    DEFAULT_CSS = """
    OutputScreen {
        align: center middle;
    }
    OutputScreen > #output-box {
        width: 100;
        max-width: 95%;
        height: auto;
        max-height: 90%;
        border: round $accent;
        border-title-color: $text-accent;
        border-subtitle-color: $text-muted;
        background: $panel;
        padding: 0 1;
    }
    OutputScreen.-error > #output-box {
        border: round $error;
        border-title-color: $text-error;
    }
    OutputScreen #output-text {
        height: auto;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,enter", "close", "Close", id="output.close"),
    ]

    def __init__(self, title: str, text: Text, *, error: bool = False) -> None:
        super().__init__(classes="-error" if error else None)
        self.title_text = ("✖ Error: " if error else "") + title
        self.text = text
        self.error = error

    @property
    def plain(self) -> str:
        return self.text.plain

    def compose(self) -> ComposeResult:
        box = VerticalScroll(id="output-box")
        # A Text, not a str: a str title is read as markup, and the title is typed text.
        box.border_title = Text(visible(self.title_text))
        box.border_subtitle = CLOSE_HINT
        with box:
            yield Static(self.text, id="output-text", markup=False)

    def on_mount(self) -> None:
        # The box scrolls with the keys: it has the focus, nothing else here does.
        self.query_one("#output-box", VerticalScroll).focus()

    def action_close(self) -> None:
        self.dismiss(None)
