"""Every slash command, table-driven, against the real SessionStore on a copy of a real store.

Each row: the session, the typed text, whether it succeeds, OpenClaw's message (§6, §9 of
openclaw-sessions.md), and the exact change in the file (every other field, including unknown
ones, must be unchanged; a row with no change must leave the file byte-identical).

Every test runs on both backends (``backend_store``): sessions.json and OpenClaw 2026.9.6's SQLite
rows. "Byte-identical" is ``store_state``: the file bytes for JSON, every row of every table for
SQLite (whose file bytes are no contract).
"""

from __future__ import annotations

import pytest

from openclaw_tui.store import SessionStore
from openclaw_tui.tui.slash import execute
from tests.backends import read_entries, store_state
from tests.commands.helpers import (
    ABSENT,
    CRON,
    GROUP,
    MAIN,
    TOPIC,
    config,
    expected_after,
    without_updated_at,
)

pytestmark = pytest.mark.anyio

OPUS_LEVELS = "off, minimal, low, medium, high"
QUEUE_OPTIONS = (
    "Options: steer, followup, collect, steer+backlog, interrupt, reset; debounce:<ms|s|m>, "
    "cap:<n>, drop:old|new|summarize."
)

# (key, text, ok, message, changes)
CASES = [
    # /think (/thinking, /t): agent:main:main runs anthropic/claude-opus-4-5 at "high".
    (MAIN, "/think low", True, "Thinking level set to low.", {"thinkingLevel": "low"}),
    (
        MAIN,
        "/thinking think-harder",
        True,
        "Thinking level set to medium.",
        {"thinkingLevel": "medium"},
    ),
    (MAIN, "/t min", True, "Thinking level set to minimal.", {"thinkingLevel": "minimal"}),
    (MAIN, "/t ultrathink", True, "Thinking level set to high.", {}),  # already high
    (MAIN, "/think off", True, "Thinking disabled.", {"thinkingLevel": "off"}),
    (MAIN, "/think default", True, "Thinking level reset to default.", {"thinkingLevel": ABSENT}),
    (MAIN, "/think inherit", True, "Thinking level reset to default.", {"thinkingLevel": ABSENT}),
    (MAIN, "/think:low", True, "Thinking level set to low.", {"thinkingLevel": "low"}),
    (MAIN, "think LOW", True, "Thinking level set to low.", {"thinkingLevel": "low"}),
    (
        MAIN,
        "/think banana",
        False,
        f'Unrecognized thinking level "banana". Valid levels: {OPUS_LEVELS}.',
        {},
    ),
    (
        MAIN,
        "/think xhigh",
        False,
        'Thinking level "xhigh" is not supported for anthropic/claude-opus-4-5. '
        f"Use one of: {OPUS_LEVELS}.",
        {},
    ),
    (
        MAIN,
        "/think",
        True,
        f"Current thinking level: high.\nOptions: {OPUS_LEVELS}.",
        {},
    ),
    # The group runs openai/gpt-5.2, which supports xhigh (separators ignored).
    (GROUP, "/think extra high", True, "Thinking level set to xhigh.", {"thinkingLevel": "xhigh"}),
    (GROUP, "/think x-high", True, "Thinking level set to xhigh.", {"thinkingLevel": "xhigh"}),
    # /verbose (/v)
    (MAIN, "/v full", True, "⚙️ Verbose logging set to full.", {"verboseLevel": "full"}),
    (MAIN, "/verbose off", True, "⚙️ Verbose logging disabled.", {"verboseLevel": "off"}),
    (MAIN, "/verbose yes", True, "⚙️ Verbose logging enabled.", {}),  # already on
    (GROUP, "/verbose on", True, "⚙️ Verbose logging enabled.", {"verboseLevel": "on"}),
    (
        MAIN,
        "/verbose inherit",
        True,
        "⚙️ Verbose logging reset to default.",
        {"verboseLevel": ABSENT},
    ),
    (
        MAIN,
        "/verbose loud",
        False,
        'Unrecognized verbose level "loud". Valid levels: off, on, full '
        "(or inherit for the default).",
        {},
    ),
    (MAIN, "/verbose on please", False, 'Unexpected argument "please" for /verbose.', {}),
    (MAIN, "/verbose", True, "Current verbose level: on.\nOptions: on, full, off, inherit.", {}),
    # /reasoning (/reason): off is stored explicitly.
    (MAIN, "/reasoning stream", True, "⚙️ Reasoning stream enabled.", {"reasoningLevel": "stream"}),
    (MAIN, "/reason show", True, "⚙️ Reasoning visibility enabled.", {"reasoningLevel": "on"}),
    (MAIN, "/reasoning hide", True, "⚙️ Reasoning visibility disabled.", {"reasoningLevel": "off"}),
    (
        MAIN,
        "/reasoning full",
        False,
        'Unrecognized reasoning level "full". Valid levels: on, off, stream '
        "(or inherit for the default).",
        {},
    ),
    # /elevated (/elev)
    (
        MAIN,
        "/elevated full",
        True,
        "⚙️ Elevated mode set to full (auto-approve).",
        {"elevatedLevel": "full"},
    ),
    (
        MAIN,
        "/elevated auto-approve",
        True,
        "⚙️ Elevated mode set to full (auto-approve).",
        {"elevatedLevel": "full"},
    ),
    (
        MAIN,
        "/elev ask",
        True,
        "⚙️ Elevated mode set to ask (approvals may still apply).",
        {"elevatedLevel": "ask"},
    ),
    (MAIN, "/elevated off", True, "⚙️ Elevated mode disabled.", {"elevatedLevel": "off"}),
    (
        MAIN,
        "/elevated sudo",
        False,
        'Unrecognized elevated level "sudo". Valid levels: off, on, ask, full '
        "(or inherit for the default).",
        {},
    ),
    # /model: §4.1 on a session whose runtime model is the old selection.
    (
        MAIN,
        "/model openai/gpt-5.5",
        True,
        "Model set to openai/gpt-5.5 for this session.",
        {
            "providerOverride": "openai",
            "modelOverride": "gpt-5.5",
            "model": ABSENT,
            "modelProvider": ABSENT,
            "contextTokens": ABSENT,
            "liveModelSwitchPending": True,
        },
    ),
    # Re-applying the current selection writes nothing (updatedAt not bumped).
    (
        MAIN,
        "/model opus",
        True,
        "Model set to opus (anthropic/claude-opus-4-5) for this session.",
        {},
    ),
    (
        MAIN,
        "/model anthropic/claude-opus-4-5",
        True,
        "Model set to anthropic/claude-opus-4-5 for this session.",
        {},
    ),
    (
        CRON,
        "/model default",
        True,
        "Model reset to default.",
        {"providerOverride": ABSENT, "modelOverride": ABSENT, "liveModelSwitchPending": True},
    ),
    (
        CRON,
        "/model gpt",
        True,
        "Model set to gpt (openai/gpt-5.5) for this session.",
        {"modelOverride": "gpt-5.5", "modelOverrideSource": "user", "liveModelSwitchPending": True},
    ),
    # A bare model id resolves against the models seen in the store (the group ran gpt-5.2).
    (
        CRON,
        "/model gpt-5.2",
        True,
        "Model set to openai/gpt-5.2 for this session.",
        {"modelOverride": "gpt-5.2", "modelOverrideSource": "user", "liveModelSwitchPending": True},
    ),
    (
        MAIN,
        "/model nonsense",
        False,
        "Unknown model: nonsense. Give it as provider/model, or use /model list to see the "
        "models known here.",
        {},
    ),
    (MAIN, "/model a/b c", False, 'Unexpected argument "c" for /model.', {}),
    # /usage: bare cycles off -> tokens -> full -> off; off deletes the field.
    (MAIN, "/usage", True, "⚙️ Usage footer: tokens.", {"responseUsage": "tokens"}),
    (MAIN, "/usage full", True, "⚙️ Usage footer: full.", {"responseUsage": "full"}),
    (MAIN, "/usage tok", True, "⚙️ Usage footer: tokens.", {"responseUsage": "tokens"}),
    (MAIN, "/usage off", True, "⚙️ Usage footer: off.", {}),
    (MAIN, "/usage bogus", False, "⚙️ Usage: /usage off|tokens|full|cost", {}),
    (
        CRON + ":run:3f1c2a9e-8b7d-4c6e-9f01-2a3b4c5d6e7f",
        "/usage cost",
        True,
        "💸 Usage cost\nSession: $0.0132\nToday: n/a (not recorded in the session store)\n"
        "Last 30d: n/a (not recorded in the session store)",
        {},
    ),
    # /send
    (GROUP, "/send off", True, "⚙️ Send policy set to off.", {"sendPolicy": "deny"}),
    (GROUP, "/send on", True, "⚙️ Send policy set to on.", {}),  # already allow
    (GROUP, "/send inherit", True, "⚙️ Send policy set to inherit.", {"sendPolicy": ABSENT}),
    (MAIN, "/send on", True, "⚙️ Send policy set to on.", {"sendPolicy": "allow"}),
    (MAIN, "/send", False, "⚙️ Usage: /send on|off|inherit", {}),
    (MAIN, "/send maybe", False, "⚙️ Usage: /send on|off|inherit", {}),
    # /activation: groups only.
    (
        GROUP,
        "/activation always",
        True,
        "⚙️ Group activation set to always.",
        {"groupActivation": "always", "groupActivationNeedsSystemIntro": True},
    ),
    (
        TOPIC,
        "/activation mention",
        True,
        "⚙️ Group activation set to mention.",
        {"groupActivation": "mention", "groupActivationNeedsSystemIntro": True},
    ),
    (MAIN, "/activation mention", False, "⚙️ Group activation only applies to group chats.", {}),
    (CRON, "/activation always", False, "⚙️ Group activation only applies to group chats.", {}),
    (GROUP, "/activation sometimes", False, "⚙️ Usage: /activation mention|always", {}),
    (GROUP, "/activation", False, "⚙️ Usage: /activation mention|always", {}),
    # /queue: the group has queueMode "collect".
    (GROUP, "/queue steer", True, "⚙️ Queue mode set to steer.", {"queueMode": "steer"}),
    (
        GROUP,
        "/queue steer+backlog debounce:2s cap:10 drop:summarize",
        True,
        "⚙️ Queue mode set to steer-backlog.\n⚙️ Queue debounce set to 2000ms.\n"
        "⚙️ Queue cap set to 10.\n⚙️ Queue drop set to summarize.",
        {
            "queueMode": "steer-backlog",
            "queueDebounceMs": 2000,
            "queueCap": 10,
            "queueDrop": "summarize",
        },
    ),
    (
        GROUP,
        "/queue debounce:1500",
        True,
        "⚙️ Queue debounce set to 1500ms.",
        {"queueDebounceMs": 1500},
    ),
    (GROUP, "/queue reset", True, "⚙️ Queue mode reset to default.", {"queueMode": ABSENT}),
    (
        GROUP,
        "/queue",
        True,
        "Current queue settings: mode=collect, debounce=default, cap=default, drop=default.\n"
        + QUEUE_OPTIONS,
        {},
    ),
    (
        GROUP,
        "/queue sideways",
        False,
        'Unrecognized queue mode "sideways". Valid modes: steer, followup, collect, '
        "steer+backlog, interrupt.",
        {},
    ),
    (
        GROUP,
        "/queue debounce:soon",
        False,
        'Invalid debounce "soon". Use ms/s/m (e.g. debounce:1500ms, debounce:2s).',
        {},
    ),
    (
        GROUP,
        "/queue collect extra",
        False,
        '"extra" after queue mode "collect" is neither an option nor a mode: give one mode, '
        "then options such as debounce:2s, cap:10, drop:summarize.",
        {},
    ),
    (
        GROUP,
        "/queue collect steer",
        False,
        'Two queue modes ("collect" and "steer"): give one.',
        {},
    ),
    (
        MAIN,
        "/help me",
        False,
        '/help has no command "/me" to explain. Type /help for the list of commands, '
        "or /help think for one.",
        {},
    ),
    (GROUP, "/queue cap:0", False, 'Invalid cap "0". Use a positive integer (e.g. cap:10).', {}),
    (GROUP, "/queue cap:²", False, 'Invalid cap "²". Use a positive integer (e.g. cap:10).', {}),
    (
        GROUP,
        "/queue cap:9007199254740993",
        False,
        'Invalid cap "9007199254740993". Use a positive integer (e.g. cap:10).',
        {},
    ),
    (
        GROUP,
        "/queue debounce:٣s",
        False,
        'Invalid debounce "٣s". Use ms/s/m (e.g. debounce:1500ms, debounce:2s).',
        {},
    ),
    (
        GROUP,
        "/queue drop:all",
        False,
        'Invalid drop policy "all". Use drop:old, drop:new, or drop:summarize.',
        {},
    ),
    # /label: text is data, kept literally (markup too).
    (
        MAIN,
        "/label Portal  main",
        True,
        '⚙️ Label set to "Portal  main".',
        {"label": "Portal  main"},
    ),
    (
        MAIN,
        "/label [bold]x[/bold]",
        True,
        '⚙️ Label set to "[bold]x[/bold]".',
        {"label": "[bold]x[/bold]"},
    ),
    (CRON, "/label clear", True, "⚙️ Label cleared.", {"label": ABSENT}),
    (MAIN, "/label", False, "⚙️ Usage: /label <text>|clear", {}),
    # Unknown commands point at /help.
    (
        MAIN,
        "/frobnicate",
        False,
        'Unknown command "/frobnicate". Type /help for the list of commands.',
        {},
    ),
    (
        MAIN,
        "/thnk high",
        False,
        'Unknown command "/thnk". Did you mean /think? Type /help for the list of commands.',
        {},
    ),
]


