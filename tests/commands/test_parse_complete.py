"""Parsing, aliases and completion of slash commands (pure: no store needed)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from openclaw_tui.tui.slash import (
    COMMANDS,
    ParsedCommand,
    SlashConfig,
    SlashError,
    argument_values,
    command_names,
    complete,
    models_in_store,
    parse,
)

ALIASES = {
    "think": "think",
    "thinking": "think",
    "t": "think",
    "verbose": "verbose",
    "v": "verbose",
    "reasoning": "reasoning",
    "reason": "reasoning",
    "elevated": "elevated",
    "elev": "elevated",
    "model": "model",
    "usage": "usage",
    "send": "send",
    "activation": "activation",
    "queue": "queue",
    "label": "label",
    "reset": "reset",
    "new": "new",
    "status": "status",
    "help": "help",
    "recover": "recover",
    "bulk": "bulk",
    "cleanup": "cleanup",
    "stop": "stop",
    "abort": "stop",
}


@pytest.mark.parametrize(("typed", "name"), ALIASES.items())
def test_every_command_and_alias_resolves(typed, name):
    for text in (f"/{typed} x", f"{typed} x", f"  /{typed.upper()}\tx ", f": {typed} x"):
        parsed = parse(text)
        assert isinstance(parsed, ParsedCommand), text
        assert parsed.name == name
        assert parsed.args == ("x",)


def test_registry_matches_the_alias_table():
    assert set(command_names()) == set(ALIASES)
    assert [spec.name for spec in COMMANDS][:1] == ["think"]


def test_parse_keeps_the_raw_argument_text():
    parsed = parse("/label  Two  spaces ")
    assert isinstance(parsed, ParsedCommand)
    assert parsed.raw_args == "Two  spaces"
    assert parsed.args == ("Two", "spaces")


def test_directive_colon_form():
    parsed = parse("/think:high")
    assert isinstance(parsed, ParsedCommand)
    assert (parsed.name, parsed.args) == ("think", ("high",))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Type a command, for example /think high. Type /help for the list of commands."),
        ("/", "Type a command, for example /think high. Type /help for the list of commands."),
        ("/frob", 'Unknown command "/frob". Type /help for the list of commands.'),
        (
            "/verbos on",
            'Unknown command "/verbos". Did you mean /verbose? '
            "Type /help for the list of commands.",
        ),
    ],
)
def test_parse_errors(text, message):
    assert parse(text) == SlashError(message)


def test_completion_of_command_names_keeps_the_typed_prefix():
    assert complete("/t") == ["/think", "/thinking", "/t"]
    assert complete("th") == ["think", "thinking"]
    assert complete("/re") == ["/reasoning", "/reset", "/recover", "/reason"]
    assert complete("/zz") == []
    assert "/help" in complete("/")


def test_completion_of_arguments_per_command():
    assert complete("/think h") == ["/think high"]
    assert complete("/v ") == ["/v on", "/v full", "/v off", "/v inherit"]
    assert complete("/reasoning s") == ["/reasoning stream"]
    assert complete("/usage ") == ["/usage off", "/usage tokens", "/usage full", "/usage cost"]
    assert complete("/send i") == ["/send inherit"]
    assert complete("/activation m") == ["/activation mention"]
    assert complete("/queue steer d") == [
        "/queue steer debounce:",
        "/queue steer drop:old",
        "/queue steer drop:new",
        "/queue steer drop:summarize",
    ]
    # Single-argument commands stop completing after their argument.
    assert complete("/think high ") == []
    assert complete("/nope x") == []


def test_thinking_completion_follows_the_sessions_model():
    opus = {"providerOverride": "anthropic", "modelOverride": "claude-opus-4-5"}
    gpt = {"modelProvider": "openai", "model": "gpt-5.5"}
    assert complete("/think x", entry=opus) == []
    assert complete("/think x", entry=gpt) == ["/think xhigh"]
    assert complete("/think ", entry={"providerOverride": "zai", "modelOverride": "glm"}) == [
        "/think off",
        "/think on",
        "/think default",
    ]


def test_model_completion_offers_aliases_configured_and_seen_models():
    entries = [
        {"providerOverride": "anthropic", "modelOverride": "claude-opus-4-5"},
        {"modelProvider": "openai", "model": "gpt-5.2"},
        {"model": "no-provider"},
        "not an entry",
    ]
    seen = models_in_store(entries)  # type: ignore[arg-type]
    assert seen == ["anthropic/claude-opus-4-5", "openai/gpt-5.2"]
    cfg = SlashConfig(model_aliases={"fast": "openai/gpt-5-mini"}, models=["google/gemini-3"])
    values = argument_values("model", models=seen, config=cfg)
    assert values == [
        "default",
        "list",
        "fast",
        "google/gemini-3",
        "anthropic/claude-opus-4-5",
        "openai/gpt-5.2",
    ]
    assert complete("/model o", models=seen, config=cfg) == ["/model openai/gpt-5.2"]


def test_slash_and_the_store_modules_never_import_textual_or_rich():
    code = (
        "import sys, openclaw_tui.tui.slash, openclaw_tui.store.keys, openclaw_tui.store.model;"
        "import openclaw_tui.store.semantics;"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_slash_package_exports_exactly_what_callers_use():
    import openclaw_tui.tui.slash as slash

    assert sorted(slash.__all__) == [
        "COMMANDS",
        "CommandSpec",
        "DEFAULT_MODELS",
        "DEFAULT_MODEL_ALIASES",
        "Outcome",
        "ParsedCommand",
        "SlashConfig",
        "SlashError",
        "argument_values",
        "build",
        "command_names",
        "complete",
        "execute",
        "field_command",
        "models_in_store",
        "parse",
        "status_summary",
    ]
    assert all(hasattr(slash, name) for name in slash.__all__)


def test_every_default_model_alias_names_a_default_model():
    from openclaw_tui.tui.slash import DEFAULT_MODEL_ALIASES, DEFAULT_MODELS

    assert set(DEFAULT_MODEL_ALIASES.values()) <= set(DEFAULT_MODELS)
