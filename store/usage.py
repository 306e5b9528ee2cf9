"""Usage and cost of sessions: per entry, totals, groups, and a gateway's usage answers (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from openclaw_tui.store.keys import channel_of, classify_key, parse_key
from openclaw_tui.store.runs import _number, run_state
from openclaw_tui.store.semantics import effective_model

if TYPE_CHECKING:
    pass


# --- usage and cost ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EntryUsage:
    """Token and cost figures of an entry. They describe the LAST completed model call
    (OpenClaw stores no running sum): ``total_tokens`` is the context size then."""

    input_tokens: int | None
    output_tokens: int | None
    total_tokens: int | None
    cache_read: int | None
    cache_write: int | None
    context_tokens: int | None
    cost_usd: float | None
    fresh: bool | None

    @property
    def tokens(self) -> int | None:
        """Total, else input + output (as OpenClaw's Control UI shows it)."""
        if self.total_tokens is not None:
            return self.total_tokens
        if self.input_tokens is None and self.output_tokens is None:
            return None
        return (self.input_tokens or 0) + (self.output_tokens or 0)

    @property
    def context_fill(self) -> float | None:
        """Share of the context window in use (0..1+), None when unknown or stale."""
        tokens = self.tokens
        if tokens is None or not self.context_tokens or self.fresh is False:
            return None
        return tokens / self.context_tokens


def entry_usage(entry: Mapping[str, Any]) -> EntryUsage:
    def count(name: str) -> int | None:
        value = _number(entry.get(name))
        return int(value) if value is not None and value >= 0 else None

    cost = _number(entry.get("estimatedCostUsd"))
    fresh = entry.get("totalTokensFresh")
    return EntryUsage(
        count("inputTokens"),
        count("outputTokens"),
        count("totalTokens"),
        count("cacheRead"),
        count("cacheWrite"),
        count("contextTokens"),
        cost if cost is not None and cost >= 0 else None,
        fresh if isinstance(fresh, bool) else None,
    )


def cost_usd(entry: Mapping[str, Any]) -> float | None:
    return entry_usage(entry).cost_usd


def context_fill(entry: Mapping[str, Any]) -> float | None:
    return entry_usage(entry).context_fill


def format_cost(value: float | None) -> str:
    """``$0.0673``-style text; small values keep 4 significant decimals, none -> ""."""
    if value is None:
        return ""
    if value == 0:
        return "$0"
    if value < 0.01:
        return f"${value:.4f}"
    if value < 100:
        return f"${value:.2f}"
    return f"${value:,.0f}"


USAGE_DIMENSIONS = ("channel", "kind", "model", "agent")
UsageDimension = Literal["channel", "kind", "model", "agent"]


def dimension_value(key: str, entry: Mapping[str, Any], dimension: str) -> str:
    """The group a session falls in for one usage dimension ("-" when unknown)."""
    if dimension == "channel":
        return channel_of(key, entry) or "-"
    if dimension == "kind":
        return classify_key(key, entry)
    if dimension == "model":
        provider, model = effective_model(entry)
        if not model:
            return "-"
        return f"{provider}/{model}" if provider else model
    if dimension == "agent":
        agent = entry.get("agentId")
        if isinstance(agent, str) and agent:
            return agent
        return parse_key(key).agent_id or "-"
    raise ValueError(f"unknown usage dimension {dimension!r} (use {', '.join(USAGE_DIMENSIONS)})")


@dataclass(slots=True)
class UsageGroup:
    dimension: str
    value: str
    count: int = 0
    running: int = 0
    tokens: int = 0
    cost_usd: float = 0.0
    # How many of the sessions had a cost figure at all (the rest count as unknown, not $0).
    with_cost: int = 0
    keys: list[str] = field(default_factory=list, repr=False)


@dataclass(frozen=True, slots=True)
class UsageTotals:
    count: int
    running: int
    tokens: int
    cost_usd: float
    with_cost: int


def usage_totals(entries: Iterable[Mapping[str, Any]]) -> UsageTotals:
    """Totals over some entries (the rows shown after the filter)."""
    count = running = tokens = with_cost = 0
    cost = 0.0
    for entry in entries:
        count += 1
        state = run_state(entry)
        if state is not None and state.is_running:
            running += 1
        usage = entry_usage(entry)
        tokens += usage.tokens or 0
        if usage.cost_usd is not None:
            cost += usage.cost_usd
            with_cost += 1
    return UsageTotals(count, running, tokens, cost, with_cost)


def usage_groups(
    entries: Mapping[str, Mapping[str, Any]],
    by: Iterable[str] = USAGE_DIMENSIONS,
) -> dict[str, list[UsageGroup]]:
    """Per dimension, the sessions grouped by value: count, running, tokens, cost.

    Each list is sorted by cost (highest first), then count, then value.
    """
    dimensions = tuple(by)
    groups: dict[str, dict[str, UsageGroup]] = {d: {} for d in dimensions}
    for key, entry in entries.items():
        state = run_state(entry)
        is_running = state is not None and state.is_running
        usage = entry_usage(entry)
        for dimension in dimensions:
            value = dimension_value(key, entry, dimension)
            group = groups[dimension].get(value)
            if group is None:
                group = groups[dimension][value] = UsageGroup(dimension, value)
            group.count += 1
            group.running += is_running
            group.tokens += usage.tokens or 0
            if usage.cost_usd is not None:
                group.cost_usd += usage.cost_usd
                group.with_cost += 1
            group.keys.append(key)
    return {
        dimension: sorted(found.values(), key=lambda g: (-g.cost_usd, -g.count, g.value))
        for dimension, found in groups.items()
    }


@dataclass(frozen=True, slots=True)
class GatewayUsage:
    """What a gateway's own usage methods answered (``sessions.usage``, ``usage.cost``).

    ``answers``: method -> payload as sent; ``errors``: method -> why it gave nothing (refused,
    not offered, not connected). ``total_cost_usd`` / ``total_tokens`` are read from a
    ``totals`` object (``totalCost`` / ``totalTokens``) when one is there, and ``totals_from``
    names the method they came from, so a view can say which figures are the gateway's and which
    are summed from the rows. These result shapes were not captured from 2026.7.35 / 2026.9.6
    (the reference lists the methods only), so nothing else is assumed about them.
    """

    answers: Mapping[str, Any] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)
    total_cost_usd: float | None = None
    total_tokens: int | None = None
    totals_from: str | None = None
    # Several gateways: each one's own report, by gateway name (the fields above are merged:
    # answers/errors keyed "<gateway>/<method>", totals summed over the gateways that gave one).
    parts: Mapping[str, GatewayUsage] = field(default_factory=dict)

    @property
    def offered(self) -> bool:
        return bool(self.answers)


