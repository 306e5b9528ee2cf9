"""OpenClaw value semantics: level normalisation, model override and reset patches.

Everything follows OpenClaw's own rules: its slash-command normalisation and thinking levels,
``applyModelOverrideToSessionEntry``, and what ``/new`` and ``/reset`` keep.

Normalisers take what a person typed (or what a file holds) and return the value OpenClaw stores,
or None when the input is not a recognised value. They never raise.

Patch builders return a *patch*: a dict of field -> new value where ``None`` deletes the field,
suitable for ``SessionStore.update_entry``. They never mutate the entry they are given.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

# -- value sets ---------------------------------------------------------------------------------

THINK_LEVELS: Final[tuple[str, ...]] = (
    "off",
    "minimal",
    "low",
    "medium",
    "high",
    "xhigh",
    "adaptive",
)
"""Every thinking level OpenClaw stores (per-model availability: ``thinking_levels_for``)."""
BASE_THINK_LEVELS: Final[tuple[str, ...]] = ("off", "minimal", "low", "medium", "high")
BINARY_THINK_LEVELS: Final[tuple[str, ...]] = ("off", "on")
STORED_THINK_LEVELS: Final[tuple[str, ...]] = (*THINK_LEVELS, "max")
"""Values valid in a file: later OpenClaw versions also store ``max``."""

VERBOSE_LEVELS: Final[tuple[str, ...]] = ("off", "on", "full")
REASONING_LEVELS: Final[tuple[str, ...]] = ("off", "on", "stream")
ELEVATED_LEVELS: Final[tuple[str, ...]] = ("off", "on", "ask", "full")
USAGE_MODES: Final[tuple[str, ...]] = ("off", "tokens", "full")
"""``/usage`` arguments that change the session (``cost`` only reports)."""
STORED_USAGE_MODES: Final[tuple[str, ...]] = ("on", "off", "tokens", "full")
QUEUE_MODES: Final[tuple[str, ...]] = ("steer", "followup", "collect", "steer-backlog", "interrupt")
QUEUE_MODE_WORDS: Final[tuple[str, ...]] = (
    "steer",
    "followup",
    "collect",
    "steer+backlog",
    "interrupt",
)
"""How OpenClaw lists queue modes in its messages."""
QUEUE_DROPS: Final[tuple[str, ...]] = ("old", "new", "summarize")
SEND_POLICIES: Final[tuple[str, ...]] = ("allow", "deny")
GROUP_ACTIVATIONS: Final[tuple[str, ...]] = ("mention", "always")
TRACE_LEVELS: Final[tuple[str, ...]] = ("off", "on", "raw")
EXEC_HOSTS: Final[tuple[str, ...]] = ("auto", "sandbox", "gateway", "node")
EXEC_SECURITY: Final[tuple[str, ...]] = ("deny", "allowlist", "full")
EXEC_ASK: Final[tuple[str, ...]] = ("off", "on-miss", "always")
MODEL_OVERRIDE_SOURCES: Final[tuple[str, ...]] = ("user", "auto", "default")
CHAT_TYPES: Final[tuple[str, ...]] = ("direct", "group", "channel", "thread")

MAX_SAFE_INTEGER: Final = 2**53 - 1
"""Beyond this JavaScript (OpenClaw) cannot read an integer exactly."""

CLEAR_WORDS: Final[frozenset[str]] = frozenset({"inherit", "default", "reset", "clear", "unset"})
"""Words that delete an override so the session inherits the configured default again."""

# -- normalisers ---------------------------------------------------------------------------------

_OFF_WORDS: Final = frozenset({"off", "false", "no", "0"})
_ON_WORDS: Final = frozenset({"on", "true", "yes", "1"})

_THINK: Final[dict[str, str]] = {
    "off": "off",
    **dict.fromkeys(
        ("on", "enable", "enabled", "low", "thinkhard", "think-hard", "think_hard"), "low"
    ),
    **dict.fromkeys(("min", "minimal", "think"), "minimal"),
    **dict.fromkeys(
        ("mid", "med", "medium", "thinkharder", "think-harder", "think_harder", "harder"),
        "medium",
    ),
    **dict.fromkeys(
        ("high", "ultra", "ultrathink", "thinkhardest", "think-hardest", "highest", "max"),
        "high",
    ),
    **dict.fromkeys(("adaptive", "auto"), "adaptive"),
}
_SEPARATORS = re.compile(r"[\s_-]+")

_VERBOSE: Final[dict[str, str]] = {
    **dict.fromkeys(_OFF_WORDS, "off"),
    **dict.fromkeys(("full", "all", "everything"), "full"),
    **dict.fromkeys((*_ON_WORDS, "minimal"), "on"),
}
_REASONING: Final[dict[str, str]] = {
    **dict.fromkeys((*_OFF_WORDS, "hide", "hidden", "disable", "disabled"), "off"),
    **dict.fromkeys((*_ON_WORDS, "show", "visible", "enable", "enabled"), "on"),
    **dict.fromkeys(("stream", "streaming", "draft", "live"), "stream"),
}
_ELEVATED: Final[dict[str, str]] = {
    **dict.fromkeys(_OFF_WORDS, "off"),
    **dict.fromkeys(("full", "auto", "auto-approve", "autoapprove"), "full"),
    **dict.fromkeys(("ask", "prompt", "approval", "approve"), "ask"),
    **dict.fromkeys(_ON_WORDS, "on"),
}
_USAGE: Final[dict[str, str]] = {
    **dict.fromkeys((*_OFF_WORDS, "disable", "disabled"), "off"),
    **dict.fromkeys(
        (*_ON_WORDS, "enable", "enabled", "tokens", "token", "tok", "minimal", "min"), "tokens"
    ),
    **dict.fromkeys(("full", "session"), "full"),
}
_QUEUE_MODE: Final[dict[str, str]] = {
    **dict.fromkeys(("queue", "queued", "steer", "steering"), "steer"),
    **dict.fromkeys(("interrupt", "interrupts", "abort"), "interrupt"),
    **dict.fromkeys(("followup", "follow-up", "follow-ups", "followups"), "followup"),
    **dict.fromkeys(("collect", "coalesce"), "collect"),
    **dict.fromkeys(("steer+backlog", "steer-backlog", "steer_backlog"), "steer-backlog"),
}
_QUEUE_DROP: Final[dict[str, str]] = {
    **dict.fromkeys(("old", "oldest"), "old"),
    **dict.fromkeys(("new", "newest"), "new"),
    "summarize": "summarize",
}


def _word(raw: object) -> str | None:
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        return None
    text = str(raw).strip().lower()
    return text or None


def normalize_think_level(raw: object) -> str | None:
    """``/think`` argument or stored value -> the stored thinking level, or None if unknown."""
    word = _word(raw)
    if word is None:
        return None
    if word in _THINK:
        return _THINK[word]
    # OpenClaw ignores spaces, "_" and "-" inside the xhigh spellings only.
    if _SEPARATORS.sub("", word) in ("xhigh", "extrahigh"):
        return "xhigh"
    return None


def normalize_verbose_level(raw: object) -> str | None:
    word = _word(raw)
    return _VERBOSE.get(word) if word else None


def normalize_reasoning_level(raw: object) -> str | None:
    word = _word(raw)
    return _REASONING.get(word) if word else None


def normalize_elevated_level(raw: object) -> str | None:
    word = _word(raw)
    return _ELEVATED.get(word) if word else None


def normalize_usage_mode(raw: object) -> str | None:
    word = _word(raw)
    return _USAGE.get(word) if word else None


def normalize_queue_mode(raw: object) -> str | None:
    word = _word(raw)
    return _QUEUE_MODE.get(word) if word else None


def normalize_queue_drop(raw: object) -> str | None:
    word = _word(raw)
    return _QUEUE_DROP.get(word) if word else None


def normalize_send_policy(raw: object) -> str | None:
    """``/send`` argument -> ``allow``/``deny``; ``inherit`` is handled by the caller (delete)."""
    word = _word(raw)
    if word in ("on", "allow"):
        return "allow"
    if word in ("off", "deny"):
        return "deny"
    return None


def normalize_group_activation(raw: object) -> str | None:
    word = _word(raw)
    return word if word in GROUP_ACTIVATIONS else None


_DURATION = re.compile(
    r"^(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|sec|secs|m|min|mins|h|hr|hrs|d)?$", re.ASCII
)
_UNIT_MS: Final[dict[str, float]] = {
    "ms": 1,
    "s": 1000,
    "sec": 1000,
    "secs": 1000,
    "m": 60_000,
    "min": 60_000,
    "mins": 60_000,
    "h": 3_600_000,
    "hr": 3_600_000,
    "hrs": 3_600_000,
    "d": 86_400_000,
}


def parse_duration_ms(raw: object, *, default_unit: str = "ms") -> int | None:
    """``1500ms``, ``2s``, ``1.5m``, ``12h``, ``7d`` -> milliseconds; None if not a duration.

    A bare number is in ``default_unit`` (``ms`` for queue debounce; maintenance's ``pruneAfter``
    passes ``"d"``). Negative values are not durations.
    """
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        text = str(raw)
    elif isinstance(raw, str):
        text = raw.strip().lower()
    else:
        return None
    match = _DURATION.match(text)
    if match is None:
        return None
    unit = match.group(2) or default_unit
    if unit not in _UNIT_MS:
        return None
    return round(float(match.group(1)) * _UNIT_MS[unit])


# -- thinking levels per model -------------------------------------------------------------------

_XHIGH_MODELS: Final[dict[str, frozenset[str]]] = {
    "openai": frozenset({"gpt-5.2", "gpt-5.4", "gpt-5.5"}),
    "openai-codex": frozenset(
        {"gpt-5.4", "gpt-5.3-codex", "gpt-5.3-codex-spark", "gpt-5.2-codex", "gpt-5.1-codex"}
    ),
    "github-copilot": frozenset({"gpt-5.2", "gpt-5.2-codex"}),
}
_XHIGH_VARIANT = re.compile(r"-(?:pro|mini|nano)$")
_ADAPTIVE_PROVIDERS: Final = frozenset({"anthropic", "amazon-bedrock", "bedrock"})
_CLAUDE_46_PLUS = re.compile(r"claude-(?:[a-z]+-)?4[.-](?:[6-9]|\d\d)|claude-(?:[a-z]+-)?[5-9]")


def normalize_provider(provider: object) -> str:
    text = provider.strip().lower() if isinstance(provider, str) else ""
    return "zai" if text in ("z.ai", "z-ai") else text


def supports_xhigh(provider: str | None, model: str | None) -> bool:
    if not model:
        return False
    model_id = model.strip().lower()
    if "/" in model_id and not provider:
        provider, model_id = model_id.split("/", 1)
    base = model_id if model_id in ("gpt-5.3-codex-spark",) else _XHIGH_VARIANT.sub("", model_id)
    prov = normalize_provider(provider)
    if prov:
        return base in _XHIGH_MODELS.get(prov, frozenset())
    return any(base in models for models in _XHIGH_MODELS.values())


def supports_adaptive(provider: str | None, model: str | None) -> bool:
    """Adaptive thinking: Claude 4.6 and later on Anthropic or Bedrock."""
    if not model:
        return False
    return normalize_provider(provider) in _ADAPTIVE_PROVIDERS and bool(
        _CLAUDE_46_PLUS.search(model.lower())
    )


def thinking_levels_for(provider: str | None, model: str | None) -> tuple[str, ...]:
    """The thinking levels OpenClaw offers for a model.

    ``zai`` is binary (off/on). ``xhigh`` only where supported, ``adaptive`` only for Claude 4.6+.
    With no model known (the session inherits a default we cannot see) every level is offered,
    since refusing one we cannot check would be wrong.
    """
    if normalize_provider(provider) == "zai":
        return BINARY_THINK_LEVELS
    if not model:
        return THINK_LEVELS
    levels = list(BASE_THINK_LEVELS)
    if supports_xhigh(provider, model):
        levels.append("xhigh")
    if supports_adaptive(provider, model):
        levels.append("adaptive")
    return tuple(levels)


def effective_model(entry: Mapping[str, Any] | None) -> tuple[str | None, str | None]:
    """(provider, model) the session uses as far as the entry tells: override, else runtime."""
    if not isinstance(entry, Mapping):
        return None, None
    model = _text(entry.get("modelOverride"))
    if model:
        return _text(entry.get("providerOverride")), model
    model = _text(entry.get("model"))
    if model:
        return _text(entry.get("modelProvider")), model
    return None, None


def model_ref(provider: object, model: object) -> str | None:
    """A ``provider/model`` ref as ``/model`` takes it: just ``model`` without a provider, None
    without a model. The model part may hold a ``/`` itself (``openrouter/anthropic/claude``)."""
    model_text = _text(model)
    if model_text is None:
        return None
    provider_text = _text(provider)
    return f"{provider_text}/{model_text}" if provider_text else model_text


def split_model_ref(ref: object) -> tuple[str | None, str] | None:
    """``model_ref`` the other way: ``provider/model`` -> (provider, model), a bare ``model`` ->
    (None, model). The model part keeps any further ``/``. None when there is no model, or the
    ref holds whitespace or control characters (no provider or model id does)."""
    if not isinstance(ref, str) or any(c.isspace() or ord(c) < 32 for c in ref.strip()):
        return None
    provider, sep, model = ref.strip().partition("/")
    if not sep:
        return (None, provider) if provider else None
    if not provider or not model:
        return None
    return provider, model


def override_ref(entry: Mapping[str, Any] | None) -> str | None:
    """The ref of the entry's model override, None when it inherits the default."""
    if not isinstance(entry, Mapping):
        return None
    return model_ref(entry.get("providerOverride"), entry.get("modelOverride"))


