"""OpenClaw session-key grammar: kind, channel, synthetic/protected, canonical form, shortening.

The rules follow OpenClaw's maintenance protection and its session-key forms. Keys
are data typed by people and programs, so every function here accepts any string and never
raises on odd input: an unrecognised key is kind ``"unknown"``.

Parsing is memoised because the UI classifies every row of stores with 100k entries.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

KINDS: Final[tuple[str, ...]] = (
    "main",
    "direct",
    "group",
    "channel",
    "thread",
    "topic",
    "cron",
    "cron-run",
    "hook",
    "subagent",
    "acp",
    "heartbeat",
    "node",
    "explicit",
    "global",
    "unknown",
)
"""Every value ``classify_key`` can return."""

DEFAULT_AGENT_ID: Final = "main"
DEFAULT_MAIN_KEY: Final = "main"

_SYNTHETIC_PREFIXES: Final = ("subagent:", "acp:", "cron:", "hook:", "node:")
_CONVERSATION_MARKERS: Final = frozenset({"direct", "dm", "group", "channel"})
_CHAT_TYPES: Final = frozenset({"direct", "group", "channel"})
_PROTECTED_CHAT_TYPES: Final = frozenset({"group", "channel", "thread"})

_VALID_AGENT_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_INVALID_AGENT_CHARS = re.compile(r"[^a-z0-9_-]+")
_TELEGRAM_TOPIC = re.compile(r"(?:^|:)telegram:(?:group|channel|direct|dm):.+:topic:[^:]+$")
_GROUP_OR_CHANNEL = re.compile(r"(?:^|:)[^:]+:(?:group|channel):[^:]+")
# Tails whose case is significant to the chat platform: kept verbatim by canonical_key.
_CASE_KEPT_TAIL = re.compile(r"(?:^|:)(?:signal:group|matrix:(?:channel|group|room)):", re.I)


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """A session key taken apart. Ids keep the case they have in the key."""

    key: str
    agent_id: str | None
    """The ``<agentId>`` of ``agent:<agentId>:<rest>`` (lower case), or None for bare keys."""
    rest: str
    """Everything after ``agent:<agentId>:``; the whole key for bare keys."""
    kind: str
    channel: str | None = None
    account_id: str | None = None
    peer_id: str | None = None
    """The other party of a direct chat."""
    group_id: str | None = None
    """The group or channel id of a group/channel/thread/topic key."""
    thread_id: str | None = None
    topic_id: str | None = None
    job_id: str | None = None
    """Cron job id (cron, cron-run)."""
    run_id: str | None = None
    depth: int = 0
    """Subagent nesting depth: the number of ``:subagent:`` segments (0 for a main session)."""


def strip_namespace(key: str) -> str:
    """The session key without a view's ``<gateway>/`` namespace.

    A view merging several gateways names its rows ``<gateway>/<session key>``. No OpenClaw key
    has a ``/`` before its first ``:`` (``agent``, ``cron``, ``hook``, ``global``, ...), so a
    ``/`` there can only be such a namespace.
    """
    return split_namespace(key)[1]


def namespace_of(key: str) -> str:
    """The ``<gateway>`` of a ``<gateway>/<session key>`` row key, "" for a key without one."""
    return split_namespace(key)[0]


def join_namespace(gateway: str, key: str) -> str:
    """``("home", "agent:main:main")`` -> ``"home/agent:main:main"``: a merged view's row key."""
    return f"{gateway}/{key}"


def split_namespace(key: str) -> tuple[str, str]:
    """``"home/agent:main:main"`` -> ``("home", "agent:main:main")``; ``("", key)`` without one."""
    head = key.partition(":")[0]
    cut = head.find("/")  # a gateway's name holds neither '/' nor ':'
    # Both sides must be non-empty: "/" or "x/" alone is a (strange) key, not a namespace.
    return (key[:cut], key[cut + 1 :]) if 0 < cut < len(key) - 1 else ("", key)


def normalize_agent_id(raw: object) -> str:
    """OpenClaw's agent-id normalisation: valid ids lower-cased, others repaired, else ``main``."""
    text = raw.strip().lower() if isinstance(raw, str) else ""
    if not text:
        return DEFAULT_AGENT_ID
    if _VALID_AGENT_ID.match(text):
        return text
    repaired = _INVALID_AGENT_CHARS.sub("-", text).strip("-")[:64]
    return repaired if _VALID_AGENT_ID.match(repaired) else DEFAULT_AGENT_ID


def parse_key(key: str) -> KeyInfo:
    """Take a session key apart. Never raises; unrecognised shapes are kind ``unknown``."""
    if not isinstance(key, str):
        return KeyInfo(key=str(key), agent_id=None, rest=str(key), kind="unknown")
    return _parse_key_cached(key)


