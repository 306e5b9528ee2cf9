"""A keyed, line-API session table that stays fast at 100,000 rows.

Textual's DataTable needs ~12 s to paint 100k rows and keeps the cursor by index, so the
highlighted session silently changes when rows move. This table draws only the visible lines
(``render_line``) from a *source* (the view model) that knows the row order, and keeps its
cursor by session key: after every update it finds the key again and scrolls so the cursor stays
on the same screen line (htop/btop "follow selected").

Line 0 is the header (click a title to sort). Text from the store is drawn literally.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from rich.segment import Segment
from textual import events
from textual.actions import SkipAction
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from openclaw_tui.widgets.text import fit, visible

HIGHLIGHT_SECONDS = 2.0
"""How long a changed cell stays highlighted (htop -H)."""

GUTTER = 2  # the mark column: "● " for a marked row
WIDE_KEY_LIMIT = 240
"""Wide mode shows keys up to this many cells (a longer one is still cut in the middle)."""
WIDE_SCROLL_STEP = 8
"""Cells one ←/→ press scrolls a wide table sideways."""


class ColumnLike(Protocol):
    # Read-only members: the view model's columns are frozen dataclasses.
    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def width(self) -> int: ...
    @property
    def flex(self) -> bool: ...
    @property
    def live(self) -> bool: ...
    @property
    def fields(self) -> frozenset[str]:
        """An invalid value in one of these fields marks the cell."""
        ...


class RowLike(Protocol):
    key: str
    version: int
    changed_at: Mapping[str, float]

    @property
    def cells(self) -> tuple[str, ...]: ...

    @property
    def invalid(self) -> dict[str, str]: ...


class TableSource(Protocol):
    """What the table reads; the view model implements it. Nothing here knows of a store."""

    @property
    def columns(self) -> Sequence[ColumnLike]: ...

    sort_column: str
    sort_reverse: bool
    marked_keys: set[str]

    @property
    def row_count(self) -> int: ...

    def row_at(self, index: int) -> RowLike: ...

    def index_of(self, key: str) -> int | None: ...

    def live_cell(self, column: Any, row: Any) -> str: ...


# How the table gives way on a narrow terminal, step by step until the columns fit:
# ("shrink", column id, narrowest width at this step) or ("drop", column id).
_NARROWING: tuple[tuple[str, str, int], ...] = (
    ("shrink", "key", 24),
    ("shrink", "model", 16),
    ("drop", "levels", 0),
    ("shrink", "label", 14),
    ("drop", "channel", 0),
    ("drop", "cost", 0),
    # The Run column takes the room the Kind column had (the key already names the kind).
    ("drop", "kind", 0),
    ("shrink", "key", 16),
    ("shrink", "label", 10),
    ("drop", "gateway", 0),
    ("shrink", "model", 12),
    ("drop", "tokens", 0),
    ("drop", "model", 0),
    ("drop", "thinking", 0),
    # Run stays longest (what a session is doing now): the key and label give room first, and
    # the label (shown whole in the detail pane) goes before it (80 columns, detail pane open).
    ("shrink", "key", 14),
    ("shrink", "label", 8),
    ("drop", "label", 0),
    ("drop", "run", 0),
)

# A Run cell's first word -> its component class (the table knows the words, not the store).
_RUN_STYLES = {
    "running": "session-table--running",
    "queued": "session-table--running",
    "stalled": "session-table--stalled",
    "failed": "session-table--failed",
    "timeout": "session-table--failed",
}


class SessionTable(ScrollView, can_focus=True):
    """The live table. Give it a source with ``set_source`` and call ``data_changed`` after
    every applied update."""

    DEFAULT_CSS = """
    SessionTable {
        height: 1fr;
        overflow-x: hidden;
        overflow-y: auto;
        background: $surface;
    }
    SessionTable > .session-table--header {
        text-style: bold;
        background: $panel;
        color: $text;
    }
    SessionTable > .session-table--sorted {
        text-style: bold underline;
        background: $panel;
        color: $accent;
    }
    SessionTable > .session-table--cursor {
        background: $block-cursor-blurred-background;
        color: $block-cursor-blurred-foreground;
    }
    SessionTable:focus > .session-table--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: bold;
    }
    SessionTable > .session-table--changed {
        background: $warning-muted;
        color: $text-warning;
        text-style: bold;
    }
    SessionTable > .session-table--invalid {
        color: $text-error;
        text-style: underline;
    }
    SessionTable > .session-table--marked {
        color: $text-accent;
        text-style: bold;
    }
    SessionTable > .session-table--auto {
        color: $text-muted;
        text-style: italic;
    }
    SessionTable > .session-table--empty {
        color: $text-muted;
    }
    SessionTable > .session-table--running {
        color: $text-success;
        text-style: bold;
    }
    SessionTable > .session-table--stalled {
        color: $text-warning;
        text-style: bold reverse;
    }
    SessionTable > .session-table--failed {
        color: $text-error;
    }
    """

    COMPONENT_CLASSES = {
        "session-table--header",
        "session-table--sorted",
        "session-table--cursor",
        "session-table--changed",
        "session-table--invalid",
        "session-table--marked",
        "session-table--auto",
        "session-table--empty",
        "session-table--running",
        "session-table--stalled",
        "session-table--failed",
    }

    # Priority bindings run while the app dispatches each key, in the order typed. A host may
    # give its own keys (e.g. "edit the highlighted row") priority so that they take focus before
    # the keys typed behind them; the cursor keys must then be priority too, or "down down t" in
    # one burst (a paste, tmux send-keys, a fast typist) would edit the row the cursor left.
    # They only apply while the table has focus.
    BINDINGS = [
        Binding("up,k", "cursor_up", "Up", show=False, priority=True, id="table.cursor-up"),
        Binding("down,j", "cursor_down", "Down", show=False, priority=True, id="table.cursor-down"),
        Binding("pageup", "page_up", "Page up", show=False, priority=True, id="table.page-up"),
        Binding(
            "pagedown", "page_down", "Page down", show=False, priority=True, id="table.page-down"
        ),
        Binding("home,g", "first", "First", show=False, priority=True, id="table.first"),
        Binding("end,G", "last", "Last", show=False, priority=True, id="table.last"),
        Binding("space", "toggle_mark", "Mark", priority=True, id="table.mark"),
        Binding("enter", "select", "Details", show=False, priority=True, id="table.select"),
        # k9s toggles wide columns with ctrl+w; plain w is the gateways panel.
        Binding(
            "W,ctrl+w", "toggle_wide", "Wide keys (full, ←→ scroll)", show=False, id="table.wide"
        ),
    ]

    class _TableMessage(Message):
        """A message about this table (``control`` is the table, as Textual expects)."""

        def __init__(self, table: SessionTable) -> None:
            super().__init__()
            self.table = table

        @property
        def control(self) -> SessionTable:
            return self.table

    class CursorMoved(_TableMessage):
        """The highlighted session changed (``key`` is None when the table is empty)."""

        def __init__(self, table: SessionTable, key: str | None) -> None:
            super().__init__(table)
            self.key = key

    class SortRequested(_TableMessage):
        """The operator clicked a column title."""

        def __init__(self, table: SessionTable, column_id: str) -> None:
            super().__init__(table)
            self.column_id = column_id

    class WideToggled(_TableMessage):
        """Wide mode went on or off (``w``)."""

        def __init__(self, table: SessionTable, wide: bool) -> None:
            super().__init__(table)
            self.wide = wide

    class MarkToggled(_TableMessage):
        """Space on a row: the host toggles the mark in its model and calls ``refresh``."""

        def __init__(self, table: SessionTable, key: str) -> None:
            super().__init__(table)
            self.key = key

    class RowActivated(_TableMessage):
        """Enter or a double click on a row."""

        def __init__(self, table: SessionTable, key: str) -> None:
            super().__init__(table)
            self.key = key

    def __init__(
        self,
        source: TableSource | None = None,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        key_formatter: Callable[[str, int], str] | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._source = source
        self._monotonic = monotonic
        self._key_formatter = key_formatter or (lambda key, width: key)
        self.cursor_key: str | None = None
        self._cursor_index = 0
        self._line_cache: LRUCache[tuple[Any, ...], Strip] = LRUCache(1024)
        self._column_layout: tuple[tuple[int, str], list[tuple[int, int, int]]] | None = None
        # Bumped whenever the columns are laid out anew: a line drawn with another layout
        # (another sort column kept on a narrow screen, wide mode's key width) is another line.
        self._layout_epoch = 0
        # What each screen line shows now (its signature, as render_line last drew it):
        # ``repaint`` refreshes only the lines whose signature changed, so a change, a tick or
        # a cursor move repaints a few lines instead of every line of a tall table.
        self._drawn: dict[int, tuple[Any, ...]] = {}
        self._painting = False
        self._repaints = 0  # how many times repaint() ran (data_changed skips a second one)
        self._highlight_until = 0.0
        self.empty_message = "No sessions."
        self.wide = False
        """Wide mode (``w``): keys in full, every column at its width, scrolled with ←/→."""
        self._key_width = 0  # wide mode: the widest key shown

    # --- data ---------------------------------------------------------------------------------

    @property
    def source(self) -> TableSource | None:
        return self._source

    def set_source(self, source: TableSource) -> None:
        self._source = source
        self._column_layout = None
        self._line_cache.clear()
        self.data_changed(structural=True)

    @property
    def cursor_index(self) -> int:
        return self._cursor_index

    @property
    def _row_count(self) -> int:
        return self._source.row_count if self._source is not None else 0

    @property
    def _page_rows(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def data_changed(self, *, structural: bool = True, changed: bool = True) -> None:
        """Rows were updated: the cursor stays on its session key, and on its screen line.

        btop's "follow selected": when rows move above the highlighted one (newest first, busy
        sessions jump to the top), the view scrolls with it, so the row being read or about
        to be edited never slides away under the operator; the header's gutter shows ``↑`` while
        rows are above the view (``g``/Home goes there). The view moves only when it cannot
        (the top reached), and then the cursor stays on screen.
        """
        count = self._row_count
        old_index = self._cursor_index
        screen_line = old_index - round(self.scroll_y)
        index: int | None = None
        if self.cursor_key is not None and self._source is not None:
            index = self._source.index_of(self.cursor_key)
        previous_key = self.cursor_key
        if index is None:
            # The session went away (or was filtered out): stay at the same position.
            index = min(old_index, count - 1) if count else 0
            source = self._source
            self.cursor_key = source.row_at(index).key if count and source is not None else None
        self._cursor_index = index
        if self.wide and structural:
            self._measure_keys()
        self._update_virtual_size()
        if changed:
            self._highlight_until = self._monotonic() + HIGHLIGHT_SECONDS
        repaints = self._repaints
        if structural and count:
            if 0 <= screen_line < self._page_rows:
                self._scroll_to_row(index - screen_line)
            self._ensure_cursor_visible()
        if self._repaints == repaints:
            # Not repainted by a scroll that followed the cursor (which saw all of the above):
            # the lines were compared once per update instead of twice.
            self.repaint()
        if self.cursor_key != previous_key:
            self.post_message(self.CursorMoved(self, self.cursor_key))

    def _scroll_to_row(self, top: int) -> None:
        top = max(0, min(top, max(0, self._row_count + 1 - self.scrollable_content_region.height)))
        self.scroll_to(y=top, animate=False, immediate=True)

    def _ensure_cursor_visible(self) -> None:
        top = round(self.scroll_y)
        page = self._page_rows
        if self._cursor_index < top:
            self._scroll_to_row(self._cursor_index)
        elif self._cursor_index >= top + page:
            self._scroll_to_row(self._cursor_index - page + 1)

    def move_cursor_to_key(self, key: str) -> bool:
        """Highlight ``key`` (e.g. jump-to-session); False when it is not shown."""
        if self._source is None:
            return False
        index = self._source.index_of(key)
        if index is None:
            return False
        self._set_cursor(index)
        return True

    def _set_cursor(self, index: int) -> None:
        count = self._row_count
        if not count:
            return
        index = max(0, min(index, count - 1))
        left, top = self._cursor_index, round(self.scroll_y)
        self._cursor_index = index
        key = self._source.row_at(index).key if self._source is not None else None
        self._ensure_cursor_visible()
        if round(self.scroll_y) == top:
            # The view stayed: only the line the cursor left and the one it reached look
            # different (any other line changed is repainted by what changed it). Comparing
            # every line's signature was most of a cursor move's own cost at 100,000 sessions.
            self.repaint_rows(left, index)
        else:
            self.repaint()
        if key != self.cursor_key:
            self.cursor_key = key
            self.post_message(self.CursorMoved(self, key))

    # --- actions ------------------------------------------------------------------------------

    def action_cursor_up(self) -> None:
        self._set_cursor(self._cursor_index - 1)

    def action_cursor_down(self) -> None:
        self._set_cursor(self._cursor_index + 1)

    def action_page_up(self) -> None:
        self._set_cursor(self._cursor_index - self._page_rows)

    def action_page_down(self) -> None:
        self._set_cursor(self._cursor_index + self._page_rows)

    def action_first(self) -> None:
        self._set_cursor(0)

    def action_last(self) -> None:
        self._set_cursor(self._row_count - 1)

    def action_toggle_mark(self) -> None:
        """Mark or unmark the highlighted row and move down, as htop and mc do, so that
        space, space, space marks a run of rows."""
        if self.cursor_key is not None:
            self.post_message(self.MarkToggled(self, self.cursor_key))
            self.action_cursor_down()

    def action_select(self) -> None:
        if self.cursor_key is not None:
            self.post_message(self.RowActivated(self, self.cursor_key))

    # --- mouse --------------------------------------------------------------------------------

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or self._source is None:
            return
        if offset.y == 0:
            click_x = offset.x + round(self.scroll_x)  # wide mode scrolls sideways
            for column_index, x, width in self._layout(self.scrollable_content_region.width):
                if x <= click_x < x + width + 1:
                    column_id = self._source.columns[column_index].id
                    self.post_message(self.SortRequested(self, column_id))
                    return
            return
        index = round(self.scroll_y) + offset.y - 1
        if 0 <= index < self._row_count:
            self._set_cursor(index)
            if event.chain >= 2 and self.cursor_key is not None:
                self.post_message(self.RowActivated(self, self.cursor_key))

    # --- layout -------------------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self._column_layout = None
        self._update_virtual_size()
        self._ensure_cursor_visible()

    def _update_virtual_size(self) -> None:
        width = self.scrollable_content_region.width
        self.virtual_size = Size(max(width, self._content_width(width)), self._row_count + 1)

    def _content_width(self, width: int) -> int:
        """How wide the rows are drawn: the view's width, or in wide mode all the columns."""
        if not self.wide or self._source is None:
            return width
        layout = self._layout(width)
        if not layout:
            return width
        _i, x, w = layout[-1]
        return max(width, x + w)

    def _measure_keys(self) -> None:
        """The widest key as wide mode shows it (O(rows): on entering wide mode and when the
        rows change while in it, never per frame)."""
        source = self._source
        width = 0
        if source is not None:
            key_index = next((i for i, c in enumerate(source.columns) if c.id == "key"), None)
            if key_index is not None:
                for index in range(source.row_count):
                    row = source.row_at(index)
                    text = visible(row.cells[key_index] or "")
                    width = max(width, len(self._key_formatter(text, WIDE_KEY_LIMIT)))
        width = min(width, WIDE_KEY_LIMIT)
        if width != self._key_width:
            self._key_width = width
            self._column_layout = None
            self._line_cache.clear()

    def action_scroll_left(self) -> None:
        self._scroll_sideways(-1)

    def action_scroll_right(self) -> None:
        self._scroll_sideways(1)

    def _scroll_sideways(self, direction: int) -> None:
        """←/→ in wide mode: a few cells at a time, so a long key is read in a few presses."""
        if not self.wide or self.max_scroll_x <= 0:
            raise SkipAction()
        x = round(self.scroll_x) + direction * WIDE_SCROLL_STEP
        self.scroll_to(x=max(0, min(x, self.max_scroll_x)), animate=False, immediate=True)

    def action_toggle_wide(self) -> None:
        """Wide mode on or off: the Key column shows whole keys (shortened from the middle
        otherwise), no column is dropped, and ←/→ scroll the table sideways."""
        self.wide = not self.wide
        if self.wide:
            self._measure_keys()
        self._column_layout = None
        self._line_cache.clear()
        self.styles.overflow_x = "auto" if self.wide else "hidden"
        self._update_virtual_size()
        if not self.wide:
            self.scroll_to(x=0, animate=False, immediate=True)
        self.refresh()
        self.post_message(self.WideToggled(self, self.wide))

    def _layout(self, width: int) -> list[tuple[int, int, int]]:
        """(column index, x, width) for the columns that fit in ``width`` cells."""
        assert self._source is not None
        sort_column = self._source.sort_column
        if self._column_layout is not None and self._column_layout[0] == (width, sort_column):
            return self._column_layout[1]
        view_width = width
        columns = list(self._source.columns)
        shown = list(range(len(columns)))
        widths = {i: columns[i].width for i in shown}
        if self.wide:
            # Nothing gives way: the key is whole, and the view scrolls instead.
            for i in shown:
                if columns[i].id == "key":
                    widths[i] = max(widths[i], self._key_width)
            width = max(width, GUTTER + sum(widths.values()) + max(0, len(shown) - 1))

        def total() -> int:
            return GUTTER + sum(widths[i] for i in shown) + max(0, len(shown) - 1)

        for step, column_id, minimum in _NARROWING:
            if total() <= width:
                break
            if step == "drop":
                if column_id == sort_column:
                    continue  # the sorted column stays, with its arrow
                shown = [i for i in shown if columns[i].id != column_id]
                continue
            for i in shown:
                if columns[i].id == column_id:
                    widths[i] = max(min(minimum, widths[i]), widths[i] - (total() - width))
        spare = width - total()
        if spare > 0:
            flex = [i for i in shown if columns[i].flex] or shown[-1:]
            for i in flex:
                widths[i] += spare // len(flex)
            widths[flex[-1]] += spare % len(flex)
        layout: list[tuple[int, int, int]] = []
        x = GUTTER
        for i in shown:
            layout.append((i, x, widths[i]))
            x += widths[i] + 1
        self._column_layout = ((view_width, sort_column), layout)
        self._layout_epoch += 1
        return layout

    def shown_column_ids(self) -> list[str]:
        """The ids of the columns on screen now, left to right (narrow terminals drop some)."""
        if self._source is None:
            return []
        width = self.scrollable_content_region.width
        return [self._source.columns[i].id for i, _x, _w in self._layout(width)]

    # --- rendering: only the lines that changed are repainted ---------------------------------

    def repaint(self) -> None:
        """Repaint the lines whose content changed since they were drawn (see ``_drawn``);
        a full ``refresh()`` when nothing was drawn yet. Use it instead of ``refresh()``
        after a change, a tick or a cursor move: the result on screen is the same."""
        self._repaints += 1
        if not self._drawn or not self.is_mounted:
            self.refresh()
            return
        height = self.scrollable_content_region.height
        drawn = self._drawn
        dirty: list[Region] = []
        width = max(self.virtual_size.width, self.size.width)
        start: int | None = None
        for y in range(height + 1):
            changed = y < height and drawn.get(y) != self._line_signature(y)
            if changed and start is None:
                start = y
            elif not changed and start is not None:
                dirty.append(Region(0, start, width, y - start))
                start = None
        if dirty:
            self.refresh(*dirty)

    def repaint_rows(self, *indexes: int) -> None:
        """``repaint`` for the lines of these rows only (those on screen)."""
        if not self._drawn or not self.is_mounted:
            self.refresh()
            return
        height = self.scrollable_content_region.height
        width = max(self.virtual_size.width, self.size.width)
        top = round(self.scroll_y)
        for y in sorted({index - top + 1 for index in indexes}):
            if 0 < y < height and self._drawn.get(y) != self._line_signature(y):
                self.refresh(Region(0, y, width, 1))

    def _line_signature(self, y: int) -> tuple[Any, ...]:
        """Everything line ``y`` of the view is drawn from: two lines with the same signature
        are drawn the same (the row's cache key, the layout, the sideways scroll)."""
        width = self.scrollable_content_region.width
        if self._source is None or width <= 0:
            return ("blank", width)
        self._layout(width)  # laid out first: the epoch below is the one the line is drawn in
        content = self._content_width(width)
        view = (width, content, self._crop_left(), self._layout_epoch, self.wide)
        if y == 0:
            return ("header", *view, *self._header_key(width))
        index = round(self.scroll_y) + y - 1
        if index >= self._row_count:
            if index == 0:
                return ("message", width, self.empty_message)
            return ("blank", width)
        return ("row", *view, *self._row_key(index, width, content)[0])

    def _crop_left(self) -> int:
        return round(self.scroll_x) if self.wide else 0

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        # ScrollView repaints the whole view on a scroll; a followed cursor scrolls the view
        # with its row (busy rows arriving above it), leaving most lines as they were.
        if self.show_vertical_scrollbar:
            self.vertical_scrollbar.position = new_value
        if round(old_value) != round(new_value):
            self.repaint()

    def watch_scroll_x(self, old_value: float, new_value: float) -> None:
        if self.show_horizontal_scrollbar:
            self.horizontal_scrollbar.position = new_value
        if round(old_value) != round(new_value):
            self.repaint()

    def render_lines(self, crop: Region) -> list[Strip]:
        # Only lines drawn for the screen are recorded in _drawn (a test reading render_line
        # directly must not make the table believe the screen shows that line).
        self._painting = True
        try:
            return super().render_lines(crop)
        finally:
            self._painting = False

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = round(self.scroll_y) + y - 1
        record = self._painting
        if record and (self._source is None or width <= 0 or y == 0 or index >= self._row_count):
            self._drawn[y] = self._line_signature(y)
        if self._source is None or width <= 0:
            return Strip.blank(width, self.rich_style)
        self._layout(width)
        content = self._content_width(width)
        if y == 0:
            return self._crop(self._render_header(width, content), width)
        if index >= self._row_count:
            if index == 0:
                return self._render_message(width, self.empty_message)
            return Strip.blank(width, self.rich_style)
        cache_key, row = self._row_key(index, width, content)
        view = (width, content, self._crop_left(), self._layout_epoch, self.wide)
        if record:
            self._drawn[y] = ("row", *view, *cache_key)  # as _line_signature, read once
        return self._crop(self._render_row(cache_key, row, width, content), width)

    def _crop(self, strip: Strip, width: int) -> Strip:
        """The part of a (wide mode: wider) line the view shows."""
        if not self.wide:
            return strip
        left = self._crop_left()
        return strip.crop(left, left + width)

    def _render_message(self, width: int, message: str) -> Strip:
        style = self.rich_style + self.get_component_rich_style("session-table--empty")
        return Strip([Segment(fit("  " + visible(message), width), style)], width)

    def _render_header(self, view_width: int, width: int) -> Strip:
        assert self._source is not None
        source = self._source
        header = self.rich_style + self.get_component_rich_style("session-table--header")
        sorted_style = self.rich_style + self.get_component_rich_style("session-table--sorted")
        # The gutter says when rows are above the view: followed, the highlighted row keeps
        # its line while new activity arrives above it, out of sight.
        above = self._header_key(view_width)[0]
        segments = [Segment(above.ljust(GUTTER), header)]
        for n, (i, _x, w) in enumerate(self._layout(view_width)):
            column = source.columns[i]
            title = column.title
            is_sorted = column.id == source.sort_column
            if is_sorted:
                # The arrow is kept when the title is cut: it says which column is sorted.
                arrow = " ▼" if source.sort_reverse else " ▲"
                title = fit(title, max(0, w - len(arrow))).rstrip() + arrow
            segments.append(Segment(fit(title, w), sorted_style if is_sorted else header))
            if n:
                segments.insert(-1, Segment(" ", header))
        used = sum(len(s.text) for s in segments)
        if used < width:
            segments.append(Segment(" " * (width - used), header))
        return Strip(segments, width).crop(0, width)

    def _header_key(self, view_width: int) -> tuple[Any, ...]:
        """What the header line is drawn from (its first item: the gutter's ``↑``)."""
        assert self._source is not None
        above = "↑" if round(self.scroll_y) > 0 else ""
        return (above, self._source.sort_column, self._source.sort_reverse, view_width)

    def _row_key(self, index: int, view_width: int, width: int) -> tuple[tuple[Any, ...], Any]:
        """(what row ``index`` is drawn from, the row): the line cache's key."""
        assert self._source is not None
        source = self._source
        row = source.row_at(index)
        now = self._monotonic()
        live_texts = tuple(source.live_cell(c, row) if c.live else None for c in source.columns)
        highlighted = tuple(
            sorted(cid for cid, t in row.changed_at.items() if now - t < HIGHLIGHT_SECONDS)
        )
        cache_key = (
            row.key,
            row.version,
            getattr(row, "depth", 0),
            row.cells,
            view_width,
            width,
            self._layout_epoch,
            index == self._cursor_index,
            self.has_focus,
            row.key in source.marked_keys,
            live_texts,
            highlighted,
        )
        return cache_key, row

    def _render_row(
        self, cache_key: tuple[Any, ...], row: Any, view_width: int, width: int
    ) -> Strip:
        assert self._source is not None
        source = self._source
        cached = self._line_cache.get(cache_key)
        if cached is not None:
            return cached
        *_, is_cursor, _focus, marked, live_texts, highlighted = cache_key
        cells = row.cells
        base = self.rich_style
        row_style = base
        if is_cursor:
            row_style = base + self.get_component_rich_style("session-table--cursor")
        mark_style = row_style + self.get_component_rich_style("session-table--marked")
        changed_style = self.get_component_rich_style("session-table--changed")
        invalid_style = self.get_component_rich_style("session-table--invalid")
        auto_style = self.get_component_rich_style("session-table--auto")
        invalid = row.invalid
        segments = [Segment("● " if marked else "  ", mark_style if marked else row_style)]
        for n, (i, _x, w) in enumerate(self._layout(view_width)):
            column = source.columns[i]
            # Spelled out before it is measured or cut: a lone surrogate or an escape sequence
            # is drawn wider than the raw character, and must not push the row past its width.
            text = visible(live_texts[i] if column.live else cells[i] or "")
            if column.id == "key":
                # A tree view nests rows (subagents under their parent): indent the key.
                depth = min(getattr(row, "depth", 0), 4)
                if depth:
                    indent = "  " * (depth - 1) + "└ "
                    text = indent + self._key_formatter(text, max(1, w - len(indent)))
                else:
                    text = self._key_formatter(text, w)
            style = row_style
            if invalid and not invalid.keys().isdisjoint(column.fields):
                style = style + invalid_style
            elif column.id == "model" and text.endswith("(auto)"):
                style = style + auto_style
            elif column.id == "run" and text:
                run_class = _RUN_STYLES.get(text.split(" ", 1)[0])
                if run_class is not None:
                    style = style + self.get_component_rich_style(run_class)
            if column.id in highlighted and not is_cursor:
                style = style + changed_style
            if n:
                segments.append(Segment(" ", row_style))
            segments.append(Segment(fit(text, w), style))
        used = sum(s.cell_length for s in segments)
        if used < width:
            segments.append(Segment(" " * (width - used), row_style))
        strip = Strip(segments).crop(0, width)
        self._line_cache[cache_key] = strip
        return strip

    def refresh_highlights(self) -> None:
        """Called on a timer by the host: repaint while changed cells are fading out."""
        if self._monotonic() < self._highlight_until + 0.5:
            self.repaint()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._line_cache.clear()
        self._drawn.clear()  # the same signatures are drawn in other colours now
        self.refresh()

    def on_focus(self, event: events.Focus) -> None:
        self.repaint()

    def on_blur(self, event: events.Blur) -> None:
        self.repaint()