def _text(value: object) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


# -- applyModelOverrideToSessionEntry ------------------------------------------------------------

_FALLBACK_ORIGIN_FIELDS: Final = (
    "modelOverrideFallbackOriginProvider",
    "modelOverrideFallbackOriginModel",
)
_AUTH_PROFILE_FIELDS: Final = (
    "authProfileOverride",
    "authProfileOverrideSource",
    "authProfileOverrideCompactionCount",
)
_FALLBACK_NOTICE_FIELDS: Final = (
    "fallbackNoticeSelectedModel",
    "fallbackNoticeActiveModel",
    "fallbackNoticeReason",
)


def apply_model_override(
    entry: Mapping[str, Any],
    provider: str | None,
    model: str | None,
    *,
    is_default: bool = False,
    source: str = "user",
    mark_live_switch_pending: bool = True,
    profile_override: str | None = None,
    profile_override_source: str = "user",
    preserve_auth_profile_override: bool = False,
    now_ms: int,
) -> dict[str, Any] | None:
    """The patch OpenClaw's ``applyModelOverrideToSessionEntry`` would make, or None if none.

    ``is_default`` clears the override (``/model default``). None means nothing changed: nothing
    should be written and ``updatedAt`` stays, exactly like OpenClaw's ``{updated: false}``.
    """
    current = dict(entry)
    patch: dict[str, Any] = {}

    def set_field(name: str, value: Any) -> None:
        if value is None:
            if name in current:
                patch[name] = None
                del current[name]
        elif current.get(name) != value or name not in current:
            patch[name] = value
            current[name] = value

    if is_default:
        for name in ("providerOverride", "modelOverride", "modelOverrideSource"):
            set_field(name, None)
    else:
        set_field("providerOverride", provider)
        set_field("modelOverride", model)
        set_field("modelOverrideSource", source)
    for name in _FALLBACK_ORIGIN_FIELDS:
        set_field(name, None)
    selection_updated = bool(patch)

    runtime_model = _text(entry.get("model"))
    runtime_provider = _text(entry.get("modelProvider"))
    runtime_present = bool(runtime_model or runtime_provider)
    if is_default and not model:
        # The caller does not know the default model: the runtime model is then stale only if
        # the selection actually changed.
        runtime_aligned = True
    else:
        runtime_aligned = runtime_model == model and (
            runtime_provider is None or runtime_provider == provider
        )
    if runtime_present and (selection_updated or not runtime_aligned):
        set_field("model", None)
        set_field("modelProvider", None)
    if selection_updated or (runtime_present and not runtime_aligned):
        set_field("contextTokens", None)
        set_field("contextBudgetStatus", None)

    if profile_override:
        set_field("authProfileOverride", profile_override)
        set_field("authProfileOverrideSource", profile_override_source)
        set_field("authProfileOverrideCompactionCount", None)
    elif not preserve_auth_profile_override:
        for name in _AUTH_PROFILE_FIELDS:
            set_field(name, None)

    if not patch:
        return None
    if mark_live_switch_pending:
        set_field("liveModelSwitchPending", True)
    for name in _FALLBACK_NOTICE_FIELDS:
        set_field(name, None)
    patch["updatedAt"] = now_ms
    return patch


