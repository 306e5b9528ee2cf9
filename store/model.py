"""A typed view of an OpenClaw SessionEntry, and a cheap validator that flags invalid values.

The raw dict in the store is the source of truth and is never rewritten from this model:
OpenClaw keeps ``thinkingLevel: "banana"`` and so do we. ``validate_entry`` reports such values,
one message per field, and returns a ``SessionEntry`` carrying the valid known fields plus every
unknown field untouched.

``validate_entry`` runs on the store's hot path (every touched entry), so it is a hand-written
pass over the entry's own keys with table look-ups, and builds the model with
``model_construct`` (no second validation pass). ``tests/store/test_model.py`` measures it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, ValidationError

from openclaw_tui.store import semantics as sem
from openclaw_tui.store.fields import FIELDS


class SessionEntry(BaseModel):
    """Known SessionEntry fields, typed loosely enough for every real OpenClaw store.

    Unknown fields are kept as extras (``model_extra``). Level fields are plain strings here:
    which strings are valid is ``validate_entry``'s business, so a model can always be built.
    """

    model_config = ConfigDict(extra="allow", frozen=False, populate_by_name=True)

    sessionId: str | None = None
    updatedAt: int | float | None = None
    sessionFile: str | None = None
    sessionStartedAt: int | float | None = None
    lastInteractionAt: int | float | None = None
    spawnedBy: str | None = None
    parentSessionKey: str | None = None
    spawnDepth: int | None = None
    forkedFromParent: bool | None = None
    systemSent: bool | None = None
    abortedLastRun: bool | None = None
    status: str | None = None

    thinkingLevel: str | None = None
    verboseLevel: str | None = None
    reasoningLevel: str | None = None
    elevatedLevel: str | None = None
    traceLevel: str | None = None
    fastMode: bool | str | None = None
    responseUsage: str | None = None
    ttsAuto: str | bool | None = None
    execHost: str | None = None
    execSecurity: str | None = None
    execAsk: str | None = None
    execNode: str | None = None
    sendPolicy: str | None = None
    groupActivation: str | None = None
    groupActivationNeedsSystemIntro: bool | None = None
    queueMode: str | None = None
    queueDebounceMs: int | float | None = None
    queueCap: int | None = None
    queueDrop: str | None = None

    providerOverride: str | None = None
    modelOverride: str | None = None
    modelOverrideSource: str | None = None
    modelOverrideFallbackOriginProvider: str | None = None
    modelOverrideFallbackOriginModel: str | None = None
    authProfileOverride: str | None = None
    authProfileOverrideSource: str | None = None
    authProfileOverrideCompactionCount: int | None = None
    liveModelSwitchPending: bool | None = None
    model: str | None = None
    modelProvider: str | None = None
    fallbackNoticeSelectedModel: str | None = None
    fallbackNoticeActiveModel: str | None = None
    fallbackNoticeReason: str | None = None

    inputTokens: int | float | None = None
    outputTokens: int | float | None = None
    totalTokens: int | float | None = None
    contextTokens: int | float | None = None
    cacheRead: int | float | None = None
    cacheWrite: int | float | None = None
    estimatedCostUsd: int | float | None = None
    totalTokensFresh: bool | None = None
    compactionCount: int | float | None = None
    memoryFlushAt: int | float | None = None
    memoryFlushCompactionCount: int | None = None

    label: str | None = None
    displayName: str | None = None
    category: str | None = None
    channel: str | None = None
    chatType: str | None = None
    groupId: str | None = None
    subject: str | None = None
    groupChannel: str | None = None
    space: str | None = None
    origin: dict[str, Any] | None = None
    deliveryContext: dict[str, Any] | None = None
    route: dict[str, Any] | None = None
    lastChannel: str | None = None
    lastTo: str | None = None
    lastAccountId: str | None = None
    lastThreadId: str | int | None = None
    skillsSnapshot: dict[str, Any] | None = None
    systemPromptReport: dict[str, Any] | None = None
    acp: dict[str, Any] | None = None


# -- validation ---------------------------------------------------------------------------------

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


def validate_entry(raw: object) -> tuple[SessionEntry | None, dict[str, str]]:
    """Check an entry's known fields. Returns (typed view, {field: problem}).

    The view is None only when ``raw`` is not an object at all. A field whose value has the wrong
    type is left out of the view's typed attributes; a string that is not a valid level is shown
    as it is. Either way it stays in ``raw``, which is the source of truth and what gets written.
    ``null`` values are allowed: ``null`` is how a patch deletes a field.
    """
    if not isinstance(raw, Mapping):
        return None, {"": f"the entry is {_show(raw)}, not an object; it is kept untouched"}
    issues = entry_issues(raw)
    values: Mapping[str, Any] = raw
    if issues:
        values = {
            k: v
            for k, v in raw.items()
            if k not in issues or (isinstance(v, str) and k not in _HIDDEN_WHEN_INVALID)
        }
    # model_validate (compiled) is several times faster than model_construct here. Fields the
    # checks above do not cover can still have a wrong type: flag them and leave them out.
    for _attempt in range(3):
        try:
            return SessionEntry.model_validate(values), issues
        except ValidationError as exc:
            bad = {str(err["loc"][0]) for err in exc.errors() if err.get("loc")}
            for name in bad:
                issues.setdefault(name, f"{_show(raw.get(name))} has the wrong type")
            values = {k: v for k, v in values.items() if k not in bad}
    return SessionEntry.model_construct(**{k: v for k, v in values.items() if k not in issues}), (
        issues
    )


_HIDDEN_WHEN_INVALID: Final = frozenset({"sessionId", "updatedAt"})
"""Invalid values the view never shows: an unsafe id must never be used as a path."""


def entry_issues(raw: object) -> dict[str, str]:
    """Only the problems (cheaper when the typed view is not needed)."""
    if not isinstance(raw, Mapping):
        return validate_entry(raw)[1]
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
