"""Issue #10 items 9-10: a token belongs to one gateway, and never crosses the network in clear.

Against the fake gateway, which records every ``auth.token`` it receives. A non-loopback host is
reached as ``0.0.0.0`` (not a loopback address, yet Linux connects it to the local listener), so
a token sent in clear would really arrive.
"""

from __future__ import annotations

import argparse

import pytest

from openclaw_tui.store.events import ConnectionState
from openclaw_tui.store.gateway import (
    Backoff,
    DeviceTokenStore,
    GatewayConfig,
    GatewayConfigError,
    GatewayInsecureTransportError,
    GatewayStore,
    MultiGatewayStore,
    load_gateway_config,
    parse_gateway_args,
)
from openclaw_tui.store.gateway.identity import DeviceToken, load_or_create_identity
from openclaw_tui.tui.cli import add_gateway_arguments, gateways_from_args, main
from tests.gateway.fake_gateway import FakeGateway
from tests.gateway.helpers import next_matching

pytestmark = pytest.mark.anyio


def options(tmp_path, name: str = "config") -> dict:
    return {"config_directory": tmp_path / name, "backoff": Backoff(0.02, 0.2)}


# -- item 9: per-gateway tokens ----------------------------------------------------------------


async def test_each_gateway_receives_only_its_own_token(tmp_path):
    async with FakeGateway(token="home-secret") as home, FakeGateway(token="lab-secret") as lab:
        home.put("agent:main:main", label="Home")
        lab.put("agent:main:main", label="Lab")
        env = {"HOME_GW_TOKEN": "home-secret", "LAB_GW_TOKEN": "lab-secret"}
        configs = parse_gateway_args(
            [f"home={home.url}", f"lab={lab.url}"],
            token_env=["home=HOME_GW_TOKEN", "lab=LAB_GW_TOKEN"],
            environ=env,
        )
        async with MultiGatewayStore(configs, **options(tmp_path)) as multi:
            await multi.wait_synced(5)
            assert multi.load()["home/agent:main:main"]["label"] == "Home"
            assert multi.load()["lab/agent:main:main"]["label"] == "Lab"
        assert set(home.tokens_seen) == {"home-secret"}
        assert set(lab.tokens_seen) == {"lab-secret"}


def test_token_env_in_the_config_file_is_per_gateway_and_a_named_flag_overrides_it(tmp_path):
    path = tmp_path / "gateways.toml"
    path.write_text(
        '[[gateway]]\nname = "home"\nurl = "ws://127.0.0.1:1"\ntoken_env = "HOME_T"\n\n'
        '[[gateway]]\nname = "lab"\nurl = "ws://127.0.0.1:2"\ntoken_env = "LAB_T"\n'
    )
    env = {"HOME_T": "home-secret", "LAB_T": "lab-secret", "OTHER_T": "other-secret"}
    gateways = parse_gateway_args(config_path=path, environ=env)
    assert [(g.name, g.token, g.token_source) for g in gateways] == [
        ("home", "home-secret", "env HOME_T"),
        ("lab", "lab-secret", "env LAB_T"),
    ]
    # Every gateway has its own token: an ambient default token goes to none of them.
    both = parse_gateway_args(config_path=path, environ={**env, "OPENCLAW_GATEWAY_TOKEN": "x"})
    assert [g.token for g in both] == ["home-secret", "lab-secret"]
    overridden = parse_gateway_args(config_path=path, token_env=["lab=OTHER_T"], environ=env)
    assert [g.token for g in overridden] == ["home-secret", "other-secret"]


@pytest.mark.parametrize(
    "env",
    [
        {"GW_TOKEN": "shared-secret"},  # --token-env GW_TOKEN
        {"OPENCLAW_GATEWAY_TOKEN": "shared-secret"},  # the default variable
    ],
)
def test_one_unnamed_token_with_several_gateways_is_refused_with_how_to_name_it(env):
    token_env = ["GW_TOKEN"] if "GW_TOKEN" in env else []
    with pytest.raises(GatewayConfigError) as caught:
        parse_gateway_args(
            ["home=ws://127.0.0.1:1", "lab=ws://127.0.0.1:2"], token_env=token_env, environ=env
        )
    text = caught.value.describe()
    variable = next(iter(env))
    assert "2 gateways are given (home, lab)" in text
    assert f"--token-env home={variable}" in text and "token_env" in text
    assert "shared-secret" not in text


def test_one_unnamed_token_with_one_gateway_stays_allowed_and_names_must_exist():
    [only] = parse_gateway_args(
        ["home=ws://127.0.0.1:1"], token_env=["GW_TOKEN"], environ={"GW_TOKEN": "s"}
    )
    assert only.token == "s" and only.token_source == "env GW_TOKEN"
    with pytest.raises(GatewayConfigError) as caught:
        parse_gateway_args(
            ["home=ws://127.0.0.1:1"], token_env=["hom=GW_TOKEN"], environ={"GW_TOKEN": "s"}
        )
    assert "names no open gateway: hom" in str(caught.value) and "use one of: home" in str(
        caught.value
    )
    with pytest.raises(GatewayConfigError, match="gives gateway home two variables"):
        parse_gateway_args(["home=ws://127.0.0.1:1"], token_env=["home=A", "home=B"], environ={})


