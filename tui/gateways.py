"""The gateways panel (``w``, and the palette): one row per gateway, live, and the table's scope.

Each row: the gateway's name, OpenClaw version, connection state (connected, connecting,
pairing required, refused scope, error), latency (the last WebSocket ping's round trip),
sessions, running runs (from the app's run state) and the last error in the gateway's own words
(kept after it recovered, with its age). Enter on a gateway limits the session table to it (a
``gw:NAME`` filter term, the filter grammar's own), Enter on "All gateways" shows every one
again; the current scope is marked here and shown in the status bar. A file store shows itself
as its one "gateway" (``local``).

The data comes from ``MainScreen.gateway_statuses()`` (``store.gateway_statuses()`` plus the
running counts); the screen asks again whenever the main screen applied changes or a connection
state arrived, and every second for the ages.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Static

from openclaw_tui.store.fleet import GatewayStatus
from openclaw_tui.tui.fleet_view import FleetView
from openclaw_tui.tui.format import relative_age
from openclaw_tui.widgets.fleet_table import FleetTable, KeyedRow
from openclaw_tui.widgets.text import literal_text

ALL_KEY = "\x00all"
"""The row key of "All gateways" (no gateway name can hold a NUL)."""

COLUMNS = ("", "Gateway", "Version", "State", "Latency", "Sessions", "Running", "Last error")
COMPACT_COLUMNS = ("", "Gateway", "Version", "State", "Ping", "Sess", "Run", "Last error")
COMPACT_WIDTH = 100
"""Below this many terminal columns the titles are shorter, so the last error keeps some room."""

PHASE_STYLES = {
    "connected": "green",
    "open": "green",
    "connecting": "yellow",
    "pairing": "bold yellow",
    "refused-scope": "bold red",
    "error": "bold red",
}
PHASE_MARKS = {
    "connected": "●",
    "open": "●",
    "connecting": "◌",
    "pairing": "⚠",
    "refused-scope": "✖",
    "error": "✖",
}
"""A mark besides the colour: a terminal without colours still tells the states apart."""

if TYPE_CHECKING:
    from openclaw_tui.tui.app import MainScreen


def format_latency(ms: float | None) -> str:
    if ms is None:
        return "-"
    if ms < 10:
        return f"{ms:.1f} ms"
    if ms < 10_000:
        return f"{ms:.0f} ms"
    return f"{ms / 1000:.0f} s"


def _state_cell(status: GatewayStatus) -> Text:
    text = Text()
    text.append(f"{PHASE_MARKS[status.phase]} ", style=PHASE_STYLES[status.phase])
    text.append(status.label, style=PHASE_STYLES[status.phase])
    return text


def _error_cell(status: GatewayStatus, now_ms: float, *, age: bool = True) -> Text:
    if not status.last_error:
        return Text("-", style="dim")
    text = Text()
    if age and status.last_error_at_ms is not None:
        text.append(f"{relative_age(status.last_error_at_ms, now_ms / 1000)} ago: ", style="dim")
    # The table fits it to the room left; the detail under it shows the whole text.
    message = literal_text(status.last_error.splitlines()[0] if status.last_error else "")
    # Still the current problem: as loud as the state; an old one, dimmed.
    message.stylize("red" if status.problem else "dim")
    text.append_text(message)
    return text


def gateway_rows(
    statuses: Sequence[GatewayStatus],
    scope: str | None,
    now_ms: float,
    *,
    scopable: bool,
    compact: bool = False,
) -> list[KeyedRow]:
    """The panel's rows: "All gateways" first (when the table can be scoped), then each one."""
    rows: list[KeyedRow] = []

    def mark(selected: bool) -> Text:
        return Text("▶", style="bold") if selected else Text(" ")

    if scopable:
        problems = sum(1 for s in statuses if s.problem)
        connected = sum(1 for s in statuses if s.phase == "connected")
        summary = Text(f"{problems} need attention", style="bold red") if problems else Text("-")
        rows.append(
            KeyedRow(
                ALL_KEY,
                (
                    mark(scope is None),
                    Text("All" if compact else "All gateways", style="bold"),
                    "",
                    Text(
                        f"{connected}/{len(statuses)} connected"
                        if compact
                        else f"{connected} of {len(statuses)} connected"
                    ),
                    "",
                    f"{sum(s.sessions for s in statuses):,}",
                    f"{sum(s.running for s in statuses):,}",
                    summary,
                ),
            )
        )
    for status in statuses:
        selected = scopable and scope is not None and status.name.lower() == scope.lower()
        rows.append(
            KeyedRow(
                status.name,
                (
                    mark(selected),
                    literal_text(status.name),
                    literal_text(status.version or "-"),
                    _state_cell(status),
                    format_latency(status.latency_ms),
                    f"{status.sessions:,}",
                    Text(f"{status.running:,}", style="bold green")
                    if status.running
                    else Text("0"),
                    # Narrow: the words first (the detail below says when).
                    _error_cell(status, now_ms, age=not compact),
                ),
            )
        )
    return rows


