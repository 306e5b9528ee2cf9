"""The context line at the top (k9s' header): which agent, store or gateways the table shows,
their connection state, and how many sessions are running now."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widget import Widget

from openclaw_tui.widgets.status_bar import ConnectionNote, state_style
from openclaw_tui.widgets.text import visible


@dataclass(frozen=True, slots=True)
class ContextInfo:
    """What the header shows; the host builds one per tick or update."""

    agent: str | None = None  # the agent id, file stores (and the demo)
    source: str = ""  # "sessions.json", "SQLite", "missing", "gateway"
    location: str = ""  # the store's path (home as ~), or one gateway's URL
    gateways: tuple[ConnectionNote, ...] = ()  # one per gateway, with its state
    running: int = 0  # sessions with a run going now, whatever the filter
    stalled: int = 0
    demo: bool = False
    counting: bool = False  # the store is still being read: runs are not known yet


_MIN_LOCATION = 10


def _elide_middle(text: str, width: int) -> str:
    if len(text) <= width:
        return text
    if width <= 1:
        return "…"[: max(0, width)]
    head = width // 3
    return text[:head] + "…" + text[len(text) - (width - head - 1) :]


def render_context(info: ContextInfo, width: int | None = None) -> Text:
    """One line: ``agent main · sessions.json ~/.openclaw/…/sessions.json   3 running``.

    The agent or gateways and their state come first and the running count sits at the right;
    only the location gives way (cut in the middle, then left out) so that what you are looking
    at and whether it is connected stay visible at 80 columns."""
    head = Text(no_wrap=True, overflow="ellipsis")
    head.append(" ")
    if info.gateways:
        head.append("gateway " if len(info.gateways) == 1 else "gateways ", style="dim")
        for n, conn in enumerate(info.gateways):
            if n:
                head.append(", ")
            head.append(visible(conn.name), style="bold")
            head.append(" ")
            head.append(conn.state, style=state_style(conn.state))
    else:
        head.append("agent ", style="dim")
        head.append(visible(info.agent or "?"), style="bold")
        if info.demo:
            head.append(" (demo)", style="italic")
    tail = Text(no_wrap=True)
    if info.counting and not info.running:
        tail.append("runs: loading…", style="dim")
    elif info.running:
        tail.append(f"{info.running:,} running", style="bold green")
        if info.stalled:
            tail.append(f" ({info.stalled:,} stalled)", style="bold yellow")
    else:
        tail.append("none running", style="dim")
    tail.append(" ")
    where = Text(no_wrap=True)
    location = visible(info.location)
    if info.source and not (info.gateways and len(info.gateways) > 1):
        where.append(" · ")
        where.append(info.source, style="dim")
    if location and len(info.gateways) <= 1:
        room = None if width is None else width - head.cell_len - where.cell_len - tail.cell_len - 3
        if room is None or room >= _MIN_LOCATION:
            where.append(" " if info.source else " · ")
            where.append(location if room is None else _elide_middle(location, room), style="dim")
    line = head + where
    if width is None:
        return line + Text("   ") + tail
    gap = width - line.cell_len - tail.cell_len
    if gap < 1:
        line = head
        gap = width - line.cell_len - tail.cell_len
    if gap < 1:
        line.truncate(max(0, width - tail.cell_len - 1), overflow="ellipsis")
        gap = width - line.cell_len - tail.cell_len
    return line + Text(" " * max(1, gap)) + tail


class ContextHeader(Widget):
    """One line at the top of the main screen."""

    DEFAULT_CSS = """
    ContextHeader {
        height: 1;
        background: $panel;
        color: $text;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.info = ContextInfo()

    def show(self, info: ContextInfo) -> None:
        if info != self.info:
            self.info = info
            self.refresh()

    def render(self) -> Text:
        return render_context(self.info, self.size.width)

    @property
    def text(self) -> str:
        return render_context(self.info, self.size.width or None).plain
