"""OpenClaw transcript entries to ``TranscriptItem``s: one JSONL line in 2026.7.35, one
``transcript_events`` row in 2026.9.6 (the same JSON).

An entry is a node of a tree: ``id`` and ``parentId``. ``message`` entries carry a pi-ai message
(``role`` user / assistant / toolResult, ``content`` blocks, ``usage`` with ``cost``,
``stopReason``, ``errorMessage``); ``leaf`` entries move the active leaf to ``targetId`` (7.35
appends an aborted reply on a side branch, then points the leaf back at the user message);
``custom`` ``openclaw:prompt-error`` records a failed turn. Headers, snapshots and bookkeeping
entries give no item. Anything of an unexpected shape is skipped, never an exception.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from openclaw_tui.store.semantics import model_ref
from openclaw_tui.store.transcript_model import TranscriptItem
from openclaw_tui.store.transcripts.base import MAX_ARG_CHARS, MAX_ARGS_ITEMS, MAX_TEXT_CHARS


@dataclass(frozen=True, slots=True)
class Node:
    """What the branch walk needs of one entry, with its items already built (and bounded)."""

    id: str | None
    parent_id: str | None
    items: tuple[TranscriptItem, ...]
    leaf_target: str | None = None  # set on ``leaf`` entries: the active leaf moves there
    is_header: bool = False


def bound_text(text: str, limit: int = MAX_TEXT_CHARS) -> str:
    """``text`` itself, or its first ``limit`` characters and a note of the full size."""
    if len(text) <= limit:
        return text
    return (
        f"{text[:limit]}\n… [{len(text) - limit:,} more characters not shown, {len(text):,} in all]"
    )


def bound_value(value: Any, depth: int = 0) -> Any:
    """Tool arguments with every long string cut and every big container shortened."""
    if isinstance(value, str):
        return bound_text(value, MAX_ARG_CHARS)
    if depth >= 8:
        return "…"
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for index, (key, item) in enumerate(value.items()):
            if index >= MAX_ARGS_ITEMS:
                out["…"] = f"{len(value) - MAX_ARGS_ITEMS:,} more keys not shown"
                break
            out[bound_text(str(key), MAX_ARG_CHARS)] = bound_value(item, depth + 1)
        return out
    if isinstance(value, list):
        items = [bound_value(item, depth + 1) for item in value[:MAX_ARGS_ITEMS]]
        if len(value) > MAX_ARGS_ITEMS:
            items.append(f"… {len(value) - MAX_ARGS_ITEMS:,} more items not shown")
        return items
    return value


def _timestamp_ms(message: Mapping[str, Any] | None, entry: Mapping[str, Any]) -> int | None:
    for holder in (message, entry):
        if holder is None:
            continue
        value = holder.get("timestamp")
        if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
            return int(value)
        if isinstance(value, str):
            try:
                return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1000)
            except ValueError:
                continue
    return None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def content_text(content: Any) -> str:
    """The text of a message's ``content`` (a string, or blocks of which text ones count)."""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return ""
    parts: list[str] = []
    for block in content:
        if not isinstance(block, Mapping):
            continue
        kind = block.get("type")
        if kind == "text" and isinstance(block.get("text"), str):
            parts.append(block["text"])
        elif kind == "image":
            parts.append(f"[image {_str(block.get('mimeType')) or ''}]".replace(" ]", "]"))
    return "\n".join(parts)


def _usage(message: Mapping[str, Any]) -> tuple[Mapping[str, Any] | None, float | None]:
    usage = message.get("usage")
    if not isinstance(usage, Mapping):
        return None, None
    cost = usage.get("cost")
    total = cost.get("total") if isinstance(cost, Mapping) else None
    if isinstance(total, int | float) and not isinstance(total, bool):
        return bound_value(usage), float(total)
    return bound_value(usage), None


def _args(value: Any) -> Any:
    return bound_value(value) if value is not None else None