def detail_text(
    status: GatewayStatus | None, scope: str | None, scopable: bool, now_ms: float
) -> Text:
    """Under the table: the highlighted gateway's address, state in its own words, the whole
    last error, and the approve command of a pairing request."""
    text = Text()
    text.append("Scope: ", style="bold")
    text.append(f"gateway {scope}" if scope else "all gateways")
    if status is None:
        return text
    text.append("\n")
    text.append(f"{status.name}", style="bold")
    text.append(" · ")
    text.append_text(literal_text(status.location))
    if status.detail:
        text.append("\n")
        text.append_text(literal_text(status.detail))
    if status.last_error and status.last_error != status.detail:
        text.append("\nLast error: ", style="bold")
        if status.last_error_at_ms is not None:
            text.append(f"({relative_age(status.last_error_at_ms, now_ms / 1000)} ago) ")
        text.append_text(literal_text(status.last_error))
    if status.approve_command:
        text.append("\nApprove on its host: ", style="bold")
        text.append_text(literal_text(status.approve_command))
    if not scopable:
        text.append("\n")
        text.append("One store is open: there is no other gateway to switch to.", style="dim")
    return text


class GatewaysScreen(FleetView):
    """Every gateway with its state; Enter scopes the session table (``w`` or Escape closes)."""

    DEFAULT_CSS = """
    GatewaysScreen {
        align: center middle;
    }
    GatewaysScreen > Vertical {
        width: 100%;
        max-width: 150;
        height: 90%;
        border: round $accent;
        background: $panel;
        padding: 0 1;
    }
    GatewaysScreen #gateways-title {
        height: 1;
    }
    GatewaysScreen FleetTable {
        height: 1fr;
        min-height: 4;
    }
    GatewaysScreen #gateways-detail {
        height: auto;
        max-height: 7;
        margin-top: 1;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,w", "close", "Close", id="gateways.close"),
        Binding("a", "all", "All gateways", id="gateways.all"),
        Binding("c", "copy", "Copy approve command / URL", id="gateways.copy"),
    ]

    def __init__(self, main: MainScreen) -> None:
        super().__init__(main)
        self.statuses: list[GatewayStatus] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(id="gateways-title")
            yield FleetTable(COLUMNS, id="gateways-table")
            yield Static(id="gateways-detail")

    @property
    def table(self) -> FleetTable:
        return self.query_one("#gateways-table", FleetTable)

    def on_mount(self) -> None:
        super().on_mount()
        scope = self.main.gateway_scope
        # Open on the gateway shown now (or the first one).
        for status in self.statuses:
            if scope is not None and status.name.lower() == scope.lower():
                self.table.move_to(status.name)
        self.table.focus()

    def show_data(self) -> None:
        main = self.main
        self.statuses = main.gateway_statuses()
        scope = main.gateway_scope
        scopable = main.scopable
        now_ms = main.clock() * 1000
        compact = self.app.size.width < COMPACT_WIDTH
        self.table.show(
            gateway_rows(self.statuses, scope, now_ms, scopable=scopable, compact=compact),
            columns=COMPACT_COLUMNS if compact else COLUMNS,
        )
        title = Text()
        title.append("Gateways", style="bold")
        count = len(self.statuses)
        title.append(f" · {count} {'gateway' if count == 1 else 'gateways'}")
        title.append(" · scope: ")
        title.append(f"gateway {scope}" if scope else "all", style="bold")
        hint = "  (Enter shows one in the table, a all, c copy, esc closes)"
        title.append(hint if scopable else "  (c copy, esc closes)", style="dim")
        self.query_one("#gateways-title", Static).update(title)
        self._show_detail()

    def _highlighted(self) -> GatewayStatus | None:
        key = self.table.current_key
        return next((s for s in self.statuses if s.name == key), None)

    def _show_detail(self) -> None:
        self.query_one("#gateways-detail", Static).update(
            detail_text(
                self._highlighted(),
                self.main.gateway_scope,
                self.main.scopable,
                self.main.clock() * 1000,
            )
        )

    @on(FleetTable.Highlighted)
    def _highlight(self, event: FleetTable.Highlighted) -> None:
        self._show_detail()

    @on(FleetTable.Chosen)
    def _chosen(self, event: FleetTable.Chosen) -> None:
        if not self.main.scopable:
            self.dismiss(None)
            return
        self.main.set_gateway_scope(None if event.key == ALL_KEY else event.key)
        self.dismiss(None)

    def action_all(self) -> None:
        if self.main.scopable:
            self.main.set_gateway_scope(None)
        self.dismiss(None)

    def action_copy(self) -> None:
        status = self._highlighted()
        if status is None:
            return
        what = status.approve_command or status.location
        self.app.copy_to_clipboard(what)
        self.notify(f"Copied: {what}", markup=False, timeout=3)

    def action_close(self) -> None:
        self.dismiss(None)