# -- reset / new ---------------------------------------------------------------------------------

RESET_CLEARED_FIELDS: Final[tuple[str, ...]] = (
    "totalTokens",
    "inputTokens",
    "outputTokens",
    "contextTokens",
    "memoryFlushAt",
    "memoryFlushCompactionCount",
    "thinkingLevel",
    "reasoningLevel",
    "responseUsage",
    # The transcript path belongs to the old sessionId; OpenClaw derives the new one from the id.
    "sessionFile",
)
"""Fields a reset deletes (counters, per-run state, and the levels that "return to defaults")."""


def reset_patch(entry: Mapping[str, Any], new_session_id: str, now_ms: int) -> dict[str, Any]:
    """The patch of OpenClaw's ``/new`` / ``/reset``: a fresh session, carried settings.

    Carried: every field not listed here (verbose level, TTS, user model override, label, routing
    and group metadata, unknown fields). An ``auto`` (runtime fallback) model override is dropped:
    resets keep only user overrides.
    """
    patch: dict[str, Any] = {
        "sessionId": new_session_id,
        "sessionStartedAt": now_ms,
        "updatedAt": now_ms,
        "systemSent": False,
        "abortedLastRun": False,
        "compactionCount": 0,
    }
    for name in RESET_CLEARED_FIELDS:
        if name in entry:
            patch[name] = None
    if entry.get("modelOverrideSource") == "auto":
        for name in (
            "providerOverride",
            "modelOverride",
            "modelOverrideSource",
            *_FALLBACK_ORIGIN_FIELDS,
        ):
            if name in entry:
                patch[name] = None
    return patch
