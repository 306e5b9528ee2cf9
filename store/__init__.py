"""The OpenClaw session store, done better. Knows nothing of screens: no Textual, no Rich."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openclaw_tui.store.api import SessionStoreAPI, StoreHealth
    from openclaw_tui.store.backends.base import Issue
    from openclaw_tui.store.errors import (
        EntryRemovedError,
        RenamedButNotDurableError,
        StoreClosedError,
        StoreConflictError,
        StoreCorruptError,
        StoreError,
        StoreLockedError,
        StoreLockTimeoutError,
        StoreReadError,
        StoreReadOnlyError,
        StoreTooLargeError,
        StoreUnreadableError,
        StoreWriteError,
    )
    from openclaw_tui.store.events import (
        ENTRY_EVENTS,
        ConnectionState,
        EntryAdded,
        EntryChanged,
        EntryRemoved,
        Resync,
        StoreErrorEvent,
        StoreEvent,
        StoreReloaded,
    )
    from openclaw_tui.store.merge import merge_entry
    from openclaw_tui.store.open import open_store
    from openclaw_tui.store.paths import (
        StoreLocation,
        find_store,
        json_store_path,
        list_agents,
        resolve_state_dir,
        sqlite_store_path,
    )
    from openclaw_tui.store.session_store import SessionStore
    from openclaw_tui.store.subscription import Subscription

# Each name is imported from its module on first use, as store.gateway's are: a module of the
# store that needs little (paths, keys, the byte scan) costs only itself, so the command line
# can find the store and start its scan before the rest of the app is imported (~0.3 s of CPU).
# SessionEntry (store.model, pydantic) is not public but kept reachable here, as it always was.
_SOURCES: dict[str, str] = {
    "SessionEntry": "openclaw_tui.store.model",
    "ConnectionState": "openclaw_tui.store.events",
    "ENTRY_EVENTS": "openclaw_tui.store.events",
    "EntryAdded": "openclaw_tui.store.events",
    "EntryChanged": "openclaw_tui.store.events",
    "EntryRemoved": "openclaw_tui.store.events",
    "EntryRemovedError": "openclaw_tui.store.errors",
    "find_store": "openclaw_tui.store.paths",
    "Issue": "openclaw_tui.store.backends.base",
    "json_store_path": "openclaw_tui.store.paths",
    "list_agents": "openclaw_tui.store.paths",
    "merge_entry": "openclaw_tui.store.merge",
    "open_store": "openclaw_tui.store.open",
    "RenamedButNotDurableError": "openclaw_tui.store.errors",
    "resolve_state_dir": "openclaw_tui.store.paths",
    "Resync": "openclaw_tui.store.events",
    "SessionStore": "openclaw_tui.store.session_store",
    "SessionStoreAPI": "openclaw_tui.store.api",
    "sqlite_store_path": "openclaw_tui.store.paths",
    "StoreClosedError": "openclaw_tui.store.errors",
    "StoreConflictError": "openclaw_tui.store.errors",
    "StoreCorruptError": "openclaw_tui.store.errors",
    "StoreError": "openclaw_tui.store.errors",
    "StoreErrorEvent": "openclaw_tui.store.events",
    "StoreEvent": "openclaw_tui.store.events",
    "StoreHealth": "openclaw_tui.store.api",
    "StoreLocation": "openclaw_tui.store.paths",
    "StoreLockedError": "openclaw_tui.store.errors",
    "StoreLockTimeoutError": "openclaw_tui.store.errors",
    "StoreReadError": "openclaw_tui.store.errors",
    "StoreReadOnlyError": "openclaw_tui.store.errors",
    "StoreReloaded": "openclaw_tui.store.events",
    "StoreTooLargeError": "openclaw_tui.store.errors",
    "StoreUnreadableError": "openclaw_tui.store.errors",
    "StoreWriteError": "openclaw_tui.store.errors",
    "Subscription": "openclaw_tui.store.subscription",
}


def __getattr__(name: str) -> Any:
    module = _SOURCES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "ENTRY_EVENTS",
    "ConnectionState",
    "EntryAdded",
    "EntryChanged",
    "EntryRemoved",
    "EntryRemovedError",
    "Issue",
    "RenamedButNotDurableError",
    "Resync",
    "SessionStore",
    "SessionStoreAPI",
    "StoreClosedError",
    "StoreConflictError",
    "StoreCorruptError",
    "StoreError",
    "StoreErrorEvent",
    "StoreEvent",
    "StoreHealth",
    "StoreLocation",
    "StoreLockTimeoutError",
    "StoreLockedError",
    "StoreReadError",
    "StoreReadOnlyError",
    "StoreReloaded",
    "StoreTooLargeError",
    "StoreUnreadableError",
    "StoreWriteError",
    "Subscription",
    "find_store",
    "json_store_path",
    "list_agents",
    "merge_entry",
    "open_store",
    "resolve_state_dir",
    "sqlite_store_path",
]
