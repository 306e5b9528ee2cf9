"""Where OpenClaw keeps its session stores (its state directory and each agent's store)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

LEGACY_STATE_DIRS = (".clawdbot", ".moldbot", ".moltbot")
JSON_STORE_NAME = "sessions.json"
SQLITE_STORE_NAME = "openclaw-agent.sqlite"


def _home(env: Mapping[str, str]) -> Path:
    home = env.get("OPENCLAW_HOME", "").strip()
    if home:
        return Path(os.path.expanduser(home))
    return Path(env.get("HOME") or os.path.expanduser("~"))


def _expand(value: str, env: Mapping[str, str]) -> Path:
    if value == "~" or value.startswith("~/"):
        return _home(env) / value[2:] if value != "~" else _home(env)
    return Path(os.path.expanduser(value))


def resolve_state_dir(env: Mapping[str, str] = os.environ) -> Path:
    """``OPENCLAW_STATE_DIR`` (legacy ``CLAWDBOT_STATE_DIR``), else ``~/.openclaw``.

    As in OpenClaw, a legacy ``~/.clawdbot`` / ``~/.moldbot`` / ``~/.moltbot`` is used only when
    ``~/.openclaw`` does not exist and the legacy one does.
    """
    for name in ("OPENCLAW_STATE_DIR", "CLAWDBOT_STATE_DIR"):
        value = env.get(name, "").strip()
        if value:
            return _expand(value, env).absolute()
    home = _home(env)
    preferred = home / ".openclaw"
    if not preferred.exists():
        for legacy in LEGACY_STATE_DIRS:
            if (home / legacy).is_dir():
                return home / legacy
    return preferred


def json_store_path(agent_id: str, state_dir: Path) -> Path:
    return Path(state_dir) / "agents" / agent_id / "sessions" / JSON_STORE_NAME


def sqlite_store_path(agent_id: str, state_dir: Path) -> Path:
    return Path(state_dir) / "agents" / agent_id / "agent" / SQLITE_STORE_NAME


StoreKind = Literal["json", "sqlite", "missing"]


@dataclass(frozen=True, slots=True)
class StoreLocation:
    agent_id: str
    path: Path
    kind: StoreKind
    also_found: list[Path] = field(default_factory=list)


def find_store(agent_id: str, state_dir: Path) -> StoreLocation:
    """The agent's store; the SQLite store wins when both exist (OpenClaw >= 2026.8 uses it)."""
    json_path = json_store_path(agent_id, state_dir)
    sqlite_path = sqlite_store_path(agent_id, state_dir)
    has_json = json_path.exists()
    has_sqlite = sqlite_path.exists()
    if has_sqlite:
        return StoreLocation(agent_id, sqlite_path, "sqlite", [json_path] if has_json else [])
    if has_json:
        return StoreLocation(agent_id, json_path, "json", [])
    return StoreLocation(agent_id, json_path, "missing", [])


def list_agents(state_dir: Path) -> list[StoreLocation]:
    """Every agent directory under ``<state_dir>/agents`` that has a store of either kind."""
    agents_dir = Path(state_dir) / "agents"
    try:
        names = sorted(entry.name for entry in os.scandir(agents_dir) if entry.is_dir())
    except OSError:
        return []
    found = [find_store(name, state_dir) for name in names]
    return [location for location in found if location.kind != "missing"]


def outside_link_reason(requested: Path, real: Path) -> str | None:
    """Why a store opened as ``requested`` (resolved to ``real``) must never be written: its real
    file lies outside the directory it was opened in (a symlink elsewhere). None when inside.

    A write replaces the real file and puts temporary, lock and recovery files beside it, so a
    link planted in the sessions directory would let a write (or a recovery) land anywhere.
    """
    directory = Path(os.path.realpath(requested.parent))
    if real == directory or directory in real.parents:
        return None
    return (
        f"{requested} is a symbolic link to {real}, outside the sessions directory "
        f"{directory}; it is shown read-only and never written or recovered, since a write "
        f"would replace {real} and put temporary and lock files beside it (open the real file "
        "with --store if it is meant to be written, or replace the link with the file)"
    )
