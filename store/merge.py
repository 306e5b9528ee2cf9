"""OpenClaw's ``mergeSessionEntry``: how a patch is merged into an entry."""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Mapping
from typing import Any

from openclaw_tui.store import codec

Entry = dict[str, Any]


def _now_ms() -> int:
    return int(time.time() * 1000)


def merge_entry(existing: Mapping[str, Any] | None, patch: Mapping[str, Any]) -> Entry:
    """OpenClaw's ``mergeSessionEntry``: ``{**existing, **patch}`` with its rules.

    A ``None`` value deletes the field; ``sessionId`` is kept whatever it holds (a new UUID4
    only when the field is absent);
    ``updatedAt = max(existing, patch, now)``.
    """
    merged: Entry = dict(existing) if existing else {}
    for name, value in patch.items():
        if not isinstance(name, str):
            raise TypeError(f"patch field names are strings, not {name!r}")
        if value is None:
            if name not in ("sessionId", "updatedAt"):
                merged.pop(name, None)
        else:
            merged[name] = codec.clone(value)
    if "sessionId" not in merged:
        # ``patch ?? existing ?? uuid4()``: only an absent id is made up. One of another type,
        # empty or null is the entry's own value: it is kept (and reported, never used as a
        # path), not silently replaced by an id that points at no transcript.
        merged["sessionId"] = str(uuid.uuid4())
    candidates: list[float] = [_now_ms()]
    for source in (existing or {}, patch):
        value = source.get("updatedAt")
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
            candidates.append(int(value) if float(value).is_integer() else value)
    merged["updatedAt"] = max(candidates)
    return merged
