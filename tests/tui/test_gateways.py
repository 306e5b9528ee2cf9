"""The browser on remote gateways: a protocol-checking fake gateway (tests/gateway), the real
GatewayStore / MultiGatewayStore, and a Gateway column only when several gateways are shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from openclaw_tui.store.gateway import Backoff, GatewayConfig, GatewayStore, MultiGatewayStore
from openclaw_tui.tui.app import SessionBrowserApp
from openclaw_tui.tui.config import UserConfig
from openclaw_tui.tui.target import StoreTarget, target_for_gateways
from tests.gateway.fake_gateway import FakeGateway
from tests.tui.helpers import line_text, row_line, started, wait_until

pytestmark = pytest.mark.anyio

NOW = 1_795_611_000_000


def config_of(gateway: FakeGateway, name: str) -> GatewayConfig:
    return GatewayConfig(name=name, url=gateway.url, token=gateway.token, token_source="test")


def factory_for(tmp_path: Path):
    def factory(target: StoreTarget, read_only: bool, watch: bool):
        # Device identity under tmp_path, never in the developer's ~/.config.
        options = {"config_directory": tmp_path / "config", "backoff": Backoff(0.02, 0.2)}
        if target.multi_gateway:
            return MultiGatewayStore(target.gateways, read_only=read_only, **options)
        return GatewayStore(target.gateways[0], read_only=read_only, **options)

    return factory


def app_for(tmp_path: Path, configs: list[GatewayConfig]) -> SessionBrowserApp:
    return SessionBrowserApp(
        target_for_gateways(configs, None),
        clock=lambda: NOW / 1000 + 60,
        config=UserConfig(),
        store_factory=factory_for(tmp_path),
    )


async def test_two_gateways_show_a_gateway_column_and_live_changes(tmp_path: Path):
    async with FakeGateway() as home, FakeGateway() as work:
        home.sessions["agent:main:main"] = {"sessionId": "h1", "updatedAt": NOW, "label": "Home"}
        work.sessions["agent:main:main"] = {"sessionId": "w1", "updatedAt": NOW, "label": "Work"}
        app = app_for(tmp_path, [config_of(home, "home"), config_of(work, "work")])
        async with app.run_test(size=(160, 30)) as pilot:
            screen = await started(pilot)
            await wait_until(pilot, lambda: screen.vm.total_count == 2, timeout=10)
            await pilot.pause()
            assert "Gateway" in line_text(screen, 0)
            assert "home" in row_line(screen, "home/agent:main:main")
            assert "work" in row_line(screen, "work/agent:main:main")
            assert "home" in screen.status.text and "work" in screen.status.text
            # A change made on the gateway (by someone else) arrives as an event.
            assert app.store is not None
            await app.store.update_entry("work/agent:main:main", {"label": "Renamed"})
            await wait_until(
                pilot,
                lambda: screen.vm.rows["work/agent:main:main"].entry.get("label") == "Renamed",
                timeout=10,
            )
            assert work.sessions["agent:main:main"]["label"] == "Renamed"
            assert not home.errors and not work.errors


async def test_one_gateway_has_no_gateway_column(tmp_path: Path):
    async with FakeGateway() as solo:
        solo.sessions["agent:main:main"] = {"sessionId": "s1", "updatedAt": NOW, "label": "Solo"}
        app = app_for(tmp_path, [config_of(solo, "solo")])
        async with app.run_test(size=(160, 30)) as pilot:
            screen = await started(pilot)
            await wait_until(pilot, lambda: screen.vm.total_count == 1, timeout=10)
            await pilot.pause()
            assert "Gateway" not in line_text(screen, 0)
            assert "Solo" in row_line(screen, "agent:main:main")


def test_gateway_options_are_checked_on_the_command_line(capsys):
    from openclaw_tui.tui.cli import main

    assert main(["--gateway", "ws://127.0.0.1:1", "--store", "x.json"]) == 2
    assert "drop --store" in capsys.readouterr().err
    assert main(["--gateway", "not a url"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("openclaw-tui: error: --gateway") and err.count("\n") == 1