def test_cli_refuses_an_unnamed_token_for_two_gateways_in_one_line(capsys):
    two = ["--gateway", "a=ws://127.0.0.1:1", "--gateway", "b=ws://127.0.0.1:2"]
    code = main([*two, "--token-env", "OPENCLAW_GATEWAY_TOKEN"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "--token-env a=OPENCLAW_GATEWAY_TOKEN" in err


# -- item 10: no token in clear to another host ---------------------------------------------


def test_a_token_for_plain_ws_to_a_non_loopback_host_is_refused_unless_opted_in(tmp_path):
    env = {"T": "secret"}
    with pytest.raises(GatewayConfigError) as caught:
        parse_gateway_args(["lab=ws://10.0.0.5"], token_env=["lab=T"], environ=env)
    text = caught.value.describe()
    assert "gateway lab (ws://10.0.0.5:18789/)" in text
    assert "plain ws:// to 10.0.0.5, which is not a loopback address" in text
    assert "wss://" in text and "--allow-insecure-token" in text
    assert "allow_insecure_token = true" in text and "secret" not in text
    for url in ("ws://127.0.0.1", "ws://127.8.9.10", "ws://[::1]", "ws://localhost", "wss://lab"):
        [ok] = parse_gateway_args([f"g={url}"], token_env=["g=T"], environ=env)
        assert ok.token == "secret"
    [opted] = parse_gateway_args(
        ["lab=ws://10.0.0.5"], token_env=["lab=T"], environ=env, allow_insecure_token=True
    )
    assert opted.token == "secret" and opted.allow_insecure_token
    # Without a token nothing secret is sent: plain ws:// stays allowed.
    assert parse_gateway_args(["lab=ws://10.0.0.5"], environ={})[0].token is None
    path = tmp_path / "gateways.toml"
    path.write_text(
        '[[gateway]]\nname = "lab"\nurl = "ws://10.0.0.5"\ntoken_env = "T"\n'
        "allow_insecure_token = true\n"
    )
    [from_file] = load_gateway_config(path, environ=env)
    assert from_file.token == "secret" and from_file.allow_insecure_token


def test_the_allow_insecure_token_flag_reaches_the_config():
    parser = argparse.ArgumentParser()
    add_gateway_arguments(parser)
    args = parser.parse_args(
        ["--gateway", "lab=ws://10.0.0.5", "--token-env", "T", "--allow-insecure-token"]
    )
    [lab] = gateways_from_args(args, environ={"T": "secret"})
    assert lab.allow_insecure_token and lab.token == "secret"


async def test_the_client_never_sends_a_shared_token_in_clear_to_a_non_loopback_host(tmp_path):
    async with FakeGateway(host="0.0.0.0") as gw:
        config = GatewayConfig("lab", gw.url, token=gw.token, token_source="env LAB_T")
        assert not config.is_loopback
        store = GatewayStore(config, **options(tmp_path))
        sub = store.subscribe()
        async with store:
            failed = await next_matching(
                sub, lambda e: isinstance(e, ConnectionState) and e.state == "failed"
            )
            with pytest.raises(GatewayInsecureTransportError):
                await store.wait_synced(5)
        assert "refusing to send the token from env LAB_T over plain ws://" in failed.detail
        assert "--allow-insecure-token" in failed.detail
        assert gw.connect_attempts == [] and gw.tokens_seen == []


async def test_a_stored_device_token_is_not_sent_in_clear_either(tmp_path):
    async with FakeGateway(host="0.0.0.0") as gw:
        identity = load_or_create_identity(tmp_path / "config")
        DeviceTokenStore(tmp_path / "config").put(
            gw.url, identity.device_id, DeviceToken("devtok-secret", "operator", (), None)
        )
        store = GatewayStore(GatewayConfig("lab", gw.url), **options(tmp_path))
        async with store:
            with pytest.raises(GatewayInsecureTransportError) as caught:
                await store.wait_synced(5)
        assert "the device token this gateway issued" in caught.value.describe()
        assert gw.tokens_seen == []


async def test_an_operator_who_opts_in_connects_over_plain_ws(tmp_path):
    async with FakeGateway(host="0.0.0.0") as gw:
        gw.put("agent:main:main", label="Main")
        config = GatewayConfig("lab", gw.url, token=gw.token, allow_insecure_token=True)
        async with GatewayStore(config, **options(tmp_path)) as store:
            await store.wait_synced(5)
            assert store.get("agent:main:main")["label"] == "Main"
        assert gw.tokens_seen == [gw.token]
