"""Shared test helpers: a GatewayStore wired to a FakeGateway, and waiting on events."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from openclaw_tui.store.events import (
    EntryAdded,
    EntryChanged,
    EntryRemoved,
    StoreEvent,
    StoreReloaded,
)
from openclaw_tui.store.gateway import Backoff, GatewayConfig, GatewayStore
from openclaw_tui.store.subscription import Subscription
from tests.gateway.fake_gateway import FakeGateway


def make_store(
    gateway: FakeGateway,
    tmp_path: Path,
    *,
    name: str = "gw",
    token: str | None = "use-gateway",
    admin_scope: bool = False,
    **options: Any,
) -> GatewayStore:
    """A store for ``gateway``; fast backoff so reconnect tests take milliseconds.
    ``admin_scope``: ask for operator.admin too (the opt-in /stop and /reset need)."""
    config = GatewayConfig(
        name=name,
        url=gateway.url,
        token=gateway.token if token == "use-gateway" else token,
        token_source="test",
        admin_scope=admin_scope,
    )
    options.setdefault("backoff", Backoff(0.02, 0.2))
    # Liveness tests make the fake tick every 50-100 ms; the default floor (5 s) would hide it.
    options.setdefault("min_tick_interval_ms", 10)
    options.setdefault("config_directory", tmp_path / "config")
    return GatewayStore(config, **options)


async def next_matching(
    sub: Subscription, predicate: Callable[[StoreEvent], bool], timeout: float = 5.0
) -> StoreEvent:
    """The first event from ``sub`` that satisfies ``predicate`` (others are skipped)."""

    async def scan() -> StoreEvent:
        async for event in sub:
            if predicate(event):
                return event
        raise AssertionError("subscription closed")

    return await asyncio.wait_for(scan(), timeout)


def drain(sub: Subscription) -> list[StoreEvent]:
    events = []
    while (event := sub.get_nowait()) is not None:
        events.append(event)
    return events


def replay(events: list[StoreEvent], view: dict[str, Any] | None = None) -> dict[str, Any]:
    """What a subscriber that applies ``events`` in order ends up showing (as the app does)."""
    view = {} if view is None else view
    for event in events:
        if isinstance(event, StoreReloaded):
            view = dict(event.entries)
        elif isinstance(event, EntryAdded):
            view[event.key] = event.entry
        elif isinstance(event, EntryChanged):
            assert event.key in view, f"a change to {event.key}, never added"
            view[event.key] = event.after
        elif isinstance(event, EntryRemoved):
            assert view.pop(event.key, None) is not None, f"{event.key} removed, never added"
    return view
