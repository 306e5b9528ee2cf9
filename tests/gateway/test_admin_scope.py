"""The opt-in ``operator.admin`` scope per gateway (issue #12: /stop on real gateways).

Real gateways refuse ``sessions.abort`` without ``operator.admin`` (2026.7.35 and 2026.9.6
answer a read+write connection INVALID_REQUEST "unauthorized", naming no scope). A connection
asks for it only when the operator opts in (``admin_scope = true`` in the gateways file,
``--admin-scope NAME``); a device paired with fewer scopes is then refused with
``reason: scope-upgrade`` until an admin approves the wider set on the gateway host. Meanwhile
the connection works with the approved scopes and says what to run; once approved it takes the
new scopes up by itself. Against the fake gateway, whose pairing and scope rules follow the
captures of the real ones.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import pytest

from openclaw_tui.store.gateway import GatewayConfigError, load_gateway_config, parse_gateway_args
from openclaw_tui.tui.cli import add_gateway_arguments, gateways_from_args
from tests.gateway.fake_runs import RunningFakeGateway
from tests.gateway.helpers import make_store
from tests.gateway.test_app_connections import app_for, config_of
from tests.gateway.test_runs import state_of, until
from tests.tui.helpers import started, wait_until

pytestmark = pytest.mark.anyio

KEY = "agent:main:main"
ADMIN = ("operator.read", "operator.write", "operator.admin")


def test_the_config_file_setting_and_the_flag_ask_for_operator_admin(tmp_path: Path):
    file = tmp_path / "gateways.toml"
    file.write_text(
        '[[gateway]]\nname = "home"\nurl = "ws://127.0.0.1:18789"\nadmin_scope = true\n'
        '[[gateway]]\nname = "lab"\nurl = "ws://127.0.0.1:18790"\n'
    )
    home, lab = load_gateway_config(file, environ={})
    assert home.admin_scope and home.scopes == ADMIN
    assert not lab.admin_scope and lab.scopes == ("operator.read", "operator.write")

    parser = argparse.ArgumentParser()
    add_gateway_arguments(parser)
    args = parser.parse_args(["--gateway-config", str(file), "--admin-scope", "lab"])
    assert [g.admin_scope for g in gateways_from_args(args, environ={})] == [True, True]
    args = parser.parse_args(["--gateway", "a=ws://127.0.0.1:1", "--gateway", "b=ws://[::1]:2"])
    assert [g.admin_scope for g in gateways_from_args(args, environ={})] == [False, False]
    # Alone it opts in every gateway given.
    args = parser.parse_args(["--gateway", "a=ws://127.0.0.1:1", "--admin-scope"])
    assert [g.scopes for g in gateways_from_args(args, environ={})] == [ADMIN]


def test_a_wrong_admin_scope_setting_or_name_is_refused_naming_the_fix(tmp_path: Path):
    file = tmp_path / "gateways.toml"
    file.write_text('[[gateway]]\nname = "home"\nurl = "ws://127.0.0.1:1"\nadmin_scope = "yes"\n')
    with pytest.raises(GatewayConfigError) as caught:
        load_gateway_config(file, environ={})
    assert "admin_scope must be true or false" in caught.value.describe()
    assert "use admin_scope = true" in caught.value.describe()
    with pytest.raises(GatewayConfigError) as caught:
        parse_gateway_args(["home=ws://127.0.0.1:1"], environ={}, admin_scope=["lab"])
    assert "--admin-scope" in caught.value.describe()
    assert "names no open gateway: lab" in caught.value.describe()
    assert "use one of: home" in caught.value.describe()
    with pytest.raises(GatewayConfigError) as caught:
        parse_gateway_args([], environ={}, admin_scope=["*"])
    assert "without any gateway" in caught.value.describe()


async def test_a_scope_upgrade_works_on_with_the_approved_scopes_until_approved(tmp_path):
    async with RunningFakeGateway(flavor="7") as gw:
        gw.put(KEY, label="Main")
        # This device was paired earlier with read+write (loopback: silently).
        async with make_store(gw, tmp_path, name="lab") as first:
            await first.wait_synced(5)
        store = make_store(gw, tmp_path, name="lab", admin_scope=True, upgrade_retry=0.05)
        async with store:
            # Refused for the wider set, it connects with what is approved: rows are there.
            await store.wait_synced(5)
            assert store.scopes == ("operator.read", "operator.write")
            [request_id] = gw.pending_requests()
            command = f"openclaw devices approve {request_id}"
            state = store.state
            assert state.state == "connected" and command in state.detail
            assert "operator.admin waits for approval" in state.detail
            assert state.extra["upgrade_command"] == command
            assert store.get(KEY)["label"] == "Main"

            # /stop meanwhile: refused, and the fix is the approve command itself.
            await gw.begin_run(KEY)
            await until(store, lambda: (s := state_of(store)) is not None and s.is_running)
            refused = await store.stop_run(KEY, timeout=5)
            assert refused.outcome == "refused" and refused.gateway_message == "unauthorized"
            assert refused.fix is not None and command in refused.fix
            assert KEY in gw.runs

            # Approved on the host: the client takes the new scope up by itself.
            gw.approve(request_id)
            await until(store, lambda: "operator.admin" in store.scopes, timeout=10)
            await until(store, lambda: store.state.state == "connected")
            assert "waits for approval" not in store.state.detail
            assert "upgrade_command" not in store.state.extra
            await store.wait_synced(5)
            await until(store, lambda: (s := state_of(store)) is not None and s.is_running)
            stopped = await store.stop_run(KEY, timeout=5)
            assert stopped.outcome == "stopped", stopped
            assert KEY not in gw.runs
            assert gw.errors == []


async def test_a_device_never_paired_still_waits_for_pairing_not_for_an_upgrade(tmp_path):
    async with RunningFakeGateway(require_pairing=True) as gw:
        store = make_store(gw, tmp_path, name="lab", admin_scope=True)
        async with store:
            await gw.wait_for(lambda: bool(gw.pending_requests()))
            await until(store, lambda: store.state.state == "pairing")
            assert store.scopes == ()
            [request_id] = gw.pending_requests()
            assert f"openclaw devices approve {request_id}" in store.state.detail


async def test_the_status_bar_shows_the_scope_waiting_for_approval(tmp_path: Path):
    async with RunningFakeGateway() as gw:
        gw.put(KEY, label="Main")
        async with make_store(gw, tmp_path, name="lab") as first:
            await first.wait_synced(5)
        app = app_for(tmp_path, [replace(config_of(gw, "lab"), admin_scope=True)])
        async with app.run_test(size=(220, 30)) as pilot:
            screen = await started(pilot)
            await wait_until(pilot, lambda: screen.vm.total_count == 1, timeout=10)
            [request_id] = gw.pending_requests()
            note = f"operator.admin awaits approval: openclaw devices approve {request_id}"
            await wait_until(pilot, lambda: note in screen.status.text, timeout=10)
            assert "lab connected" in screen.status.text
