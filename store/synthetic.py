"""Realistic synthetic session stores for demos, benchmarks and tests.

Entries are shaped like the stores OpenClaw 2026.7.35 writes (see the fixtures): the same fields,
the same key grammar, and a channel mix taken from a real 10,000-entry store (telegram 32 %
including topics, discord 23 % including threads, whatsapp 15 %, slack 11 %, cron 11 %, hook 4 %,
explicit 4 %, a few subagents, one main). An entry is about 760 bytes at indent 2.

Everything is deterministic for a given seed and ``now_ms`` so benchmarks and snapshots repeat.
No Textual or Rich here: this module lives in ``store/``.
"""

from __future__ import annotations

import random
import uuid
import zlib
from collections.abc import Callable
from typing import Any

Entry = dict[str, Any]

# A fixed reference time (2026-11-25 12:00 UTC) so that callers that do not pass one still get
# the same bytes on every run.
DEFAULT_NOW_MS = 1_795_608_000_000

_KIND_WEIGHTS: list[tuple[str, float]] = [
    ("telegram", 0.32),
    ("discord", 0.23),
    ("whatsapp", 0.15),
    ("slack", 0.11),
    ("cron", 0.11),
    ("hook", 0.04),
    ("explicit", 0.035),
    ("subagent", 0.005),
]

THINKING_LEVELS = ["off", "minimal", "low", "medium", "high", "xhigh", "adaptive"]
VERBOSE_LEVELS = ["off", "on", "full"]
REASONING_LEVELS = ["off", "on", "stream"]

# (provider, model, context window)
MODELS: list[tuple[str, str, int]] = [
    ("anthropic", "claude-opus-4-5", 200_000),
    ("anthropic", "claude-sonnet-4-5", 200_000),
    ("openai", "gpt-5.2", 400_000),
    ("openai", "gpt-5-mini", 400_000),
    ("openai", "gpt-4.1", 1_047_576),
    ("google", "gemini-2.5-pro", 1_048_576),
    ("openrouter", "deepseek-r1", 128_000),
]

_WORDS = [
    "family",
    "team",
    "ops",
    "infra",
    "alpha",
    "beta",
    "design",
    "support",
    "sales",
    "books",
    "garden",
    "chess",
    "running",
    "music",
    "travel",
    "recipes",
    "launch",
    "weekly",
    "standup",
    "release",
    "homework",
    "news",
    "crypto",
    "robotics",
]
_NAMES = [
    "Ada",
    "Grace",
    "Linus",
    "Ken",
    "Barbara",
    "Alan",
    "Edsger",
    "Margaret",
    "Donald",
    "Frances",
    "Radia",
    "Tim",
]


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _digits(rng: random.Random, n: int) -> str:
    return str(rng.randrange(10 ** (n - 1), 10**n))


def _pick_kind(rng: random.Random) -> str:
    x = rng.random()
    acc = 0.0
    for kind, weight in _KIND_WEIGHTS:
        acc += weight
        if x < acc:
            return kind
    return _KIND_WEIGHTS[-1][0]


def _title(rng: random.Random) -> str:
    return f"{rng.choice(_WORDS).capitalize()} {rng.choice(_WORDS)}"


def _chat_entry(
    rng: random.Random, channel: str, chat_type: str, group_id: str, title: str
) -> Entry:
    entry: Entry = {
        "chatType": chat_type,
        "channel": channel,
        "groupId": group_id,
    }
    if channel in ("discord", "slack"):
        entry["groupChannel"] = "#" + title.lower().replace(" ", "-")
        if channel == "discord":
            entry["space"] = rng.choice(["Guild", "Makers", "Homelab"])
    else:
        entry["subject"] = title
    entry["displayName"] = f"{channel}:{title.lower().replace(' ', '-')}"
    entry["origin"] = {
        "label": title,
        "provider": channel,
        "chatType": chat_type,
        "from": f"{channel}:{chat_type}:{group_id}",
        "to": f"{channel}:{chat_type}:{group_id}",
    }
    return entry


