"""Usage and cost of sessions: per entry, totals, groups, and a gateway's usage answers (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from openclaw_tui.store.keys import channel_of, classify_key, join_namespace, parse_key
from openclaw_tui.store.runs import _number, run_state
from openclaw_tui.store.semantics import effective_model, model_ref

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
        return model_ref(*effective_model(entry)) or "-"
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
class SessionUsage:
    """One session's figures in a gateway's ``sessions.usage`` answer (summed over the period:
    every model call, not only the last one the row keeps)."""

    cost_usd: float | None
    tokens: int | None
    messages: int | None = None


@dataclass(frozen=True, slots=True)
class UsageShare:
    """One group of a gateway's own breakdown (``aggregates.byChannel`` / ``byModel`` /
    ``byAgent`` of ``sessions.usage``)."""

    value: str
    cost_usd: float
    tokens: int


@dataclass(frozen=True, slots=True)
class GatewayUsage:
    """What a gateway's own usage methods answered (``usage.cost``, ``sessions.usage``).

    The shapes, as real 2026.7.35 and 2026.9.6 gateways answered them after real turns
    (``interop/gateway/check_usage.py``; captured in ``tests/gateway/data/usage-*.json``), both
    to a read+write connection:

    - ``usage.cost {}`` -> ``{updatedAt, days, daily: [{date, <totals>}], totals, cacheStatus}``
    - ``sessions.usage {}`` -> ``{updatedAt, startDate, endDate, sessions: [{key, sessionId,
      agentId, channel?, model, usage: {<totals>, firstActivity, lastActivity, messageCounts,
      ...}}], totals, aggregates: {byChannel: [{channel, totals}], byModel: [{provider, model,
      count, totals}], byAgent: [{agentId, totals}], ...}, cacheStatus}`` (at most 50 sessions)

    where ``<totals>`` is ``{input, output, cacheRead, cacheWrite, totalTokens, totalCost,
    inputCost, outputCost, cacheReadCost, cacheWriteCost, missingCostEntries}`` summed over
    every model call of the period (the last 30 days by default), and ``cacheStatus`` is
    ``{status: "fresh" | "refreshing", cachedFiles, pendingFiles, staleFiles, refreshedAt}``: while
    the gateway is still indexing transcripts its totals can lag.

    ``answers``: method -> payload as sent; ``errors``: method -> why it gave nothing (refused,
    not offered, not connected). ``total_cost_usd`` / ``total_tokens`` are the ``totals`` of
    ``totals_from`` (``usage.cost`` first); ``period`` says which days they cover;
    ``missing_cost_entries`` counts model calls the gateway could not price; ``cache_status``
    is ``cacheStatus.status`` when it is not ``fresh`` (with ``stale_files``);
    ``session_usage`` and ``shares`` are read from ``sessions.usage``.
    """

    answers: Mapping[str, Any] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)
    total_cost_usd: float | None = None
    total_tokens: int | None = None
    totals_from: str | None = None
    # Several gateways: each one's own report, by gateway name (the fields above are merged:
    # answers/errors keyed "<gateway>/<method>", totals summed over the gateways that gave one).
    parts: Mapping[str, GatewayUsage] = field(default_factory=dict)
    period: str | None = None
    missing_cost_entries: int = 0
    cache_status: str | None = None
    stale_files: int = 0
    session_usage: Mapping[str, SessionUsage] = field(default_factory=dict)
    # dimension ("channel", "model", "agent") -> the gateway's groups, highest cost first.
    shares: Mapping[str, tuple[UsageShare, ...]] = field(default_factory=dict)

    @property
    def offered(self) -> bool:
        return bool(self.answers)


def _count(value: Any) -> int | None:
    number = _number(value)
    return int(number) if number is not None and number >= 0 else None


def _totals(payload: Any) -> tuple[float | None, int | None, int]:
    """(totalCost, totalTokens, missingCostEntries) of a ``<totals>`` object."""
    if not isinstance(payload, Mapping):
        return None, None, 0
    cost = _number(payload.get("totalCost"))
    return (
        cost if cost is not None and cost >= 0 else None,
        _count(payload.get("totalTokens")),
        _count(payload.get("missingCostEntries")) or 0,
    )


_SHARE_FIELDS = {"channel": "byChannel", "model": "byModel", "agent": "byAgent"}


def _share_value(dimension: str, item: Mapping[str, Any]) -> str | None:
    if dimension == "model":
        return model_ref(item.get("provider"), item.get("model"))
    value = item.get("channel" if dimension == "channel" else "agentId")
    return value if isinstance(value, str) and value else None


def _shares(aggregates: Any) -> dict[str, tuple[UsageShare, ...]]:
    out: dict[str, tuple[UsageShare, ...]] = {}
    if not isinstance(aggregates, Mapping):
        return out
    for dimension, name in _SHARE_FIELDS.items():
        items = aggregates.get(name)
        if not isinstance(items, list):
            continue
        found = []
        for item in items:
            if not isinstance(item, Mapping):
                continue
            value = _share_value(dimension, item)
            cost, tokens, _missing = _totals(item.get("totals"))
            if value is None or (cost is None and tokens is None):
                continue
            found.append(UsageShare(value, cost or 0.0, tokens or 0))
        out[dimension] = tuple(sorted(found, key=lambda g: (-g.cost_usd, -g.tokens, g.value)))
    return out


def _session_usage(sessions: Any) -> dict[str, SessionUsage]:
    out: dict[str, SessionUsage] = {}
    if not isinstance(sessions, list):
        return out
    for item in sessions:
        if not isinstance(item, Mapping) or not isinstance(item.get("key"), str):
            continue
        usage = item.get("usage")
        cost, tokens, _missing = _totals(usage)
        counts = usage.get("messageCounts") if isinstance(usage, Mapping) else None
        messages = _count(counts.get("total")) if isinstance(counts, Mapping) else None
        out[item["key"]] = SessionUsage(cost, tokens, messages)
    return out


def _period(cost: Any, sessions: Any) -> str | None:
    if isinstance(sessions, Mapping):
        start, end = sessions.get("startDate"), sessions.get("endDate")
        if isinstance(start, str) and isinstance(end, str) and start and end:
            return f"{start} to {end}"
    if isinstance(cost, Mapping):
        days = _count(cost.get("days"))
        if days:
            return f"the last {days} days"
    return None


def merge_usage(parts: Mapping[str, GatewayUsage]) -> GatewayUsage:
    """One report for several gateways (see ``GatewayUsage.parts``)."""
    answers: dict[str, Any] = {}
    errors: dict[str, str] = {}
    cost: float | None = None
    tokens: int | None = None
    sources: list[str] = []
    periods: list[str] = []
    missing = stale = 0
    cache: str | None = None
    sessions: dict[str, SessionUsage] = {}
    shares: dict[str, dict[str, UsageShare]] = {}
    for name, part in parts.items():
        answers.update({f"{name}/{method}": value for method, value in part.answers.items()})
        errors.update({f"{name}/{method}": why for method, why in part.errors.items()})
        if part.totals_from is not None:
            sources.append(f"{name}/{part.totals_from}")
        if part.total_cost_usd is not None:
            cost = (cost or 0.0) + part.total_cost_usd
        if part.total_tokens is not None:
            tokens = (tokens or 0) + part.total_tokens
        if part.period is not None and part.period not in periods:
            periods.append(part.period)
        missing += part.missing_cost_entries
        stale += part.stale_files
        cache = cache or part.cache_status
        sessions.update(
            {join_namespace(name, key): usage for key, usage in part.session_usage.items()}
        )
        for dimension, groups in part.shares.items():
            merged = shares.setdefault(dimension, {})
            for group in groups:
                old = merged.get(group.value)
                merged[group.value] = (
                    group
                    if old is None
                    else UsageShare(
                        group.value, old.cost_usd + group.cost_usd, old.tokens + group.tokens
                    )
                )
    return GatewayUsage(
        answers,
        errors,
        cost,
        tokens,
        ", ".join(sources) or None,
        dict(parts),
        period="; ".join(periods) or None,
        missing_cost_entries=missing,
        cache_status=cache,
        stale_files=stale,
        session_usage=sessions,
        shares={
            d: tuple(sorted(g.values(), key=lambda g: (-g.cost_usd, -g.tokens, g.value)))
            for d, g in shares.items()
        },
    )


USAGE_METHODS = ("usage.cost", "sessions.usage")


def gateway_usage(answers: Mapping[str, Any], errors: Mapping[str, str]) -> GatewayUsage:
    """Read the answers of ``usage.cost`` / ``sessions.usage`` (shapes: ``GatewayUsage``)."""
    cost: float | None = None
    tokens: int | None = None
    missing = 0
    source: str | None = None
    for method in USAGE_METHODS:
        payload = answers.get(method)
        if not isinstance(payload, Mapping):
            continue
        found_cost, found_tokens, found_missing = _totals(payload.get("totals"))
        if found_cost is None and found_tokens is None:
            continue
        cost, tokens, missing, source = found_cost, found_tokens, found_missing, method
        break
    cost_answer, sessions_answer = answers.get("usage.cost"), answers.get("sessions.usage")
    cache: str | None = None
    stale = 0
    for payload in (cost_answer, sessions_answer):
        status = payload.get("cacheStatus") if isinstance(payload, Mapping) else None
        word = status.get("status") if isinstance(status, Mapping) else None
        if isinstance(word, str) and word != "fresh":
            assert isinstance(status, Mapping)
            cache = word
            stale = max(stale, _count(status.get("staleFiles")) or 0)
    sessions = sessions_answer if isinstance(sessions_answer, Mapping) else {}
    return GatewayUsage(
        dict(answers),
        dict(errors),
        cost,
        tokens,
        source,
        period=_period(cost_answer, sessions_answer),
        missing_cost_entries=missing,
        cache_status=cache,
        stale_files=stale,
        session_usage=_session_usage(sessions.get("sessions")),
        shares=_shares(sessions.get("aggregates")),
    )
