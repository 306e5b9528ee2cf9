"""OpenClaw's ``session.maintenance``: prune stale entries, cap the count, keep a disk budget.

It runs only when configured (``SessionStore(path, maintenance=...)``) or when asked
(``store.run_maintenance()``): editing a store never evicts entries as a side effect. OpenClaw's
defaults turned a 10,000-entry store into 8,124 entries on one unrelated write.

The check on the write path is O(1): the entry count is ``len()``, the oldest prunable entry
comes from a sorted index kept up to date with the touched entries only, and the store's size is
the last written size. Only when a threshold is crossed does maintenance look at the whole store.

Deviation from OpenClaw: entries are removed, but transcript files are never archived or deleted
here (their paths come from the store, which is untrusted input). ``store/cleanup.py`` (the
``/cleanup`` preview) archives them, as OpenClaw names them, after the operator confirmed.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Collection, Iterable, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson
from sortedcontainers import SortedList

from openclaw_tui.store.keys import is_protected_key

DAY_MS = 86_400_000
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$", re.IGNORECASE)
_UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": DAY_MS, "w": 7 * DAY_MS}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|tb|k|m|g|t)?\s*$", re.IGNORECASE)
_UNIT_BYTES = {
    "b": 1,
    "k": 1024,
    "kb": 1024,
    "m": 1024**2,
    "mb": 1024**2,
    "g": 1024**3,
    "gb": 1024**3,
    "t": 1024**4,
    "tb": 1024**4,
}


def parse_duration_ms(value: Any, default: int | None) -> int | None:
    """``"30d"``, ``"12h"``, ``"90m"``; a bare number means days (OpenClaw's rule)."""
    if value is None:
        return default
    if isinstance(value, bool):
        return default
    if isinstance(value, int | float):
        return int(value * DAY_MS) if value > 0 else default
    match = _DURATION.match(str(value))
    if not match:
        return default
    unit = (match.group(2) or "d").lower()
    return int(float(match.group(1)) * _UNIT_MS[unit])


def parse_bytes(value: Any) -> int | None:
    """``"500mb"``, ``"2gb"``; a bare number means bytes. None/invalid: off."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value) if value > 0 else None
    match = _SIZE.match(str(value))
    if not match:
        return None
    return int(float(match.group(1)) * _UNIT_BYTES[(match.group(2) or "b").lower()])


def cap_high_water(max_entries: int) -> int:
    """The count at which capping triggers: 550 for 500 (OpenClaw's batched high-water mark)."""
    if max_entries <= 0:
        return 1
    if max_entries <= 49:
        return max_entries + 1
    return max_entries + max(25, math.ceil(0.1 * max_entries))


@dataclass(frozen=True, slots=True)
class MaintenanceConfig:
    mode: Literal["enforce", "warn"] = "enforce"
    prune_after_ms: int | None = 30 * DAY_MS
    max_entries: int | None = 500
    max_disk_bytes: int | None = None
    high_water_bytes: int | None = None
    protect_later_rules: bool = False  # also protect main/global/pinned/archived/locked

    @classmethod
    def from_openclaw(cls, raw: Mapping[str, Any]) -> MaintenanceConfig:
        """From an ``openclaw.json`` ``session.maintenance`` object."""
        mode = raw.get("mode", "enforce")
        if mode not in ("enforce", "warn"):
            raise ValueError(f"session.maintenance.mode must be 'enforce' or 'warn', not {mode!r}")
        prune = raw.get("pruneAfter", raw.get("pruneDays"))
        max_entries = raw.get("maxEntries", 500)
        if not isinstance(max_entries, int) or isinstance(max_entries, bool):
            raise ValueError(f"session.maintenance.maxEntries must be an integer: {max_entries!r}")
        max_disk = parse_bytes(raw.get("maxDiskBytes"))
        high = parse_bytes(raw.get("highWaterBytes"))
        if max_disk is not None:
            high = max(1, min(high if high is not None else int(0.8 * max_disk), max_disk))
        return cls(
            mode=mode,
            prune_after_ms=parse_duration_ms(prune, 30 * DAY_MS),
            max_entries=max_entries,
            max_disk_bytes=max_disk,
            high_water_bytes=high,
            protect_later_rules=bool(raw.get("protectLaterRules", False)),
        )


@dataclass(slots=True)
class MaintenanceReport:
    mode: str
    before_count: int
    after_count: int
    pruned: list[str] = field(default_factory=list)
    capped: list[str] = field(default_factory=list)
    budget_removed: list[str] = field(default_factory=list)
    would_remove: list[str] = field(default_factory=list)  # warn mode
    warnings: list[str] = field(default_factory=list)
    bytes_before: int | None = None
    bytes_after_estimate: int | None = None


def _updated_at(entry: Any) -> float | None:
    value = entry.get("updatedAt") if isinstance(entry, dict) else None
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def _entry_bytes(key: str, entry: Any) -> int:
    # Serialized size at indent 2 plus the indentation the store level adds to every line.
    body = orjson.dumps(entry, option=orjson.OPT_INDENT_2)
    return len(body) + 2 * body.count(b"\n") + len(key.encode()) + 8


class Maintenance:
    """The maintenance engine of one store, with the O(1) trigger state."""

    def __init__(self, config: MaintenanceConfig) -> None:
        self.config = config
        # (updatedAt, key) of every unprotected entry that has a numeric updatedAt.
        self._by_age: SortedList[tuple[float, str]] = SortedList()
        self._age_of: dict[str, float] = {}
        self.size_hint: int | None = None  # last written size of the store, in bytes
        self.last_report: MaintenanceReport | None = None
        self.runs = 0

    @classmethod
    def from_config(cls, config: Any) -> Maintenance:
        if isinstance(config, MaintenanceConfig):
            return cls(config)
        if isinstance(config, Mapping):
            return cls(MaintenanceConfig.from_openclaw(config))
        raise TypeError(
            "maintenance must be a MaintenanceConfig or an openclaw.json session.maintenance "
            f"mapping, not {type(config).__name__}"
        )

    # -- the index (kept in step with committed generations) --

    def _protected(self, key: str, entry: Any) -> bool:
        return is_protected_key(key, entry, later_rules=self.config.protect_later_rules)

    def _index(self, key: str, entry: Any) -> None:
        self._unindex(key)
        age = _updated_at(entry)
        if age is not None and not self._protected(key, entry):
            self._age_of[key] = age
            self._by_age.add((age, key))

    def _unindex(self, key: str) -> None:
        age = self._age_of.pop(key, None)
        if age is not None:
            self._by_age.discard((age, key))

    def reindex(self, entries: Mapping[str, Any]) -> None:
        self._by_age = SortedList()
        self._age_of = {}
        for key, entry in entries.items():
            self._index(key, entry)

    def observe(self, upserts: Mapping[str, Any], removed: Iterable[str]) -> None:
        for key, entry in upserts.items():
            self._index(key, entry)
        for key in removed:
            self._unindex(key)

    # -- the write-path hook --

    def due(self, count: int, now_ms: float) -> bool:
        """O(1): has any threshold been crossed?"""
        config = self.config
        if config.max_entries is not None and count >= cap_high_water(config.max_entries):
            return True
        if (
            config.prune_after_ms is not None
            and self._by_age
            and self._by_age[0][0] < now_ms - config.prune_after_ms
        ):
            return True
        return bool(
            config.max_disk_bytes is not None
            and self.size_hint is not None
            and self.size_hint > config.max_disk_bytes
        )

    def apply(
        self,
        store: MutableMapping[str, Any],
        active_keys: Iterable[str] = (),
        *,
        force: bool = False,
        now_ms: float | None = None,
    ) -> MaintenanceReport | None:
        """Prune, cap and budget ``store`` in place (a batch's working view). None when not due."""
        now = time.time() * 1000 if now_ms is None else now_ms
        data: Mapping[str, Any] = getattr(store, "data", store)  # the raw dict: no copies to read
        hidden: Collection[str] = getattr(store, "hidden", ())
        if not force and not self.due(len(data) - len(hidden), now):
            return None
        self.runs += 1
        config = self.config
        active = set(active_keys)
        enforce = config.mode == "enforce"
        report = MaintenanceReport(
            mode=config.mode, before_count=len(data) - len(hidden), after_count=0
        )
        candidates = [
            (age, key)
            for key, entry in data.items()
            if key not in hidden
            and key not in active
            and (age := _updated_at(entry)) is not None
            and not self._protected(key, entry)
        ]
        candidates.sort()
        removed: set[str] = set()

        def remove(key: str, bucket: list[str]) -> None:
            removed.add(key)
            bucket.append(key)
            if enforce:
                del store[key]

        if config.prune_after_ms is not None:
            cutoff = now - config.prune_after_ms
            for age, key in candidates:
                if age >= cutoff:
                    break
                remove(key, report.pruned)
        count = report.before_count - len(removed)
        if config.max_entries is not None and (
            force or report.before_count >= cap_high_water(config.max_entries)
        ):
            # Entries without updatedAt count as oldest (OpenClaw sorts them as -infinity).
            undated = [
                key
                for key, entry in data.items()
                if key not in hidden
                and key not in active
                and key not in removed
                and _updated_at(entry) is None
                and not self._protected(key, entry)
            ]
            evictable = undated + [key for _, key in candidates if key not in removed]
            protected_count = count - len(evictable)
            budget = max(0, config.max_entries - protected_count)
            excess = len(evictable) - budget
            for key in evictable[: max(0, excess)]:
                remove(key, report.capped)
            count -= max(0, excess)
        if config.max_disk_bytes is not None and self.size_hint is not None:
            size = self.size_hint
            report.bytes_before = size
            if size > config.max_disk_bytes:
                target = config.high_water_bytes or config.max_disk_bytes
                for _, key in candidates:
                    if size <= target:
                        break
                    if key in removed:
                        continue
                    size -= _entry_bytes(key, data[key])
                    remove(key, report.budget_removed)
                report.bytes_after_estimate = size
                if size > target:
                    report.warnings.append(
                        "session disk budget still above high-water target after cleanup"
                    )
        if not enforce:
            report.would_remove = sorted(removed)
            if removed:
                report.warnings.append(
                    f"session maintenance would remove {len(removed)} entries (warn-only mode)"
                )
        report.after_count = report.before_count - (len(removed) if enforce else 0)
        self.last_report = report
        return report


def as_maintenance(config: Any) -> Maintenance:
    """``config`` as an engine: a ``Maintenance`` as it is, else ``Maintenance.from_config``."""
    return config if isinstance(config, Maintenance) else Maintenance.from_config(config)