def _make_key_and_base(rng: random.Random, agent: str, kind: str) -> tuple[str, Entry]:
    prefix = f"agent:{agent}:"
    title = _title(rng)
    if kind == "telegram":
        gid = "-100" + _digits(rng, 10)
        base = _chat_entry(rng, "telegram", "group", gid, title)
        key = f"{prefix}telegram:group:{gid}"
        if rng.random() < 0.3:
            topic = str(rng.randrange(2, 5000))
            key += f":topic:{topic}"
            base["lastThreadId"] = topic
        return key, base
    if kind == "discord":
        gid = _digits(rng, 18)
        base = _chat_entry(rng, "discord", "channel", gid, title)
        key = f"{prefix}discord:channel:{gid}"
        if rng.random() < 0.25:
            thread = _digits(rng, 18)
            key += f":thread:{thread}"
            base["lastThreadId"] = thread
        return key, base
    if kind == "whatsapp":
        if rng.random() < 0.6:
            gid = "1203630" + _digits(rng, 11) + "@g.us"
            base = _chat_entry(rng, "whatsapp", "group", gid, title)
            return f"{prefix}whatsapp:group:{gid}", base
        peer = "+" + _digits(rng, 11)
        name = rng.choice(_NAMES)
        base = {
            "chatType": "direct",
            "channel": "whatsapp",
            "displayName": f"whatsapp:{name}",
            "origin": {
                "label": name,
                "provider": "whatsapp",
                "surface": "whatsapp",
                "chatType": "direct",
                "from": f"whatsapp:{peer}",
                "to": "whatsapp:bot",
                "accountId": "default",
            },
            "lastTo": f"whatsapp:{peer}",
        }
        return f"{prefix}whatsapp:direct:{peer}", base
    if kind == "slack":
        gid = "c" + format(rng.getrandbits(36), "09x")
        base = _chat_entry(rng, "slack", "channel", gid, title)
        key = f"{prefix}slack:channel:{gid}"
        if rng.random() < 0.2:
            thread = f"{_digits(rng, 10)}.{_digits(rng, 6)}"
            key += f":thread:{thread}"
            base["lastThreadId"] = thread
        return key, base
    if kind == "cron":
        job = f"{rng.choice(_WORDS)}-{rng.choice(_WORDS)}-{rng.randrange(1000)}"
        if rng.random() < 0.5:
            run = _uuid(rng)
            return f"{prefix}cron:{job}:run:{run}", {
                "label": "Cron run",
                "spawnedBy": f"{prefix}cron:{job}",
                "status": rng.choice(["done", "done", "done", "failed", "running"]),
                "runtimeMs": rng.randrange(500, 60_000),
                "estimatedCostUsd": round(rng.random() * 0.05, 4),
            }
        return f"{prefix}cron:{job}", {"label": f"Cron: {job}"}
    if kind == "hook":
        return f"{prefix}hook:{_uuid(rng)}", {
            "label": f"Webhook: {rng.choice(['github push', 'stripe', 'ci failed', 'alert'])}",
            "fastMode": rng.random() < 0.5,
        }
    if kind == "explicit":
        name = f"portal-{rng.randrange(1, 100_000)}"
        return f"{prefix}explicit:{name}", {
            "label": "Portal session",
            "displayName": name.replace("-", " ").title(),
        }
    parent = f"{prefix}main"
    return f"{prefix}subagent:{_uuid(rng)}", {
        "label": f"Subagent: {rng.choice(_WORDS)}",
        "spawnedBy": parent,
        "spawnDepth": 1,
    }


def _add_runtime(rng: random.Random, entry: Entry, now_ms: int, age_ms: int) -> None:
    started = now_ms - age_ms - rng.randrange(0, 3_600_000)
    entry["sessionId"] = _uuid(rng)
    entry["updatedAt"] = now_ms - age_ms
    entry["sessionStartedAt"] = started
    if rng.random() < 0.35:
        entry["thinkingLevel"] = rng.choice(THINKING_LEVELS)
    if rng.random() < 0.20:
        provider, model, _ctx = rng.choice(MODELS)
        entry["providerOverride"] = provider
        entry["modelOverride"] = model
        entry["modelOverrideSource"] = "auto" if rng.random() < 0.2 else "user"
    if rng.random() < 0.15:
        entry["verboseLevel"] = rng.choice(VERBOSE_LEVELS)
    if rng.random() < 0.10:
        entry["reasoningLevel"] = rng.choice(REASONING_LEVELS)
    if rng.random() < 0.08:
        entry["label"] = entry.get("label") or _title(rng)
    if rng.random() < 0.08:
        entry["sendPolicy"] = rng.choice(["allow", "deny"])
    if rng.random() < 0.06:
        entry["queueMode"] = rng.choice(["steer", "followup", "collect", "interrupt"])
    if rng.random() < 0.6:
        provider, model, ctx = rng.choice(MODELS)
        inp = rng.randrange(0, 120_000)
        out = rng.randrange(0, 20_000)
        entry["inputTokens"] = inp
        entry["outputTokens"] = out
        entry["totalTokens"] = inp + out
        entry["totalTokensFresh"] = rng.random() < 0.9
        entry["contextTokens"] = ctx
        entry["modelProvider"] = provider
        entry["model"] = model
        entry["compactionCount"] = rng.randrange(0, 4)
        entry["systemSent"] = True
    channel = entry.get("channel")
    if channel:
        entry["route"] = {"channel": channel}
        entry["deliveryContext"] = {"channel": channel}
        entry["lastChannel"] = channel


