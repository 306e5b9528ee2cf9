"""The app shows each gateway's connection state in the status bar: pairing with the request id
and the exact approve command, failures naming the gateway and the fix (against the fake gateway,
whose pairing and token rules follow the captures of the real ones)."""

from __future__ import annotations

from pathlib import Path

import pytest

from openclaw_tui.store.gateway import Backoff, GatewayConfig, GatewayStore, MultiGatewayStore
from openclaw_tui.tui.app import SessionBrowserApp
from openclaw_tui.tui.config import UserConfig
from openclaw_tui.tui.target import StoreTarget, target_for_gateways
from tests.gateway.fake_gateway import FakeGateway
from tests.tui.helpers import row_line, started, wait_until

pytestmark = pytest.mark.anyio

NOW = 1_795_611_000_000


def config_of(gateway: FakeGateway, name: str, token: str | None = None) -> GatewayConfig:
    return GatewayConfig(
        name=name, url=gateway.url, token=token or gateway.token, token_source="env TEST_TOKEN"
    )


def app_for(tmp_path: Path, configs: list[GatewayConfig]) -> SessionBrowserApp:
    def factory(target: StoreTarget, read_only: bool, watch: bool):
        options = {"config_directory": tmp_path / "config", "backoff": Backoff(0.02, 0.2)}
        if target.multi_gateway:
            return MultiGatewayStore(target.gateways, read_only=read_only, **options)
        return GatewayStore(target.gateways[0], read_only=read_only, **options)

    return SessionBrowserApp(
        target_for_gateways(configs, None),
        clock=lambda: NOW / 1000 + 60,
        config=UserConfig(),
        store_factory=factory,
    )


async def test_pairing_shows_the_request_and_approve_command_then_rows_appear(tmp_path: Path):
    async with FakeGateway(require_pairing=True) as lab:
        lab.sessions["agent:main:main"] = {"sessionId": "l1", "updatedAt": NOW, "label": "Lab"}
        app = app_for(tmp_path, [config_of(lab, "lab")])
        async with app.run_test(size=(200, 30)) as pilot:
            screen = await started(pilot)
            await wait_until(pilot, lambda: lab.pending_requests(), timeout=10)
            [request_id] = lab.pending_requests()
            command = f"openclaw devices approve {request_id}"
            await wait_until(pilot, lambda: command in screen.status.text, timeout=10)
            status = screen.status.text
            assert "lab pairing" in status
            assert f"request {request_id}" in status
            # The banner names the gateway, the gateway's reason and the same command.
            banner = screen.banner.message or ""
            assert "gateway lab (ws://127.0.0.1:" in banner
            assert "pairing required: device is not approved yet" in banner
            assert command in banner
            assert screen.vm.total_count == 0
            # The body agrees with the banner: not "no sessions", but why nothing is shown.
            assert screen.table.empty_message == (
                "Nothing to show: this device waits for approval (see the banner above)."
            )
            # The status bar agrees too: nothing is live and no write can land yet.
            assert "writes ok" not in status and "LIVE" not in status
            assert "OFFLINE" in status and "waiting for approval" in status

            # Approved on the host: the client retries by itself and the rows appear.
            lab.approve(request_id)
            await wait_until(pilot, lambda: screen.vm.total_count == 1, timeout=10)
            await wait_until(pilot, lambda: "writes ok" in screen.status.text, timeout=10)
            assert "LIVE" in screen.status.text
            await wait_until(pilot, lambda: "lab connected" in screen.status.text, timeout=10)
            await pilot.pause()
            assert "Lab" in row_line(screen, "agent:main:main")
            assert "OpenClaw 2026.7.35" in screen.status.text
            assert command not in screen.status.text
            assert screen.banner.message is None
            assert lab.errors == []


