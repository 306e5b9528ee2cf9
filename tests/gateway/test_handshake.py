"""Handshake, pairing, auth, protocol and scope errors against the recorded-frame gateway."""

from __future__ import annotations

import stat

import pytest

from openclaw_tui.store.errors import StoreError, StoreReadOnlyError
from openclaw_tui.store.events import ConnectionState
from openclaw_tui.store.gateway import (
    GatewayAuthError,
    GatewayProtocolError,
    GatewayScopeError,
    GatewayScopeMismatchError,
    GatewayUnavailableError,
)
from openclaw_tui.store.gateway.client import connect_error
from openclaw_tui.store.gateway.config import GatewayConfig
from openclaw_tui.store.gateway.identity import DeviceTokenStore, load_or_create_identity
from tests.gateway.fake_gateway import FakeGateway
from tests.gateway.helpers import make_store, next_matching

pytestmark = pytest.mark.anyio


def is_state(name: str):
    return lambda e: isinstance(e, ConnectionState) and e.state == name


@pytest.mark.parametrize("flavor", ["7", "9"])
async def test_handshake_signs_the_challenge_and_keeps_the_device_token(tmp_path, flavor):
    async with FakeGateway(flavor=flavor) as gw:
        gw.put("agent:main:main", label="Main")
        store = make_store(gw, tmp_path)
        sub = store.subscribe()
        async with store:
            await store.wait_synced(5)
            assert gw.errors == []  # the server verified id, nonce, signature, client id/mode
            assert store.server_version == gw.version
            assert store.scopes == ("operator.read", "operator.write")
            assert store.load()["agent:main:main"]["label"] == "Main"
            connected = await next_matching(sub, is_state("connected"))
            assert connected.extra["gateway"] == "gw"
            assert connected.detail == f"connected to OpenClaw {gw.version}"
            assert gw.params_of("sessions.subscribe") == [{}]
        identity = load_or_create_identity(tmp_path / "config")
        tokens = DeviceTokenStore(tmp_path / "config")
        stored = tokens.get(gw.url, identity.device_id)
        assert stored is not None and stored.token == gw.devices[identity.device_id].token
        assert stat.S_IMODE(tokens.path.stat().st_mode) == 0o600


async def test_pairing_required_shows_the_request_and_command_then_connects_once_approved(
    tmp_path,
):
    async with FakeGateway(require_pairing=True) as gw:
        store = make_store(gw, tmp_path)
        sub = store.subscribe()
        async with store:
            pairing = await next_matching(sub, is_state("pairing"))
            [request_id] = gw.pending_requests()
            assert pairing.extra["request_id"] == request_id
            assert pairing.extra["command"] == f"openclaw devices approve {request_id}"
            assert f"openclaw devices approve {request_id}" in pairing.detail
            assert "pairing required: device is not approved yet" in pairing.detail
            assert "gateway gw (ws://127.0.0.1:" in pairing.detail
            attempts = len(gw.connect_attempts)
            await gw.wait_for(lambda: len(gw.connect_attempts) > attempts)  # retries by itself
            gw.approve(request_id)
            await store.wait_synced(5)
            assert store.state.state == "connected"
            assert gw.errors == []


async def test_token_mismatch_fails_for_good_with_the_gateways_message_and_the_fix(tmp_path):
    async with FakeGateway() as gw:
        store = make_store(gw, tmp_path, token="wrong-token")
        sub = store.subscribe()
        async with store:
            failed = await next_matching(sub, is_state("failed"))
            assert "unauthorized: gateway token mismatch" in failed.detail
            assert "--token-env gw=VARIABLE" in failed.detail and "gateway gw" in failed.detail
            assert "wrong-token" not in failed.detail
            with pytest.raises(GatewayAuthError) as caught:
                await store.wait_synced(5)
            assert isinstance(caught.value, StoreError)
            assert store.health.error is caught.value
            assert len(gw.connect_attempts) == 1  # no retry loop against a wrong token


