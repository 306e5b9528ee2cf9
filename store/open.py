"""``open_store``: the one place that knows every kind of store (a file, or gateways by URL)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from openclaw_tui.store.api import SessionStoreAPI
from openclaw_tui.store.session_store import SessionStore

if TYPE_CHECKING:
    from openclaw_tui.store.gateway.gateway_store import GatewayStore
    from openclaw_tui.store.gateway.multi import MultiGatewayStore


async def open_store(target: str | os.PathLike[str], **options: Any) -> SessionStoreAPI:
    """Open a store by path or ``ws://`` / ``wss://`` URL and return it opened."""
    text = os.fspath(target)
    store: SessionStoreAPI
    if text[:6].lower().startswith(("ws://", "wss://")):
        # Imported on first use: the gateway stack (websockets, cryptography) roughly doubles
        # the import time of a program that only opens files.
        from openclaw_tui.store.gateway.gateway_store import GatewayStore

        store = GatewayStore(text, **options)
    else:
        store = SessionStore(text, **options)
    await store.open()
    return store


if TYPE_CHECKING:

    def _every_store_satisfies_the_api(
        file: SessionStore, gateway: GatewayStore, gateways: MultiGatewayStore
    ) -> tuple[SessionStoreAPI, ...]:
        # Never called: the type checker proves here that each kind keeps the contract.
        return (file, gateway, gateways)
