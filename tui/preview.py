"""Every session of a big ``sessions.json`` in the table before the store has parsed the file.

The store's whole parse (~0.9 s at 100,000 sessions) and the view model's rows (~0.5 s) cannot
both come before the first paint. The file's bytes are scanned instead, in another process
(``store/backends/json_scan.py``: where each entry is and its ``updatedAt``, ~0.3 s), which
puts the sessions in the table's default order (Updated, newest first: what
``SessionViewModel`` sorts them to), and a row is built only
when it is drawn or asked for: its fragment read again, parsed and checked exactly as the
store's parse checks a block (``IndexedFile.entry``), made into a row by the view model's own
code. So the table shows every session, each with the file's exact values, and the store's
snapshot then replaces the preview (``MainScreen.store_opened``).

What needs every entry (the running and stalled counts, the shown totals, another sort or
filter, the tree) is not worked out here: the screen says it is loading, and keeps a sort,
filter or tree asked for meanwhile (``requested``) to apply to the whole store once it is
open. An entry that fails the check ``broken`` the preview: the screen then shows only the
rows checked so far until the store is open (``MainScreen._preview_broken``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from openclaw_tui.store.backends.json_file import IndexedFile
from openclaw_tui.tui.viewmodel import (
    DEFAULT_COLUMNS,
    Clock,
    Column,
    Entry,
    Row,
    SessionViewModel,
)


class _Rows(Mapping[str, Row]):
    """``vm.rows`` of a preview: a row is built when looked up."""

    def __init__(self, preview: PreviewViewModel) -> None:
        self._preview = preview

    def __getitem__(self, key: str) -> Row:
        row = self._preview.row_of(key)
        if row is None:
            raise KeyError(key)
        return row

    def __iter__(self) -> Iterator[str]:
        return iter(self._preview.built_keys())

    def __len__(self) -> int:
        return len(self._preview.built_keys())


class _Entries(_Rows):
    """``vm.entries`` of a preview: an entry is read when looked up."""

    def __getitem__(self, key: str) -> Any:
        return super().__getitem__(key).entry


class PreviewViewModel(SessionViewModel):
    """The table's source while a big ``sessions.json`` is being parsed (see module doc)."""

    def __init__(
        self,
        file: IndexedFile,
        columns: tuple[Column, ...] = DEFAULT_COLUMNS,
        *,
        clock: Clock,
        monotonic: Callable[[], float],
        stall_seconds: float,
        on_broken: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(columns, clock=clock, monotonic=monotonic, stall_seconds=stall_seconds)
        self.file = file
        index = file.index
        self._order = index.order  # as SessionViewModel sorts by Updated, newest first
        self._position: dict[int, int] = {}  # entry number -> row index, of the rows built
        self._all_positions: list[int] | None = None  # every one, when first needed
        self._built: dict[int, Row] = {}
        self._number_of: dict[str, int] = {}  # the entry number of each key built
        self._all_keys: dict[str, int] | None = None  # every key, read when first needed
        self.broken = False
        """An entry failed the check: the preview cannot show every row."""
        self.on_broken = on_broken
        self.requested: dict[str, Any] = {}
        """Sort, filter or tree asked for while previewing: applied once the store is open."""
        self.rows = _Rows(self)  # type: ignore[assignment]
        self.entries = _Entries(self)  # type: ignore[assignment]

    # --- rows, built on demand ---------------------------------------------------------------

    def _build(self, i: int) -> Row | None:
        row = self._built.get(i)
        if row is not None or self.broken:
            return row
        item = self.file.entry(i)
        if item is None or self._number_of.get(item[0], i) != i:
            self._break()  # not exact, or a key repeated (only the whole parse says which)
            return None
        key, entry = item
        row = Row(key, entry, self.columns, self._sort_key_fn(key, entry))
        self._built[i] = row
        self._number_of[key] = i
        return row

    def _break(self) -> None:
        if not self.broken:
            self.broken = True
            if self.on_broken is not None:
                self.on_broken()

    def check_first(self, count: int) -> bool:
        """Build the first ``count`` rows now; False when one fails the check."""
        for n in range(min(count, self.row_count)):
            self.row_at(n)
        return not self.broken

    def built_keys(self) -> list[str]:
        return list(self._number_of)

    def built_entries(self) -> dict[str, Entry]:
        """The entries checked so far (what is left to show when the preview breaks)."""
        return {row.key: row.entry for row in self._built.values()}

    def _number(self, key: str) -> int | None:
        """``key``'s entry number: of the rows built, else of every key (read once)."""
        i = self._number_of.get(key)
        return i if i is not None else self._key_numbers().get(key)

    def row_of(self, key: str) -> Row | None:
        i = self._number(key)
        if i is None:
            return None
        row = self._build(i)
        if row is not None and row.key != key:
            self._break()
            return None
        return row

    def _key_numbers(self) -> dict[str, int]:
        """Every key's entry number: read from the file when a key not drawn yet is asked for
        (a jump to a session), once."""
        if self._all_keys is None:
            keys = self.file.keys()
            if keys is None:
                self._break()
                self._all_keys = {}
            else:
                self._all_keys = {key: i for i, key in enumerate(keys)}
        return self._all_keys

    # --- what the table reads ------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self._order)

    @property
    def total_count(self) -> int:
        return len(self._order)

    def row_at(self, index: int) -> Row:
        i = self._order[index]
        self._position[i] = index
        row = self._build(i)
        if row is None:
            # Drawn once at most: the screen replaces the preview right after (on_broken).
            return Row("…", {}, self.columns, ())
        return row

    def index_of(self, key: str) -> int | None:
        i = self._number(key)
        if i is None:
            return None
        position = self._position.get(i)
        if position is None:
            if self._all_positions is None:
                self._all_positions = [0] * len(self._order)
                for n, number in enumerate(self._order):
                    self._all_positions[number] = n
            position = self._all_positions[i]
        return position

    def shown_keys(self) -> list[str]:
        return [self.row_at(n).key for n in range(self.row_count)]

    def toggle_mark(self, key: str) -> bool:
        if key in self.marked_keys:
            self.marked_keys.discard(key)
            return False
        if key in self._number_of:  # a row on screen (marks are made there)
            self.marked_keys.add(key)
            return True
        return False

    # --- settings kept for the whole store ----------------------------------------------------

    def request(self, settings: Mapping[str, Any]) -> None:
        """Keep a sort, filter or tree setting for when the store is open."""
        self.requested.update(settings)

    def wanted(self) -> tuple[str, bool, str]:
        """(sort column, reverse, filter) the operator wants: asked for, else as shown."""
        return (
            self.requested.get("sort_column", self.sort_column),
            self.requested.get("sort_reverse", self.sort_reverse),
            self.requested.get("filter_text", self.filter_text),
        )

    def close(self) -> None:
        self.file.close()
