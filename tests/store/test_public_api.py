"""``openclaw_tui.store``'s public names: pinned, importable, and each from its one home."""

from __future__ import annotations

import openclaw_tui.store as store_package

PUBLIC = [
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


def test_the_public_names_are_exactly_the_pinned_ones():
    # A name added or removed here is an API change: update PUBLIC on purpose.
    assert sorted(store_package.__all__) == sorted(PUBLIC)
    assert len(set(store_package.__all__)) == len(store_package.__all__)


def test_star_import_gives_every_public_name():
    namespace: dict[str, object] = {}
    exec("from openclaw_tui.store import *", namespace)
    assert sorted(name for name in namespace if name != "__builtins__") == sorted(PUBLIC)


def test_each_public_class_and_function_comes_from_a_store_module():
    for name in PUBLIC:
        value = getattr(store_package, name)
        module = getattr(value, "__module__", None)
        if module is not None and callable(value):
            assert module.startswith("openclaw_tui.store."), (name, module)


def test_the_split_modules_are_the_homes_of_what_they_hold():
    homes = {
        "SessionStore": "openclaw_tui.store.session_store",
        "SessionStoreAPI": "openclaw_tui.store.api",
        "StoreHealth": "openclaw_tui.store.api",
        "Subscription": "openclaw_tui.store.subscription",
        "merge_entry": "openclaw_tui.store.merge",
        "open_store": "openclaw_tui.store.open",
    }
    assert {name: getattr(store_package, name).__module__ for name in homes} == homes
