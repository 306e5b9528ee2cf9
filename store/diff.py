"""Differences between entries and between generations, and the events they publish."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openclaw_tui.store import codec
from openclaw_tui.store._work import MISSING
from openclaw_tui.store.events import EntryAdded, EntryChanged, EntryRemoved, StoreEvent


def changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> frozenset[str]:
    names = set(before) | set(after)
    return frozenset(
        name
        for name in names
        if not codec.same_json(before.get(name, MISSING), after.get(name, MISSING))
    )


# A per-key difference between two generations: (before, after); either may be MISSING.
Diff = list[tuple[str, Any, Any]]


def diff_entries(old: Mapping[str, Any], new: dict[str, Any]) -> Diff:
    """The keys that differ between ``old`` and ``new``, as (key, before, after).

    Unchanged entries of ``new`` are replaced by the ``old`` objects, so readers keep diffing by
    identity. Pure and GIL-light per entry: runs in the reading worker thread, not on the loop.
    """
    diff: Diff = []
    same = codec.same_json
    for key, value in new.items():
        before = old.get(key, MISSING)
        if before is MISSING:
            diff.append((key, MISSING, value))
        elif same(before, value):
            new[key] = before
        else:
            diff.append((key, before, value))
    for key, before in old.items():
        if key not in new:
            diff.append((key, before, MISSING))
    return diff


def entry_events(diff: Diff, source: Any, generation: int) -> list[StoreEvent]:
    """The events a per-key difference publishes; non-object (quarantined) values are silent."""
    events: list[StoreEvent] = []
    for key, before, after in diff:
        if isinstance(after, dict):
            if isinstance(before, dict):
                fields = changed_fields(before, after)
                events.append(EntryChanged(key, before, after, fields, source, generation))
            else:
                events.append(EntryAdded(key, after, source, generation))
        elif isinstance(before, dict):
            events.append(EntryRemoved(key, before, source, generation))
    return events
