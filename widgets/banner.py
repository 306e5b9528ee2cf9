"""A one-or-two-line banner over the table for problems the operator must see (bad store)."""

from __future__ import annotations

from typing import Literal

from rich.text import Text
from textual.widgets import Static

from openclaw_tui.widgets.text import visible

Severity = Literal["error", "warning", "information"]


class Banner(Static):
    """Hidden until ``show_message``; ``clear`` hides it again."""

    DEFAULT_CSS = """
    Banner {
        display: none;
        height: auto;
        max-height: 4;
        padding: 0 1;
    }
    Banner.-visible {
        display: block;
    }
    Banner.-error {
        background: $error-muted;
        color: $text-error;
        text-style: bold;
    }
    Banner.-warning {
        background: $warning-muted;
        color: $text-warning;
    }
    Banner.-information {
        background: $primary-muted;
        color: $text-primary;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(Text(""), id=id, classes=classes)
        self.message: str | None = None
        self.severity: Severity = "error"

    def show_message(self, message: str, severity: Severity = "error") -> None:
        self.message = message
        self.severity = severity
        prefix = {"error": "✖ ", "warning": "⚠ ", "information": "ℹ "}[severity]
        self.update(Text(prefix + visible(message)))
        self.set_class(True, "-visible")
        for name in ("error", "warning", "information"):
            self.set_class(name == severity, f"-{name}")

    def clear(self) -> None:
        self.message = None
        self.update(Text(""))
        self.set_class(False, "-visible")