def make_entry(
    rng: random.Random,
    *,
    agent: str = "main",
    now_ms: int = DEFAULT_NOW_MS,
    kind: str | None = None,
) -> tuple[str, Entry]:
    """One new session (key, entry) of the given kind, or of a kind drawn from the real mix."""
    kind = kind or _pick_kind(rng)
    key, entry = _make_key_and_base(rng, agent, kind)
    # Ages follow a long tail: most sessions were active in the last days, some months ago.
    age_ms = int(rng.expovariate(1 / (3 * 86_400_000)))
    _add_runtime(rng, entry, now_ms, age_ms)
    return key, entry


def generate_store(
    n: int, *, seed: int = 0, now_ms: int = DEFAULT_NOW_MS, agent: str = "main"
) -> dict[str, Entry]:
    """A store of ``n`` sessions (key -> entry), the same for the same arguments.

    The main session ``agent:<agent>:main`` is always first when ``n >= 1``.
    """
    rng = random.Random(seed)
    store: dict[str, Entry] = {}
    if n <= 0:
        return store
    main: Entry = {
        "origin": {
            "label": "Ada",
            "provider": "telegram",
            "surface": "telegram",
            "chatType": "direct",
            "from": "telegram:123456789",
            "to": "telegram:bot",
            "accountId": "default",
        },
        "lastChannel": "telegram",
        "lastTo": "telegram:123456789",
    }
    _add_runtime(rng, main, now_ms, 0)
    store[f"agent:{agent}:main"] = main
    while len(store) < n:
        key, entry = make_entry(rng, agent=agent, now_ms=now_ms)
        store.setdefault(key, entry)
    return store


# --- live changes, shared by the demo and the benchmarks --------------------------------------

Patch = dict[str, Any]


def patch_tokens(rng: random.Random, entry: Entry, now_ms: int) -> Patch:
    """A conversation turn: token counters grow, updatedAt moves to now."""
    inp = int(entry.get("inputTokens") or 0) + rng.randrange(50, 4_000)
    out = int(entry.get("outputTokens") or 0) + rng.randrange(10, 1_200)
    patch: Patch = {
        "inputTokens": inp,
        "outputTokens": out,
        "totalTokens": inp + out,
        "totalTokensFresh": True,
        "updatedAt": now_ms,
    }
    if "contextTokens" not in entry:
        provider, model, ctx = rng.choice(MODELS)
        patch.update(contextTokens=ctx, modelProvider=provider, model=model)
    return patch


def patch_thinking(rng: random.Random, entry: Entry, now_ms: int) -> Patch:
    """An operator changed the thinking level (or cleared it back to the default)."""
    choices = [*THINKING_LEVELS, None]
    current = entry.get("thinkingLevel")
    level = rng.choice([c for c in choices if c != current])
    return {"thinkingLevel": level, "updatedAt": now_ms}


def patch_model(rng: random.Random, entry: Entry, now_ms: int) -> Patch:
    """A model override by the user, or an automatic fallback by the runtime."""
    provider, model, _ctx = rng.choice(MODELS)
    return {
        "providerOverride": provider,
        "modelOverride": model,
        "modelOverrideSource": "auto" if rng.random() < 0.3 else "user",
        "model": None,
        "modelProvider": None,
        "contextTokens": None,
        "updatedAt": now_ms,
    }


