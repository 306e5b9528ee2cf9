"""Reading a gateway's usage answers (``store.usage.gateway_usage``): the shapes real 2026.7.35
and 2026.9.6 gateways sent (tests/gateway/data, captured by interop/gateway/check_usage.py),
a cache still refreshing, unpriced calls, and answers of no known shape."""

from __future__ import annotations

import copy

import pytest

from openclaw_tui.store.usage import GatewayUsage, gateway_usage, merge_usage
from tests.gateway.fake_runs import captured_usage


@pytest.mark.parametrize("version", ["2026.7.35", "2026.9.6"])
def test_the_real_answers_give_totals_period_sessions_and_breakdown(version: str) -> None:
    answers = captured_usage(version)
    report = gateway_usage(answers, {})
    totals = answers["usage.cost"]["totals"]
    assert report.totals_from == "usage.cost"
    assert report.total_cost_usd == totals["totalCost"]
    assert report.total_tokens == totals["totalTokens"]
    # sessions.usage covers the same days and the same calls: its totals agree.
    assert answers["sessions.usage"]["totals"]["totalCost"] == totals["totalCost"]
    assert report.period == "2026-11-04 to 2026-12-03"
    assert set(report.session_usage) == {"agent:main:main"}


def test_without_usage_cost_the_totals_of_sessions_usage_are_taken() -> None:
    answers = {"sessions.usage": captured_usage("2026.9.6")["sessions.usage"]}
    report = gateway_usage(answers, {"usage.cost": "unknown method: usage.cost"})
    assert report.totals_from == "sessions.usage" and report.total_tokens == 32_063
    assert report.errors == {"usage.cost": "unknown method: usage.cost"}


def test_a_refreshing_cache_and_unpriced_calls_are_reported() -> None:
    answers = copy.deepcopy(captured_usage("2026.9.6"))
    answers["usage.cost"]["cacheStatus"] = {"status": "refreshing", "staleFiles": 3}
    answers["usage.cost"]["totals"]["missingCostEntries"] = 2
    report = gateway_usage(answers, {})
    assert report.cache_status == "refreshing" and report.stale_files == 3
    assert report.missing_cost_entries == 2
    answers["usage.cost"]["days"] = 30
    del answers["sessions.usage"]
    assert gateway_usage(answers, {}).period == "the last 30 days"


@pytest.mark.parametrize(
    "payload",
    [
        None,
        [],
        "ok",
        {"totals": "x"},
        {"totals": {"totalCost": -1, "totalTokens": "many"}},
        {"totals": {"totalCost": float("nan")}},
        {"sessions": [1, {"key": 3}, {"key": "k", "usage": "x"}], "aggregates": {"byModel": 7}},
    ],
)
def test_answers_of_no_known_shape_give_no_figures_and_never_raise(payload) -> None:
    report = gateway_usage({"usage.cost": payload, "sessions.usage": payload}, {})
    assert report.offered and report.total_cost_usd is None and report.totals_from is None
    assert all(u.cost_usd is None for u in report.session_usage.values())


def test_several_gateways_add_up_per_group_and_prefix_their_sessions() -> None:
    one = gateway_usage(captured_usage("2026.7.35"), {})
    two = gateway_usage(captured_usage("2026.9.6"), {})
    merged = merge_usage({"a": one, "b": two})
    assert merged.total_cost_usd == pytest.approx(0.128631 + 0.096405)
    assert set(merged.session_usage) == {"a/agent:main:main", "b/agent:main:main"}
    (model,) = merged.shares["model"]
    assert model.value == "fakellm/fake-model" and model.tokens == 42_805 + 32_063
    assert merged.period == "2026-11-04 to 2026-12-03"
    assert merge_usage({"a": GatewayUsage()}).period is None
