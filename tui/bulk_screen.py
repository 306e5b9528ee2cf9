"""The preview of a bulk command (``/bulk``, ``B``) and of a cleanup (``/cleanup``): one row per
session with what changes (before -> after), one confirmation, then each session's result.

Nothing is applied before the operator answers. The answer works as the app's confirmation
does (``widgets/confirm.py``): the focused button is Cancel, so Enter (or Escape, ``n``) cancels,
and only ``y`` or choosing Apply applies. Results fill the Result column as they arrive; the
screen stays open until the last one is in, then Escape or Enter closes it.

The screen is told what to run (``run``: a coroutine function taking the per-session result
sink), so the same screen serves ``/bulk`` (``tui/slash/bulk.py``) and the cleanup preview
(``store/cleanup.py``; ``editing.cleanup_screen_for`` builds its screen).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.coordinate import Coordinate
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Static

from openclaw_tui.store.bulk import EntryResult, ResultSink
from openclaw_tui.store.errors import describe_error
from openclaw_tui.store.keys import shorten_key
from openclaw_tui.tui.slash.bulk import result_counts
from openclaw_tui.widgets.text import literal_text

RESULT_STYLE = {
    "applied": "green",
    "unchanged": "",
    "refused": "bold red",
    "missing": "yellow",
}
RESULT_WORD = {
    "applied": "✓ applied",
    "unchanged": "= unchanged",
    "refused": "✗ refused",
    "missing": "? gone meanwhile",
}
PLANNED_WORD = {"change": "will change", "unchanged": "unchanged", "refused": "✗ refused"}
SHOWN_ROWS = 1000
"""Rows the preview table holds. Textual's DataTable takes about half a millisecond a row to
fill (100,000 rows froze the screen for 51 s): beyond this the table shows the refused rows
first, then the others, and says how many it leaves out; every session is still applied and
counted."""
_ORDER = {"refused": 0, "change": 1, "unchanged": 2}
NARROW_WIDTH = 100
"""Below this many columns (80 is the common default) the preview takes the whole width, keys
are shortened from the middle as in the table, and the Result column says only the word: the
highlighted row's key, change and reason are written out in full under the table."""
SHORT_HEIGHT = 30
"""Below this many lines the preview takes the whole height, with one-line buttons and no
blank lines, so that the table keeps a dozen rows at 80x24."""
MIN_KEY_WIDTH = 12
_LABELLED = re.compile(r"([A-Za-z][\w ]*): (.*)")
_ANOTHER_LABEL = re.compile(r", [A-Za-z][\w ]*: ")


def shared_label(values: Sequence[str]) -> str | None:
    """The field every non-empty value names (``thinking`` in ``thinking: high``), when they all
    name the same single one: the column header can say it once, the cells only the values."""
    label: str | None = None
    for value in values:
        if not value:
            continue
        match = _LABELLED.fullmatch(value)
        if match is None or _ANOTHER_LABEL.search(value) or label not in (None, match[1]):
            return None
        label = match[1]
    return label


@dataclass(frozen=True, slots=True)
class Line:
    """One row of the preview: a session and what would happen to it."""

    key: str
    before: str
    after: str
    status: str
    """``change``, ``unchanged`` or ``refused``."""
    note: str = ""


Run = Callable[[ResultSink], Awaitable[Sequence[EntryResult]]]