def merge_usage(parts: Mapping[str, GatewayUsage]) -> GatewayUsage:
    """One report for several gateways (see ``GatewayUsage.parts``)."""
    answers: dict[str, Any] = {}
    errors: dict[str, str] = {}
    cost: float | None = None
    tokens: int | None = None
    sources: list[str] = []
    for name, part in parts.items():
        answers.update({f"{name}/{method}": value for method, value in part.answers.items()})
        errors.update({f"{name}/{method}": why for method, why in part.errors.items()})
        if part.totals_from is not None:
            sources.append(f"{name}/{part.totals_from}")
        if part.total_cost_usd is not None:
            cost = (cost or 0.0) + part.total_cost_usd
        if part.total_tokens is not None:
            tokens = (tokens or 0) + part.total_tokens
    return GatewayUsage(answers, errors, cost, tokens, ", ".join(sources) or None, dict(parts))


USAGE_METHODS = ("usage.cost", "sessions.usage")


def gateway_usage(answers: Mapping[str, Any], errors: Mapping[str, str]) -> GatewayUsage:
    cost: float | None = None
    tokens: int | None = None
    source: str | None = None
    for method in USAGE_METHODS:
        payload = answers.get(method)
        totals = payload.get("totals") if isinstance(payload, Mapping) else None
        if not isinstance(totals, Mapping):
            continue
        found_cost = _number(totals.get("totalCost"))
        found_tokens = _number(totals.get("totalTokens"))
        if found_cost is None and found_tokens is None:
            continue
        cost = found_cost
        tokens = int(found_tokens) if found_tokens is not None else None
        source = method
        break
    return GatewayUsage(dict(answers), dict(errors), cost, tokens, source)
