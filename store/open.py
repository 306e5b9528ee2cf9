"""``open_store``: the one place that knows every kind of store (a file, or gateways by URL)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from openclaw_tui.store.api import SessionStoreAPI
from openclaw_tui.store.session_store import SessionStore

if TYPE_CHECKING:
    from openclaw_tui.store.gateway.config import GatewayConfig
    from openclaw_tui.store.gateway.gateway_store import GatewayStore
    from openclaw_tui.store.gateway.multi import MultiGatewayStore


def store_for(
    target: str | os.PathLike[str] | Sequence[GatewayConfig], **options: Any
) -> SessionStoreAPI:
    """The store of a path, a ``ws://`` / ``wss://`` URL, or gateways' configs (several are
    one merged view), not opened yet. A gateway takes a file store's options and ignores them."""
    # The gateway stack is imported on first use: it (websockets, cryptography) roughly doubles
    # the import time of a program that only opens files.
    if isinstance(target, (str, os.PathLike)):
        text = os.fspath(target)
        if not text[:6].lower().startswith(("ws://", "wss://")):
            return SessionStore(text, **options)
        from openclaw_tui.store.gateway.gateway_store import GatewayStore

        return GatewayStore(text, **options)
    if not target:
        raise ValueError("store_for() needs a path, a URL or at least one gateway")
    if len(target) == 1:
        from openclaw_tui.store.gateway.gateway_store import GatewayStore

        return GatewayStore(target[0], **options)
    from openclaw_tui.store.gateway.multi import MultiGatewayStore

    return MultiGatewayStore(target, **options)


async def open_store(target: str | os.PathLike[str], **options: Any) -> SessionStoreAPI:
    """Open a store by path or ``ws://`` / ``wss://`` URL and return it opened."""
    store = store_for(target, **options)
    await store.open()
    return store


if TYPE_CHECKING:

    def _every_store_satisfies_the_api(
        file: SessionStore, gateway: GatewayStore, gateways: MultiGatewayStore
    ) -> tuple[SessionStoreAPI, ...]:
        # Never called: the type checker proves here that each kind keeps the contract.
        return (file, gateway, gateways)