class BulkScreen(ModalScreen[bool]):
    """Dismissed with True once something was applied (whatever the results), else False."""

    DEFAULT_CSS = """
    BulkScreen {
        align: center middle;
        background: $background 50%;
    }
    BulkScreen > #bulk-body {
        width: 96%;
        height: 90%;
        border: thick $warning;
        background: $surface;
        padding: 0 1;
    }
    BulkScreen #bulk-summary, BulkScreen #bulk-question {
        height: auto;
    }
    BulkScreen #bulk-detail {
        height: auto;
        max-height: 3;
        color: $text-muted;
        margin: 0 0 1 0;
    }
    BulkScreen #bulk-table {
        height: 1fr;
        margin: 1 0;
    }
    BulkScreen #bulk-buttons {
        height: auto;
        align-horizontal: right;
    }
    BulkScreen Button {
        margin: 0 0 0 2;
        min-width: 10;
    }
    BulkScreen.-narrow > #bulk-body {
        width: 100%;
    }
    BulkScreen.-short > #bulk-body {
        height: 100%;
    }
    BulkScreen.-short #bulk-table {
        margin: 0;
    }
    BulkScreen.-short #bulk-detail {
        margin: 0;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "apply", "Apply", id="bulk.apply"),
        Binding("n", "cancel", "Cancel", id="bulk.cancel"),
        Binding("escape", "cancel", "Cancel/close", show=False, id="bulk.escape"),
    ]

    def __init__(
        self,
        title: str,
        summary: str,
        lines: Sequence[Line],
        run: Run,
        *,
        question: str,
        refusal: str | None = None,
        columns: tuple[str, str] = ("Before", "After"),
        shares: tuple[int, int, int] = (30, 18, 18),
        agent_id: str | None = None,
    ) -> None:
        """``refusal``: why nothing can be applied (read-only, nothing would change); the
        preview is still shown, as a dry run, with only Close. ``agent_id``: the agent whose
        store this is (its ``agent:<id>:`` prefix says nothing in a narrow Session column)."""
        super().__init__()
        self.title_text = title
        self.summary = summary
        self.all_lines = list(lines)
        if len(self.all_lines) > SHOWN_ROWS:
            ranked = sorted(self.all_lines, key=lambda line: _ORDER.get(line.status, 1))
            self.lines = ranked[:SHOWN_ROWS]
            left = len(self.all_lines) - SHOWN_ROWS
            self.summary += (
                f"\nThe table shows {SHOWN_ROWS:,} of {len(self.all_lines):,} sessions (refused "
                f"ones first; {left:,} more not listed): every one is applied and counted."
            )
        else:
            self.lines = self.all_lines
        self.run = run
        self.question = question
        self.refusal = refusal
        self.columns = columns
        self.shares = shares
        """Most of the width (percent) the Session, Before and After columns may take."""
        self.agent_id = agent_id
        self.narrow = False
        """Laid out for a narrow terminal (``NARROW_WIDTH``): short keys, Result words only."""
        self.label = shared_label([v for line in self.lines for v in (line.before, line.after)])
        """The field all the Before/After cells name, said once in their headers."""
        before, after = columns
        self.titles = (f"{before} ({self.label})", after) if self.label else columns
        """The Before and After headers."""
        self.state = "preview"  # -> "applying" -> "done"
        self.results: dict[str, EntryResult] = {}
        self._row_of = {line.key: i for i, line in enumerate(self.lines)}

    def compose(self) -> ComposeResult:
        with Vertical(id="bulk-body") as body:
            body.border_title = Text(self.title_text)
            yield Static(literal_text(self.summary, keep_newlines=True), id="bulk-summary")
            yield DataTable(id="bulk-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="bulk-detail")
            text = self.refusal if self.refusal is not None else self.question
            yield Static(literal_text(text, keep_newlines=True), id="bulk-question")
            with Horizontal(id="bulk-buttons"):
                if self.refusal is None:
                    yield Button(Text("Apply (y)"), variant="error", id="bulk-apply")
                yield Button(
                    Text("Cancel (n)" if self.refusal is None else "Close (esc)"),
                    variant="primary",
                    id="bulk-cancel",
                )

    def on_mount(self) -> None:
        width, height = self.app.size
        self.narrow = width < NARROW_WIDTH
        self.set_class(self.narrow, "-narrow")
        self.set_class(height < SHORT_HEIGHT, "-short")
        for button in self.query(Button):
            button.compact = height < SHORT_HEIGHT
        table = self.query_one(DataTable)
        key_width, before_width, after_width, result_width = self._column_widths(width)
        before_title, after_title = self.titles
        table.add_column("Session", key="key", width=key_width)
        table.add_column(before_title, key="before", width=before_width)
        table.add_column("→", key="arrow", width=1)
        table.add_column(after_title, key="after", width=after_width)
        table.add_column("Result", key="result", width=result_width)
        table.add_rows(
            (
                literal_text(self._shown_key(line.key, key_width)),
                literal_text(self._value(line.before)),
                Text("→"),
                literal_text(self._value(line.after)),
                self._planned(line),
            )
            for line in self.lines
        )
        self._detail(0)
        self.query_one("#bulk-cancel", Button).focus()

    def _column_widths(self, screen_width: int) -> tuple[int, int, int, int | None]:
        """Session, Before, After and Result widths. Wide: each of the first three takes at most
        its share (``shares``) and Result the rest (longer cells are cropped, keys shortened from
        the middle). Narrow: Before,
        After and Result take what their longest cell needs (up to a share) and the Session
        column what is left, its keys shortened from the middle to fit."""
        if not self.narrow:
            width = max(60, screen_width - 8)
            key_share, before_share, after_share = self.shares
            return (
                self._width(0, width * key_share // 100),
                self._width(1, width * before_share // 100),
                self._width(2, width * after_share // 100),
                None,
            )
        # The body's border and padding (4), each column's cell padding (2 x 5), the scroll bar.
        room = screen_width - 4 - 10 - 2
        result = min(max(len(word) for word in RESULT_WORD.values()), room // 4)
        before = self._width(1, room * 30 // 100)
        after = self._width(2, room * 30 // 100)
        key = room - 1 - before - after - result
        return max(MIN_KEY_WIDTH, min(key, self._width(0, key))), before, after, result

    def _shown_key(self, key: str, width: int) -> str:
        """As the table shows keys: the agent's prefix dropped, the middle elided to fit (the
        end, which tells sessions apart, kept)."""
        return shorten_key(key, width, agent_id=self.agent_id)

    def _value(self, cell: str) -> str:
        """A Before/After cell without the field its header names."""
        if self.label is not None and cell.startswith(f"{self.label}: "):
            return cell[len(self.label) + 2 :]
        return cell

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._detail(event.cursor_row)

    def _detail(self, row: int) -> None:
        """The highlighted session in full (cells are cropped): key, change, result."""
        if not 0 <= row < len(self.lines):
            return
        line = self.lines[row]
        text = f"{line.key}: {line.before} → {line.after}" if line.after else line.key
        result = self.results.get(line.key)
        if result is not None:
            word = RESULT_WORD.get(result.outcome, result.outcome)
            text += f"\n{word}: {result.message}" if result.message else f"\n{word}"
        elif line.note:
            text += f"\n{PLANNED_WORD.get(line.status, line.status)}: {line.note}"
        self.query_one("#bulk-detail", Static).update(literal_text(text, keep_newlines=True))

    def _width(self, field: int, most: int) -> int:
        """The longest cell of a column (key, before, after), up to ``most``."""
        longest = max(
            (
                len(
                    (
                        self._shown_key(line.key, 10**6),
                        self._value(line.before),
                        self._value(line.after),
                    )[field]
                )
                for line in self.lines
            ),
            default=0,
        )
        return max(6, min(most, max(longest, len(("Session", *self.titles)[field]))))

    def _planned(self, line: Line) -> Text:
        word = PLANNED_WORD.get(line.status, line.status)
        # Narrow: the word only; the note is under the table for the highlighted row.
        text = f"{word}: {line.note}" if line.note and not self.narrow else word
        return literal_text(text, "bold red" if line.status == "refused" else "dim")

    # -- answering ----------------------------------------------------------------------------

    @on(Button.Pressed, "#bulk-apply")
    def _apply_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_apply()

    @on(Button.Pressed, "#bulk-cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()

    def action_cancel(self) -> None:
        if self.state == "applying":
            self.notify("Still applying: the results are on their way.", severity="warning")
            return
        self.dismiss(self.state == "done")

    def action_apply(self) -> None:
        if self.state != "preview" or self.refusal is not None:
            return
        self.state = "applying"
        self.query_one("#bulk-apply", Button).remove()
        self.query_one("#bulk-cancel", Button).label = Text("Close (esc)")
        self._say(f"Applying {self.question.removeprefix('Apply ').rstrip('?')}…")
        self.run_worker(self._apply(), group="bulk", exit_on_error=False, description="Applying")

    async def _apply(self) -> None:
        try:
            results = await self.run(self.show_result)
            problem = None
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the batch methods never raise per row; this is the rest
            results, problem = list(self.results.values()), describe_error(exc)
        self.state = "done"
        counts = result_counts(results)
        text = f"Done: {counts or 'nothing to do'}."
        if problem is not None:
            text += f"\nStopped: {problem}"
        self._say(text)
        self.query_one("#bulk-cancel", Button).focus()

    def show_result(self, result: EntryResult) -> None:
        """One session's result, as soon as it is known (called by the store's batch)."""
        self.results[result.key] = result
        done = len(self.results)
        if self.state == "applying" and (done % 100 == 0 or done == len(self.all_lines)):
            self._say(f"Applying… {done:,} of {len(self.all_lines):,} sessions done")
        row = self._row_of.get(result.key)
        if row is None:
            return
        word = RESULT_WORD.get(result.outcome, result.outcome)
        text = f"{word}: {result.message}" if result.message and not self.narrow else word
        table = self.query_one(DataTable)
        table.update_cell_at(
            Coordinate(row, 4), literal_text(text, RESULT_STYLE.get(result.outcome, ""))
        )
        if table.cursor_row == row:
            self._detail(row)

    def _say(self, text: str) -> None:
        self.query_one("#bulk-question", Static).update(literal_text(text, keep_newlines=True))
