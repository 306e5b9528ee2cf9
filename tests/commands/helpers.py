"""Shared pieces of the command tests: a deterministic config, session keys, expected entries."""

from __future__ import annotations

from typing import Any

from openclaw_tui.tui.slash import SlashConfig

NOW_MS = 1_900_000_000_000
NEW_ID = "9b2f4c1e-0d3a-4e5f-8a6b-7c8d9e0f1a2b"

MAIN = "agent:main:main"
GROUP = "agent:main:telegram:group:-1001234567890"
TOPIC = "agent:main:telegram:group:-1001234567890:topic:42"
CRON = "agent:main:cron:daily-digest"
HOOK = "agent:main:hook:0b9d7a52-1c3e-4f5a-8b6c-7d8e9f0a1b2c"


class Absent:
    """Marks a field the command must have deleted."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT = Absent()


def config() -> SlashConfig:
    return SlashConfig(now_ms=lambda: NOW_MS, new_session_id=lambda: NEW_ID)


def expected_after(before: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    after = dict(before)
    for name, value in changes.items():
        if value is ABSENT:
            after.pop(name, None)
        else:
            after[name] = value
    return after


def without_updated_at(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entry.items() if k != "updatedAt"}
