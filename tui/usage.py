"""The usage view (``u``, and the palette): the sessions shown, grouped by channel, kind, model or
agent (``tab`` / ``1``-``4`` switch), with count, running, tokens and cost, sorted by cost.

The group figures are summed from the session rows (``estimatedCostUsd`` and the token fields,
which OpenClaw keeps for the last model call). A gateway's own usage methods (``usage.cost``,
``sessions.usage``) are asked once when the view opens; what they answered, or why they gave
nothing, is said under the table, so an operator knows which figure comes from where.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from openclaw_tui.store.errors import describe_error
from openclaw_tui.store.usage import (
    USAGE_DIMENSIONS,
    GatewayUsage,
    UsageGroup,
    format_cost,
    usage_groups,
)
from openclaw_tui.tui.viewmodel import compact_count
from openclaw_tui.widgets.text import literal_text

DIMENSION_TITLES = {"channel": "Channel", "kind": "Kind", "model": "Model", "agent": "Agent"}


def groups_table(groups: list[UsageGroup], dimension: str) -> Table:
    table = Table(box=None, header_style="bold", pad_edge=False, expand=True)
    table.add_column(DIMENSION_TITLES.get(dimension, dimension), no_wrap=True, ratio=1)
    table.add_column("Sessions", justify="right", no_wrap=True)
    table.add_column("Running", justify="right", no_wrap=True)
    table.add_column("Tokens", justify="right", no_wrap=True)
    table.add_column("Cost ▼", justify="right", no_wrap=True)
    for group in groups:
        cost = format_cost(group.cost_usd) if group.with_cost else "-"
        if group.with_cost and group.with_cost < group.count:
            cost += f" ({group.with_cost} of {group.count})"
        table.add_row(
            literal_text(group.value),
            f"{group.count:,}",
            Text(f"{group.running:,}", style="bold green") if group.running else Text("0"),
            compact_count(group.tokens) if group.tokens else "-",
            cost,
        )
    return table


SHARES_SHOWN = 5
"""Groups of the gateway's own breakdown listed per dimension (the costliest)."""


def gateway_lines(report: GatewayUsage | None, waiting: bool, dimension: str = "channel") -> Text:
    """Where the figures come from: the rows, and what the gateway's usage methods said."""
    text = Text()
    text.append("Per group: ", style="bold")
    text.append(
        "summed from the session rows (estimatedCostUsd and tokens of each session's last model "
        "call, as OpenClaw stores them); '-' = no figure.\n"
    )
    text.append("Gateway: ", style="bold")
    if waiting:
        text.append("asking usage.cost and sessions.usage…")
        return text
    if report is None:
        text.append("no answer.")
        return text
    if report.totals_from is not None:
        parts = []
        if report.total_cost_usd is not None:
            parts.append(f"cost {format_cost(report.total_cost_usd)}")
        if report.total_tokens is not None:
            parts.append(f"{compact_count(report.total_tokens)} tokens")
        period = f" over {report.period}" if report.period else ""
        text.append(
            f"{', '.join(parts)}{period} (the totals {report.totals_from} answered: every model "
            "call of the period, not only the last one)"
        )
        if report.missing_cost_entries:
            text.append(f"; {report.missing_cost_entries:,} calls it could not price")
        if report.cache_status:
            stale = f", {report.stale_files:,} transcripts to read" if report.stale_files else ""
            text.append(f"\n  still indexing ({report.cache_status}{stale}): its figures can lag")
        shares = report.shares.get(dimension)
        if shares:
            shown = " · ".join(
                f"{g.value} {format_cost(g.cost_usd)}" for g in shares[:SHARES_SHOWN]
            )
            more = f" · {len(shares) - SHARES_SHOWN} more" if len(shares) > SHARES_SHOWN else ""
            text.append(f"\n  by {DIMENSION_TITLES.get(dimension, dimension).lower()}: ")
            text.append_text(literal_text(shown + more))
    elif report.offered:
        text.append(f"{', '.join(report.answers)} answered, with no totals this view reads")
    elif len(set(report.errors.values())) == 1:
        # One reason for every method (a session file, not connected): said once.
        text.append_text(literal_text(next(iter(report.errors.values()))))
        return text
    else:
        text.append("no usage figures of its own")
    for method, why in report.errors.items():
        text.append(f"\n  {method}: ", style="dim")
        text.append_text(literal_text(why))
    return text


class UsageScreen(ModalScreen[None]):
    """Groups of the sessions shown (after the filter), by one dimension at a time."""

    DEFAULT_CSS = """
    UsageScreen {
        align: center middle;
    }
    UsageScreen > VerticalScroll {
        width: 100;
        max-width: 95%;
        height: 90%;
        border: round $accent;
        background: $panel;
        padding: 0 1;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,u", "close", "Close", id="usage.close"),
        Binding("tab", "next_dimension", "Next grouping", id="usage.next"),
        *(
            Binding(str(n), f"dimension({n - 1})", f"By {d}", show=False, id=f"usage.by-{d}")
            for n, d in enumerate(USAGE_DIMENSIONS, start=1)
        ),
    ]

    def __init__(
        self,
        entries: Mapping[str, Mapping[str, Any]],
        *,
        store: Any = None,
        scope: str = "",
        dimension: str = "channel",
    ) -> None:
        super().__init__()
        self.groups = usage_groups(entries)
        self.count = len(entries)
        self.scope = scope
        self.dimension = dimension
        self.store = store
        self.report: GatewayUsage | None = None
        self.waiting = store is not None

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(id="usage-body")

    def on_mount(self) -> None:
        self._render_body()
        if self.store is not None:
            self._ask_gateway()

    @work(group="usage", exclusive=True, exit_on_error=False)
    async def _ask_gateway(self) -> None:
        try:
            self.report = await self.store.usage_report()
        except Exception as exc:  # the store promises an answer; never a traceback
            self.report = GatewayUsage(errors={"usage": describe_error(exc)})
        self.waiting = False
        self._render_body()

    def _render_body(self) -> None:
        title = Text()
        title.append("Usage", style="bold")
        title.append(f" · {self.count:,} sessions{self.scope} · by ")
        for n, dimension in enumerate(USAGE_DIMENSIONS, start=1):
            if n > 1:
                title.append(" ")
            label = f"{n} {DIMENSION_TITLES[dimension]}"
            title.append(label, style="bold reverse" if dimension == self.dimension else "dim")
        title.append("  (tab switches, esc closes)", style="dim")
        body = Group(
            title,
            Text(),
            groups_table(self.groups.get(self.dimension, []), self.dimension),
            Text(),
            gateway_lines(self.report, self.waiting, self.dimension),
        )
        self.query_one("#usage-body", Static).update(body)

    def action_dimension(self, index: int) -> None:
        if 0 <= index < len(USAGE_DIMENSIONS):
            self.dimension = USAGE_DIMENSIONS[index]
            self._render_body()

    def action_next_dimension(self) -> None:
        index = USAGE_DIMENSIONS.index(self.dimension)
        self.action_dimension((index + 1) % len(USAGE_DIMENSIONS))

    def action_close(self) -> None:
        self.dismiss(None)
