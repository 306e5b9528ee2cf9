"""The status bar: where the data comes from, how much is shown, how fresh it is, and health."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widget import Widget

from openclaw_tui.widgets.text import visible


@dataclass(frozen=True, slots=True)
class ConnectionNote:
    """One remote connection as the status bar shows it: ``name state[: note]``."""

    name: str
    state: str  # "connecting", "connected", "disconnected", "pairing", "failed"
    note: str = ""  # e.g. the approve command while pairing, or why it failed


_STATE_STYLES = {
    "connected": "green",
    "connecting": "yellow",
    "disconnected": "yellow",
    "pairing": "bold yellow",
    "failed": "bold red",
}


def state_style(state: str) -> str:
    """The style of a connection state's word (the header shows it too)."""
    return _STATE_STYLES.get(state, "")


@dataclass(frozen=True, slots=True)
class StatusInfo:
    """Everything the status bar shows; the host builds one per tick or update."""

    path: str = ""
    kind: str = ""  # "json", "sqlite", "gateway", "demo", ...
    shown: int = 0
    total: int = 0
    last_change: str = "never"  # e.g. "3s ago"
    rate: float = 0.0  # changes per second
    health: str | None = None  # the last read/write error, None when healthy
    read_only: str | None = None  # why the store is read-only, None when writable
    refused: str | None = None  # why the last write was refused, None once one lands
    paused: bool = False
    pending: int = 0
    marked: int = 0
    filter_text: str = ""
    note: str = ""  # e.g. "loading 100,000 sessions…"
    running: int = 0  # sessions with a run going now (all of them, whatever the filter)
    stalled: int = 0  # of those, running long with no sign of activity
    totals: str = ""  # tokens and cost of the sessions shown (after the filter), formatted
    connections: tuple[ConnectionNote, ...] = ()  # remote stores only: one per gateway
    scope: str = ""  # the one gateway the table is limited to (the gateways panel, w)
    offline: str | None = None  # why no gateway is connected ("not connected"), None when one is


def _elide_middle(text: str, width: int) -> str:
    if len(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    head = width // 4
    return text[:head] + "…" + text[len(text) - (width - head - 1) :]


_OPTIONAL_PARTS = (
    "rate",
    "path",
    "changed",
    "totals",
    "stalled",
    "pending",  # " 3 changes pending " becomes " +3 "
    "filter",  # the filter's text; "filtered" stays (the shown/total count says how much)
    "marked",  # "2 marked" becomes "2✓"
)
"""What a narrow status bar leaves out, first to last, so that write health stays visible."""

_MIN_PATH = 12


def render_status(info: StatusInfo, width: int | None = None) -> Text:
    """One line; when ``width`` is given the store path is elided in the middle to fit, and
    when even that does not fit, the rate, path, last change, totals and stalled count are left
    out in that order, then the paused, filter and marked wording is shortened: the mode, the
    counts and write health are what an operator needs."""
    if width is None:
        return _render_status(info, width, frozenset())
    dropped: set[str] = set()
    for part in (None, *_OPTIONAL_PARTS):
        if part is not None:
            dropped.add(part)
        text = _render_status(info, width, frozenset(dropped))
        if text.cell_len <= width:
            break
    return text


def _render_status(info: StatusInfo, width: int | None, dropped: frozenset[str]) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    if info.paused:
        text.append(" PAUSED ", style="bold reverse yellow")
        if "pending" in dropped:
            text.append(f" +{info.pending} ", style="bold yellow")
        else:
            text.append(f" {info.pending} changes pending ", style="bold yellow")
    elif info.offline is not None:
        # Nothing is live while no gateway is connected: say so, as the banner does.
        text.append(" OFFLINE ", style="bold reverse yellow")
    else:
        text.append(" LIVE ", style="bold reverse green")
    text.append(" ")
    if info.read_only is not None:
        text.append(" READ-ONLY ", style="bold reverse magenta")
        text.append(" ")
    shown = f"{info.shown:,}/{info.total:,}" if info.shown != info.total else f"{info.total:,}"
    text.append(f"{shown} sessions", style="bold")
    if info.running:
        text.append(" · ")
        text.append(f"{info.running:,} running", style="bold green")
    if info.stalled and "stalled" not in dropped:
        text.append(" ")
        text.append(f"({info.stalled:,} stalled)", style="bold yellow")
    if info.totals and "totals" not in dropped:
        text.append(f" · Σ {visible(info.totals)}")
    if info.note:
        text.append(f" · {visible(info.note)}", style="italic")
    if info.marked:
        marked = f"{info.marked}✓" if "marked" in dropped else f"{info.marked} marked"
        text.append(f" · {marked}", style="bold")
    if info.scope:
        text.append(" · gateway ")
        text.append(visible(info.scope), style="bold reverse")
    if info.filter_text and "filter" in dropped:
        text.append(" · filtered")
    elif info.filter_text:
        text.append(" · filter ")
        text.append(visible(info.filter_text), style="italic")
    if "changed" not in dropped:
        text.append(f" · changed {info.last_change}")
    if "rate" not in dropped:
        text.append(f" · {info.rate:.1f}/s")
    text.append(" · ")
    # Only what is true: "writes ok" only while writes are allowed and none was refused.
    if info.health:
        text.append("⚠ ", style="bold red")
        text.append(visible(info.health), style="red")
    if info.read_only is not None:
        text.append(" · read-only: " if info.health else "read-only: ")
        text.append(visible(info.read_only), style="magenta")
    elif info.refused is not None:
        text.append(" · last write refused: " if info.health else "last write refused: ")
        text.append(visible(info.refused), style="yellow")
    elif info.offline is not None:
        # No gateway to write to: "writes ok" would be a promise nothing can keep.
        text.append(visible(info.offline), style="yellow")
    elif not info.health:
        text.append("writes ok", style="green")
    for conn in info.connections:
        text.append(" · ")
        text.append(visible(conn.name), style="bold")
        text.append(" ")
        text.append(conn.state, style=_STATE_STYLES.get(conn.state, ""))
        if conn.note:
            text.append(": ")
            text.append(visible(conn.note))
    if "path" in dropped:
        return text
    text.append(" · ")
    if info.kind:
        text.append(f"{info.kind} ", style="dim")
    path = visible(info.path)
    if width is not None:
        path = _elide_middle(path, max(_MIN_PATH, width - text.cell_len - 1))
    text.append(path, style="dim")
    return text


class StatusBar(Widget):
    """One line above the footer."""

    DEFAULT_CSS = """
    StatusBar {
        height: 1;
        background: $panel;
        color: $text;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.info = StatusInfo()

    def show(self, info: StatusInfo) -> None:
        if info != self.info:
            self.info = info
            self.refresh()

    def render(self) -> Text:
        return render_status(self.info, self.size.width)

    @property
    def text(self) -> str:
        return render_status(self.info).plain