def patch_verbose(rng: random.Random, entry: Entry, now_ms: int) -> Patch:
    """Verbose or reasoning visibility toggled."""
    if rng.random() < 0.5:
        return {"verboseLevel": rng.choice([*VERBOSE_LEVELS, None]), "updatedAt": now_ms}
    return {"reasoningLevel": rng.choice([*REASONING_LEVELS, None]), "updatedAt": now_ms}


_PATCHERS: list[tuple[Callable[[random.Random, Entry, int], Patch], float]] = [
    (patch_tokens, 0.75),
    (patch_thinking, 0.10),
    (patch_model, 0.08),
    (patch_verbose, 0.07),
]


def random_patch(rng: random.Random, entry: Entry, now_ms: int) -> Patch:
    """A plausible change to an existing entry (mostly token ticks, some override changes).

    A ``None`` value means "delete the field", as ``SessionStore.update_entry`` expects.
    """
    x = rng.random()
    acc = 0.0
    for patcher, weight in _PATCHERS:
        acc += weight
        if x < acc:
            return patcher(rng, entry, now_ms)
    return patch_tokens(rng, entry, now_ms)


def apply_patch(entry: Entry, patch: Patch) -> Entry:
    """``{**entry, **patch}`` with ``None`` deleting a field (what update_entry does)."""
    out = dict(entry)
    for field, value in patch.items():
        if value is None:
            out.pop(field, None)
        else:
            out[field] = value
    return out


def pick_action(rng: random.Random) -> str:
    """What a simulated gateway does next: "patch" mostly, sometimes "add" or "remove"."""
    x = rng.random()
    if x < 0.90:
        return "patch"
    if x < 0.97:
        return "add"
    return "remove"


# --- runs (what a demo gateway's sessions are doing) -------------------------------------------

# A run's outcome when it ends, as OpenClaw words it (mostly done; some fail, some are stopped).
_RUN_OUTCOMES: list[tuple[str, float]] = [
    ("done", 0.80),
    ("failed", 0.09),
    ("killed", 0.07),
    ("timeout", 0.04),
]
STALLED_RUN_MS = 25 * 60_000  # how long ago a stalled demo run started
_COST_PER_INPUT = 3 / 1e6  # USD per token, as in the real-turns fixtures' model config
_COST_PER_OUTPUT = 15 / 1e6


def is_stalled_demo_key(key: str) -> bool:
    """About one session in 80 gets runs that hang (started long ago, no activity since)."""
    return zlib.crc32(key.encode()) % 80 == 7


def run_patch(rng: random.Random, key: str, entry: Entry, now_ms: int) -> Patch:
    """Start a run on an idle session, or end a running one (the fields OpenClaw writes).

    Running: ``status:"running"``, ``startedAt``, no ``endedAt``/``runtimeMs``. Ended: the
    outcome, ``endedAt``, ``runtimeMs``, ``abortedLastRun``, and for a completed model call the
    token and cost fields (``estimatedCostUsd`` from the configured per-token cost). A stalled
    key's run started ``STALLED_RUN_MS`` ago and never ends or shows activity.
    """
    if entry.get("status") == "running":
        if is_stalled_demo_key(key):
            return {}
        x = rng.random()
        acc = 0.0
        outcome = "done"
        for word, weight in _RUN_OUTCOMES:
            acc += weight
            if x < acc:
                outcome = word
                break
        started = entry.get("startedAt")
        started = started if isinstance(started, int) else now_ms
        patch: Patch = {
            "status": outcome,
            "endedAt": now_ms,
            "runtimeMs": max(0, now_ms - started),
            "abortedLastRun": outcome == "killed",
            "updatedAt": now_ms,
            "lastInteractionAt": now_ms,
        }
        if outcome == "done":
            inp = rng.randrange(2_000, 90_000)
            out = rng.randrange(20, 4_000)
            patch.update(
                inputTokens=inp,
                outputTokens=out,
                totalTokens=inp,
                totalTokensFresh=True,
                estimatedCostUsd=round(inp * _COST_PER_INPUT + out * _COST_PER_OUTPUT, 6),
            )
        return patch
    stalled = is_stalled_demo_key(key)
    started = now_ms - STALLED_RUN_MS if stalled else now_ms
    return {
        "status": "running",
        "startedAt": started,
        "endedAt": None,
        "runtimeMs": None,
        "abortedLastRun": False,
        "updatedAt": now_ms,
        "lastInteractionAt": started,
    }