@lru_cache(maxsize=131_072)
def _parse_key_cached(key: str) -> KeyInfo:
    parts = [p for p in strip_namespace(key).strip().split(":") if p]
    agent_id: str | None = None
    if len(parts) >= 3 and parts[0].lower() == "agent":
        agent_id = parts[1].lower()
        rest_parts = parts[2:]
    else:
        rest_parts = parts
    rest = ":".join(rest_parts)
    lower = [p.lower() for p in rest_parts]
    depth = sum(1 for p in lower if p == "subagent")

    def info(kind: str, **fields: Any) -> KeyInfo:
        return KeyInfo(key=key, agent_id=agent_id, rest=rest, kind=kind, depth=depth, **fields)

    if not lower:
        return info("unknown")
    if agent_id is None and len(lower) == 1:
        if lower[0] in ("global", "unknown"):
            return info(lower[0])
        if lower[0].startswith("node-"):
            return info("node")
    head = lower[0]
    if head == "subagent":
        return info("subagent")
    if head == "acp":
        return info("acp")
    if head == "cron":
        job = rest_parts[1] if len(rest_parts) > 1 else None
        if len(lower) >= 4 and lower[2] == "run":
            return info("cron-run", job_id=job, run_id=":".join(rest_parts[3:]))
        return info("cron", job_id=job)
    if head == "hook":
        return info("hook")
    if head == "node":
        return info("node")
    if "heartbeat" in lower:
        return info("heartbeat")
    if head == "explicit":
        return info("explicit")
    if len(lower) == 1 and head == DEFAULT_MAIN_KEY:
        return info("main")
    return _parse_conversation(info, rest_parts, lower)


def _parse_conversation(
    info: Callable[..., KeyInfo], parts: list[str], lower: list[str]
) -> KeyInfo:
    """Direct / group / channel keys, optionally with a ``:thread:`` or ``:topic:`` suffix."""
    thread_id = topic_id = None
    base, base_lower = parts, lower
    # The suffix is searched from the right: group ids such as Matrix room ids may hold colons.
    for index in range(len(lower) - 2, 1, -1):
        if lower[index] in ("thread", "topic"):
            tail = ":".join(parts[index + 1 :])
            if lower[index] == "thread":
                thread_id = tail
            else:
                topic_id = tail
            base, base_lower = parts[:index], lower[:index]
            break

    if base_lower[0] in ("direct", "dm"):
        kind, channel, account, marker_at = "direct", None, None, 0
    else:
        marker_at = next(
            (i for i in (1, 2) if i < len(base_lower) and base_lower[i] in _CONVERSATION_MARKERS),
            -1,
        )
        if marker_at < 0:
            return info("unknown")
        marker = base_lower[marker_at]
        kind = "direct" if marker in ("direct", "dm") else marker
        channel = base_lower[0]
        account = base[1] if marker_at == 2 else None
    conversation = ":".join(base[marker_at + 1 :]) or "unknown"
    ids: dict[str, Any] = {"channel": channel, "account_id": account}
    if kind == "direct":
        ids["peer_id"] = conversation
    else:
        ids["group_id"] = conversation
    if thread_id is not None:
        return info("thread", thread_id=thread_id, **ids)
    if topic_id is not None:
        return info("topic", topic_id=topic_id, **ids)
    return info(kind, **ids)


def _chat_type(entry: Mapping[str, Any] | None) -> str | None:
    if not isinstance(entry, Mapping):
        return None
    value = entry.get("chatType")
    if not isinstance(value, str):
        origin = entry.get("origin")
        value = origin.get("chatType") if isinstance(origin, Mapping) else None
    return value.lower() if isinstance(value, str) else None


def classify_key(key: str, entry: Mapping[str, Any] | None = None) -> str:
    """The session's kind (one of ``KINDS``). The entry's chatType refines direct/group/channel."""
    kind = parse_key(key).kind
    if kind in _CHAT_TYPES or kind == "unknown":
        chat_type = _chat_type(entry)
        if chat_type in _CHAT_TYPES:
            return chat_type
    return kind


