"""A small keyed table for the fleet views (gateways panel, attention view).

It takes rows of literal text (``KeyedRow``: a key and its cells) and keeps the cursor on the
same key when the rows change under it, as the session table does. Enter posts ``Chosen`` with
the highlighted key; moving posts ``Highlighted``. No store, no app: the host formats the data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable

from openclaw_tui.widgets.text import literal_text


@dataclass(frozen=True, slots=True)
class KeyedRow:
    key: str
    cells: tuple[Text | str, ...]


def _cell(value: Text | str) -> Text:
    # Plain strings come from the store or a gateway: never markup.
    return value if isinstance(value, Text) else literal_text(value)


class FleetTable(DataTable[Text]):
    """Rows keyed by ``KeyedRow.key``; ``show(rows)`` replaces them, the cursor stays put."""

    DEFAULT_CSS = """
    FleetTable {
        height: 1fr;
    }
    """

    class Chosen(Message):
        """Enter on a row."""

        def __init__(self, table: FleetTable, key: str) -> None:
            super().__init__()
            self.table = table
            self.key = key

        @property
        def control(self) -> FleetTable:
            return self.table

    class Highlighted(Message):
        def __init__(self, table: FleetTable, key: str | None) -> None:
            super().__init__()
            self.table = table
            self.key = key

        @property
        def control(self) -> FleetTable:
            return self.table

    def __init__(
        self, columns: Sequence[str], *, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(
            id=id, classes=classes, cursor_type="row", zebra_stripes=False, show_cursor=True
        )
        self._column_titles = tuple(columns)
        self._keys: list[str] = []
        self._rows: tuple[KeyedRow, ...] = ()

    def on_mount(self) -> None:
        self._add_columns(None)

    def _add_columns(self, last_width: int | None) -> None:
        *head, last = self._column_titles
        for title in head:
            self.add_column(title, key=title)
        self.add_column(last, key=last, width=last_width)

    def _room_for_last(self, rows: Sequence[tuple[Text, ...]]) -> int | None:
        """The last column (the literal error or detail) takes the room the others leave, so
        the table never scrolls sideways; the host shows the whole text under the table."""
        width = self.size.width or self.app.size.width - 6  # before the first layout
        count = len(self._column_titles)
        if not rows or count < 2:
            return None
        used = 0
        for index in range(count - 1):
            cells = [row[index].cell_len for row in rows]
            used += max([len(self._column_titles[index]), *cells])
        # Each column has one cell of padding either side; one more for the scroll bar.
        room = width - used - 2 * count - 2
        return max(8, room)

    def on_resize(self) -> None:
        rows, self._rows = self._rows, ()
        if rows:
            self.show(rows)

    @property
    def keys(self) -> list[str]:
        return list(self._keys)

    @property
    def current_key(self) -> str | None:
        row = self.cursor_row
        return self._keys[row] if 0 <= row < len(self._keys) else None

    def show(
        self,
        rows: Sequence[KeyedRow],
        *,
        keep: str | None = None,
        columns: Sequence[str] | None = None,
    ) -> None:
        """Replace the rows (and the column titles, e.g. shorter ones on a narrow terminal);
        the cursor stays on its key (or ``keep``), else at its index."""
        rows = tuple(rows)
        titles = tuple(columns) if columns is not None else self._column_titles
        if rows == self._rows and titles == self._column_titles:
            return
        self._column_titles = titles
        wanted = keep or self.current_key
        index = self.cursor_row
        self._rows = rows
        cells = [tuple(_cell(c) for c in row.cells) for row in rows]
        room = self._room_for_last(cells)
        with self.app.batch_update():
            # Columns too: a column keeps the widest width it ever had otherwise.
            self.clear(columns=True)
            self._add_columns(room)
            self._keys = []
            for row, texts in zip(rows, cells, strict=True):
                if room is not None and texts and texts[-1].cell_len > room:
                    last = texts[-1].copy()
                    last.truncate(room, overflow="ellipsis")
                    texts = (*texts[:-1], last)
                self.add_row(*texts, key=row.key)
                self._keys.append(row.key)
            if not self._keys:
                return
            target = self._keys.index(wanted) if wanted in self._keys else index
            self.move_cursor(row=max(0, min(target, len(self._keys) - 1)), animate=False)

    def move_to(self, key: str) -> bool:
        if key not in self._keys:
            return False
        self.move_cursor(row=self._keys.index(key), animate=False)
        return True

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        key = self.current_key
        if key is not None:
            self.post_message(self.Chosen(self, key))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self.post_message(self.Highlighted(self, self.current_key))
