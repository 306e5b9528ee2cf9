"""The detail pane: every field of the highlighted session, unknown and invalid ones included."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from openclaw_tui.widgets.text import visible


def _value_text(value: Any) -> str:
    if isinstance(value, str):
        # Quoted like JSON, but control characters are spelled the way the table spells them.
        return '"' + visible(value) + '"'
    try:
        return json.dumps(value, ensure_ascii=False, indent=2, allow_nan=True, default=repr)
    except (TypeError, ValueError):
        return repr(value)


def render_entry(
    key: str,
    entry: Any,
    invalid: Mapping[str, str],
    known_fields: Collection[str] | None = None,
) -> Text:
    """The pane's text: the full key, then ``field  value`` lines in the entry's own order.

    Values are shown as JSON exactly as stored (``"banana"`` stays ``"banana"``); invalid ones
    carry a red ``invalid:`` note, unknown fields a dim ``(unknown field)`` note.
    """
    text = Text(no_wrap=False)
    text.append("Session ", style="bold")
    text.append(visible(key), style="bold")
    text.append("\n")
    if not isinstance(entry, Mapping):
        text.append(visible(_value_text(entry)), style="red")
        text.append("\ninvalid: the entry is not an object; it is kept untouched\n", style="red")
        return text
    width = min(24, max((len(visible(name)) for name in entry), default=8))
    for name, value in entry.items():
        shown_name = visible(name)
        text.append("\n")
        text.append(shown_name.ljust(width), style="bold" if name not in invalid else "bold red")
        text.append(" ")
        value_lines = visible_lines(_value_text(value))
        text.append(value_lines, style="red" if name in invalid else "")
        if name in invalid:
            text.append(f"  ⚠ invalid: {visible(invalid[name])}", style="bold red")
        elif known_fields is not None and name not in known_fields:
            text.append("  (unknown field)", style="dim italic")
    for name, problem in invalid.items():
        if name not in entry:
            text.append(f"\n⚠ {visible(name) or 'entry'}: {visible(problem)}", style="bold red")
    return text


def visible_lines(value: str) -> str:
    """Multi-line JSON keeps its line breaks; every other control character is spelled out."""
    return "\n".join(visible(line) for line in value.split("\n"))


class DetailPane(VerticalScroll):
    """Shows one session. ``show(key, entry, invalid)``; ``show(None, ...)`` clears it."""

    DEFAULT_CSS = """
    DetailPane {
        width: 30%;
        min-width: 28;
        max-width: 56;
        border-left: vkey $foreground 20%;
        padding: 0 1;
        background: $surface;
    }
    DetailPane > #detail-body {
        width: 1fr;
        height: auto;
    }
    """

    def __init__(
        self,
        *,
        known_fields: Collection[str] | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.known_fields = known_fields
        self.key: str | None = None
        self._text = Text("No session selected.", style="dim")
        self._body = Static(self._text, id="detail-body")
        self._shown: tuple[str | None, Any, Mapping[str, str]] | None = None

    def compose(self) -> ComposeResult:
        yield self._body

    def show(
        self, key: str | None, entry: Any = None, invalid: Mapping[str, str] | None = None
    ) -> None:
        invalid = invalid or {}
        shown = self._shown
        if shown is not None and shown[0] == key and shown[1] is entry and shown[2] == invalid:
            return  # entries are never mutated: the same object renders the same text (and layout)
        self._shown = (key, entry, invalid)
        self.key = key
        if key is None:
            self._set(Text("No session selected.", style="dim"))
        elif entry is None:
            self._set(Text(f"{visible(key)}\n\nThis session was removed.", style="dim"))
        else:
            self._set(render_entry(key, entry, invalid, self.known_fields))

    def _set(self, text: Text) -> None:
        self._text = text
        self._body.update(text)

    @property
    def text(self) -> str:
        """The plain text shown (for tests)."""
        return self._text.plain