@pytest.mark.parametrize(
    ("key", "text", "ok", "message", "changes"), CASES, ids=[c[1] for c in CASES]
)
async def test_command(backend_store, key, text, ok, message, changes):
    before_state = store_state(backend_store)
    before = read_entries(backend_store)
    async with SessionStore(backend_store) as store:
        outcome = await execute(text, store, [key], config=config())
    assert outcome.message == message
    assert outcome.ok is ok
    assert not outcome.needs_confirmation
    after = read_entries(backend_store)
    if not changes:
        assert store_state(backend_store) == before_state
        return
    assert outcome.keys == (key,)
    assert without_updated_at(after[key]) == without_updated_at(
        expected_after(before[key], changes)
    )
    assert after[key]["updatedAt"] > before[key]["updatedAt"]
    assert list(after) == list(before)
    for other in before:
        if other != key:
            assert after[other] == before[other]


async def test_model_by_bare_id_and_number_resolve_from_known_models(backend_store):
    models = ["openai/gpt-5.2", "openai/gpt-5-mini"]
    async with SessionStore(backend_store) as store:
        by_id = await execute("/model gpt-5.2", store, [MAIN], config=config(), models=models)
        assert by_id.ok, by_id.message
        assert store.get(MAIN)["modelOverride"] == "gpt-5.2"
        by_number = await execute("/model 2", store, [MAIN], config=config(), models=models)
        assert by_number.message == "Model set to openai/gpt-5-mini for this session."
        assert store.get(MAIN)["modelOverride"] == "gpt-5-mini"
        bad = await execute("/model 7", store, [MAIN], config=config(), models=models)
        assert not bad.ok and "no model number 7" in bad.message
        listing = await execute("/model list", store, [MAIN], config=config(), models=models)
        assert listing.ok
        assert listing.message.startswith(
            "Models (current: openai/gpt-5-mini)\n1. openai/gpt-5.2\n"
        )
    # The switch landed on disk with §4.1's clears.
    entry = read_entries(backend_store)[MAIN]
    assert entry["providerOverride"] == "openai" and entry["liveModelSwitchPending"] is True
    assert "model" not in entry and "contextTokens" not in entry