async def test_missing_token_says_how_to_give_one(tmp_path):
    async with FakeGateway() as gw, make_store(gw, tmp_path, token=None) as store:
        with pytest.raises(GatewayAuthError) as caught:
            await store.wait_synced(5)
        assert "this gateway needs its token" in caught.value.describe()


async def test_mismatch_retries_once_with_the_device_token_on_loopback(tmp_path):
    async with FakeGateway() as gw:
        async with make_store(gw, tmp_path) as store:
            await store.wait_synced(5)
        gw.token = "rotated-shared-token"  # the host changed gateway.auth.token
        store = make_store(gw, tmp_path, token="old-shared-token")
        async with store:
            await store.wait_synced(5)
            assert store.state.state == "connected"
            assert len(gw.connect_attempts) == 3  # first store, refused shared, device token


async def test_protocol_mismatch_names_both_versions_and_stops(tmp_path):
    async with FakeGateway(protocol=5) as gw, make_store(gw, tmp_path) as store:
        with pytest.raises(GatewayProtocolError) as caught:
            await store.wait_synced(5)
        text = caught.value.describe()
        assert "protocol mismatch" in text
        assert "the gateway speaks protocol 5, openclaw-tui speaks 4" in text
        assert store.state.state == "failed"
        assert len(gw.connect_attempts) == 1


async def test_no_read_scope_is_a_clear_failure(tmp_path):
    # Token-only from a non-loopback address: the gateway connects but clears the scopes.
    async with (
        FakeGateway(require_pairing=True) as gw,
        make_store(gw, tmp_path, use_device_identity=False) as store,
    ):
        with pytest.raises(GatewayScopeMismatchError) as caught:
            await store.wait_synced(5)
        assert "granted no read scope" in caught.value.describe()
        assert "approve its pairing" in caught.value.describe()


@pytest.mark.parametrize("flavor", ["7", "9"])
async def test_an_edit_without_scope_is_refused_with_the_gateways_own_message(tmp_path, flavor):
    async with FakeGateway(flavor=flavor) as gw:
        gw.put("agent:main:main", label="Main")
        async with make_store(gw, tmp_path) as store:
            await store.wait_synced(5)
            with pytest.raises(GatewayScopeError) as caught:
                await store.delete_entry("agent:main:main")
            assert caught.value.message == "missing scope: operator.admin"  # verbatim
            assert isinstance(caught.value, StoreReadOnlyError)
            assert "operator.read, operator.write" in caught.value.describe()
            assert store.get("agent:main:main") is not None
            if flavor == "7":  # 2026.7.35 wants admin for thinkingLevel, 2026.9.6 does not
                with pytest.raises(GatewayScopeError):
                    await store.update_entry("agent:main:main", {"thinkingLevel": "high"})
            else:
                row = await store.update_entry("agent:main:main", {"thinkingLevel": "high"})
                assert row is not None and row["thinkingLevel"] == "high"


async def test_edits_while_disconnected_are_refused_not_queued(tmp_path):
    async with FakeGateway(protocol=5) as gw, make_store(gw, tmp_path) as store:
        with pytest.raises(GatewayProtocolError):
            await store.wait_synced(5)
        with pytest.raises(GatewayUnavailableError) as caught:
            await store.update_entry("agent:main:main", {"label": "x"}, create=True)
        assert "not connected" in caught.value.describe()
        assert gw.count("sessions.patch") == 0


def test_connect_errors_that_retrying_cannot_fix_stop_the_loop():
    config = GatewayConfig("gw", "ws://127.0.0.1:1/")
    identity_needed = connect_error(
        config,
        {
            "code": "INVALID_REQUEST",
            "message": "control ui requires device identity",
            "details": {"code": "CONTROL_UI_DEVICE_IDENTITY_REQUIRED"},
        },
        token_kind="shared",
    )
    assert not identity_needed.retryable and "device identity" in identity_needed.describe()
    starting = connect_error(
        config,
        {"code": "UNAVAILABLE", "message": "starting", "details": {"retryAfterMs": 500}},
        token_kind="shared",
    )
    assert starting.retryable and starting.details["retryAfterMs"] == 500