async def test_a_failed_gateway_is_named_with_the_fix_while_the_other_stays_live(tmp_path: Path):
    async with FakeGateway() as good, FakeGateway() as bad:
        good.sessions["agent:main:main"] = {"sessionId": "g1", "updatedAt": NOW, "label": "Good"}
        configs = [config_of(good, "good"), config_of(bad, "bad", token="not-the-token")]
        app = app_for(tmp_path, configs)
        async with app.run_test(size=(220, 30)) as pilot:
            screen = await started(pilot)
            await wait_until(pilot, lambda: "bad failed" in screen.status.text, timeout=10)
            await wait_until(pilot, lambda: screen.vm.total_count == 1, timeout=10)
            await wait_until(pilot, lambda: "good connected" in screen.status.text, timeout=10)
            status = screen.status.text
            assert "unauthorized: gateway token mismatch" in status
            banner = screen.banner.message or ""
            assert screen.banner.severity == "error"
            assert "gateway bad (ws://127.0.0.1:" in banner
            assert "--token-env bad=VARIABLE" in banner  # the fix, naming this gateway
            assert "good" not in banner  # only the failed one is named
            assert "not-the-token" not in banner + status  # never the secret


def test_status_bar_renders_connection_notes_as_literal_text():
    from openclaw_tui.widgets.status_bar import ConnectionNote, StatusInfo, render_status

    info = StatusInfo(
        connections=(
            ConnectionNote("a[b]", "pairing", "request [bold]x[/], approve: openclaw devices"),
            ConnectionNote("c", "connected", "OpenClaw 2026.9.6"),
        )
    )
    plain = render_status(info).plain
    assert "a[b] pairing: request [bold]x[/], approve: openclaw devices" in plain
    assert "c connected: OpenClaw 2026.9.6" in plain


async def test_reset_and_new_typed_on_a_gateway_row_use_the_gateways_methods(tmp_path: Path):
    from openclaw_tui.tui.editing import EditingPanel
    from openclaw_tui.widgets.confirm import ConfirmScreen

    async with FakeGateway() as home, FakeGateway() as work:
        home.sessions["agent:main:main"] = {"sessionId": "h1", "updatedAt": NOW, "label": "Home"}
        work.sessions["agent:main:main"] = {"sessionId": "w1", "updatedAt": NOW, "label": "Work"}
        app = app_for(tmp_path, [config_of(home, "home"), config_of(work, "work")])
        async with app.run_test(size=(200, 30)) as pilot:
            screen = await started(pilot)
            await wait_until(pilot, lambda: screen.vm.total_count == 2, timeout=10)
            screen.jump_to("work/agent:main:main")
            await pilot.pause()
            controller = screen.query_one(EditingPanel)

            await pilot.press("slash", *"reset", "enter")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), timeout=10)
            assert "sessions.reset" in str(app.screen.question)  # type: ignore[attr-defined]
            await pilot.press("y")
            await wait_until(pilot, lambda: controller.last_outcome is not None, timeout=10)
            ok, message = controller.last_outcome or (True, "")
            # The connection holds read+write; the gateway itself refuses: its own words, inline.
            assert not ok
            assert "Not reset: gateway work (ws://127.0.0.1:" in message
            assert "missing scope: operator.admin" in message
            assert work.count("sessions.reset") == 1 and home.count("sessions.reset") == 0
            assert work.count("sessions.patch") == 0  # never the local reset patch
            assert work.sessions["agent:main:main"]["sessionId"] == "w1"

            controller.last_outcome = None
            screen.jump_to("work/agent:main:main")
            await pilot.press("slash", *"new", "enter")
            await wait_until(pilot, lambda: controller.last_outcome is not None, timeout=10)
            ok, message = controller.last_outcome or (False, "")
            assert ok, message
            assert message.startswith("✅ New session started. (work/agent:main:dashboard:")
            await wait_until(pilot, lambda: screen.vm.total_count == 3, timeout=10)
            assert len(work.sessions) == 2 and len(home.sessions) == 1
            assert not home.errors and not work.errors
