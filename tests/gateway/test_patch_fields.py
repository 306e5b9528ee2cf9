"""The ``sessions.patch`` fields per release: store/fields.py's editable fields plus the rest."""

from __future__ import annotations

from openclaw_tui.store import fields
from openclaw_tui.store.gateway import gateway_store, patch_fields_for

# Each release's params schema (OpenClaw 2026.7 and 2026.9), as the gateway declares it.
SCHEMA_2026_7 = frozenset(
    [
        "archived",
        "category",
        "elevatedLevel",
        "execAsk",
        "execHost",
        "execNode",
        "execSecurity",
        "fastMode",
        "groupActivation",
        "inheritedToolAllow",
        "inheritedToolDeny",
        "label",
        "model",
        "pinned",
        "reasoningLevel",
        "responseUsage",
        "sendPolicy",
        "spawnDepth",
        "spawnedBy",
        "spawnedCwd",
        "spawnedWorkspaceDir",
        "subagentControlScope",
        "subagentRole",
        "thinkingLevel",
        "traceLevel",
        "unread",
        "verboseLevel",
    ]
)
SCHEMA_2026_9 = frozenset(
    [
        "agentRuntime",
        "archived",
        "attention",
        "autoLabel",
        "boardFace",
        "boardPresentation",
        "category",
        "color",
        "completionOwnerSessionKey",
        "contextWindow",
        "elevatedLevel",
        "execAsk",
        "execHost",
        "execNode",
        "execSecurity",
        "fastMode",
        "groupActivation",
        "icon",
        "inheritedToolAllow",
        "inheritedToolDeny",
        "inheritedToolPolicyVersion",
        "label",
        "model",
        "nativeRuntimeConsent",
        "permissionMode",
        "pinned",
        "reasoningLevel",
        "responseUsage",
        "sandboxMode",
        "sendPolicy",
        "statusNote",
        "thinkingLevel",
        "toolOverrides",
        "traceLevel",
        "ttlMinutes",
        "unread",
        "verboseLevel",
    ]
)


def test_the_derived_patch_fields_are_each_releases_schema():
    assert gateway_store.PATCH_FIELDS_2026_7 == SCHEMA_2026_7
    assert gateway_store.PATCH_FIELDS_2026_9 == SCHEMA_2026_9
    assert patch_fields_for("2026.7.35") == SCHEMA_2026_7
    assert patch_fields_for("2026.9.1") == SCHEMA_2026_9


def test_every_editable_field_a_gateway_accepts_names_its_release():
    # queueMode is in no schema: its spec says so rather than the gateway store.
    refused = [spec.name for spec in fields.FIELDS if spec.patch_since is None]
    assert refused == ["queueMode"]
    assert "queueMode" not in SCHEMA_2026_7 | SCHEMA_2026_9
