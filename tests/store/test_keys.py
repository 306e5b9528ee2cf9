"""Key grammar (openclaw-sessions.md §3 and §5), checked on the keys OpenClaw really writes."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openclaw_tui.store.keys import (
    KINDS,
    agent_store_key,
    canonical_key,
    channel_of,
    classify_key,
    is_protected_key,
    is_synthetic_key,
    namespace_of,
    normalize_agent_id,
    parse_key,
    shorten_key,
    split_namespace,
    strip_namespace,
)
from tests.conftest import SMALL_STORE

FIXTURE = json.loads(SMALL_STORE.read_bytes())

# key -> (kind with its entry, channel with its entry, synthetic, protected)
FIXTURE_EXPECTED = {
    "agent:main:main": ("main", "telegram", False, False),
    "agent:main:telegram:group:-1001234567890": ("group", "telegram", False, True),
    "agent:main:discord:channel:123456789012345678": ("channel", "discord", False, True),
    "agent:main:whatsapp:group:120363041234567890@g.us": ("group", "whatsapp", False, True),
    "agent:main:slack:channel:c0123abcd": ("channel", "slack", False, True),
    "agent:main:telegram:group:-1001234567890:topic:42": ("topic", "telegram", False, True),
    "agent:main:discord:channel:123456789012345678:thread:987654321098765432": (
        "thread",
        "discord",
        False,
        True,
    ),
    "agent:main:slack:channel:c0123abcd:thread:1712345678.123456": (
        "thread",
        "slack",
        False,
        True,
    ),
    "agent:main:cron:daily-digest": ("cron", None, True, False),
    "agent:main:cron:daily-digest:run:3f1c2a9e-8b7d-4c6e-9f01-2a3b4c5d6e7f": (
        "cron-run",
        None,
        True,
        False,
    ),
    "agent:main:hook:0b9d7a52-1c3e-4f5a-8b6c-7d8e9f0a1b2c": ("hook", None, True, False),
    "agent:main:explicit:portal-123": ("explicit", None, False, False),
}


def test_every_fixture_key_is_covered():
    assert set(FIXTURE) == set(FIXTURE_EXPECTED)


@pytest.mark.parametrize("key", list(FIXTURE_EXPECTED))
def test_fixture_keys_classify_like_openclaw(key):
    kind, channel, synthetic, protected = FIXTURE_EXPECTED[key]
    entry = FIXTURE[key]
    assert classify_key(key, entry) == kind
    assert channel_of(key, entry) == channel
    assert is_synthetic_key(key) is synthetic
    assert is_protected_key(key, entry) is protected
    assert parse_key(key).agent_id == "main"


@pytest.mark.parametrize(
    ("key", "fields"),
    [
        (
            "agent:main:telegram:group:-1001234567890:topic:42",
            {"channel": "telegram", "group_id": "-1001234567890", "topic_id": "42"},
        ),
        (
            "agent:main:slack:channel:c0123abcd:thread:1712345678.123456",
            {"channel": "slack", "group_id": "c0123abcd", "thread_id": "1712345678.123456"},
        ),
        ("agent:main:telegram:direct:123", {"kind": "direct", "peer_id": "123"}),
        ("agent:main:direct:bob", {"kind": "direct", "peer_id": "bob", "channel": None}),
        ("agent:main:dm:bob", {"kind": "direct", "peer_id": "bob"}),
        (
            "agent:ops:telegram:acct1:direct:42",
            {"kind": "direct", "agent_id": "ops", "account_id": "acct1", "peer_id": "42"},
        ),
        (
            "agent:main:cron:nightly:run:r1",
            {"kind": "cron-run", "job_id": "nightly", "run_id": "r1"},
        ),
        ("agent:main:subagent:a:subagent:b", {"kind": "subagent", "depth": 2}),
        ("agent:main:subagent:a", {"kind": "subagent", "depth": 1}),
        ("agent:main:acp:x", {"kind": "acp"}),
        ("acp:x", {"kind": "acp", "agent_id": None}),
        ("cron:job", {"kind": "cron", "agent_id": None, "job_id": "job"}),
        ("hook:abc", {"kind": "hook"}),
        ("node-abc", {"kind": "node"}),
        ("agent:main:node:abc", {"kind": "node"}),
        ("agent:main:heartbeat", {"kind": "heartbeat"}),
        ("agent:main:telegram:direct:1:heartbeat", {"kind": "heartbeat"}),
        ("global", {"kind": "global"}),
        ("unknown", {"kind": "unknown"}),
        # A Matrix room id holds a colon: the group id keeps it whole.
        (
            "agent:main:matrix:channel:!AbC:matrix.org",
            {"kind": "channel", "group_id": "!AbC:matrix.org"},
        ),
        ("whatever", {"kind": "unknown"}),
        ("", {"kind": "unknown"}),
        (":::", {"kind": "unknown"}),
        ("agent:main", {"kind": "unknown"}),
    ],
)
def test_parse_key_fields(key, fields):
    info = parse_key(key)
    for name, value in fields.items():
        assert getattr(info, name) == value, name


def test_chat_type_refines_kind():
    key = "agent:main:telegram:direct:99"
    assert classify_key(key) == "direct"
    assert classify_key(key, {"chatType": "group"}) == "group"
    assert classify_key(key, {"origin": {"chatType": "channel"}}) == "channel"
    # chatType never turns a cron job into a chat.
    assert classify_key("agent:main:cron:x", {"chatType": "group"}) == "cron"
    assert classify_key("weird", {"chatType": "group"}) == "group"


def test_channel_prefers_entry_then_key_then_origin():
    key = "agent:main:explicit:x"
    assert channel_of(key) is None
    assert channel_of(key, {"origin": {"provider": "webchat"}}) == "webchat"
    assert channel_of("agent:main:slack:channel:c1", {"origin": {"provider": "x"}}) == "slack"
    assert channel_of("agent:main:slack:channel:c1", {"channel": "discord"}) == "discord"


@pytest.mark.parametrize(
    ("key", "synthetic"),
    [
        ("agent:main:subagent:1", True),
        ("agent:main:ACP:1", True),
        ("agent:main:Cron:job", True),
        ("agent:main:hook:1", True),
        ("agent:main:node:1", True),
        ("agent:main:heartbeat", True),
        ("agent:main:x:heartbeat", True),
        ("agent:main:x:heartbeat:y", True),
        ("agent:main:main", False),
        ("agent:main:explicit:heartbeats", False),
        ("agent:main:telegram:group:1", False),
        ("node-abc", False),  # maintenance treats only "node:" as synthetic
    ],
)
def test_synthetic_keys(key, synthetic):
    assert is_synthetic_key(key) is synthetic


@pytest.mark.parametrize(
    ("key", "entry", "protected"),
    [
        ("agent:main:telegram:direct:1:topic:5", None, True),
        ("agent:main:discord:channel:1", None, True),
        ("agent:main:x:thread:1", None, True),
        ("agent:main:explicit:x", {"chatType": "group"}, True),
        ("agent:main:explicit:x", {"origin": {"chatType": "thread"}}, True),
        ("agent:main:telegram:direct:1", {"chatType": "direct"}, False),
        ("agent:main:main", None, False),  # the seed does not protect main
        # Synthetic keys are never protected, even with a group chatType.
        ("agent:main:cron:x:thread:1", {"chatType": "group"}, False),
    ],
)
def test_protected_keys_seed_rules(key, entry, protected):
    assert is_protected_key(key, entry) is protected


def test_later_protection_rules_are_opt_in():
    assert not is_protected_key("agent:main:main")
    assert is_protected_key("agent:main:main", later_rules=True)
    assert is_protected_key("global", later_rules=True)
    assert is_protected_key("agent:main:explicit:x", {"pinnedAt": 1}, later_rules=True)
    assert not is_protected_key("agent:main:explicit:x", {"pinnedAt": 1})


@pytest.mark.parametrize(
    ("key", "canonical"),
    [
        ("agent:main:MAIN", "agent:main:main"),
        ("Agent:Main:Telegram:Group:-100123", "agent:main:telegram:group:-100123"),
        ("agent:main:cron:Job-A", "agent:main:cron:job-a"),
        ("agent:main:signal:group:AbC+dE=", "agent:main:signal:group:AbC+dE="),
        (
            "Agent:Main:Matrix:Channel:!RoomId:Example.org",
            "agent:main:matrix:channel:!RoomId:Example.org",
        ),
        ("  agent:main:main  ", "agent:main:main"),
    ],
)
def test_canonical_key(key, canonical):
    assert canonical_key(key) == canonical


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("main", "main"),
        (" Ops ", "ops"),
        ("My Agent!", "my-agent"),
        ("--x--", "x"),
        ("", "main"),
        ("!!!", "main"),
        (None, "main"),
        ("a" * 70, "a" * 64),
    ],
)
def test_normalize_agent_id(raw, normal):
    assert normalize_agent_id(raw) == normal


def test_agent_store_key():
    assert agent_store_key("main") == "agent:main:main"
    assert agent_store_key("", "ops") == "agent:ops:main"
    assert agent_store_key("cron:x", "ops") == "agent:ops:cron:x"
    assert agent_store_key("agent:main:x", "ops") == "agent:main:x"
    assert agent_store_key("global") == "global"


def test_shorten_drops_current_agent_prefix_and_keeps_the_tail_id():
    key = "agent:main:discord:channel:123456789012345678:thread:987654321098765432"
    assert shorten_key("agent:main:main", 20, agent_id="main") == "main"
    assert shorten_key("agent:main:main", 20, agent_id="ops") == "agent:main:main"
    short = shorten_key(key, 30, agent_id="main")
    assert len(short) == 30
    assert short.startswith("discord")
    assert short.endswith(":987654321098765432")
    assert "…" in short
    assert shorten_key(key, 1) == "…"
    assert shorten_key(key, 0) == ""


@given(st.text(max_size=80), st.integers(min_value=0, max_value=60))
def test_any_key_parses_and_shortens_within_width(key, width):
    info = parse_key(key)
    assert info.kind in KINDS
    assert classify_key(key, {"chatType": "group"}) in KINDS
    short = shorten_key(key, width)
    assert len(short) <= width
    if len(key) <= width:
        # A key that fits is shown whole (a multi-gateway view strips its own namespace first).
        assert short == key
    canonical_key(key)
    is_protected_key(key)


@pytest.mark.parametrize(
    ("key", "kind", "channel"),
    [
        ("home/agent:main:telegram:group:-1001234567890", "group", "telegram"),
        ("lab/agent:main:main", "main", None),
        ("lab/agent:main:cron:daily-digest", "cron", None),
    ],
)
def test_a_gateway_namespace_does_not_hide_the_session_grammar(key, kind, channel):
    # A multi-gateway view names rows <gateway>/<session key>; Kind, Channel, /activation and
    # maintenance must see the session key itself.
    assert classify_key(key) == kind
    assert channel_of(key) == channel
    assert strip_namespace(key) == key.split("/", 1)[1]
    assert namespace_of(key) == key.split("/", 1)[0]
    assert "/".join(split_namespace(key)) == key
    # Shortening does not strip it: in a single-file store "lab/..." is the key itself, and only
    # a multi-gateway view (which shows the gateway in its own column) strips its namespace.
    assert shorten_key(key, 60, agent_id="main") == key


@pytest.mark.parametrize(
    "key",
    [
        "evil/agent:main:main",  # a "namespace" in a single-file store is part of the key
        "Agent:Main:main",  # not the canonical (lower-case) form OpenClaw writes
        "agent:MAIN:main",
        "agent:main:Main",
        " agent:main:main",
        "agent:main:main ",
        "agent:main:agent:ops:x",  # would display as another agent's key
    ],
)
def test_only_the_exact_canonical_key_loses_its_agent_prefix(key):
    assert shorten_key(key, 60, agent_id="main") == key
    assert shorten_key("agent:main:main", 60, agent_id="main") == "main"
    assert shorten_key("agent:main:cron:daily", 60, agent_id="main") == "cron:daily"
    assert shorten_key("agent:ops:main", 60, agent_id="OPS") == "main"


def test_keys_without_a_namespace_are_left_alone():
    for key in ("agent:main:main", "agent:main:whatsapp:group:120363041234567890@g.us", "global"):
        assert strip_namespace(key) == key
        assert split_namespace(key) == ("", key) and namespace_of(key) == ""
    # A "/" after the first colon is part of the session key, not a namespace.
    assert strip_namespace("agent:main:explicit:a/b") == "agent:main:explicit:a/b"
    for odd in ("/", "x/", "/x"):  # an empty side: not a namespace
        assert strip_namespace(odd) == odd and namespace_of(odd) == ""
