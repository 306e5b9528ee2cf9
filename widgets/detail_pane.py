"""The detail pane: every field of the highlighted session, unknown and invalid ones included."""

from __future__ import annotations

import json
import reprlib
from collections.abc import Collection, Mapping
from itertools import islice
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.visual import Visual, visualize
from textual.widget import Widget

from openclaw_tui.widgets.text import visible

# The pane's work is bounded by what fits on screen, not by the entry: an entry with 100,000
# fields took ~15 s and 600 MB to lay out, a 1 MB key ~2.5 s per selection.
FIELDS_PER_PAGE = 100
"""Fields rendered at first; ``show_more`` adds as many again."""
MAX_KEY_CHARS = 1_000
MAX_NAME_CHARS = 200
MAX_VALUE_CHARS = 2_000
MAX_VALUE_LINES = 40
MAX_NOTES = 20
"""Invalid-entry notes (those not attached to a shown field) rendered at most."""


def _spelled_start(text: str, limit: int) -> str:
    """``text`` spelled out (``visible``), cut after ``limit`` characters with its length.

    Cut before spelling: spelling reads every character of a 1 MB key.
    """
    shown = visible(text[:limit])
    return shown if len(text) <= limit else f"{shown}… ({len(text):,} characters)"


def _bounded_json(value: Any, limit: int) -> tuple[str, bool]:
    """Indented JSON of ``value``, stopping after ``limit`` characters: (text, was cut)."""
    encoder = json.JSONEncoder(ensure_ascii=False, indent=2, allow_nan=True, default=repr)
    parts: list[str] = []
    length = 0
    try:
        # iterencode is lazy: a 100,000-item list is not serialized to show its first lines.
        for chunk in encoder.iterencode(value):
            parts.append(chunk)
            length += len(chunk)
            if length > limit:
                return "".join(parts)[:limit], True
    except (TypeError, ValueError, RecursionError):
        text = reprlib.repr(value)
        return text[:limit], len(text) > limit
    return "".join(parts), False


def _value_text(value: Any) -> str:
    """The value as JSON exactly as stored, cut (with its size) when it is huge."""
    if isinstance(value, str):
        # Quoted like JSON, but control characters are spelled the way the table spells them.
        if len(value) > MAX_VALUE_CHARS:
            return '"' + _spelled_start(value, MAX_VALUE_CHARS)  # no closing quote: it goes on
        return '"' + visible(value) + '"'
    text, cut = _bounded_json(value, MAX_VALUE_CHARS)
    lines = text.split("\n")
    if len(lines) > MAX_VALUE_LINES:
        text, cut = "\n".join(lines[:MAX_VALUE_LINES]), True
    if cut:
        size = f"{len(value):,} items" if isinstance(value, list | dict) else "cut"
        text += f"… ({size})"
    return text


def _name_text(name: Any) -> str:
    return _spelled_start(name if isinstance(name, str) else str(name), MAX_NAME_CHARS)


def render_entry(
    key: str,
    entry: Any,
    invalid: Mapping[str, str],
    known_fields: Collection[str] | None = None,
    *,
    max_fields: int = FIELDS_PER_PAGE,
) -> Text:
    """The pane's text: the key, then ``field  value`` lines in the entry's own order.

    Values are shown as JSON exactly as stored (``"banana"`` stays ``"banana"``); invalid ones
    carry a red ``invalid:`` note, unknown fields a dim ``(unknown field)`` note. At most
    ``max_fields`` fields are rendered (then a line says how many more there are), and huge
    keys, names and values are cut with their size, so the work does not grow with the entry.
    """
    text = Text(no_wrap=False)
    text.append("Session ", style="bold")
    text.append(_spelled_start(key, MAX_KEY_CHARS), style="bold")
    text.append("\n")
    if not isinstance(entry, Mapping):
        text.append(visible_lines(_value_text(entry)), style="red")
        text.append("\ninvalid: the entry is not an object; it is kept untouched\n", style="red")
        return text
    shown = [(name, _name_text(name), value) for name, value in islice(entry.items(), max_fields)]
    width = min(24, max((len(shown_name) for _, shown_name, _ in shown), default=8))
    for name, shown_name, value in shown:
        text.append("\n")
        text.append(shown_name.ljust(width), style="bold" if name not in invalid else "bold red")
        text.append(" ")
        value_lines = visible_lines(_value_text(value))
        text.append(value_lines, style="red" if name in invalid else "")
        if name in invalid:
            text.append(f"  ⚠ invalid: {visible(invalid[name])}", style="bold red")
        elif known_fields is not None and name not in known_fields:
            text.append("  (unknown field)", style="dim italic")
    shown_names = {name for name, _, _ in shown}
    # Notes about fields not shown yet wait for their page; the entry-level ones come first.
    notes = [
        (name, problem)
        for name, problem in islice(invalid.items(), max_fields + MAX_NOTES)
        if name not in shown_names and name not in entry
    ]
    for name, problem in notes[:MAX_NOTES]:
        text.append(f"\n⚠ {_name_text(name) or 'entry'}: {visible(problem)}", style="bold red")
    more = len(entry) - len(shown)
    if more > 0:
        noun = "field" if more == 1 else "fields"
        text.append(f"\n\n… {more:,} more {noun} (press + to show more)", style="dim italic")
    return text


