"""OpenClaw value semantics (openclaw-sessions.md §6, §4.1, §4.2), table-driven."""

from __future__ import annotations

import pytest

from openclaw_tui.store import semantics as sem

NOW = 1_800_000_000_000

# §6 "Normalization" table: input -> stored value.
THINK = {
    "off": "off",
    **dict.fromkeys(
        ["on", "enable", "enabled", "low", "thinkhard", "think-hard", "think_hard"], "low"
    ),
    **dict.fromkeys(["min", "minimal", "think"], "minimal"),
    **dict.fromkeys(["mid", "med", "medium", "thinkharder", "think-harder", "harder"], "medium"),
    **dict.fromkeys(["high", "ultra", "ultrathink", "thinkhardest", "highest", "max"], "high"),
    **dict.fromkeys(
        ["xhigh", "extrahigh", "x-high", "x_high", "x high", "extra-high", "Extra High"], "xhigh"
    ),
    **dict.fromkeys(["adaptive", "auto"], "adaptive"),
    **dict.fromkeys(["HIGH", " High "], "high"),
    **dict.fromkeys(["banana", "", "   ", "hi", "x", "xxhigh", "high!", "on off"], None),
}
VERBOSE = {
    **dict.fromkeys(["off", "false", "no", "0", "OFF"], "off"),
    **dict.fromkeys(["full", "all", "everything"], "full"),
    **dict.fromkeys(["on", "minimal", "true", "yes", "1"], "on"),
    **dict.fromkeys(["banana", "stream", ""], None),
}
REASONING = {
    **dict.fromkeys(["off", "false", "no", "0", "hide", "hidden", "disable", "disabled"], "off"),
    **dict.fromkeys(["on", "true", "yes", "1", "show", "visible", "enable", "enabled"], "on"),
    **dict.fromkeys(["stream", "streaming", "draft", "live"], "stream"),
    **dict.fromkeys(["full", "banana"], None),
}
ELEVATED = {
    **dict.fromkeys(["off", "false", "no", "0"], "off"),
    **dict.fromkeys(["full", "auto", "auto-approve", "autoapprove"], "full"),
    **dict.fromkeys(["ask", "prompt", "approval", "approve"], "ask"),
    **dict.fromkeys(["on", "true", "yes", "1"], "on"),
    **dict.fromkeys(["stream", "banana"], None),
}
USAGE = {
    **dict.fromkeys(["off", "false", "no", "0", "disable", "disabled"], "off"),
    **dict.fromkeys(
        ["on", "true", "yes", "1", "enable", "enabled", "tokens", "token", "tok", "minimal", "min"],
        "tokens",
    ),
    **dict.fromkeys(["full", "session"], "full"),
    **dict.fromkeys(["cost", "banana"], None),
}
QUEUE_MODE = {
    **dict.fromkeys(["queue", "queued", "steer", "steering"], "steer"),
    **dict.fromkeys(["interrupt", "interrupts", "abort"], "interrupt"),
    **dict.fromkeys(["followup", "follow-ups", "followups"], "followup"),
    **dict.fromkeys(["collect", "coalesce"], "collect"),
    **dict.fromkeys(["steer+backlog", "steer-backlog", "steer_backlog"], "steer-backlog"),
    **dict.fromkeys(["backlog", "banana"], None),
}
QUEUE_DROP = {
    **dict.fromkeys(["old", "oldest"], "old"),
    **dict.fromkeys(["new", "newest"], "new"),
    "summarize": "summarize",
    "banana": None,
}

NORMALIZERS = [
    (sem.normalize_think_level, THINK),
    (sem.normalize_verbose_level, VERBOSE),
    (sem.normalize_reasoning_level, REASONING),
    (sem.normalize_elevated_level, ELEVATED),
    (sem.normalize_usage_mode, USAGE),
    (sem.normalize_queue_mode, QUEUE_MODE),
    (sem.normalize_queue_drop, QUEUE_DROP),
]


@pytest.mark.parametrize(
    ("normalize", "raw", "stored"),
    [(fn, raw, stored) for fn, table in NORMALIZERS for raw, stored in table.items()],
    ids=lambda v: getattr(v, "__name__", repr(v)),
)
def test_normalizers_follow_the_reference_table(normalize, raw, stored):
    assert normalize(raw) == stored


@pytest.mark.parametrize("normalize", [fn for fn, _ in NORMALIZERS])
@pytest.mark.parametrize("raw", [None, 3.5, True, [], {"a": 1}])
def test_normalizers_return_none_for_non_text(normalize, raw):
    assert normalize(raw) is None


@pytest.mark.parametrize(
    ("raw", "ms"),
    [
        ("1500", 1500),
        ("1500ms", 1500),
        ("2s", 2000),
        ("1.5s", 1500),
        ("1m", 60_000),
        ("12h", 43_200_000),
        ("7d", 604_800_000),
        (250, 250),
        ("-1s", None),
        ("fast", None),
        ("", None),
        ("2 weeks", None),
        (True, None),
    ],
)
def test_parse_duration_ms(raw, ms):
    assert sem.parse_duration_ms(raw) == ms


