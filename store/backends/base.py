"""The contract between the generic writer (``store._core``) and a storage backend.

The writer owns the queue, group commit, the in-memory cache, events and watching. A backend only
knows how to read the whole store, tell cheaply whether it changed, and durably commit a batch.
All backend methods are blocking and are called from a worker thread, never on the event loop.

Two backends exist: ``json_file`` (OpenClaw <= 2026.7.35 ``sessions.json``) and ``sqlite``
(OpenClaw >= 2026.8 ``openclaw-agent.sqlite``). A remote gateway is not a backend: it implements
the public ``SessionStore`` API directly (``store.gateway``), because the gateway does the merge.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from openclaw_tui.store import codec

Entries = dict[str, Any]  # session key -> entry (a dict, or a quarantined raw value)


@dataclass(frozen=True, slots=True)
class Signature:
    """A cheap fingerprint of the stored data; equal signatures mean "unchanged".

    For a file: (st_dev, st_ino, st_size, st_mtime_ns, st_ctime_ns). For SQLite it also holds
    the data version / WAL state the backend uses. ``None`` as a whole means "does not exist".
    """

    parts: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Issue:
    """Something wrong with one entry (or the store) that was kept, not dropped."""

    key: str | None
    code: str  # e.g. "not_an_object", "unsafe_session_id", "invalid_value", "bom"
    message: str


DUPLICATE_KEYS = "duplicate_keys"
"""The Issue code of data that repeats keys: shown (the last value wins), never written back."""


def read_only_rows(issues: list[Issue]) -> dict[str, str]:
    """key -> reason, for the entries that are shown but must not be written or deleted (a
    SQLite row repeating a field). A whole-store reason (key None) is the read-only reason."""
    return {i.key: i.message for i in issues if i.code == DUPLICATE_KEYS and i.key is not None}


def entry_issues(entries: Mapping[str, Any]) -> list[Issue]:
    """The quarantine issues (``codec.entry_problem``) of ``entries``, in key order."""
    issues = []
    # The common case first, at C speed where possible: an object whose sessionId (if any) is
    # a plain safe id; 100,000 entry_problem calls took ~0.2 s of a first load.
    safe = codec.plain_safe_session_id
    for key, value in entries.items():
        if type(value) is dict:
            session_id = value.get("sessionId", _NO_ID)
            if session_id is _NO_ID or (type(session_id) is str and safe(session_id)):
                continue
        problem = codec.entry_problem(key, value)
        if problem is not None:
            issues.append(Issue(key, *problem))
    return issues


_NO_ID: Any = object()


@dataclass(slots=True)
class Snapshot:
    """The result of reading a store."""

    entries: Entries
    signature: Signature | None  # None: the store does not exist (an empty store)
    issues: list[Issue] = field(default_factory=list)
    read_only_reason: str | None = None  # e.g. an unknown SQLite schema version
    size: int | None = None  # how many bytes were read, when the backend is file based
    # How ``entries`` differ from the previous read's (``codec.Delta``: its ``base``), when the
    # backend knows without comparing them all; None: any entry may have changed.
    delta: codec.Delta | None = None


@dataclass(frozen=True, slots=True)
class Changes:
    """What a batch changed, relative to the snapshot it was applied to.

    ``upserts`` maps key -> new entry; ``removed`` lists deleted keys. ``entries`` is the full new
    store in key order (the JSON backend rewrites the whole file; SQLite uses only the deltas).
    """

    entries: Mapping[str, Any]
    upserts: Mapping[str, Any]
    removed: frozenset[str]
    reordered: bool = False  # keys moved (deleted and re-added, or a whole-store save)


class ConflictError(Exception):
    """The store changed underneath since ``base``; re-read, re-apply the batch, retry."""


class Backend(ABC):
    """One store on disk."""

    kind: ClassVar[str]

    def __init__(
        self, path: Path, *, read_only: bool = False, max_bytes: int | None = None
    ) -> None:
        self.path = path
        self.read_only = read_only
        self.max_bytes = max_bytes
        # Why this store must never be written (e.g. a symlink to a file outside the directory
        # it was opened in): reads report it as the read-only reason, every write refuses.
        self.write_refusal: str | None = None

    @abstractmethod
    def signature(self) -> Signature | None:
        """Fingerprint of what is stored now, or None if the store does not exist. Cheap."""

    @abstractmethod
    def read(self) -> Snapshot:
        """Read the whole store. Raises ``StoreReadError`` subclasses; never returns garbage."""

    @abstractmethod
    def commit(self, base: Signature | None, changes: Changes) -> Signature:
        """Durably persist ``changes``; return the new signature.

        Raises ``ConflictError`` if the store no longer matches ``base`` (checked under the
        backend's cross-process lock, right before the data is made visible), and
        ``StoreWriteError`` (or ``RenamedButNotDurableError``) on I/O failure, after cleaning up.
        """

    @abstractmethod
    def watch_paths(self) -> list[Path]:
        """Directories to watch for foreign changes (watched non-recursively)."""

    def watch_filter(self, path: Path) -> bool:
        """Whether a change at ``path`` (inside a watched directory) may concern this store."""
        return path.name == self.path.name

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release resources (connections, descriptors)."""
