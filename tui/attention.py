"""The attention view (``!``, and the palette): what needs an operator now, across all gateways.

Listed, most severe first, then most recent (``store/fleet.py`` ``attention``): a gateway that
waits for pairing approval, refused this client's scopes or fails; a run going past the stall
limit (``--stalled-after``); a write the store or gateway refused; a last run that failed, timed
out or was aborted. Each row says why, in the store's or gateway's own words. The action keys
work on the highlighted session: Enter jumps to its row in the table, ``v`` opens its
transcript, ``x`` stops its run (``/stop``), ``r`` resets it (``/reset``, after confirmation),
``c`` copies its key (or a pairing request's approve command). It works on a file store too (its
one "gateway" is ``local``), and updates live as changes and connection states arrive.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Static

from openclaw_tui.store.fleet import AttentionItem, RunStateCache, Severity
from openclaw_tui.store.keys import shorten_key, strip_namespace
from openclaw_tui.tui.fleet_view import FleetView
from openclaw_tui.tui.format import relative_age
from openclaw_tui.tui.slash import ParsedCommand, build
from openclaw_tui.tui.viewmodel import format_elapsed, label_of
from openclaw_tui.widgets.fleet_table import FleetTable, KeyedRow
from openclaw_tui.widgets.text import literal_text

if TYPE_CHECKING:
    from openclaw_tui.tui.app import MainScreen

COLUMNS = ("", "Why", "Gateway", "Session", "When", "Detail")

SEVERITY_STYLES = {
    Severity.GATEWAY: "bold red",
    Severity.STALLED: "bold yellow",
    Severity.REFUSED: "yellow",
    Severity.FAILED: "red",
    Severity.ABORTED: "magenta",
}
SEVERITY_MARKS = {
    Severity.GATEWAY: "✖",
    Severity.STALLED: "⚠",
    Severity.REFUSED: "⚠",
    Severity.FAILED: "✖",
    Severity.ABORTED: "■",
}
"""A mark besides the colour (NO_COLOR terminals still tell them apart)."""

SESSION_WIDTH = 40
MAX_ROWS = 500
"""The view lists the most urgent this many (the title counts them all): thousands of cron
sessions whose last run failed must not make every refresh rebuild a table of thousands."""
GATEWAY_ROW = "\x00gateway:"
"""Row keys of gateway-level items (no session key holds a NUL)."""


def row_key(item: AttentionItem) -> str:
    """Unique per row: one session may be listed twice (a refused write and a failed run)."""
    if item.key is None:
        return f"{GATEWAY_ROW}{item.gateway}:{item.reason}"
    return f"{item.key}\x00{item.reason}"


def _when(item: AttentionItem, now_ms: float) -> str:
    if item.reason == "stalled" and item.started_at_ms is not None:
        return f"running {format_elapsed(int(now_ms - item.started_at_ms))}"
    if item.at_ms is None:
        return "-"
    return f"{relative_age(item.at_ms, now_ms / 1000)} ago"


def attention_rows(
    items: Sequence[AttentionItem],
    now_ms: float,
    entry_of: Callable[[str], object],
    *,
    namespaced: bool,
    session_width: int = SESSION_WIDTH,
) -> list[KeyedRow]:
    rows: list[KeyedRow] = []
    for item in items:
        style = SEVERITY_STYLES[item.severity]
        if item.key is None:
            session = Text("(the gateway)", style="dim")
        else:
            key = strip_namespace(item.key) if namespaced else item.key
            entry = entry_of(item.key)
            label = label_of(entry) if hasattr(entry, "get") else ""  # type: ignore[arg-type]
            room = session_width - len(label) - 3 if label else session_width
            if label and room < 12:
                session = literal_text(label)  # narrow: the label alone (the key is below)
            else:
                shown = shorten_key(key, room)
                session = literal_text(f"{label} ({shown})" if label else shown)
            session.truncate(session_width, overflow="ellipsis")
        # The table fits it to the room left; the whole text is shown under the table.
        detail = literal_text(item.detail.splitlines()[0] if item.detail else "")
        rows.append(
            KeyedRow(
                row_key(item),
                (
                    Text(SEVERITY_MARKS[item.severity], style=style),
                    Text(item.word, style=style),
                    literal_text(item.gateway),
                    session,
                    _when(item, now_ms),
                    detail,
                ),
            )
        )
    return rows


def summary(items: Sequence[AttentionItem]) -> Text:
    text = Text()
    text.append("Attention", style="bold")
    if not items:
        text.append(" · nothing needs an operator now")
        return text
    counts: dict[str, int] = {}
    for item in items:
        counts[item.word] = counts.get(item.word, 0) + 1
    text.append(f" · {len(items):,}: ")
    text.append(", ".join(f"{n:,} {word}" for word, n in counts.items()))
    if len(items) > MAX_ROWS:
        text.append(f" (the first {MAX_ROWS:,} listed)", style="dim")
    return text


class AttentionScreen(FleetView):
    """Ranked problems of every gateway, with the action keys at hand."""

    DEFAULT_CSS = """
    AttentionScreen {
        align: center middle;
    }
    AttentionScreen > Vertical {
        width: 100%;
        max-width: 160;
        height: 90%;
        border: round $accent;
        background: $panel;
        padding: 0 1;
    }
    AttentionScreen #attention-title, AttentionScreen #attention-keys {
        height: auto;
    }
    AttentionScreen FleetTable {
        height: 1fr;
        min-height: 3;
    }
    AttentionScreen #attention-detail {
        height: auto;
        max-height: 5;
    }
    AttentionScreen #attention-empty {
        height: 1fr;
        content-align: center middle;
        color: $text-muted;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,exclamation_mark", "close", "Close", id="attention.close"),
        Binding("v", "transcript", "Transcript", id="attention.transcript"),
        Binding("x", "stop", "/stop", id="attention.stop"),
        Binding("r", "reset", "/reset", id="attention.reset"),
        Binding("c", "copy", "Copy key", id="attention.copy"),
        Binding("a", "acknowledge", "Acknowledge", id="attention.acknowledge"),
        Binding("A", "show_acknowledged", "Show acknowledged", id="attention.show-acknowledged"),
    ]

    EMPTY = (
        "Nothing needs an operator now: no failed, stalled or aborted runs, no refused writes, "
        "and every gateway is connected."
    )

    def __init__(self, main: MainScreen) -> None:
        super().__init__(main)
        self.items: list[AttentionItem] = []
        self.feedback: tuple[bool, str] | None = None
        self._states = RunStateCache()  # each session's run state, once per entry version

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(id="attention-title")
            yield FleetTable(COLUMNS, id="attention-table")
            yield Static(self.EMPTY, id="attention-empty")
            yield Static(id="attention-detail")
            yield Static(id="attention-keys")

    @property
    def table(self) -> FleetTable:
        return self.query_one("#attention-table", FleetTable)

    def on_mount(self) -> None:
        super().on_mount()
        self.table.focus()

    def show_data(self) -> None:
        main = self.main
        items = main.attention_items(self._states)
        # Acknowledged ones stay hidden while they are the same problem; gone ones are forgotten.
        main.acknowledged &= {item.identity for item in items}
        self.items = [item for item in items if item.identity not in main.acknowledged]
        now_ms = main.clock() * 1000
        # The session column shares a narrow terminal with the detail (shown whole below).
        width = max(14, min(SESSION_WIDTH, self.app.size.width - 64))
        rows = attention_rows(
            self.items[:MAX_ROWS],
            now_ms,
            main.vm.entries.get,
            namespaced=main.scopable,
            session_width=width,
        )
        self.table.show(rows)
        empty = not rows
        self.table.display = not empty
        self.query_one("#attention-empty").display = empty
        title = summary(self.items)
        if main.acknowledged:
            title.append(f" · {len(main.acknowledged):,} acknowledged (A shows them)", style="dim")
        self.query_one("#attention-title", Static).update(title)
        keys = Text(
            "Enter jumps to the row · v transcript · x /stop · r /reset · c copy · "
            "a acknowledge · esc closes",
            style="dim",
        )
        self.query_one("#attention-keys", Static).update(keys)
        self._show_detail()

    def highlighted(self) -> AttentionItem | None:
        key = self.table.current_key
        return next((i for i in self.items if row_key(i) == key), None)

    def _show_detail(self) -> None:
        item = self.highlighted()
        text = Text()
        if item is not None:
            text.append(f"{item.word}: ", style=f"bold {SEVERITY_STYLES[item.severity]}")
            text.append_text(literal_text(item.key or f"gateway {item.gateway}"))
            if item.detail:
                text.append("\n")
                text.append_text(literal_text(item.detail))
        if self.feedback is not None:
            ok, message = self.feedback
            if text:
                text.append("\n")
            text.append("✔ " if ok else "✖ ", style="green" if ok else "bold red")
            text.append_text(literal_text(message))
        self.query_one("#attention-detail", Static).update(text)

    @on(FleetTable.Highlighted)
    def _highlight(self, event: FleetTable.Highlighted) -> None:
        self._show_detail()

    @on(FleetTable.Chosen)
    def _chosen(self, event: FleetTable.Chosen) -> None:
        item = self.highlighted()
        if item is None:
            return
        if item.key is None:
            # A gateway's problem: the gateways panel says everything about it.
            from openclaw_tui.tui.gateways import GatewaysScreen

            self.dismiss(None)
            self.app.push_screen(GatewaysScreen(self.main))
            return
        self.dismiss(None)
        self.main.jump_to(item.key)

    def _session(self) -> str | None:
        item = self.highlighted()
        if item is None:
            return None
        if item.key is None:
            self._reply(False, f"gateway {item.gateway}: a gateway-level problem, no session")
            return None
        return item.key

    def _reply(self, ok: bool, message: str) -> None:
        self.feedback = (ok, message)
        if self.is_attached:
            self._show_detail()

    def _run(self, command: ParsedCommand) -> None:
        from openclaw_tui.tui.editing import EditingPanel

        key = self._session()
        if key is None:
            return
        self.feedback = None
        self.main.query_one(EditingPanel).run_command(command, reply=self._reply, keys=[key])

    def action_transcript(self) -> None:
        from openclaw_tui.tui.transcript_screen import open_transcript_screen

        key = self._session()
        if key is not None:
            open_transcript_screen(self.app, key)

    def action_stop(self) -> None:
        self._run(build("stop"))

    def action_reset(self) -> None:
        self._run(build("reset"))

    def action_copy(self) -> None:
        item = self.highlighted()
        if item is None:
            return
        if item.key is not None:
            what = item.key
        else:
            statuses = {s.name: s for s in self.main.gateway_statuses()}
            status = statuses.get(item.gateway)
            what = (status.approve_command or status.location) if status else item.gateway
        self.app.copy_to_clipboard(what)
        self.notify(f"Copied: {what}", markup=False, timeout=3)

    def action_acknowledge(self) -> None:
        """Hide the highlighted item until it recurs (a new failure, another stall)."""
        item = self.highlighted()
        if item is None:
            return
        self.main.acknowledged.add(item.identity)
        self.refresh_data()

    def action_show_acknowledged(self) -> None:
        if self.main.acknowledged:
            self.main.acknowledged.clear()
            self.refresh_data()

    def action_close(self) -> None:
        self.dismiss(None)
