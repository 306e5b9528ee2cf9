"""The cheap checks of a stored SessionEntry's known fields, without pydantic (``model.py``'s
typed view is built on them): the app shows every row's problems, and the names of the known
fields, before pydantic is imported (~0.25 s of CPU at start-up, which the first frame waits for).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any, Final

from openclaw_tui.store import semantics as sem
from openclaw_tui.store.fields import FIELDS

KNOWN_FIELDS: Final = frozenset(
    {
        "sessionId", "updatedAt", "sessionFile", "sessionStartedAt", "lastInteractionAt",
        "spawnedBy", "parentSessionKey", "spawnDepth", "forkedFromParent", "systemSent",
        "abortedLastRun", "status", "thinkingLevel", "verboseLevel", "reasoningLevel",
        "elevatedLevel", "traceLevel", "fastMode", "responseUsage", "ttsAuto", "execHost",
        "execSecurity", "execAsk", "execNode", "sendPolicy", "groupActivation",
        "groupActivationNeedsSystemIntro", "queueMode", "queueDebounceMs", "queueCap",
        "queueDrop", "providerOverride", "modelOverride", "modelOverrideSource",
        "modelOverrideFallbackOriginProvider", "modelOverrideFallbackOriginModel",
        "authProfileOverride", "authProfileOverrideSource", "authProfileOverrideCompactionCount",
        "liveModelSwitchPending", "model", "modelProvider", "fallbackNoticeSelectedModel",
        "fallbackNoticeActiveModel", "fallbackNoticeReason", "inputTokens", "outputTokens",
        "totalTokens", "contextTokens", "cacheRead", "cacheWrite", "estimatedCostUsd",
        "totalTokensFresh", "compactionCount", "memoryFlushAt", "memoryFlushCompactionCount",
        "label", "displayName", "category", "channel", "chatType", "groupId", "subject",
        "groupChannel", "space", "origin", "deliveryContext", "route", "lastChannel", "lastTo",
        "lastAccountId", "lastThreadId", "skillsSnapshot", "systemPromptReport", "acp",
    }
)  # fmt: skip
"""The fields ``SessionEntry`` (model.py) types, by name and alias: the detail pane marks the
others as unknown. Spelled out, not read from the model, which would import pydantic; a test
(tests/store/test_model.py) keeps the two equal."""

Check = Callable[[Any], str | None]
"""Returns None when the value is fine, else the problem (without the field name)."""

SESSION_ID_PATTERN: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@-]*$")


def _show(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False)[:80]
    except (TypeError, ValueError):
        return repr(value)[:80]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _level(
    what: str,
    allowed: frozenset[str] | tuple[str, ...],
    normalizer: Callable[[object], str | None] | None,
    fix: str,
) -> Check:
    allowed_set = frozenset(allowed)
    listing = ", ".join(allowed)

    def check(value: Any) -> str | None:
        if isinstance(value, str) and value in allowed_set:
            return None
        if normalizer is not None and isinstance(value, str):
            normal = normalizer(value)
            if normal is not None:
                return (
                    f"{_show(value)} is not in canonical form; OpenClaw reads it as "
                    f'"{normal}". Fix: {fix}'
                )
        return (
            f"{_show(value)} is not a valid {what} ({listing}); OpenClaw ignores it and uses "
            f"the default. Fix: {fix}"
        )

    return check


def _typed(kind: str, test: Callable[[Any], bool]) -> Check:
    def check(value: Any) -> str | None:
        return None if test(value) else f"{_show(value)} is not {kind}"

    return check


def _check_session_id(value: Any) -> str | None:
    if not isinstance(value, str):
        return f"{_show(value)} is not a string"
    if (
        len(value) > 255
        or value in (".", "..")
        or "/" in value
        or "\\" in value
        or not SESSION_ID_PATTERN.match(value)
    ):
        return (
            f"{_show(value)} is not a safe session id (letters, digits and ._:@- only); "
            "OpenClaw drops such entries, openclaw-tui keeps it untouched and never uses it as "
            "a path. Fix: give the entry a new sessionId (for example /reset)"
        )
    return None


def _check_updated_at(value: Any) -> str | None:
    if not _is_number(value):
        return f"{_show(value)} is not a number of epoch milliseconds"
    if value < 0:
        return f"{_show(value)} is negative; OpenClaw treats it as 0 and prunes the entry"
    return None


_string = _typed("a string", lambda v: isinstance(v, str))
_number = _typed("a number", _is_number)
_integer = _typed("an integer", lambda v: isinstance(v, int) and not isinstance(v, bool))
_boolean = _typed("true or false", lambda v: isinstance(v, bool))
_object = _typed("an object", lambda v: isinstance(v, dict))

_CHECKS: Final[dict[str, Check]] = {
    "sessionId": _check_session_id,
    "updatedAt": _check_updated_at,
    "traceLevel": _level("trace level", sem.TRACE_LEVELS, None, "set off, on or raw"),
    "queueDrop": _level(
        "queue drop policy",
        sem.QUEUE_DROPS,
        sem.normalize_queue_drop,
        "/queue drop:old|new|summarize",
    ),
    "queueDebounceMs": _number,
    "queueCap": _integer,
    "execHost": _level("exec host", sem.EXEC_HOSTS, None, "set auto, sandbox, gateway or node"),
    "execSecurity": _level("exec security", sem.EXEC_SECURITY, None, "set deny, allowlist or full"),
    "execAsk": _level("exec ask mode", sem.EXEC_ASK, None, "set off, on-miss or always"),
    "modelOverrideSource": _level(
        "model override source", sem.MODEL_OVERRIDE_SOURCES, None, "/model <provider/model>"
    ),
    "authProfileOverrideSource": _level(
        "auth profile source", ("auto", "user"), None, "set auto or user"
    ),
    "chatType": _level("chat type", sem.CHAT_TYPES, None, "set direct, group or channel"),
    "fastMode": _typed('true, false or "auto"', lambda v: isinstance(v, bool) or v == "auto"),
    "sessionFile": _string,
    "providerOverride": _string,
    "modelOverride": _string,
    "model": _string,
    "modelProvider": _string,
    "label": _string,
    "displayName": _string,
    "channel": _string,
    "sessionStartedAt": _number,
    "lastInteractionAt": _number,
    "inputTokens": _number,
    "outputTokens": _number,
    "totalTokens": _number,
    "contextTokens": _number,
    "cacheRead": _number,
    "cacheWrite": _number,
    "estimatedCostUsd": _number,
    "compactionCount": _number,
    "systemSent": _boolean,
    "abortedLastRun": _boolean,
    "totalTokensFresh": _boolean,
    "liveModelSwitchPending": _boolean,
    "groupActivationNeedsSystemIntro": _boolean,
    "origin": _object,
    "deliveryContext": _object,
    "route": _object,
    "skillsSnapshot": _object,
    # The editable fields' rules live with the rest of each field's rules (fields.py).
    **{
        spec.name: _level(spec.noun, spec.valid_in_file, spec.read_normalize, spec.fix)
        for spec in FIELDS
        if spec.noun
    },
}


def not_an_object(raw: object) -> dict[str, str]:
    """The one problem of an entry that is not an object."""
    return {"": f"the entry is {_show(raw)}, not an object; it is kept untouched"}


def entry_issues(raw: object) -> dict[str, str]:
    """Only the problems (cheaper when the typed view is not needed)."""
    if not isinstance(raw, Mapping):
        return not_an_object(raw)
    issues: dict[str, str] = {}
    for name, value in raw.items():
        if value is None:
            continue
        check = _CHECKS.get(name)
        if check is not None:
            problem = check(value)
            if problem is not None:
                issues[name] = problem
    return issues
