"""A cleanup preview for file stores: what OpenClaw's configured ``session.maintenance`` would
prune or cap (``openclaw sessions cleanup --dry-run``), how many bytes that frees, and then
applying exactly that, with the evicted entries' transcripts archived as OpenClaw names them.

``load_maintenance(store_path)`` reads ``session.maintenance`` from OpenClaw's own config
(``$OPENCLAW_CONFIG_PATH``, else ``<stateDir>/openclaw.json``, JSON5), or says it used
OpenClaw's defaults. ``plan_cleanup`` runs ``maintenance.Maintenance`` on a copy of the entries
(nothing is written) and, per evicted entry, says why (``prune-stale``, ``cap-overflow``,
``evict-budget``, OpenClaw's action words), its bytes in the store, and the transcript file that
will be archived. ``apply_cleanup`` removes those entries in one write (an entry changed since
the preview is kept and said so), then renames each transcript to
``<file>.deleted.<ISO time with ":" -> "-">`` (OpenClaw's archive name, reason ``deleted``).

Never: deleting a transcript, touching a file outside the store's directory (paths come from
``transcripts.paths.resolve_transcript_path``, which refuses them), archiving a transcript that a
surviving entry still uses. SQLite stores keep transcripts in the database: nothing to rename.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from openclaw_tui.store.api import SessionStoreAPI
from openclaw_tui.store.bulk import EntryResult, ResultSink, report
from openclaw_tui.store.maintenance import (
    DAY_MS,
    Maintenance,
    MaintenanceConfig,
    _entry_bytes,
)
from openclaw_tui.store.paths import resolve_state_dir
from openclaw_tui.store.transcripts.paths import resolve_transcript_path


@dataclass(frozen=True, slots=True)
class MaintenanceSource:
    """The configuration a cleanup uses and where it came from."""

    config: MaintenanceConfig
    origin: str
    """``/state/openclaw.json session.maintenance``, or why OpenClaw's defaults are used."""


def config_path(state_dir: Path, env: Mapping[str, str] = os.environ) -> Path:
    override = env.get("OPENCLAW_CONFIG_PATH", "").strip()
    return Path(override).expanduser() if override else state_dir / "openclaw.json"


def state_dir_of(store_path: Path, env: Mapping[str, str] = os.environ) -> Path:
    """``<stateDir>/agents/<id>/sessions/sessions.json`` (or ``.../agent/*.sqlite``) -> stateDir;
    a store elsewhere uses the configured state directory."""
    parts = store_path.parts
    if len(parts) >= 4 and parts[-4] == "agents":
        return Path(*parts[:-4])
    return resolve_state_dir(env)


def load_maintenance(
    store_path: Path, env: Mapping[str, str] = os.environ
) -> MaintenanceSource | str:
    """The ``session.maintenance`` OpenClaw would use for this store, or a message naming the
    config file and what is wrong with it (nothing is guessed from a broken config)."""
    path = config_path(state_dir_of(store_path, env), env)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return MaintenanceSource(MaintenanceConfig(), f"OpenClaw's defaults (no {path})")
    except OSError as exc:
        return f"{path}: cannot be read ({exc.strerror}); fix its permissions and retry"
    try:
        raw = json.loads(json5_to_json(text))
    except ValueError as exc:
        return f"{path}: not valid JSON5 ({exc}); fix the file and retry"
    session = raw.get("session") if isinstance(raw, dict) else None
    section = session.get("maintenance") if isinstance(session, dict) else None
    if section is None:
        return MaintenanceSource(
            MaintenanceConfig(), f"OpenClaw's defaults ({path} has no session.maintenance)"
        )
    if not isinstance(section, dict):
        return f"{path}: session.maintenance must be an object; fix the file and retry"
    try:
        config = MaintenanceConfig.from_openclaw(section)
    except ValueError as exc:
        return f"{path}: {exc}; fix the file and retry"
    return MaintenanceSource(config, f"{path} session.maintenance")


_BARE_KEY = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")


