"""``/status``: a one-paragraph, read-only summary of a session."""

from __future__ import annotations

from openclaw_tui.store import fields
from openclaw_tui.store import semantics as sem
from openclaw_tui.store.keys import channel_of, classify_key
from openclaw_tui.tui.format import relative_age
from openclaw_tui.tui.slash.parse import ParsedCommand
from openclaw_tui.tui.slash.plans import (
    Context,
    Entry,
    Plan,
    Report,
    current,
    is_group,
    quote,
)


def plan_status(_cmd: ParsedCommand, ctx: Context) -> Plan:
    now = ctx.config.now_ms()
    return Report(lambda key, entry: status_summary(key, entry, now_ms=now))


def _age(updated: object, now_ms: int) -> str:
    age = relative_age(updated, now_ms / 1000, largest="d")
    if age == "-":
        return "at an unknown time"
    return "just now" if age.endswith("s") else f"{age} ago"


def _shown(spec: fields.FieldSpec, entry: Entry) -> str:
    assert spec.status is not None
    if spec.status.show is None:
        return current(entry, spec.name)
    return spec.status.show(entry.get(spec.name))


def status_summary(key: str, entry: Entry, *, now_ms: int) -> str:
    """A one-paragraph summary of a session (``/status``)."""
    parts = [f"{key} ({classify_key(key, entry)}"]
    channel = channel_of(key, entry)
    parts[0] += f", {channel})." if channel else ")."
    label, display = entry.get("label"), entry.get("displayName")
    if isinstance(label, str) and label:
        parts.append(f'Label "{quote(label)}".')
    elif isinstance(display, str) and display:
        parts.append(f'Name "{quote(display)}".')
    parts.append(
        f"Session {entry.get('sessionId', 'without id')} updated "
        f"{_age(entry.get('updatedAt'), now_ms)}."
    )
    override = sem.override_ref(entry)
    runtime = sem.model_ref(entry.get("modelProvider"), entry.get("model"))
    if override:
        model = f"{override} (override)"
    elif runtime:
        model = f"{runtime} (last used)"
    else:
        model = "default"
    parts.append(f"Model {model}.")
    settings = [
        f"{spec.status.word} {_shown(spec, entry)}"
        for spec in fields.status_fields()
        if spec.status is not None and (not spec.status.groups_only or is_group(key, entry))
    ]
    parts.append("Settings: " + ", ".join(settings) + ".")
    total, ctx_tokens = entry.get("totalTokens"), entry.get("contextTokens")
    if isinstance(total, int | float) and not isinstance(total, bool):
        tokens = f"Tokens {int(total)}"
        fresh = entry.get("totalTokensFresh") is not False  # only false marks it stale
        if isinstance(ctx_tokens, int | float) and ctx_tokens and fresh:
            tokens += f"/{int(ctx_tokens)} ({min(999, round(100 * total / ctx_tokens))}%)"
        elif isinstance(ctx_tokens, int | float) and ctx_tokens:
            tokens += f"/{int(ctx_tokens)} (?%)"
        parts.append(tokens + ".")
    flags = [
        word
        for word, field_name in (("system", "systemSent"), ("aborted", "abortedLastRun"))
        if entry.get(field_name) is True
    ]
    if flags:
        parts.append("Flags: " + ", ".join(flags) + ".")
    return " ".join(parts)
