"""``/stop`` (``/abort``): the gateway's sessions.abort, "stopped" only once the gateway reports the
run ended; a run still going after the wait, a refusal (the gateway's own message) and a file
store (runs live in the gateway process: --gateway) are inline failures. Against the fake
gateway that simulates runs (tests/gateway/fake_runs.py), and in the app through the command bar.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from openclaw_tui.store.abort import AbortResult
from openclaw_tui.store.bulk import BULK_CONCURRENCY
from openclaw_tui.store.gateway import Backoff, GatewayStore
from openclaw_tui.tui import slash
from openclaw_tui.tui.app import SessionBrowserApp
from openclaw_tui.tui.config import UserConfig
from openclaw_tui.tui.editing import EditingPanel
from openclaw_tui.tui.target import StoreTarget, target_for_gateways
from tests.gateway.fake_runs import RunningFakeGateway
from tests.gateway.helpers import make_store
from tests.gateway.test_app_connections import config_of
from tests.gateway.test_runs import state_of, until
from tests.tui.helpers import copy_small_store, make_app, row_line, started, wait_until

pytestmark = pytest.mark.anyio

KEY = "agent:main:main"
OTHER = "agent:main:telegram:direct:42"


async def running(gw: RunningFakeGateway, store: GatewayStore, key: str = KEY) -> str:
    run_id = await gw.begin_run(key)
    await until(store, lambda: (s := state_of(store, key)) is not None and s.is_running)
    return run_id


@pytest.mark.parametrize("typed", ["/stop", "/abort"])
async def test_stop_says_stopped_once_the_gateway_reports_the_run_ended(tmp_path, typed):
    async with RunningFakeGateway(flavor="9") as gw:
        gw.put(KEY, label="Main")
        async with make_store(gw, tmp_path, admin_scope=True) as store:
            await store.wait_synced(5)
            await running(gw, store)
            outcome = await slash.execute(typed, store, KEY)
            assert outcome.ok, outcome.message
            assert outcome.message.startswith("⏹ stopped agent:main:main")
            assert "killed" in outcome.message
            assert gw.params_of("sessions.abort") == [{"key": KEY}]
            assert not state_of(store).is_running


async def test_stop_of_marked_rows_stops_each_and_reports_the_idle_one(tmp_path):
    async with RunningFakeGateway(flavor="7") as gw:
        gw.put(KEY, label="Main")
        gw.put(OTHER, label="Other")
        async with make_store(gw, tmp_path, admin_scope=True) as store:
            await store.wait_synced(5)
            await running(gw, store)
            outcome = await slash.execute("/stop", store, [KEY, OTHER])
            assert outcome.ok, outcome.message
            assert f"{OTHER}: {OTHER} had no active run" in outcome.message
            assert sorted(p["key"] for p in gw.params_of("sessions.abort")) == sorted([KEY, OTHER])


async def test_stop_on_many_marked_rows_keeps_a_bounded_number_in_flight(tmp_path):
    keys = [f"agent:main:telegram:direct:{n}" for n in range(3 * BULK_CONCURRENCY)]
    async with RunningFakeGateway() as gw:
        for key in keys:
            gw.put(key, label=key)
        async with make_store(gw, tmp_path, admin_scope=True) as store:
            await store.wait_synced(5)
            real_stop_run = store.stop_run
            in_flight = 0
            most = 0

            async def counting_stop_run(key: str, *, timeout: float = 5) -> AbortResult:
                nonlocal in_flight, most
                in_flight += 1
                most = max(most, in_flight)
                try:
                    return await real_stop_run(key, timeout=timeout)
                finally:
                    in_flight -= 1

            store.stop_run = counting_stop_run  # type: ignore[method-assign]
            outcome = await slash.execute("/stop", store, keys)
            assert outcome.ok, outcome.message
            assert len(gw.params_of("sessions.abort")) == len(keys)
            assert most == BULK_CONCURRENCY


async def test_a_run_still_going_after_the_wait_is_said_inline(tmp_path):
    async with RunningFakeGateway(abort_behaviour="ignored") as gw:
        gw.put(KEY, label="Main")
        async with make_store(gw, tmp_path, admin_scope=True) as store:
            await store.wait_synced(5)
            await running(gw, store)
            config = slash.SlashConfig(stop_wait=0.3)
            outcome = await slash.execute("/stop", store, KEY, config=config)
            assert not outcome.ok
            assert "still running 0.3s after the stop request" in outcome.message
            assert "try /stop again" in outcome.message
            assert KEY in outcome.failures
            assert state_of(store).is_running


@pytest.mark.parametrize("flavor", ["7", "9"])
async def test_a_refusal_for_the_admin_scope_names_the_opt_in_and_the_approval(tmp_path, flavor):
    # Real gateways (2026.7.35, 2026.9.6) refuse sessions.abort without operator.admin with
    # just "unauthorized"; a connection asks for that scope only when the operator opts in.
    async with RunningFakeGateway(flavor=flavor) as gw:
        gw.put(KEY, label="Main")
        async with make_store(gw, tmp_path, name="lab") as store:
            await store.wait_synced(5)
            await gw.begin_run(KEY)
            outcome = await slash.execute("/stop", store, KEY)
            assert not outcome.ok
            assert f"the gateway refused to stop {KEY}: unauthorized" in outcome.message
            assert "sessions.abort needs operator.admin" in outcome.message
            assert "admin_scope = true for gateway lab" in outcome.message
            assert "--admin-scope lab" in outcome.message
            assert "openclaw devices approve" in outcome.message
            assert KEY in gw.runs  # nothing was stopped


async def test_stop_takes_no_argument(tmp_path):
    async with RunningFakeGateway() as gw:
        gw.put(KEY, label="Main")
        async with make_store(gw, tmp_path, admin_scope=True) as store:
            await store.wait_synced(5)
            outcome = await slash.execute("/stop now", store, KEY)
            assert not outcome.ok and 'Unexpected argument "now" for /stop' in outcome.message
            assert gw.count("sessions.abort") == 0


async def type_command(pilot, screen, text: str) -> tuple[bool, str]:
    panel = screen.query_one(EditingPanel)
    panel.last_outcome = None
    await pilot.press("slash")
    await wait_until(pilot, lambda: panel.bar.is_open)
    await pilot.press(*text.removeprefix("/"))
    await pilot.press("enter")
    await wait_until(pilot, lambda: panel.last_outcome is not None, what=text, timeout=10)
    assert panel.last_outcome is not None
    return panel.last_outcome


async def test_stop_in_the_app_on_marked_gateway_rows(tmp_path):
    async with RunningFakeGateway(flavor="9") as gw:
        gw.put(KEY, label="Main")

        def factory(target: StoreTarget, read_only: bool, watch: bool) -> GatewayStore:
            assert target.gateways[0].admin_scope
            return GatewayStore(
                target.gateways[0],
                read_only=read_only,
                config_directory=tmp_path / "config",
                backoff=Backoff(0.02, 0.2),
            )

        app = SessionBrowserApp(
            target_for_gateways([replace(config_of(gw, "lab"), admin_scope=True)], None),
            config=UserConfig(),
            store_factory=factory,
        )
        async with app.run_test(size=(200, 30)) as pilot:
            screen = await started(pilot)
            await wait_until(pilot, lambda: screen.vm.total_count == 1, timeout=10)
            await gw.begin_run(KEY)
            await wait_until(pilot, lambda: KEY in screen.vm.running_keys, timeout=10)
            assert "running" in row_line(screen, KEY)
            assert "1 running" in screen.status.text
            screen.vm.toggle_mark(KEY)
            ok, message = await type_command(pilot, screen, "/stop")
            assert ok, message
            assert message.startswith("⏹ stopped")
            # The Run column and the running count follow the gateway's report.
            await wait_until(pilot, lambda: not screen.vm.running_keys, timeout=10)
            await wait_until(pilot, lambda: "killed" in row_line(screen, KEY), timeout=10)
            assert "running" not in screen.status.text


async def test_stop_on_a_file_store_explains_where_runs_live(tmp_path: Path):
    copy_small_store(tmp_path)
    app = make_app(tmp_path)
    async with app.run_test(size=(140, 30)) as pilot:
        screen = await started(pilot)
        screen.table.move_cursor_to_key(KEY)
        ok, message = await type_command(pilot, screen, "/stop")
        assert not ok
        assert "nothing was stopped: runs live in the OpenClaw gateway process" in message
        assert "--gateway ws://" in message
        # The palette offers the same command, on the same path.
        stop = next(c for c in app.get_system_commands(screen) if c.title.startswith("Stop"))
        panel = screen.query_one(EditingPanel)
        panel.last_outcome = None
        stop.callback()
        await wait_until(pilot, lambda: panel.last_outcome is not None, what="palette /stop")
        assert panel.last_outcome is not None
        assert "runs live in the OpenClaw gateway process" in panel.last_outcome[1]