def json5_to_json(text: str) -> str:
    """The JSON5 OpenClaw's config uses (comments, trailing commas, unquoted keys, single
    quotes) as strict JSON; strict JSON passes through unchanged."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in "\"'":
            j, chars = i + 1, []
            while j < n and text[j] != ch:
                if text[j] == "\\" and j + 1 < n:
                    chars.append(text[j : j + 2])
                    j += 2
                    continue
                chars.append('\\"' if text[j] == '"' else text[j])
                j += 1
            body = "".join(chars)
            if ch == "'":
                body = body.replace("\\'", "'")
            out.append(f'"{body}"')
            i = j + 1
        elif text.startswith("//", i):
            while i < n and text[i] != "\n":
                i += 1
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif ch == ",":
            j = i + 1
            while j < n and text[j] in " \t\r\n":
                j += 1
            if j < n and text[j] in "}]":
                i += 1  # a trailing comma
            else:
                out.append(ch)
                i += 1
        elif (match := _BARE_KEY.match(text, i)) and _is_key(text, match.end()):
            out.append(f'"{match.group()}"')
            i = match.end()
        elif match:
            out.append(match.group())  # true, false, null, Infinity...: left to the parser
            i = match.end()
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _is_key(text: str, end: int) -> bool:
    while end < len(text) and text[end] in " \t":
        end += 1
    return end < len(text) and text[end] == ":"


# -- the plan ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Eviction:
    key: str
    action: str
    """OpenClaw's word: ``prune-stale``, ``cap-overflow`` or ``evict-budget``."""
    updated_at: float | None
    bytes: int
    """The entry's share of the store file (what removing it frees)."""
    transcript: Path | None
    """The transcript file that will be archived (exists now, not used by a kept entry)."""
    transcript_bytes: int = 0
    archive_name: str = ""
    session_id: Any = None


@dataclass(slots=True)
class CleanupPlan:
    store_path: Path
    source: MaintenanceSource
    before_count: int
    evictions: list[Eviction]
    stamp: str
    """The ISO time (``:`` -> ``-``) the archives will be named with."""
    bytes_before: int | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def freed_bytes(self) -> int:
        return sum(e.bytes for e in self.evictions)

    @property
    def archived(self) -> list[Eviction]:
        return [e for e in self.evictions if e.transcript is not None]

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for eviction in self.evictions:
            out[eviction.action] = out.get(eviction.action, 0) + 1
        return out

    def summary(self) -> str:
        config = self.source.config
        rules = [f"mode {config.mode}"]
        if config.prune_after_ms is not None:
            rules.append(f"pruneAfter {_duration(config.prune_after_ms)}")
        if config.max_entries is not None:
            rules.append(f"maxEntries {config.max_entries:,}")
        if config.max_disk_bytes is not None:
            rules.append(f"maxDiskBytes {format_bytes(config.max_disk_bytes)}")
        after = self.before_count - len(self.evictions)
        counts = ", ".join(f"{n:,} {action}" for action, n in self.counts().items())
        lines = [
            f"session.maintenance from {self.source.origin}: {', '.join(rules)}",
            f"Entries: {self.before_count:,} -> {after:,} (remove {len(self.evictions):,}"
            + (f": {counts})" if counts else ")"),
        ]
        if self.evictions:
            archived = self.archived
            size = format_bytes(sum(e.transcript_bytes for e in archived))
            lines.append(
                f"Frees ≈ {format_bytes(self.freed_bytes)} of {self.store_path.name}; "
                f"{len(archived):,} transcripts ({size}) are kept, renamed "
                f"<file>.deleted.{self.stamp}"
            )
        if config.mode == "warn":
            lines.append(
                "mode is warn: OpenClaw only warns on its writes; applying here is "
                "`openclaw sessions cleanup --enforce`"
            )
        lines.extend(self.warnings)
        return "\n".join(lines)


