"""The OpenClaw session store, done better. Knows nothing of screens: no Textual, no Rich."""

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


def __getattr__(name: str) -> object:
    # SessionEntry lives in store.model (written separately); import it lazily so the JSON path
    # does not depend on pydantic being imported at startup.
    if name == "SessionEntry":
        from openclaw_tui.store.model import SessionEntry

        return SessionEntry
    raise AttributeError(f"module 'store' has no attribute {name!r}")
