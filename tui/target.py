"""Which store the app shows: resolved from the CLI options before the app starts."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openclaw_tui.store.paths import JSON_STORE_NAME, SQLITE_STORE_NAME, StoreLocation, find_store


@dataclass(frozen=True, slots=True)
class StoreTarget:
    """A store to open, with what the operator should be told about how it was chosen."""

    path: Path
    kind: str  # "json", "sqlite", or "missing"
    agent_id: str | None = None
    state_dir: Path | None = None
    notes: tuple[str, ...] = ()  # e.g. "also found a legacy sessions.json"
    looked_at: tuple[Path, ...] = field(default_factory=tuple)
    gateways: tuple[Any, ...] = ()  # store.gateway.GatewayConfig, for kind "gateway"

    @property
    def label(self) -> str:
        return {"json": "sessions.json", "sqlite": "SQLite", "missing": "missing"}.get(
            self.kind, self.kind
        )

    @property
    def location(self) -> str:
        """Where the sessions come from, as the status bar shows it."""
        if self.gateways:
            return ", ".join(f"{g.name} {g.url}" for g in self.gateways)
        return str(self.path)

    @property
    def multi_gateway(self) -> bool:
        return len(self.gateways) > 1


def kind_of_path(path: Path) -> str:
    if not path.exists():
        return "missing"
    if path.suffix == ".sqlite":
        return "sqlite"
    return "json"


def target_for_location(location: StoreLocation, state_dir: Path | None) -> StoreTarget:
    notes: list[str] = []
    for other in location.also_found:
        notes.append(
            f"showing the SQLite store; a legacy {other.name} also exists at {other} "
            "(OpenClaw >= 2026.8 only imports it; open it with --store)"
        )
    looked_at: tuple[Path, ...] = ()
    if location.kind == "missing" and state_dir is not None:
        agent_dir = state_dir / "agents" / location.agent_id
        looked_at = (
            agent_dir / "sessions" / JSON_STORE_NAME,
            agent_dir / "agent" / SQLITE_STORE_NAME,
        )
    return StoreTarget(
        path=location.path,
        kind=location.kind,
        agent_id=location.agent_id,
        state_dir=state_dir,
        notes=tuple(notes),
        looked_at=looked_at,
    )


def target_for_agent(agent_id: str, state_dir: Path) -> StoreTarget:
    return target_for_location(find_store(agent_id, state_dir), state_dir)


def target_for_gateways(configs: list[Any], state_dir: Path | None) -> StoreTarget:
    """``--gateway`` / ``--gateway-config``: one gateway, or several merged in one view."""
    return StoreTarget(
        path=Path("gateway"), kind="gateway", state_dir=state_dir, gateways=tuple(configs)
    )


def target_for_path(path: Path) -> StoreTarget:
    """``--store PATH``: a file, or a directory holding one of the two store files."""
    if path.is_dir():
        for name in (SQLITE_STORE_NAME, JSON_STORE_NAME):
            if (path / name).is_file():
                path = path / name
                break
    kind = kind_of_path(path)
    return StoreTarget(path=path, kind=kind, looked_at=(path,) if kind == "missing" else ())
