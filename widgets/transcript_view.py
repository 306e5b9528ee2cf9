"""A session transcript as a scrolling list of items, rendered line by line (Toolong style).

The widget takes data and posts messages; it knows nothing of where items come from. An item is
anything shaped like ``TranscriptItemLike`` (the store's ``TranscriptItem`` is). The host feeds
it with ``reset`` (show these), ``add`` (append; an in-flight item is replaced in place by its
successor, as ``item.replaces(old)`` says) and ``prepend`` (earlier items, the view stays put).

Following: while the view follows, new items scroll into view and the cursor stays on the last
one. Moving up (keys, wheel) pauses it; items that arrive meanwhile are counted (``pending``)
and the host is told with ``FollowChanged`` so it can show "+N new". ``end``/``G`` resumes.
Reaching the top while earlier items exist posts ``EarlierWanted``.

Only what is on screen is drawn; each item is wrapped once per width and kept until it
changes. Text is data: every string goes through ``widgets.text`` (markup, escape codes and
bidi controls shown literally).
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ClassVar, Protocol

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from openclaw_tui.widgets.text import fit, literal_text, visible, visible_control_chars


class TranscriptItemLike(Protocol):
    """What the view reads of an item (``store.transcript_model.TranscriptItem`` has it all)."""

    @property
    def kind(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def timestamp_ms(self) -> int | None: ...
    @property
    def tool_name(self) -> str | None: ...
    @property
    def tool_args(self) -> Any: ...
    @property
    def usage(self) -> Mapping[str, Any] | None: ...
    @property
    def cost_usd(self) -> float | None: ...
    @property
    def aborted(self) -> bool: ...
    @property
    def error(self) -> str | None: ...
    @property
    def partial(self) -> bool: ...
    @property
    def model(self) -> str | None: ...

    def replaces(self, other: Any) -> bool: ...


TIME_WIDTH = 11
"""``HH:MM:SS`` today, ``MM-DD HH:MM`` before (the host's ``time_format`` decides)."""
LABEL_WIDTH = 9
GUTTER = TIME_WIDTH + 1 + LABEL_WIDTH + 1
TOOL_CALL_LINES = 4
"""A tool call's arguments beyond this many lines are folded (enter shows them all)."""
REPLACE_WINDOW = 8
"""How far back from the end an in-flight item is looked for (it is always at the end)."""

LABELS = {
    "user": ("user", "bold cyan"),
    "assistant": ("assistant", "bold green"),
    "tool_call": ("tool call", "bold magenta"),
    "tool_result": ("result", "magenta"),
    "system": ("system", "dim"),
    "error": ("error", "bold red"),
}
META_STYLE = "dim"
ERROR_STYLE = "bold red"
MARKER_STYLE = "bold yellow"
CURSOR_STYLE = Style(bgcolor="grey23")


def _format_count(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return f"{int(value):,}"


def usage_line(item: TranscriptItemLike) -> str | None:
    """``in 21,250 · out 18 · cache 0/0 · $0.0642 · provider/model`` (None: nothing to say)."""
    parts: list[str] = []
    usage = item.usage if isinstance(item.usage, Mapping) else {}
    for name, label in (("input", "in"), ("output", "out"), ("totalTokens", "total")):
        count = _format_count(usage.get(name))
        if count is not None:
            parts.append(f"{label} {count}")
    reads, writes = _format_count(usage.get("cacheRead")), _format_count(usage.get("cacheWrite"))
    if reads is not None or writes is not None:
        parts.append(f"cache {reads or 0}/{writes or 0}")
    if item.cost_usd is not None:
        parts.append(f"${item.cost_usd:.4f}")
    if not parts:
        return None
    if item.model:
        parts.append(visible(item.model))
    return " · ".join(parts)


def args_text(args: Any) -> str:
    """Tool arguments as compact JSON (strings escaped as JSON does), else their ``str``."""
    if args is None:
        return ""
    try:
        return json.dumps(args, ensure_ascii=False, default=str, separators=(", ", ": "))
    except (TypeError, ValueError):
        return str(args)


def is_foldable(item: TranscriptItemLike) -> bool:
    return item.kind in ("tool_result", "tool_call")


class TranscriptView(ScrollView, can_focus=True):
    """The items of one transcript, newest at the bottom (see module doc)."""

    DEFAULT_CSS = """
    TranscriptView {
        height: 1fr;
        overflow-x: hidden;
        /* Lines are wrapped to the width: a scrollbar appearing must not change it. */
        scrollbar-gutter: stable;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor(-1)", "Up", show=False, id="transcript.up"),
        Binding("down,j", "cursor(1)", "Down", show=False, id="transcript.down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="transcript.page-up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="transcript.page-down"),
        Binding("home,g", "first", "Top (loads earlier)", show=False, id="transcript.top"),
        Binding("end,G", "follow", "Follow", id="transcript.follow"),
        Binding("enter", "toggle_fold", "Expand / fold", id="transcript.toggle"),
        Binding("x", "toggle_all", "Expand / fold all tools", id="transcript.toggle-all"),
    ]

    class FollowChanged(Message):
        """Following started or paused, or the count of items that arrived while paused moved."""

        def __init__(self, following: bool, pending: int) -> None:
            super().__init__()
            self.following = following
            self.pending = pending

    class EarlierWanted(Message):
        """The operator reached the top and earlier items exist: the host loads some."""

    def __init__(
        self,
        *,
        time_format: Callable[[int], str],
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._time_format = time_format
        self._items: list[TranscriptItemLike] = []
        self._lines: list[list[Strip] | None] = []  # per item, at self._width
        self._starts: list[int] = [0]  # first line of each item, plus the total at the end
        # Items [0, _unmeasured) are not wrapped yet: one line each in _starts, drawn blank.
        # Opening (or re-wrapping) while following wraps only what fills the screen from the
        # end; the rest is wrapped after that frame is drawn (see _measure_all).
        self._unmeasured = 0
        self._expanded: set[int] = set()
        self._width = 0
        self.cursor = -1
        self.following = True
        self.pending = 0
        self.has_earlier = False
        self._earlier_asked = False
        self._keeping_place = False
        self.empty_message = "No messages yet."

    # --- data ---------------------------------------------------------------------------------

    @property
    def items(self) -> Sequence[TranscriptItemLike]:
        return self._items

    def reset(self, items: Iterable[TranscriptItemLike], *, has_earlier: bool = False) -> None:
        """Show ``items`` instead of everything shown (first load, a rewritten file)."""
        self._items = list(items)
        self._lines = [None] * len(self._items)
        self._unmeasured = len(self._items) if self.following else 0
        self._expanded.clear()
        self.has_earlier = has_earlier
        self._earlier_asked = False
        self.pending = 0
        if self.following or self.cursor >= len(self._items):
            self.cursor = len(self._items) - 1
        self._relayout()
        if self.following:
            self._scroll_to_end()
        self._tell_follow()

    def add(self, items: Iterable[TranscriptItemLike]) -> None:
        """Append ``items``; one that replaces an in-flight item takes its place."""
        added = 0
        first_changed = len(self._items)
        for item in items:
            last = len(self._items) - 1
            for index in range(last, max(-1, last - REPLACE_WINDOW), -1):
                if item.replaces(self._items[index]):
                    self._items[index] = item
                    self._lines[index] = None
                    first_changed = min(first_changed, index)
                    break
            else:
                self._items.append(item)
                self._lines.append(None)
                added += 1
        if not added and first_changed == len(self._items):
            return
        self._relayout(first_changed)
        if self.following:
            self.cursor = len(self._items) - 1
            self._scroll_to_end()
        elif added:
            self.pending += added
            self._tell_follow()

    def prepend(self, items: Sequence[TranscriptItemLike], *, has_earlier: bool) -> None:
        """Earlier items above the shown ones; what the operator looks at stays in place."""
        self._measure_all()
        self.has_earlier = has_earlier
        self._earlier_asked = False
        if not items:
            return
        count = len(items)
        before = self._starts[-1]
        self._items[:0] = items
        self._lines[:0] = [None] * count
        self._expanded = {index + count for index in self._expanded}
        if self.cursor >= 0:
            self.cursor += count
        self._relayout()
        grown = self._starts[-1] - before
        if not self.following:
            self._keeping_place = True
            try:
                self.scroll_to(y=self.scroll_y + grown, animate=False, immediate=True)
            finally:
                self._keeping_place = False
        else:
            self._scroll_to_end()

    # --- following ----------------------------------------------------------------------------

    def _tell_follow(self) -> None:
        self.post_message(self.FollowChanged(self.following, self.pending))

    def pause(self) -> None:
        if self.following:
            self.following = False
            self._tell_follow()

    def resume(self) -> None:
        """Follow again: jump to the newest item, forget the pending count."""
        self.following = True
        self.pending = 0
        self.cursor = len(self._items) - 1
        self._scroll_to_end()
        self.refresh()
        self._tell_follow()

    def _scroll_to_end(self) -> None:
        # force: right after new lines the scrollbar is not shown yet (that waits for the next
        # layout), and without it the scroll would wait too, so the first frame of a freshly
        # opened transcript showed its top instead of its tail.
        self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True, force=True)
        # A resize may still change the height of the region: look again after the refresh.
        self.call_after_refresh(self._settle_end)

    def _settle_end(self) -> None:
        if self.following:
            self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True, force=True)

    def _want_earlier(self) -> None:
        if self.has_earlier and not self._earlier_asked:
            self._earlier_asked = True
            self.post_message(self.EarlierWanted())

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if self._keeping_place:
            return  # earlier items went in above: the same lines are shown, nothing to decide
        at_bottom = new_value >= self.max_scroll_y - 0.5
        if new_value < old_value - 0.5 and not at_bottom:
            self.pause()  # the operator scrolled up (a clamp after shrinking lands at the bottom)
        elif new_value > old_value + 0.5 and at_bottom and not self.following:
            self.resume()  # the operator scrolled back down to the newest line
        if new_value <= 0 < old_value:
            self._want_earlier()

    def _on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        if self.scroll_y <= 0:
            self._want_earlier()

    # --- layout and drawing -------------------------------------------------------------------

    @property
    def _body_width(self) -> int:
        return max(10, self._width - GUTTER)

    def _relayout(self, first_changed: int = 0) -> None:
        width = self.scrollable_content_region.width
        if width != self._width:
            self._width = width
            self._lines = [None] * len(self._items)
            first_changed = 0
            if self.following:
                self._unmeasured = len(self._items)
        if self._unmeasured:
            self._unmeasured = self._split_from_end(self._unmeasured)
            first_changed = 0
            if self._unmeasured:
                self.call_after_refresh(self._measure_all)
        # Items before the first changed one keep their lines and positions.
        starts = self._starts[: min(first_changed, len(self._starts) - 1) + 1]
        unmeasured = self._unmeasured
        for index in range(len(starts) - 1, len(self._items)):
            starts.append(starts[-1] + (1 if index < unmeasured else len(self._block(index))))
        self._starts = starts
        self.virtual_size = Size(self._width, self._starts[-1])
        self.refresh()

    def _split_from_end(self, unmeasured: int) -> int:
        """Where the wrapped items must start for the last ones to fill the screen: items from
        the end are wrapped until they make a screenful (or ``unmeasured`` is reached)."""
        height = self.scrollable_content_region.height or self.app.size.height
        index, lines = len(self._items), 0
        while index > 0 and lines <= height:
            index -= 1
            lines += len(self._block(index))
        return min(index, unmeasured)

    def _measure_all(self) -> None:
        """Wrap the items above the first screenful; the lines shown stay where they are."""
        if not self._unmeasured:
            return
        before = self._starts[-1]
        self._unmeasured = 0
        self._relayout()
        if self.following:
            self._scroll_to_end()
            return
        self._keeping_place = True
        try:
            self.scroll_to(
                y=self.scroll_y + self._starts[-1] - before, animate=False, immediate=True
            )
        finally:
            self._keeping_place = False

    def on_resize(self, event: events.Resize) -> None:
        self._relayout()
        if self.following:
            self._scroll_to_end()

    def _block(self, index: int) -> list[Strip]:
        lines = self._lines[index]
        if lines is None:
            lines = self._render_item(self._items[index], index in self._expanded)
            self._lines[index] = lines
        return lines

    def _render_item(self, item: TranscriptItemLike, expanded: bool) -> list[Strip]:
        console = self.app.console
        width = self._body_width
        label, label_style = LABELS.get(item.kind, (visible(item.kind), "bold"))
        body = Text()
        extra: list[Text] = []
        if item.partial:
            body.append("[streaming…] ", MARKER_STYLE)
        if item.aborted:
            body.append("[aborted] ", MARKER_STYLE)
        if item.kind == "error":
            body.append("✗ ", ERROR_STYLE)
            body.append_text(literal_text(item.text, ERROR_STYLE, keep_newlines=True))
        elif item.kind == "tool_call":
            body.append(visible(item.tool_name or "?"), "bold")
            args = visible_control_chars(args_text(item.tool_args))
            if args:
                body.append(" ")
                body.append(args)
        elif item.kind == "tool_result":
            name = visible(item.tool_name or "tool")
            if item.error is not None:
                body.append("[failed] ", ERROR_STYLE)
            if expanded:
                body.append(f"▾ {name}\n", "bold")
                body.append_text(literal_text(item.text, keep_newlines=True))
            else:
                lines = item.text.split("\n")
                hint = f"  [{len(lines)} lines · enter]" if len(lines) > 1 else ""
                prefix = f"▸ {name}: "
                room = width - cell_len(body.plain) - cell_len(prefix) - len(hint)
                first = visible(lines[0])
                if cell_len(first) > room and not hint:
                    hint = "  [enter]"
                    room -= len(hint)
                body.append(prefix, "bold")
                body.append(fit(first, max(1, room)).rstrip() if cell_len(first) > room else first)
                body.append(hint, META_STYLE)
        else:
            style = "dim" if item.kind == "system" else ""
            body.append_text(literal_text(item.text, style, keep_newlines=True))
            if item.partial and not item.text:
                body.append("…", META_STYLE)
        if item.error is not None and item.kind not in ("error", "tool_result"):
            extra.append(Text.assemble(("✗ error: ", ERROR_STYLE), literal_text(item.error)))
        usage = usage_line(item)
        if usage is not None:
            extra.append(Text(usage, META_STYLE))
        wrapped = list(body.wrap(console, width, overflow="fold"))
        # Folded only when that hides two lines or more: "… 1 more line" would take the line
        # it stands for.
        if item.kind == "tool_call" and not expanded and len(wrapped) > TOOL_CALL_LINES + 1:
            hidden = len(wrapped) - TOOL_CALL_LINES
            wrapped = wrapped[:TOOL_CALL_LINES]
            wrapped.append(Text(f"… {hidden} more lines · enter", META_STYLE))
        for text in extra:
            wrapped.extend(text.wrap(console, width, overflow="fold"))
        if not wrapped:
            wrapped = [Text("")]
        stamp = self._time_format(item.timestamp_ms) if item.timestamp_ms else ""
        gutter = Text.assemble(
            (fit(stamp, TIME_WIDTH), META_STYLE), " ", (fit(label, LABEL_WIDTH), label_style), " "
        )
        blank = Text(" " * GUTTER)
        strips: list[Strip] = []
        for number, line in enumerate(wrapped):
            row = (gutter if number == 0 else blank).copy()
            row.append_text(line)
            segments = list(row.render(console))
            strip = Strip(segments).extend_cell_length(self._width).crop(0, self._width)
            strips.append(strip)
        return strips

    def render_line(self, y: int) -> Strip:
        scroll_y = round(self.scroll_offset.y)
        line = scroll_y + y
        width = self.scrollable_content_region.width
        if not self._items:
            if y == 0:
                return Strip([Segment(fit(self.empty_message, width), Style(dim=True))], width)
            return Strip.blank(width)
        if line >= self._starts[-1] or line < 0:
            return Strip.blank(width)
        index = bisect_right(self._starts, line) - 1
        if index < self._unmeasured:
            return Strip.blank(width)  # wrapped right after this frame
        strip = self._block(index)[line - self._starts[index]]
        if index == self.cursor and self.has_focus:
            strip = strip.apply_style(CURSOR_STYLE)
        return strip

    def _on_focus(self, event: events.Focus) -> None:
        self.refresh()

    def _on_blur(self, event: events.Blur) -> None:
        self.refresh()

    # --- cursor and folding -------------------------------------------------------------------

    def _show_cursor(self) -> None:
        self._measure_all()
        if not 0 <= self.cursor < len(self._items):
            return
        top, bottom = self._starts[self.cursor], self._starts[self.cursor + 1]
        height = self.scrollable_content_region.height
        if bottom - top > height:
            bottom = top + height
        self.scroll_to_region(
            Region(0, top, 1, bottom - top), animate=False, immediate=True, force=True
        )

    def action_cursor(self, step: int) -> None:
        self._measure_all()
        if not self._items:
            return
        target = max(0, min(len(self._items) - 1, self.cursor + step))
        if step < 0:
            self.pause()
            if target == self.cursor:
                self._want_earlier()  # already on the first item
        self.cursor = target
        self._show_cursor()
        if step > 0 and target == len(self._items) - 1 and not self.following:
            self.resume()
        self.refresh()

    def action_page(self, step: int) -> None:
        self._measure_all()
        if step < 0:
            self.pause()
        height = max(1, self.scrollable_content_region.height - 1)
        self.scroll_to(y=self.scroll_y + step * height, animate=False, immediate=True)
        if self._items:
            middle = round(self.scroll_y) + (height // 2 if step < 0 else height)
            self.cursor = max(0, min(len(self._items) - 1, bisect_right(self._starts, middle) - 1))
        if step > 0 and self.scroll_y >= self.max_scroll_y and not self.following:
            self.resume()
        elif step < 0 and self.scroll_y <= 0:
            self._want_earlier()
        self.refresh()

    def action_first(self) -> None:
        self._measure_all()
        self.pause()
        self.cursor = 0 if self._items else -1
        self.scroll_to(y=0, animate=False, immediate=True)
        self._want_earlier()
        self.refresh()

    def action_follow(self) -> None:
        self.resume()

    def toggle(self, index: int) -> None:
        if not 0 <= index < len(self._items) or not is_foldable(self._items[index]):
            return
        self._measure_all()
        self._expanded ^= {index}
        self._lines[index] = None
        self._relayout(index)
        if self.following:
            self._scroll_to_end()
        else:
            self._show_cursor()

    def action_toggle_fold(self) -> None:
        self.toggle(self.cursor)

    def action_toggle_all(self) -> None:
        self._measure_all()
        foldable = {i for i, item in enumerate(self._items) if is_foldable(item)}
        self._expanded = set() if foldable <= self._expanded else foldable
        self._lines = [None] * len(self._items)
        self._relayout()
        if self.following:
            self._scroll_to_end()
        else:
            self._show_cursor()

    def is_expanded(self, index: int) -> bool:
        return index in self._expanded

    def on_click(self, event: events.Click) -> None:
        self._measure_all()
        line = round(self.scroll_offset.y) + event.y
        if not self._items or not 0 <= line < self._starts[-1]:
            return
        index = bisect_right(self._starts, line) - 1
        if index == self.cursor:
            self.toggle(index)
        else:
            if index < len(self._items) - 1:
                self.pause()
            self.cursor = index
        self.refresh()

    def rendered_text(self) -> list[str]:
        """Every line of every item as plain text (for tests and copying)."""
        self._measure_all()
        return [strip.text for index in range(len(self._items)) for strip in self._block(index)]
