"""The filter line (f / ctrl+f): an input, a hint, and an inline error when the text is bad."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Static

from openclaw_tui.widgets.text import marked_error, visible

FILTER_HINT = "text  !neg  ~fuzzy  channel:telegram  think:high  model:gpt-4.1  kind:cron"


class FilterBar(Horizontal):
    """Posts ``FilterBar.Changed`` as the operator types and ``FilterBar.Closed`` on Enter/Esc."""

    DEFAULT_CSS = """
    FilterBar {
        display: none;
        height: 1;
        background: $boost;
    }
    FilterBar.-open {
        display: block;
    }
    FilterBar > #filter-label {
        width: auto;
        padding: 0 1;
        color: $text-accent;
        text-style: bold;
    }
    FilterBar > #filter-input {
        width: 1fr;
        height: 1;
        border: none;
        padding: 0;
        background: $boost;
    }
    FilterBar > #filter-message {
        width: auto;
        max-width: 60;
        padding: 0 1;
        color: $text-muted;
    }
    FilterBar > #filter-message.-error {
        color: $text-error;
        text-style: bold;
    }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Clear filter", id="filter.clear"),
    ]

    class _BarMessage(Message):
        """A message about this bar (``control`` is the bar, as Textual expects)."""

        def __init__(self, bar: FilterBar) -> None:
            super().__init__()
            self.bar = bar

        @property
        def control(self) -> FilterBar:
            return self.bar

    class Changed(_BarMessage):
        def __init__(self, bar: FilterBar, text: str) -> None:
            super().__init__(bar)
            self.text = text

    class Closed(_BarMessage):
        """Enter keeps the filter, Escape clears it (``cleared``); focus goes back to the table."""

        def __init__(self, bar: FilterBar, cleared: bool) -> None:
            super().__init__(bar)
            self.cleared = cleared

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)

    def compose(self) -> ComposeResult:
        yield Static("Filter", id="filter-label")
        yield Input(placeholder=FILTER_HINT, id="filter-input", select_on_focus=False)
        yield Static(Text(""), id="filter-message")

    @property
    def input(self) -> Input:
        return self.query_one("#filter-input", Input)

    @property
    def value(self) -> str:
        return self.input.value

    def open(self, text: str | None = None) -> None:
        self.add_class("-open")
        if text is not None:
            self.input.value = text
        # Widget.focus() defers the change, so keys already queued behind the one that opened
        # the filter (a fast typist, a paste, tmux send-keys) would still reach the table and
        # trigger its bindings. Setting the focus synchronously routes them to the input.
        if self.is_attached:
            self.screen.set_focus(self.input)
        else:
            self.input.focus()

    def close(self) -> None:
        self.remove_class("-open")

    @property
    def is_open(self) -> bool:
        return self.has_class("-open")

    def show_message(self, message: str, *, error: bool = False) -> None:
        label = self.query_one("#filter-message", Static)
        text = Text(visible(message))
        label.update(marked_error(text) if error else text)
        label.set_class(error, "-error")

    @on(Input.Changed, "#filter-input")
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.Changed(self, event.value))

    @on(Input.Submitted, "#filter-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.close()
        self.post_message(self.Closed(self, cleared=False))

    def action_cancel(self) -> None:
        self.input.value = ""
        self.close()
        self.post_message(self.Closed(self, cleared=True))
