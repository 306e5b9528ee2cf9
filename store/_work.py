"""The copy-on-write view a batch of mutations works on, and what may be stored in it.

A mutator gets a ``_Work``: a shallow copy of the published generation whose entries are
deep-copied the first time a mutation touches one, so a published entry is never mutated and each
mutation can be rolled back on its own.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, MutableMapping
from pathlib import Path
from typing import Any

from openclaw_tui.store import codec
from openclaw_tui.store.errors import StoreReadOnlyError

Entry = dict[str, Any]
MISSING: Any = object()
"""An absent key or field, distinct from a stored ``None``."""


class _Work(MutableMapping[str, Any]):
    """A batch's working copy of the store.

    The dict itself is a shallow copy of the published generation; an entry is deep-copied the
    first time a mutation touches it, so published entries are never mutated. Each mutation can
    be rolled back on its own.
    """

    def __init__(
        self,
        base: dict[str, Any],
        hidden: frozenset[str],
        locked: Mapping[str, str] | None = None,
        path: Path | str = "",
    ) -> None:
        self.base = base
        # key -> reason: entries shown but never written (a SQLite row repeating a field). A
        # mutation that changes one fails alone, not the whole batch at commit time.
        self.locked = locked or {}
        self.path = path
        self.data: dict[str, Any] = dict(base)
        self.hidden = set(hidden)  # quarantined non-object entries: kept, never shown
        self.touched: dict[str, None] = {}
        self.reordered = False
        self._undo: dict[str, Any] = {}
        self._snapshot: dict[str, Any] | None = None
        self._hidden_snapshot: set[str] | None = None

    # -- per-mutation transaction --
    def begin(self) -> None:
        self._undo = {}
        self._snapshot = None
        self._hidden_snapshot = None

    def rollback(self) -> None:
        if self._snapshot is not None:
            # The snapshot restores the order of deleted keys; the undo log restores values
            # touched before the snapshot was taken.
            self.data = self._snapshot
        for key, old in self._undo.items():
            if old is MISSING:
                self.data.pop(key, None)
            else:
                self.data[key] = old
        if self._hidden_snapshot is not None:
            self.hidden = self._hidden_snapshot
        self.begin()

    def commit_mutation(self) -> None:
        for key in self._undo:
            value = self.data.get(key, MISSING)
            if key in self.locked:
                old = self.base.get(key, MISSING)
                if value is MISSING or old is MISSING or not codec.json_equal(old, value):
                    raise StoreReadOnlyError(self.path, self.locked[key])
            if value is not MISSING:
                _check_entry(key, value)
        self.begin()

    def _remember(self, key: str) -> None:
        if key not in self._undo:
            self._undo[key] = self.data.get(key, MISSING)
            self.touched[key] = None

    # -- MutableMapping --
    def __getitem__(self, key: str) -> Any:
        if key in self.hidden:
            raise KeyError(key)
        value = self.data[key]
        if key not in self._undo:
            self._remember(key)
            value = codec.clone(value)
            self.data[key] = value
        return value

    def __setitem__(self, key: str, value: Any) -> None:
        if not isinstance(key, str):
            raise TypeError(f"session keys are strings, not {type(key).__name__}")
        if not isinstance(value, Mapping):
            raise TypeError(f"entry {key!r} must be an object (a dict), not {type(value).__name__}")
        self._remember(key)
        if key not in self.data and key in self.base:
            self.reordered = True
        if key in self.hidden:
            self._save_hidden()
            self.hidden.discard(key)
        self.data[key] = codec.clone(dict(value))

    def __delitem__(self, key: str) -> None:
        if key not in self.data:
            raise KeyError(key)
        if self._snapshot is None:
            # Undoing a delete must restore the key's position too: keep the order.
            self._snapshot = dict(self.data)
        self._remember(key)
        if key in self.hidden:
            self._save_hidden()
            self.hidden.discard(key)
        del self.data[key]

    def _save_hidden(self) -> None:
        if self._hidden_snapshot is None:
            self._hidden_snapshot = set(self.hidden)

    def __iter__(self) -> Iterator[str]:
        if not self.hidden:
            return iter(self.data)
        return (key for key in self.data if key not in self.hidden)

    def __len__(self) -> int:
        return len(self.data) - len(self.hidden)

    def __contains__(self, key: object) -> bool:
        return key in self.data and key not in self.hidden

    def peek(self, key: str) -> Any:
        """The current value without taking ownership (read-only use)."""
        return self.data.get(key)

    def put_owned(self, key: str, value: Entry) -> None:
        """Store a dict the engine just built (no clone needed)."""
        self._remember(key)
        if key not in self.data and key in self.base:
            self.reordered = True
        if key in self.hidden:  # an object now: no longer quarantined
            self._save_hidden()
            self.hidden.discard(key)
        self.data[key] = value

    # -- the batch's net effect --
    def changes(self) -> tuple[dict[str, Any], frozenset[str], dict[str, Any]]:
        """(upserts, removed, before) relative to the base; unchanged entries keep identity."""
        upserts: dict[str, Any] = {}
        removed: set[str] = set()
        before: dict[str, Any] = {}
        for key in self.touched:
            old = self.base.get(key, MISSING)
            new = self.data.get(key, MISSING)
            if new is MISSING:
                if old is not MISSING:
                    removed.add(key)
                    before[key] = old
                continue
            if old is not MISSING and codec.json_equal(old, new):
                self.data[key] = old  # keep the published object: readers diff by identity
                continue
            upserts[key] = new
            if old is not MISSING:
                before[key] = old
        return upserts, frozenset(removed), before


def _check_entry(key: str, value: Any) -> None:
    if not isinstance(value, dict):
        raise TypeError(f"entry {key!r} must be an object (a dict), not {type(value).__name__}")
    _check_json(value, key)


def _check_json(value: Any, where: str) -> None:
    """Only JSON can be stored: reject what would not round-trip (sets, NaN, non-str keys)."""
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                raise TypeError(f"{where}: object keys must be strings, got {k!r}")
            if not isinstance(v, str | int | bool | None):
                _check_json(v, f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _check_json(v, f"{where}[{i}]")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{where}: {value} is not valid JSON")
    elif not isinstance(value, str | int | bool | None):
        raise TypeError(f"{where}: {type(value).__name__} values cannot be stored in JSON")