def visible_lines(value: str) -> str:
    """Multi-line JSON keeps its line breaks; every other control character is spelled out."""
    return "\n".join(visible(line) for line in value.split("\n"))


class DetailBody(Widget):
    """The pane's text, drawn as Textual draws a ``Static`` of it; a new text drawn in place
    (``show_in_place``) repaints only the lines that differ from the ones on screen.

    At 100,000 sessions a held cursor key moved to a new session 30 times a second and each
    repainted every line of the pane (~15 ms a frame, the most expensive thing a cursor move
    did); consecutive sessions share most of their lines (field names, nested objects' braces,
    the blank tail), so only the values that differ are drawn again.
    """

    DEFAULT_CSS = """
    DetailBody {
        height: auto;
    }
    """

    def __init__(self, text: Text, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._visual: Visual = visualize(self, text, markup=False)
        # The lines as last rendered, and the size they were rendered at.
        self._lines: list[Strip] = []
        self._lines_size: Size | None = None

    def render(self) -> Visual:
        return self._visual

    def update(self, text: Text, *, layout: bool = True) -> None:
        """Show ``text``, every line repainted (and laid out again with ``layout``)."""
        self._visual = visualize(self, text, markup=False)
        self.refresh(layout=layout)

    def show_in_place(self, text: Text) -> None:
        """Show ``text`` at the size the body has now: only the lines that differ from the
        ones drawn are repainted. Falls back on ``update`` when nothing is drawn yet."""
        self._visual = visualize(self, text, markup=False)
        if self._dirty_regions or self._lines_size != self.size:
            # Not drawn yet, or a repaint of everything is due anyway.
            self.refresh(layout=False)
            return
        old = self._lines
        new = self._render_strips()
        width = self.size.width
        changed = [
            Region(0, y, width, 1)
            for y in range(max(len(old), len(new)))
            if y >= len(old) or y >= len(new) or old[y] != new[y]
        ]
        self._lines = new
        # Cleared dimensions and caches as any refresh does (the text's height is asked
        # again by the pane); only the changed lines are marked for the screen.
        self.clear_cached_dimensions()
        self._layout_cache.clear()
        if changed:
            self.refresh(*changed)
            # The lines are rendered already: what the refresh marked is drawn from them.
            self._dirty_regions.clear()

    def _render_strips(self) -> list[Strip]:
        width, height = self.size
        return Visual.to_strips(self, self._visual, width, height, self.visual_style)

    def render_line(self, y: int) -> Strip:
        if self._dirty_regions or self._lines_size != self.size:
            self._lines = self._render_strips()
            self._lines_size = self.size
            self._dirty_regions.clear()
        if y < len(self._lines):
            return self._lines[y]
        return Strip.blank(self.size.width, self.visual_style.rich_style)


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
        /* As tall as the pane at least: a session whose fields fit is as tall as any other
           that fits, and showing it needs no layout (see _set). */
        min-height: 100%;
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
        self._body = DetailBody(self._text, id="detail-body")
        self._shown: tuple[str | None, Any, Mapping[str, str]] | None = None
        self._max_fields = FIELDS_PER_PAGE
        # (width, lines) of the text shown when it was last measured; (0, 0): not yet.
        self._content_height = (0, 0)

    def compose(self) -> ComposeResult:
        yield self._body

    def show(
        self, key: str | None, entry: Any = None, invalid: Mapping[str, str] | None = None
    ) -> None:
        invalid = invalid or {}
        shown = self._shown
        if shown is not None and shown[0] == key and shown[1] is entry and shown[2] == invalid:
            return  # entries are never mutated: the same object renders the same text (and layout)
        if key != self.key:
            self._max_fields = FIELDS_PER_PAGE  # another session starts at its first page
        self._shown = (key, entry, invalid)
        self.key = key
        self._render_shown()

    def show_more(self) -> bool:
        """Render another page of fields; False when every field is already shown."""
        if self._shown is None:
            return False
        _key, entry, _invalid = self._shown
        if not isinstance(entry, Mapping) or len(entry) <= self._max_fields:
            return False
        self._max_fields += FIELDS_PER_PAGE
        self._render_shown()
        return True

    def _render_shown(self) -> None:
        assert self._shown is not None
        key, entry, invalid = self._shown
        if key is None:
            self._set(Text("No session selected.", style="dim"))
        elif entry is None:
            shown_key = _spelled_start(key, MAX_KEY_CHARS)
            self._set(Text(f"{shown_key}\n\nThis session was removed.", style="dim"))
        else:
            text = render_entry(key, entry, invalid, self.known_fields, max_fields=self._max_fields)
            self._set(text)

    def _set(self, text: Text) -> None:
        self._text = text
        body = self._body
        width = body.size.width
        if not body.is_mounted or not width:
            body.update(text)
            self._content_height = (0, 0)
            return
        # A layout re-arranges the whole screen and takes two more frames (the pane's size,
        # then its scrollbar): at 100,000 sessions it was most of a cursor move. Most moves go
        # to a session whose fields take as many lines as the last one's: then the new text is
        # only drawn where the old one was.
        view = self.scrollable_content_region.height
        before_width, before = self._content_height
        body.show_in_place(text)
        after = body.get_content_height(self.size, self.app.size, width)
        self._content_height = (width, after)
        if before_width != width or (after != before and max(after, before) > view):
            body.refresh(layout=True)

    @property
    def text(self) -> str:
        """The plain text shown (for tests)."""
        return self._text.plain
