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

from collections.abc import Mapping
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, ValidationError

# The checks are pydantic-free, for the app's first frame; re-exported here, where they were.
from openclaw_tui.store.checks import (
    KNOWN_FIELDS,
    SESSION_ID_PATTERN,
    Check,
    _show,
    entry_issues,
    not_an_object,
)

__all__ = [
    "KNOWN_FIELDS",
    "SESSION_ID_PATTERN",
    "Check",
    "SessionEntry",
    "entry_issues",
    "validate_entry",
]


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


def validate_entry(raw: object) -> tuple[SessionEntry | None, dict[str, str]]:
    """Check an entry's known fields. Returns (typed view, {field: problem}).

    The view is None only when ``raw`` is not an object at all. A field whose value has the wrong
    type is left out of the view's typed attributes; a string that is not a valid level is shown
    as it is. Either way it stays in ``raw``, which is the source of truth and what gets written.
    ``null`` values are allowed: ``null`` is how a patch deletes a field.
    """
    if not isinstance(raw, Mapping):
        return None, not_an_object(raw)
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
