"""What the main screen shows instead of the table when there is no store to show."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static

from openclaw_tui.widgets.text import visible


class EmptyState(Static, can_focus=True):
    """A title, then lines of explanation (the path looked at, how to point elsewhere).

    Focusable, so that while it shows, focus rests here and the footer lists the screen's keys.
    """

    DEFAULT_CSS = """
    EmptyState {
        display: none;
        height: 1fr;
        width: 1fr;
        content-align: center middle;
        padding: 1 4;
        color: $text;
    }
    EmptyState.-visible {
        display: block;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(Text(""), id=id, classes=classes)
        self.title = ""
        self.lines: tuple[str, ...] = ()

    def show_state(self, title: str, lines: Sequence[str]) -> None:
        self.title = title
        self.lines = tuple(lines)
        text = Text(justify="left")
        text.append(visible(title), style="bold")
        for line in lines:
            text.append("\n\n" if line is lines[0] else "\n")
            text.append(visible(line))
        self.update(text)
        self.set_class(True, "-visible")

    def hide(self) -> None:
        self.set_class(False, "-visible")

    @property
    def text(self) -> str:
        return "\n".join((self.title, *self.lines))