def test_bare_duration_uses_the_default_unit():
    assert sem.parse_duration_ms("30", default_unit="d") == 30 * 86_400_000


@pytest.mark.parametrize(
    ("provider", "model", "levels"),
    [
        # Observed: openai/gpt-5.5 offers off..xhigh; anthropic/claude-opus-4-5 off..high.
        ("openai", "gpt-5.5", ("off", "minimal", "low", "medium", "high", "xhigh")),
        ("anthropic", "claude-opus-4-5", ("off", "minimal", "low", "medium", "high")),
        ("openai", "gpt-5.4-mini", ("off", "minimal", "low", "medium", "high", "xhigh")),
        ("openai", "gpt-5.2", ("off", "minimal", "low", "medium", "high", "xhigh")),
        ("openai", "gpt-5-mini", ("off", "minimal", "low", "medium", "high")),
        (
            "openai-codex",
            "gpt-5.3-codex-spark",
            ("off", "minimal", "low", "medium", "high", "xhigh"),
        ),
        ("github-copilot", "gpt-5.2-codex", ("off", "minimal", "low", "medium", "high", "xhigh")),
        ("github-copilot", "gpt-5.4", ("off", "minimal", "low", "medium", "high")),
        ("anthropic", "claude-opus-4-6", ("off", "minimal", "low", "medium", "high", "adaptive")),
        ("zai", "glm-4.6", ("off", "on")),
        ("Z.AI", "glm-4.6", ("off", "on")),
        (None, None, sem.THINK_LEVELS),
    ],
)
def test_thinking_levels_per_model(provider, model, levels):
    assert sem.thinking_levels_for(provider, model) == levels


# -- §4.1 applyModelOverrideToSessionEntry ------------------------------------------------------

FRESH_RUNTIME = {
    "sessionId": "s",
    "updatedAt": 1,
    "model": "gpt-5.5",
    "modelProvider": "openai",
    "contextTokens": 272000,
    "fallbackNoticeSelectedModel": "x",
    "fallbackNoticeActiveModel": "y",
    "fallbackNoticeReason": "z",
    "authProfileOverride": "p1",
    "authProfileOverrideSource": "user",
    "authProfileOverrideCompactionCount": 2,
    "modelOverrideFallbackOriginProvider": "openai",
    "modelOverrideFallbackOriginModel": "gpt-5.5",
    "myCustomField": 1,
}


def test_model_switch_sets_override_and_clears_stale_runtime_state():
    # The observed Gateway effect of {"model": "anthropic/claude-opus-4-5"} plus §4.1's clears.
    patch = sem.apply_model_override(FRESH_RUNTIME, "anthropic", "claude-opus-4-5", now_ms=NOW)
    assert patch == {
        "providerOverride": "anthropic",
        "modelOverride": "claude-opus-4-5",
        "modelOverrideSource": "user",
        "modelOverrideFallbackOriginProvider": None,
        "modelOverrideFallbackOriginModel": None,
        "model": None,
        "modelProvider": None,
        "contextTokens": None,
        "authProfileOverride": None,
        "authProfileOverrideSource": None,
        "authProfileOverrideCompactionCount": None,
        "liveModelSwitchPending": True,
        "fallbackNoticeSelectedModel": None,
        "fallbackNoticeActiveModel": None,
        "fallbackNoticeReason": None,
        "updatedAt": NOW,
    }


def test_reapplying_the_same_selection_changes_nothing():
    entry = {
        "sessionId": "s",
        "updatedAt": 5,
        "providerOverride": "anthropic",
        "modelOverride": "claude-opus-4-5",
        "modelOverrideSource": "user",
        "model": "claude-opus-4-5",
        "modelProvider": "anthropic",
        "contextTokens": 200000,
    }
    assert sem.apply_model_override(entry, "anthropic", "claude-opus-4-5", now_ms=NOW) is None


def test_same_selection_with_misaligned_runtime_clears_runtime_only():
    entry = {
        "providerOverride": "anthropic",
        "modelOverride": "claude-opus-4-5",
        "modelOverrideSource": "user",
        "model": "gpt-5.5",
        "modelProvider": "openai",
        "contextTokens": 272000,
    }
    patch = sem.apply_model_override(
        entry, "anthropic", "claude-opus-4-5", mark_live_switch_pending=False, now_ms=NOW
    )
    assert patch == {"model": None, "modelProvider": None, "contextTokens": None, "updatedAt": NOW}


def test_runtime_aligned_with_a_new_selection_is_still_cleared_when_the_selection_changed():
    entry = {"model": "claude-opus-4-5", "modelProvider": "anthropic"}
    patch = sem.apply_model_override(entry, "anthropic", "claude-opus-4-5", now_ms=NOW)
    assert patch is not None
    assert patch["model"] is None and patch["modelProvider"] is None
    assert "contextTokens" not in patch  # absent fields are not "deleted"