def format_bytes(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if abs(n) < 1000 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1000
    return f"{n:,.1f} GB"


def _duration(ms: int) -> str:
    if ms % DAY_MS == 0:
        return f"{ms // DAY_MS}d"
    if ms % 3_600_000 == 0:
        return f"{ms // 3_600_000}h"
    return f"{ms // 60_000}m"


def archive_stamp(now_ms: float) -> str:
    """OpenClaw's archive time: ISO 8601 in UTC with milliseconds, ``:`` replaced by ``-``."""
    moment = datetime.fromtimestamp(now_ms / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H-%M-%S.") + f"{int(now_ms % 1000):03d}Z"


def plan_cleanup(
    store_path: Path,
    entries: Mapping[str, Any],
    source: MaintenanceSource,
    *,
    now_ms: float,
    active_keys: tuple[str, ...] = (),
    store_bytes: int | None = None,
) -> CleanupPlan:
    """What the maintenance would remove from ``entries`` now (read-only: a copy is pruned)."""
    config = replace(source.config, mode="enforce")  # the preview of --enforce
    engine = Maintenance(config)
    engine.size_hint = store_bytes
    work: dict[str, Any] = dict(entries)
    report_ = engine.apply(work, active_keys, force=True, now_ms=now_ms)
    stamp = archive_stamp(now_ms)
    plan = CleanupPlan(store_path, source, len(entries), [], stamp, store_bytes)
    if report_ is None:
        return plan
    plan.warnings.extend(report_.warnings)
    actions = [
        *((k, "prune-stale") for k in report_.pruned),
        *((k, "cap-overflow") for k in report_.capped),
        *((k, "evict-budget") for k in report_.budget_removed),
    ]
    kept_ids = {entry.get("sessionId") for entry in work.values() if isinstance(entry, Mapping)}
    sqlite = store_path.suffix == ".sqlite"
    for key, action in actions:
        entry = entries[key]
        transcript: Path | None = None
        size = 0
        if not sqlite and entry.get("sessionId") not in kept_ids:
            found = resolve_transcript_path(store_path.parent, entry)
            if isinstance(found, Path):
                try:
                    if found.is_file() and not found.is_symlink():
                        transcript, size = found, found.stat().st_size
                except OSError:
                    transcript = None
        updated = entry.get("updatedAt")
        plan.evictions.append(
            Eviction(
                key,
                action,
                float(updated) if isinstance(updated, int | float) else None,
                _entry_bytes(key, entry),
                transcript,
                size,
                f"{transcript.name}.deleted.{stamp}" if transcript is not None else "",
                entry.get("sessionId"),
            )
        )
    return plan


# -- applying ---------------------------------------------------------------------------------


async def apply_cleanup(
    plan: CleanupPlan,
    store: SessionStoreAPI,
    *,
    on_result: ResultSink | None = None,
    rename: Callable[[Path, Path], None] = os.rename,
) -> list[EntryResult]:
    """Remove the planned entries in one write, then archive their transcripts.

    An entry that changed since the preview (another ``updatedAt``) is kept: ``unchanged``,
    saying so. A transcript that cannot be renamed stays where it is under its own name (the
    entry is removed all the same: the transcript is still kept); the result says so.
    """
    planned = {e.key: e for e in plan.evictions}

    def remove(work: MutableMapping[str, Any]) -> dict[str, str]:
        outcome: dict[str, str] = {}
        for key, eviction in planned.items():
            current = work.get(key) if key in work else None
            if not isinstance(current, Mapping):
                outcome[key] = "missing"
                continue
            updated = current.get("updatedAt")
            now = float(updated) if isinstance(updated, int | float) else None
            if now != eviction.updated_at:
                outcome[key] = "changed"
                continue
            del work[key]
            outcome[key] = "removed"
        return outcome

    removed = await store.update(remove, skip_maintenance=True)
    results: list[EntryResult] = []
    still_used = {
        entry.get("sessionId") for entry in store.load().values() if isinstance(entry, Mapping)
    }
    directory = os.path.realpath(plan.store_path.parent)
    for key, eviction in planned.items():
        state = removed.get(key)
        if state == "missing":
            results.append(report(EntryResult(key, "missing"), on_result))
            continue
        if state == "changed":
            message = "kept: it changed since the preview"
            results.append(report(EntryResult(key, "unchanged", message), on_result))
            continue
        message = ""
        source = eviction.transcript
        if source is not None and eviction.archive_name:
            target = source.with_name(eviction.archive_name)
            if os.path.dirname(os.path.realpath(source)) != directory:
                message = f"transcript left as {source.name}: not in the store's directory"
            elif eviction.session_id in still_used:
                message = f"transcript left as {source.name}: a kept session uses it"
            elif target.exists():
                message = f"transcript left as {source.name}: {target.name} already exists"
            else:
                try:
                    rename(source, target)
                    message = f"transcript archived as {target.name}"
                except OSError as exc:
                    message = f"transcript left as {source.name}: {exc.strerror or exc}"
        results.append(report(EntryResult(key, "applied", message), on_result))
    return results
