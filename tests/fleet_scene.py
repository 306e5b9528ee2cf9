"""A fixed fleet for the gateways panel and attention view scenes (snapshots, screenshots).

Four gateways as the app would see them (one connected with runs going, one waiting for pairing
approval, one refusing this client's scopes, one reconnecting after an error), held in memory by
``FleetSceneStore``: the store API the app reads, with fixed statuses and latencies, so the
pictures never depend on a network or a clock. The Pilot tests (tests/tui/test_fleet.py) drive
the same views against the fake gateway over real WebSocket frames.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import anyio

from openclaw_tui.store.api import StoreHealth
from openclaw_tui.store.events import ConnectionState
from openclaw_tui.store.fleet import GatewayStatus, Refusal
from openclaw_tui.store.gateway import GatewayConfig
from openclaw_tui.store.gateway.gateway_store import (
    GATEWAY_DELETE_EFFECT,
    GATEWAY_MAINTENANCE_REFUSAL,
    GATEWAY_RESET_POLICY,
    EventHub,
)
from openclaw_tui.tui.app import SessionBrowserApp
from openclaw_tui.tui.config import UserConfig
from openclaw_tui.tui.target import target_for_gateways
from tests.tui.helpers import FIXED_NOW

NOW_MS = int(FIXED_NOW * 1000)
MIN = 60_000

GATEWAYS = {
    "lab": "ws://127.0.0.1:18789/",
    "prod": "wss://gw.prod.example:443/",
    "edge": "wss://edge-7.example:18789/",
    "vault": "ws://10.99.0.1:18789/",
}

PAIRING = (
    "gateway edge (wss://edge-7.example:18789/): pairing required: device is not approved yet; "
    "request id 7d1c90aa-5b2e-4c1f-9e0d-3a4b5c6d7e8f"
)
SCOPE = "connected, but the gateway granted no read scope to this client (scopes: none)"
APPROVE = "openclaw devices approve 7d1c90aa-5b2e-4c1f-9e0d-3a4b5c6d7e8f"


class _Refused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _entry(label: str, updated_ago_min: float, **fields: Any) -> dict[str, Any]:
    digest = hashlib.sha256(label.encode()).hexdigest()  # the same in every run (not hash())
    return {
        "sessionId": f"{digest[:8]}-0000-4000-8000-{digest[8:20]}",
        "label": label,
        "updatedAt": NOW_MS - int(updated_ago_min * MIN),
        **fields,
    }


ENTRIES: dict[str, dict[str, Any]] = {
    "lab/agent:main:main": _entry(
        "Lab main", 0.1, status="running", startedAt=NOW_MS - 2 * MIN, estimatedCostUsd=0.0412
    ),
    "lab/agent:main:cron:nightly-report": _entry(
        "Nightly report",
        7,
        status="failed",
        startedAt=NOW_MS - 9 * MIN,
        endedAt=NOW_MS - 7 * MIN,
    ),
    "lab/agent:main:telegram:group:-1001234567890": _entry(
        "Family chat",
        18,
        status="running",
        startedAt=NOW_MS - 31 * MIN,
        lastInteractionAt=NOW_MS - 18 * MIN,
        estimatedCostUsd=1.2044,
    ),
    "lab/agent:main:slack:channel:c0123abcd": _entry(
        "#ops",
        42,
        status="killed",
        abortedLastRun=True,
        startedAt=NOW_MS - 45 * MIN,
        endedAt=NOW_MS - 42 * MIN,
    ),
    "prod/agent:main:main": _entry("Prod main", 3),
    "prod/agent:main:cron:billing-sync": _entry(
        "Billing sync",
        95,
        status="timeout",
        startedAt=NOW_MS - 125 * MIN,
        endedAt=NOW_MS - 95 * MIN,
    ),
    "prod/agent:main:discord:channel:123456789012345678": _entry(
        "Support [red]desk[/red]", 1, status="running", startedAt=NOW_MS - 40_000
    ),
    "prod/agent:main:subagent:5b0c7e2a-9f1d-4c3b-8a6e-1d2f3a4b5c6d": _entry(
        "Subagent: research", 12, status="done", startedAt=NOW_MS - 14 * MIN
    ),
}

STATUSES = [
    GatewayStatus(
        "lab",
        GATEWAYS["lab"],
        "connected",
        version="2026.9.6",
        latency_ms=0.8,
        sessions=4,
        detail="connected to OpenClaw 2026.9.6",
    ),
    GatewayStatus(
        "prod",
        GATEWAYS["prod"],
        "connected",
        version="2026.7.35",
        latency_ms=41.3,
        sessions=4,
        detail="connected to OpenClaw 2026.7.35",
        last_error="no tick from the gateway for 60s",
        last_error_at_ms=NOW_MS - 26 * MIN,
    ),
    GatewayStatus(
        "edge",
        GATEWAYS["edge"],
        "pairing",
        version=None,
        detail=PAIRING,
        last_error="pairing required: device is not approved yet; request id "
        "7d1c90aa-5b2e-4c1f-9e0d-3a4b5c6d7e8f",
        last_error_at_ms=NOW_MS - 4_000,
        request_id="7d1c90aa-5b2e-4c1f-9e0d-3a4b5c6d7e8f",
        approve_command=APPROVE,
    ),
    GatewayStatus(
        "vault",
        GATEWAYS["vault"],
        "refused-scope",
        version="2026.9.6",
        detail=f"gateway vault ({GATEWAYS['vault']}): {SCOPE}",
        last_error=SCOPE,
        last_error_at_ms=NOW_MS - 3 * MIN,
    ),
]

STATES = [
    ConnectionState(
        "connected",
        "connected to OpenClaw 2026.9.6",
        {"gateway": "lab", "server_version": "2026.9.6"},
    ),
    ConnectionState(
        "connected",
        "connected to OpenClaw 2026.7.35",
        {"gateway": "prod", "server_version": "2026.7.35"},
    ),
    ConnectionState(
        "pairing",
        PAIRING,
        {"gateway": "edge", "request_id": STATUSES[2].request_id, "command": APPROVE},
    ),
    ConnectionState(
        "failed",
        f"gateway vault ({GATEWAYS['vault']}): {SCOPE}",
        {"gateway": "vault", "error": _Refused(SCOPE)},
    ),
]

REFUSALS = {
    "prod/agent:main:main": Refusal(
        "missing scope: operator.admin", NOW_MS - 2 * MIN, "/think high"
    ),
}


class FleetSceneStore:
    """The store API the app reads, over fixed rows and gateway statuses (no network).

    ``names``: the gateways it stands for (all four by default). With one name it is what a
    single gateway's store is: keys without the ``<gateway>/`` prefix, named like
    ``GatewayStore.path`` ("gateway NAME (URL)").
    """

    read_only = False
    reset_policy = GATEWAY_RESET_POLICY
    delete_effect = GATEWAY_DELETE_EFFECT
    maintenance_refusal = GATEWAY_MAINTENANCE_REFUSAL

    def __init__(self, names: tuple[str, ...] = tuple(GATEWAYS)) -> None:
        self.names = names
        self.path = ", ".join(f"gateway {n} ({GATEWAYS[n]})" for n in names)
        entries = {k: v for k, v in ENTRIES.items() if k.split("/", 1)[0] in names}
        if len(names) == 1:
            entries = {k.split("/", 1)[1]: v for k, v in entries.items()}
        self._entries: Mapping[str, Mapping[str, Any]] = MappingProxyType(entries)
        self._hub = EventHub()  # subscribed to, never published on: nothing arrives

    async def open(self) -> FleetSceneStore:
        # Every real store reads off the event loop while opening; so does this one, which lets
        # the main screen finish composing first, as it does for them.
        await anyio.to_thread.run_sync(dict, self._entries)
        return self

    async def aclose(self) -> None:
        self._hub.close_all()

    def subscribe(self, *, max_backlog: int | None = None) -> Any:
        return self._hub.subscribe(max_backlog or 100)

    def load(self) -> Mapping[str, Mapping[str, Any]]:
        return self._entries

    def get(self, key: str) -> Mapping[str, Any] | None:
        return self._entries.get(key)

    @property
    def generation(self) -> int:
        return 1

    @property
    def health(self) -> StoreHealth:
        return StoreHealth(self.path)

    @property
    def issues(self) -> list[Any]:
        return []

    def connection_states(self) -> list[ConnectionState]:
        return [s for s in STATES if s.extra["gateway"] in self.names]

    def gateway_statuses(self) -> list[GatewayStatus]:
        return [s for s in STATUSES if s.name in self.names]


def fleet_app(names: tuple[str, ...] = tuple(GATEWAYS)) -> SessionBrowserApp:
    """The app on ``names`` (one gateway, or several merged), as ``--gateway`` opens them."""
    configs = [GatewayConfig(name=n, url=GATEWAYS[n]) for n in names]
    app = SessionBrowserApp(
        target_for_gateways(configs, None),
        clock=lambda: FIXED_NOW,
        config=UserConfig(),
        store_factory=lambda target, read_only, watch: FleetSceneStore(names),  # type: ignore[arg-type,return-value]
    )
    return app