def _assistant_items(
    message: Mapping[str, Any], ts: int | None, message_id: str | None
) -> list[TranscriptItem]:
    usage, cost = _usage(message)
    stop = _str(message.get("stopReason"))
    abort = message.get("openclawAbort")
    aborted = stop == "aborted" or (isinstance(abort, Mapping) and abort.get("aborted") is True)
    error = _str(message.get("errorMessage"))
    if error is None and stop == "error":
        error = "the model call failed"
    model = model_ref(message.get("provider"), message.get("model"))
    content = message.get("openclawDisplayContent")
    if not isinstance(content, list):
        content = message.get("content")
    text = content_text(content)
    common: dict[str, Any] = {"timestamp_ms": ts, "message_id": message_id, "model": model}
    calls = [
        TranscriptItem(
            kind="tool_call",
            text="",
            tool_name=bound_text(_str(block.get("name")) or "?", MAX_ARG_CHARS),
            tool_args=_args(block.get("arguments", block.get("input"))),
            tool_call_id=_str(block.get("id")),
            **common,
        )
        for block in (content if isinstance(content, list) else [])
        if isinstance(block, Mapping) and block.get("type") in ("toolCall", "tool_use")
    ]
    turn: dict[str, Any] = {
        "usage": usage,
        "cost_usd": cost,
        "aborted": aborted,
        "error": bound_text(error, MAX_ARG_CHARS) if error else None,
        "stop_reason": stop,
    }
    if text or not calls or aborted or error:
        return [TranscriptItem(kind="assistant", text=bound_text(text), **common, **turn), *calls]
    # Only tool calls: the message's usage and cost go on its first call.
    first = calls[0]
    return [
        TranscriptItem(
            kind="tool_call",
            text="",
            tool_name=first.tool_name,
            tool_args=first.tool_args,
            tool_call_id=first.tool_call_id,
            **common,
            **turn,
        ),
        *calls[1:],
    ]


def message_items(
    message: Mapping[str, Any], ts: int | None, message_id: str | None
) -> list[TranscriptItem]:
    role = message.get("role")
    if role == "assistant":
        return _assistant_items(message, ts, message_id)
    if role == "user":
        text = bound_text(content_text(message.get("content")))
        return [TranscriptItem(kind="user", text=text, timestamp_ms=ts, message_id=message_id)]
    if role == "toolResult":
        text = bound_text(content_text(message.get("content")))
        failed = message.get("isError") is True
        return [
            TranscriptItem(
                kind="tool_result",
                text=text,
                timestamp_ms=ts,
                tool_name=_str(message.get("toolName")),
                error=(text[:MAX_ARG_CHARS] or "the tool failed") if failed else None,
                message_id=message_id,
                tool_call_id=_str(message.get("toolCallId")),
            )
        ]
    if isinstance(role, str):
        # bashExecution, custom, branchSummary, compactionSummary, and roles of later versions.
        text = content_text(message.get("content")) or _str(message.get("summary")) or ""
        if not text:
            return []
        return [
            TranscriptItem(
                kind="system",
                text=bound_text(f"{role}: {text}"),
                timestamp_ms=ts,
                message_id=message_id,
            )
        ]
    return []


def entry_node(entry: Any) -> Node | None:
    """The node of one parsed entry, or None when it is not an entry at all."""
    if not isinstance(entry, Mapping):
        return None
    kind = entry.get("type")
    entry_id = _str(entry.get("id"))
    parent = _str(entry.get("parentId"))
    if kind == "session":
        return Node(id=None, parent_id=None, items=(), is_header=True)
    ts = _timestamp_ms(None, entry)
    items: list[TranscriptItem] = []
    if kind == "leaf":
        return Node(entry_id, parent, (), leaf_target=_str(entry.get("targetId")))
    if kind == "message":
        message = entry.get("message")
        if isinstance(message, Mapping):
            items = message_items(message, _timestamp_ms(message, entry), entry_id)
    elif kind == "custom" and entry.get("customType") == "openclaw:prompt-error":
        data = entry.get("data")
        error = _str(data.get("error")) if isinstance(data, Mapping) else None
        items = [
            TranscriptItem(
                kind="error",
                text=bound_text(error or "the turn failed", MAX_ARG_CHARS),
                timestamp_ms=ts,
                error=bound_text(error or "the turn failed", MAX_ARG_CHARS),
                message_id=entry_id,
            )
        ]
    elif kind == "model_change":
        name = model_ref(entry.get("provider"), entry.get("modelId"))
        if name:
            items = [TranscriptItem(kind="system", text=f"model: {name}", timestamp_ms=ts)]
    elif kind == "thinking_level_change" and _str(entry.get("thinkingLevel")):
        items = [
            TranscriptItem(
                kind="system", text=f"thinking: {entry['thinkingLevel']}", timestamp_ms=ts
            )
        ]
    elif kind in ("compaction", "branch_summary") and _str(entry.get("summary")):
        label = "compacted" if kind == "compaction" else "branch summary"
        items = [
            TranscriptItem(
                kind="system",
                text=bound_text(f"{label}: {entry['summary']}"),
                timestamp_ms=ts,
                message_id=entry_id,
            )
        ]
    return Node(entry_id, parent, tuple(items))
