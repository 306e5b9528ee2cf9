"""Device identity files, the v3 signature payload, and where gateways and tokens come from."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import stat

import pytest

from openclaw_tui.store.config_dir import config_dir
from openclaw_tui.store.gateway import (
    DeviceTokenStore,
    GatewayConfigError,
    load_gateway_config,
    parse_gateway_args,
)
from openclaw_tui.store.gateway.identity import (
    DeviceToken,
    b64url_decode,
    load_or_create_identity,
    signature_payload_v3,
)
from openclaw_tui.tui.cli import add_gateway_arguments, gateways_from_args


def test_signature_payload_is_the_v3_text_the_gateway_verifies():
    text = signature_payload_v3(
        device_id="abc",
        client_id="openclaw-tui",
        client_mode="ui",
        role="operator",
        scopes=["operator.read", "operator.write"],
        signed_at_ms=1795614276219,
        token="tok",
        nonce="n-1",
        platform="Linux",
        device_family=None,
    )
    assert text == (
        "v3|abc|openclaw-tui|ui|operator|operator.read,operator.write|1795614276219|tok|n-1|linux|"
    )
    no_token = signature_payload_v3(
        device_id="abc",
        client_id="cli",
        client_mode="cli",
        role="operator",
        scopes=[],
        signed_at_ms=1,
        token=None,
        nonce="n",
        platform="linux",
        device_family="Desktop",
    )
    assert no_token == "v3|abc|cli|cli|operator||1||n|linux|desktop"


def test_identity_is_created_once_with_private_modes_and_reloads_identically(tmp_path):
    directory = tmp_path / "cfg"
    first = load_or_create_identity(directory)
    path = directory / "device.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    data = json.loads(path.read_text())
    raw_public = b64url_decode(data["publicKey"])
    assert len(raw_public) == 32 and "=" not in data["publicKey"]
    assert data["deviceId"] == hashlib.sha256(raw_public).hexdigest() == first.device_id
    second = load_or_create_identity(directory)
    assert second.device_id == first.device_id
    signature = second.sign("v3|payload")
    assert first.verify("v3|payload", signature)
    assert not first.verify("v3|other", signature)


def test_identity_readable_by_others_is_refused_with_the_fix(tmp_path):
    load_or_create_identity(tmp_path)
    (tmp_path / "device.json").chmod(0o644)
    with pytest.raises(GatewayConfigError) as caught:
        load_or_create_identity(tmp_path)
    assert "readable by others" in str(caught.value)
    assert f"chmod 600 {tmp_path / 'device.json'}" in str(caught.value)


def test_damaged_identity_names_the_file_and_the_fix(tmp_path):
    (tmp_path / "device.json").write_text('{"privateKey": "short"}')
    (tmp_path / "device.json").chmod(0o600)
    with pytest.raises(GatewayConfigError) as caught:
        load_or_create_identity(tmp_path)
    assert str(tmp_path / "device.json") in str(caught.value)
    assert "move the file away" in str(caught.value)


def test_device_tokens_are_kept_per_gateway_and_device_in_a_0600_file(tmp_path):
    tokens = DeviceTokenStore(tmp_path)
    tokens.put("ws://a:1/", "dev1", DeviceToken("t-a", "operator", ("operator.read",), 5))
    tokens.put("ws://b:1/", "dev1", DeviceToken("t-b", "operator", (), None))
    assert stat.S_IMODE(tokens.path.stat().st_mode) == 0o600
    assert tokens.get("ws://a:1/", "dev1").token == "t-a"
    assert tokens.get("ws://a:1/", "dev1").scopes == ("operator.read",)
    assert tokens.get("ws://b:1/", "dev1").token == "t-b"
    assert tokens.get("ws://a:1/", "dev2") is None
    tokens.forget("ws://a:1/", "dev1")
    assert DeviceTokenStore(tmp_path).get("ws://a:1/", "dev1") is None


def test_config_dir_prefers_the_explicit_variable(tmp_path):
    assert config_dir({"OPENCLAW_TUI_CONFIG_DIR": str(tmp_path)}) == tmp_path
    assert config_dir({"XDG_CONFIG_HOME": "/x"}) == __import__("pathlib").Path("/x/openclaw-tui")
    assert str(config_dir({"HOME": "/h"})) == "/h/.config/openclaw-tui"


def test_gateway_flags_name_and_normalise_urls_and_read_the_token_from_the_environment():
    env = {"OPENCLAW_GATEWAY_TOKEN": "env-secret", "LAB_TOKEN": "lab-secret"}
    gateways = parse_gateway_args(["ws://127.0.0.1:18789", "lab=ws://10.0.0.5"], environ={})
    assert [(g.name, g.url) for g in gateways] == [
        ("127.0.0.1-18789", "ws://127.0.0.1:18789/"),
        ("lab", "ws://10.0.0.5:18789/"),
    ]
    assert [g.token for g in gateways] == [None, None]
    [single] = parse_gateway_args(["ws://127.0.0.1:18789"], environ=env)
    assert single.token == "env-secret" and single.token_source == "env OPENCLAW_GATEWAY_TOKEN"
    assert "env-secret" not in repr(single)  # never printed
    chosen = parse_gateway_args(["wss://h:1"], token_env="LAB_TOKEN", environ=env)
    assert chosen[0].token == "lab-secret" and chosen[0].token_source == "env LAB_TOKEN"
    assert parse_gateway_args(["ws://h:1"], environ={})[0].token is None
    assert gateways[0].is_loopback and not gateways[1].is_loopback


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (["http://h:1"], "scheme must be ws:// or wss://"),
        (["ws://user:secret@h:1"], "carries credentials"),
        (["ws://h:1", "ws://h:1"], "listed twice"),
        (["a=ws://h:1", "a=ws://k:1"], "two gateways are named a"),
        (["a/b=ws://h:1"], "is not usable"),
        (["a:b=ws://h:1"], "without '/', ':' or spaces"),
    ],
)
def test_bad_gateway_flags_are_refused_with_a_clear_message(flags, expected):
    with pytest.raises(GatewayConfigError) as caught:
        parse_gateway_args(flags, environ={})
    assert expected in str(caught.value)
    assert "secret" not in str(caught.value)


def test_token_env_naming_an_unset_variable_says_so():
    with pytest.raises(GatewayConfigError) as caught:
        parse_gateway_args(["ws://h:1"], token_env="NOPE_TOKEN", environ={})
    assert "$NOPE_TOKEN" in str(caught.value) and "export NOPE_TOKEN=" in str(caught.value)


def test_toml_config_lists_named_gateways_with_per_gateway_tokens(tmp_path):
    path = tmp_path / "gateways.toml"
    path.write_text(
        '[[gateway]]\nname = "home"\nurl = "ws://127.0.0.1:18789"\ntoken_env = "HOME_TOKEN"\n\n'
        '[[gateway]]\nname = "lab"\nurl = "wss://lab.example:443"\ntoken = "file-secret"\n\n'
        '[[gateway]]\nname = "spare"\nurl = "ws://10.1.1.1"\n'
    )
    path.chmod(0o600)
    env = {"HOME_TOKEN": "home-secret"}
    gateways = load_gateway_config(path, environ=env)
    assert [(g.name, g.url, g.token) for g in gateways] == [
        ("home", "ws://127.0.0.1:18789/", "home-secret"),
        ("lab", "wss://lab.example:443/", "file-secret"),
        ("spare", "ws://10.1.1.1:18789/", None),  # no token of its own: none sent
    ]
    assert gateways[1].is_tls


def test_json_config_and_flags_combine_through_argparse(tmp_path):
    path = tmp_path / "gateways.json"
    path.write_text(json.dumps({"gateway": [{"name": "a", "url": "ws://127.0.0.1:1"}]}))
    parser = argparse.ArgumentParser()
    add_gateway_arguments(parser)
    flags = ["--gateway-config", str(path), "--gateway", "b=ws://127.0.0.1:2"]
    args = parser.parse_args([*flags, "--token-env", "a=T", "--token-env", "b=U"])
    gateways = gateways_from_args(args, environ={"T": "t-secret", "U": "u-secret"})
    assert [(g.name, g.token) for g in gateways] == [("a", "t-secret"), ("b", "u-secret")]


def test_plaintext_token_in_a_world_readable_file_is_refused(tmp_path):
    path = tmp_path / "gateways.toml"
    path.write_text('[[gateway]]\nname = "a"\nurl = "ws://h:1"\ntoken = "leaky"\n')
    os.chmod(path, 0o644)
    with pytest.raises(GatewayConfigError) as caught:
        load_gateway_config(path, environ={})
    assert f"chmod 600 {path}" in str(caught.value) and "leaky" not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[[gateway]]\nname = "a"\n', "has no url"),
        ('[[gateway]]\nurl = "ws://h:1"\n', "has no name"),
        ('[[gateway]]\nname = "a"\nurl = "ws://h:1"\ncolour = 1\n', "unknown setting(s) colour"),
        ("gateway = [\n", "is not valid TOML"),
        ("title = 1\n", "lists no gateways"),
        ('[[gateway]]\nname = "a"\nurl = 3\n', "gateway a: url must be text"),
        (
            '[[gateway]]\nname = "a"\nurl = "ws://h:1"\nallow_insecure_token = "yes"\n',
            "true or false",
        ),
        ('[[gateway]]\nname = "a"\nurl = "ws://h:1"\nmax_frame_mb = true\n', "positive number"),
        ('[[gateway]]\nname = "a"\nurl = "ws://h:1"\nmax_frame_mb = 0\n', "positive number"),
        ('max_frame_mb = 8\n[[gateway]]\nname = "a"\nurl = "ws://h:1"\n', "max_frame_mb outside"),
    ],
)
def test_config_file_mistakes_name_the_file_and_the_fix(tmp_path, text, expected):
    path = tmp_path / "gateways.toml"
    path.write_text(text)
    with pytest.raises(GatewayConfigError) as caught:
        load_gateway_config(path, environ={})
    assert expected in str(caught.value) and str(path) in str(caught.value)


def test_unnamed_gateways_rows_split_back_to_their_gateway_and_session_key():
    """Two gateways given by URL alone share one merged view: each row's key names its gateway
    so that the Gateway column, gw: filters, Kind and Channel read it as every other key."""
    from openclaw_tui.store.gateway.multi import join_key, split_key
    from openclaw_tui.store.keys import channel_of, classify_key, namespace_of, strip_namespace

    first, second = parse_gateway_args(["ws://127.0.0.1:18789", "ws://127.0.0.1:18790"], environ={})
    assert (first.name, second.name) == ("127.0.0.1-18789", "127.0.0.1-18790")
    session = "agent:main:telegram:group:-100123"
    for gateway in (first, second):
        key = join_key(gateway.name, session)
        assert namespace_of(key) == gateway.name
        assert strip_namespace(key) == session
        assert split_key(key) == (gateway.name, session)
        assert classify_key(key) == classify_key(session) != "unknown"
        assert channel_of(key) == channel_of(session) == "telegram"