async def test_a_model_outside_the_catalog_is_written_and_said_to_be_unknown(backend_store):
    models = ["openai/gpt-5.2"]
    async with SessionStore(backend_store) as store:
        outcome = await execute("/model foo/bar", store, [MAIN], config=config(), models=models)
        # OpenClaw accepts it, so it is written; the reply says it is not a model known here.
        assert outcome.ok
        assert outcome.message == (
            "Model set to foo/bar for this session.\n"
            "Unknown model: foo/bar is not in the catalog known here "
            "(/model list shows the known ones); check the spelling."
        )
        assert (store.get(MAIN)["providerOverride"], store.get(MAIN)["modelOverride"]) == (
            "foo",
            "bar",
        )
        for known in ("openai/gpt-5.2", "OpenAI/GPT-5.2", "anthropic/claude-opus-4-5", "opus"):
            again = await execute(f"/model {known}", store, [MAIN], config=config(), models=models)
            assert again.ok and "Unknown model" not in again.message, (known, again.message)


async def test_usage_cycles_through_the_modes(backend_store):
    async with SessionStore(backend_store) as store:
        seen = []
        for _ in range(4):
            outcome = await execute("/usage", store, [MAIN], config=config())
            seen.append((outcome.message, store.get(MAIN).get("responseUsage")))
    assert seen == [
        ("⚙️ Usage footer: tokens.", "tokens"),
        ("⚙️ Usage footer: full.", "full"),
        ("⚙️ Usage footer: off.", None),
        ("⚙️ Usage footer: tokens.", "tokens"),
    ]
