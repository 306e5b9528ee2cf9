"""The mutators ``SessionStore`` submits to the writer: each is a function of the batch's
copy-on-write view (``_work.py``), run in the writer slot, rolled back alone if it raises."""

from __future__ import annotations

import inspect
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from openclaw_tui.store import codec, semantics
from openclaw_tui.store._work import MISSING, _check_entry, _Work
from openclaw_tui.store.api import PatchFn
from openclaw_tui.store.bulk import Outcome
from openclaw_tui.store.errors import StoreError
from openclaw_tui.store.merge import merge_entry

Entry = dict[str, Any]


def entry_patch(
    path: Path, key: str, patch_or_fn: Mapping[str, Any] | PatchFn, *, create: bool
) -> Callable[[_Work], Entry | Awaitable[Entry | None] | None]:
    """Merge a patch (or what ``patch_or_fn(entry)`` returns) into one entry: the stored entry,
    or None when the key is missing and ``create`` is false, or the patch is None."""

    def apply(work: _Work) -> Entry | Awaitable[Entry | None] | None:
        existing = work.peek(key)
        if key in work.hidden:
            raise StoreError(
                path,
                f"entry {key!r} is not an object and is kept untouched",
                fix="fix or delete that entry in the file by hand",
            )
        if existing is None and not create:
            return None
        if callable(patch_or_fn):
            current = existing if existing is not None else MappingProxyType({})
            patch = patch_or_fn(current)
            if inspect.isawaitable(patch):
                return _finish_async(work, key, existing, patch)
            return _finish(work, key, existing, patch)
        return _finish(work, key, existing, patch_or_fn)

    return apply


def bulk_patch(
    path: Path, key: str, patch_or_fn: Mapping[str, Any] | PatchFn
) -> Callable[[_Work], Outcome | Awaitable[Outcome]]:
    """``entry_patch`` of one session of a batch, as its ``Outcome``; never creates it."""
    inner = entry_patch(path, key, patch_or_fn, create=False)

    def apply(work: _Work) -> Outcome | Awaitable[Outcome]:
        if work.peek(key) is None and key not in work.hidden:
            return "missing"
        done = inner(work)
        if inspect.isawaitable(done):
            return _outcome_async(done)
        return "unchanged" if done is None else "applied"

    return apply


def deleting(key: str) -> Callable[[_Work], bool]:
    """Remove one entry: whether it was there."""

    def apply(work: _Work) -> bool:
        if key not in work.data:
            return False
        del work[key]
        return True

    return apply


def bulk_delete(key: str) -> Callable[[_Work], Outcome]:
    """``deleting`` of one session of a batch, as its ``Outcome``."""
    delete = deleting(key)
    return lambda work: "applied" if delete(work) else "missing"


def resetting(new_session_id: Callable[[], str] | None, now_ms: int | None) -> PatchFn:
    """The patch function of ``/reset``: each entry it patches gets ``new_session_id()`` (else a
    random id) started at ``now_ms`` (else now); what it carries over is
    ``semantics.reset_patch``'s rule."""
    started = now_ms if now_ms is not None else time.time_ns() // 1_000_000
    make_id = new_session_id or (lambda: str(uuid.uuid4()))

    def reset(entry: Mapping[str, Any]) -> dict[str, Any]:
        return semantics.reset_patch(entry, make_id(), started)

    return reset


def checked_snapshot(entries: Mapping[str, Any]) -> dict[str, Any]:
    """A private copy of ``entries`` for ``replacing``, refused now if it could not be stored."""
    if not isinstance(entries, Mapping):
        raise TypeError("save() takes a mapping of session key -> entry")
    snapshot = {key: codec.clone(value) for key, value in entries.items()}
    for key, value in snapshot.items():
        if not isinstance(key, str):
            raise TypeError(f"session keys are strings, not {key!r}")
        _check_entry(key, value)
    return snapshot


def replacing(snapshot: dict[str, Any]) -> Callable[[_Work], None]:
    """Make the store ``snapshot``, keeping the quarantined entries it does not name."""

    def apply(work: _Work) -> None:
        # load() never shows the hidden entries, so a save of its result must not drop them.
        kept = [key for key in work.data if key in work.hidden and key not in snapshot]
        for key in list(work.data):
            if key not in snapshot and key not in work.hidden:
                del work[key]
        for key, value in snapshot.items():
            current = work.data.get(key, MISSING)
            if current is MISSING or not codec.json_equal(current, value):
                work.put_owned(key, value)
        order = _order_with_hidden(list(work.data), list(snapshot), set(kept))
        if list(work.data) != order:
            work.data = {key: work.data[key] for key in order}
            work.reordered = True

    return apply


def _order_with_hidden(current: list[str], wanted: list[str], hidden: set[str]) -> list[str]:
    """``wanted``'s order, with each ``hidden`` key right after the key it followed in
    ``current`` (hidden keys before any wanted key stay first)."""
    if not hidden:
        return wanted
    following: dict[str | None, list[str]] = {}
    previous: str | None = None
    for key in current:
        if key in hidden:
            following.setdefault(previous, []).append(key)
        else:
            previous = key
    order = list(following.get(None, []))
    for key in wanted:
        order.append(key)
        order.extend(following.get(key, []))
    return order


def _finish(work: _Work, key: str, existing: Any, patch: Any) -> dict[str, Any] | None:
    if patch is None:
        return None
    if not isinstance(patch, Mapping):
        raise TypeError(f"a patch for {key!r} must be a mapping, not {type(patch).__name__}")
    merged = merge_entry(existing, patch)
    _check_entry(key, merged)
    work.put_owned(key, merged)
    return merged


async def _finish_async(
    work: _Work, key: str, existing: Any, patch: Awaitable[Any]
) -> dict[str, Any] | None:
    return _finish(work, key, existing, await patch)


async def _outcome_async(done: Awaitable[Any]) -> Outcome:
    return "unchanged" if await done is None else "applied"
