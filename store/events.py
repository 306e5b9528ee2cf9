"""Typed change events published by a session store.

Events are published only after the write that carries them is durable (for local writes), or
after a foreign change has been read back from disk (``source == "external"``). Entries in events
are the store's own immutable-by-convention dicts: never mutate them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Source = Literal["local", "external"]
Entry = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class EntryAdded:
    key: str
    entry: Entry
    source: Source
    generation: int


@dataclass(frozen=True, slots=True)
class EntryChanged:
    key: str
    before: Entry
    after: Entry
    fields: frozenset[str]
    source: Source
    generation: int


@dataclass(frozen=True, slots=True)
class EntryRemoved:
    key: str
    before: Entry
    source: Source
    generation: int


@dataclass(frozen=True, slots=True)
class StoreReloaded:
    """The whole store was (re)loaded, e.g. it came back after an error or was replaced.

    ``entries`` is the new snapshot; consumers should rebuild from it.
    """

    entries: Mapping[str, Entry]
    reason: str
    generation: int


@dataclass(frozen=True, slots=True)
class StoreErrorEvent:
    """Reading or writing the store failed. ``operation`` is "read" or "write".

    The store keeps serving its last good snapshot; a later ``StoreReloaded`` (reason
    ``"recovered"``) says the problem went away.
    """

    error: Exception
    message: str
    operation: Literal["read", "write"]
    generation: int


@dataclass(frozen=True, slots=True)
class Resync:
    """The subscriber fell too far behind; its backlog was dropped.

    Call ``store.load()`` and rebuild the view from that snapshot.
    """

    reason: str
    generation: int
    dropped: int = 0


@dataclass(frozen=True, slots=True)
class ConnectionState:
    """State of a remote store's connection (gateway backends only)."""

    state: Literal["connecting", "connected", "disconnected", "pairing", "failed"]
    detail: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)


StoreEvent = (
    EntryAdded
    | EntryChanged
    | EntryRemoved
    | StoreReloaded
    | StoreErrorEvent
    | Resync
    | ConnectionState
)

ENTRY_EVENTS = (EntryAdded, EntryChanged, EntryRemoved)