def test_default_clears_the_override_fields():
    entry = {
        "providerOverride": "openai",
        "modelOverride": "gpt-5-mini",
        "modelOverrideSource": "auto",
        "label": "keep me",
    }
    patch = sem.apply_model_override(entry, None, None, is_default=True, now_ms=NOW)
    assert patch == {
        "providerOverride": None,
        "modelOverride": None,
        "modelOverrideSource": None,
        "liveModelSwitchPending": True,
        "updatedAt": NOW,
    }
    assert sem.apply_model_override({"label": "x"}, None, None, is_default=True, now_ms=NOW) is None


def test_profile_override_is_set_or_preserved():
    patch = sem.apply_model_override(
        FRESH_RUNTIME, "openai", "gpt-5.5", profile_override="work", now_ms=NOW
    )
    assert patch is not None
    assert patch["authProfileOverride"] == "work"
    assert "authProfileOverrideSource" not in patch  # already "user": only changes are patched
    assert patch["authProfileOverrideCompactionCount"] is None
    kept = sem.apply_model_override(
        FRESH_RUNTIME, "openai", "gpt-5.5", preserve_auth_profile_override=True, now_ms=NOW
    )
    assert kept is not None and "authProfileOverride" not in kept


def test_apply_model_override_never_mutates_the_entry():
    entry = dict(FRESH_RUNTIME)
    sem.apply_model_override(entry, "anthropic", "claude-opus-4-5", now_ms=NOW)
    assert entry == FRESH_RUNTIME


# -- §4.2 reset ---------------------------------------------------------------------------------


def test_reset_patch_clears_counters_and_levels_and_keeps_carried_fields():
    entry = {
        "sessionId": "old",
        "updatedAt": 1,
        "sessionStartedAt": 1,
        "sessionFile": "old.jsonl",
        "thinkingLevel": "high",
        "reasoningLevel": "on",
        "responseUsage": "full",
        "verboseLevel": "on",
        "ttsAuto": "always",
        "providerOverride": "anthropic",
        "modelOverride": "claude-opus-4-5",
        "modelOverrideSource": "user",
        "label": "Main",
        "inputTokens": 5,
        "outputTokens": 6,
        "totalTokens": 11,
        "contextTokens": 200000,
        "compactionCount": 3,
        "memoryFlushAt": 9,
        "memoryFlushCompactionCount": 2,
        "systemSent": True,
        "abortedLastRun": True,
        "deliveryContext": {"channel": "telegram"},
        "myCustomField": [1],
    }
    patch = sem.reset_patch(entry, "new-id", NOW)
    assert patch == {
        "sessionId": "new-id",
        "sessionStartedAt": NOW,
        "updatedAt": NOW,
        "systemSent": False,
        "abortedLastRun": False,
        "compactionCount": 0,
        "totalTokens": None,
        "inputTokens": None,
        "outputTokens": None,
        "contextTokens": None,
        "memoryFlushAt": None,
        "memoryFlushCompactionCount": None,
        "thinkingLevel": None,
        "reasoningLevel": None,
        "responseUsage": None,
        "sessionFile": None,
    }


def test_reset_drops_an_auto_fallback_override_but_keeps_a_user_one():
    auto = {
        "providerOverride": "openai",
        "modelOverride": "gpt-5-mini",
        "modelOverrideSource": "auto",
        "modelOverrideFallbackOriginModel": "gpt-5.5",
    }
    patch = sem.reset_patch(auto, "n", NOW)
    assert patch["providerOverride"] is None and patch["modelOverride"] is None
    assert patch["modelOverrideFallbackOriginModel"] is None
    user = {**auto, "modelOverrideSource": "user"}
    assert "modelOverride" not in sem.reset_patch(user, "n", NOW)


def test_model_ref_is_provider_slash_model_even_when_the_model_holds_a_slash():
    from openclaw_tui.store.semantics import model_ref, override_ref

    assert model_ref("openai", "gpt-5.5") == "openai/gpt-5.5"
    assert model_ref("openrouter", "anthropic/claude") == "openrouter/anthropic/claude"
    assert model_ref(None, "gpt-5.5") == "gpt-5.5" and model_ref("openai", " ") is None
    assert override_ref({"providerOverride": "openai", "model": "x"}) is None
    from openclaw_tui.store.semantics import split_model_ref

    # The way back, for /model's argument: the model part keeps its own slashes.
    for provider, model in (("openai", "gpt-5.5"), ("openrouter", "anthropic/claude")):
        assert split_model_ref(model_ref(provider, model)) == (provider, model)
    assert split_model_ref("gpt-5.5") == (None, "gpt-5.5")
    for bad in ("", "openai/", "/gpt", "open ai/gpt", "openai/gpt\x1b", None, 3):
        assert split_model_ref(bad) is None, bad
    assert override_ref({"providerOverride": "openai", "modelOverride": "gpt-4.1"}) == (
        "openai/gpt-4.1"
    )
