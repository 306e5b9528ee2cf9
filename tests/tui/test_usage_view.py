"""The usage view (``u``): the sessions shown grouped by channel/kind/model/agent, by cost; the
gateway's own usage answers (or why there are none) said under the table."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from openclaw_tui.store.gateway import Backoff, GatewayStore
from openclaw_tui.store.usage import gateway_usage
from openclaw_tui.tui.app import SessionBrowserApp
from openclaw_tui.tui.config import UserConfig
from openclaw_tui.tui.target import StoreTarget, target_for_gateways
from openclaw_tui.tui.usage import UsageScreen, gateway_lines, groups_table
from tests.gateway.fake_runs import RunningFakeGateway, captured_usage
from tests.gateway.test_app_connections import config_of
from tests.tui.helpers import make_app, started, store_path, wait_until, write_json_store
from tests.tui.test_run_column import ENTRIES, FAILED, NOW, RUNNING, STALLED

pytestmark = pytest.mark.anyio


def rendered(table) -> str:
    from rich.console import Console

    console = Console(width=100, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(table)
    return console.export_text()


async def open_usage(pilot, screen) -> UsageScreen:
    await pilot.press("u")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, UsageScreen), what="usage")
    usage = pilot.app.screen
    assert isinstance(usage, UsageScreen)
    await wait_until(pilot, lambda: not usage.waiting, what="the store's usage answer")
    return usage


async def test_usage_view_groups_the_shown_sessions_by_cost(tmp_path: Path) -> None:
    write_json_store(store_path(tmp_path), ENTRIES)
    app = make_app(tmp_path)
    async with app.run_test(size=(140, 30)) as pilot:
        screen = await started(pilot)
        usage = await open_usage(pilot, screen)
        channels = usage.groups["channel"]
        # By cost: no channel ($1.00: the main session), then telegram (the running and the
        # stalled one, $0.75), then the groups without a cost figure.
        assert [g.value for g in channels][:2] == ["-", "telegram"]
        assert channels[0].cost_usd == pytest.approx(1.0)
        telegram = channels[1]
        assert (telegram.count, telegram.running, telegram.tokens) == (2, 2, 3_000)
        assert telegram.cost_usd == pytest.approx(0.75)
        text = rendered(groups_table(usage.groups["kind"], "kind"))
        assert "Cost ▼" in text and "Running" in text
        # Sorted by cost: main ($1.00) before direct ($0.75).
        assert text.index("main") < text.index("direct")
        await pilot.press("tab")
        assert usage.dimension == "kind"
        await pilot.press("4")
        assert usage.dimension == "agent"
        # A file store has no usage service: the view says the figures are the entries'.
        lines = gateway_lines(usage.report, usage.waiting).plain
        assert "is a session file: usage comes from its entries" in lines
        await pilot.press("escape")
        await wait_until(pilot, lambda: pilot.app.screen is screen, what="back to the table")


async def test_usage_view_follows_the_filter(tmp_path: Path) -> None:
    write_json_store(store_path(tmp_path), ENTRIES)
    app = make_app(tmp_path)
    async with app.run_test(size=(140, 30)) as pilot:
        screen = await started(pilot)
        screen.apply_filter("!run:running")
        await wait_until(pilot, lambda: screen.vm.row_count == 4, what="the filter")
        usage = await open_usage(pilot, screen)
        assert usage.count == 4
        assert "shown of 6 (filter !run:running)" in usage.scope
        assert RUNNING not in {k for g in usage.groups["channel"] for k in g.keys}
        assert FAILED in {k for g in usage.groups["channel"] for k in g.keys}
        assert STALLED not in {k for g in usage.groups["kind"] for k in g.keys}


def test_gateway_lines_say_which_figures_come_from_where() -> None:
    answers = {"usage.cost": captured_usage("2026.7.35")["usage.cost"]}
    report = gateway_usage(answers, {"sessions.usage": "unknown method: sessions.usage"})
    text = gateway_lines(report, False).plain
    assert (
        "cost $0.13, 43k tokens over the last 31 days (the totals usage.cost answered: every "
        "model call of the period, not only the last one)"
    ) in text
    assert "sessions.usage: unknown method: sessions.usage" in text
    assert "summed from the session rows" in text
    assert "asking usage.cost" in gateway_lines(None, True).plain


def test_gateway_lines_show_its_breakdown_for_the_grouping_and_a_lagging_index() -> None:
    answers = copy.deepcopy(captured_usage("2026.7.35"))
    answers["sessions.usage"]["cacheStatus"] = {"status": "refreshing", "staleFiles": 2}
    report = gateway_usage(answers, {})
    assert "over 2026-11-04 to 2026-12-03" in gateway_lines(report, False).plain
    assert "by channel: webchat $0.13" in gateway_lines(report, False, "channel").plain
    assert "by model: fakellm/fake-model $0.13" in gateway_lines(report, False, "model").plain
    assert "by kind" not in gateway_lines(report, False, "kind").plain  # it has none
    lagging = "still indexing (refreshing, 2 transcripts to read): its figures can lag"
    assert lagging in gateway_lines(report, False).plain


async def test_usage_view_on_a_gateway_reads_its_usage_cost(tmp_path: Path) -> None:
    async with RunningFakeGateway(usage=captured_usage("2026.9.6")) as gw:
        gw.put("agent:main:main", label="Main", estimatedCostUsd=0.5, totalTokens=100)

        def factory(target: StoreTarget, read_only: bool, watch: bool) -> GatewayStore:
            return GatewayStore(
                target.gateways[0],
                read_only=read_only,
                config_directory=tmp_path / "config",
                backoff=Backoff(0.02, 0.2),
            )

        app = SessionBrowserApp(
            target_for_gateways([config_of(gw, "lab")], None),
            clock=lambda: NOW / 1000,
            config=UserConfig(),
            store_factory=factory,
        )
        async with app.run_test(size=(140, 30)) as pilot:
            screen = await started(pilot)
            await wait_until(pilot, lambda: screen.vm.total_count == 1, timeout=10)
            usage = await open_usage(pilot, screen)
            assert usage.report is not None and usage.report.totals_from == "usage.cost"
            text = gateway_lines(usage.report, usage.waiting).plain
            assert "cost $0.10, 32k tokens over 2026-11-04 to 2026-12-03" in text
            assert gw.count("usage.cost") == 1