def channel_of(key: str, entry: Mapping[str, Any] | None = None) -> str | None:
    """The chat platform: ``entry.channel``, else the key's channel, else ``origin.provider``,
    else (OpenClaw >= 2026.8 rows, which keep routing in one ``delivery`` object)
    ``delivery.route.channel`` or ``delivery.origin.provider``."""
    if isinstance(entry, Mapping):
        value = entry.get("channel")
        if isinstance(value, str) and value.strip():
            return value.strip()
    channel = parse_key(key).channel
    if channel:
        return channel
    if isinstance(entry, Mapping):
        delivery = entry.get("delivery")
        delivery = delivery if isinstance(delivery, Mapping) else {}
        for holder, name in (
            (entry.get("origin"), "provider"),
            (delivery.get("route"), "channel"),
            (delivery.get("origin"), "provider"),
        ):
            if isinstance(holder, Mapping):
                value = holder.get(name)
                if isinstance(value, str) and value.strip():
                    return value.strip()
    return None


def _rest_lower(key: str) -> str:
    return parse_key(key).rest.lower()


def is_synthetic_key(key: str) -> bool:
    """Always-disposable keys: subagent, acp, cron, hook, node, heartbeat."""
    rest = _rest_lower(key)
    return (
        rest.startswith(_SYNTHETIC_PREFIXES)
        or rest == "heartbeat"
        or rest.endswith(":heartbeat")
        or ":heartbeat:" in rest
    )


def is_protected_key(
    key: str, entry: Mapping[str, Any] | None = None, *, later_rules: bool = False
) -> bool:
    """Never removed by prune, cap or disk budget.

    The seed's rules: a non-synthetic key that is a thread, a Telegram topic, a group/channel
    conversation, or whose entry's chatType says group/channel/thread. ``later_rules`` adds what
    later OpenClaw versions protect too: the main key, ``global``, pinned or archived entries and
    entries whose model selection is locked.
    """
    if not isinstance(key, str) or is_synthetic_key(key):
        return False
    lower = key.strip().lower()
    if (
        ":thread:" in lower
        or _TELEGRAM_TOPIC.search(lower)
        or _GROUP_OR_CHANNEL.search(lower)
        or _chat_type(entry) in _PROTECTED_CHAT_TYPES
    ):
        return True
    if later_rules:
        if parse_key(key).kind in ("main", "global"):
            return True
        if isinstance(entry, Mapping) and (
            entry.get("pinnedAt") or entry.get("archivedAt") or entry.get("modelSelectionLocked")
        ):
            return True
    return False


def canonical_key(key: str) -> str:
    """The stored form: lower case, except Signal group ids and Matrix room/channel tails."""
    text = key.strip()
    match = _CASE_KEPT_TAIL.search(text)
    if match is None:
        return text.lower()
    return text[: match.end()].lower() + text[match.end() :]


def agent_store_key(key: str, agent_id: str = DEFAULT_AGENT_ID) -> str:
    """OpenClaw's ``toAgentStoreSessionKey``: ``main``/empty -> the main key, bare keys prefixed."""
    agent = normalize_agent_id(agent_id)
    text = key.strip()
    if not text or text.lower() == DEFAULT_MAIN_KEY:
        return f"agent:{agent}:{DEFAULT_MAIN_KEY}"
    if parse_key(text).agent_id is not None or text.lower() == "global":
        return text
    return f"agent:{agent}:{text}"


def shorten_key(key: str, width: int, *, agent_id: str | None = None) -> str:
    """Fit ``key`` into ``width`` characters for display.

    The ``agent:<id>:`` prefix of the current agent is dropped (it says nothing there), but only
    from a key in the exact canonical form OpenClaw writes: ``Agent:Main:main``, ``agent:main:Main``
    or `` agent:main:main`` are other keys and are shown in full, or they would look like the real
    main session. A ``<gateway>/`` namespace is not stripped here: in a single store it is part
    of the key, and a multi-gateway view strips its own namespace before calling this.
    When the key is still too long the middle is elided with ``…``: the head keeps the channel
    and kind, and the tail keeps the last id whole when it fits, since that is what tells rows
    apart.
    """
    if width <= 0:
        return ""
    text = key
    if agent_id is not None:
        prefix = f"agent:{agent_id.lower()}:"
        rest = text[len(prefix) :]
        if (
            text.startswith(prefix)
            and rest
            and text == canonical_key(text)
            # "agent:main:agent:ops:x" would read as agent ops's key.
            and parse_key(rest).agent_id is None
            and not rest.lower().startswith("agent:")
        ):
            text = rest
    if len(text) <= width:
        return text
    if width == 1:
        return "…"
    room = width - 1
    last_colon = text.rfind(":")
    tail_whole = len(text) - last_colon if last_colon >= 0 else 0
    min_head = min(4, room // 2)
    fits = 0 < tail_whole <= room - min_head
    tail_len = tail_whole if fits else (room + 1) // 2
    head_len = room - tail_len
    return text[:head_len] + "…" + text[len(text) - tail_len :]
