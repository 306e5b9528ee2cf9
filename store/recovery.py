"""Recovery of an unreadable store: keep a durable copy, then start over with what is safe.

"Start over" rescues valid JSON behind a BOM, else the last good snapshot this process saw, else
an empty store. The recovery write is based on the file as it was copied, so a file another
program fixed meanwhile is never overwritten.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
import anyio.to_thread

from openclaw_tui.store import codec
from openclaw_tui.store.atomic import fsync_dir, may_write
from openclaw_tui.store.backends.base import ConflictError, Signature, entry_issues
from openclaw_tui.store.backends.json_file import JsonFileBackend
from openclaw_tui.store.errors import (
    StoreConflictError,
    StoreCorruptError,
    StoreError,
    StoreReadError,
    StoreReadOnlyError,
    StoreTooLargeError,
    StoreUnreadableError,
    describe_oserror,
)
from openclaw_tui.store.events import StoreReloaded

if TYPE_CHECKING:
    from openclaw_tui.store._core import _Core


async def recover(core: _Core) -> Path | None:
    """If the store cannot be read: keep a durable copy of the file, then start over."""
    async with core.slot:
        sig = await anyio.to_thread.run_sync(core.backend.signature)
        if sig != core.signature or core.read_error is None:
            await core.reload("recover", source="external", signature=sig)
        error = core.read_error
        if error is None:
            return None
        if not isinstance(core.backend, JsonFileBackend):
            raise error
        refusal = _refusal(core)
        if refusal is not None:
            raise refusal
        kept, content, base = await anyio.to_thread.run_sync(_recover_sync, core, error)
        try:
            new_sig = await anyio.to_thread.run_sync(
                core.backend.write_bytes, base, codec.dumps(content)
            )
        except ConflictError:
            raise StoreConflictError(
                core.path,
                "the file changed while it was being recovered; nothing was overwritten",
                fix="look at the file again; run recovery again only if it is still broken",
            ) from None
        core.read_error = None
        core.write_error = None
        core.read_only_reason = None
        core.signature = new_sig
        core.ever_existed = True
        core._set_entries(content, entry_issues(content))
        core.last_good = content
        core.generation += 1
        core.publish(StoreReloaded(core.public, "recovered", core.generation))
        if core.maintenance is not None:
            core.maintenance.reindex(core.entries)
            core.maintenance.size_hint = getattr(core.backend, "last_written_size", None)
        return kept


def _refusal(core: _Core) -> StoreError | None:
    """Why recovery must not touch the file at all: it would write beside it (the copy) and
    replace it, which a read-only store, a link out of its directory or a file we may not write
    all forbid."""
    backend = core.backend
    if backend.write_refusal is not None:
        return StoreReadOnlyError(core.path, backend.write_refusal)
    if backend.read_only:
        return StoreReadOnlyError(
            core.path, "the store is open read-only", fix="reopen it without --read-only"
        )
    if os.path.isfile(core.path) and not may_write(core.path):
        return StoreReadOnlyError(
            core.path,
            "no write permission on the store file; recovery would have to replace it",
            fix="check the owner and mode of the file, or recover it as its owner",
        )
    return None


def _recover_sync(
    core: _Core, error: StoreReadError
) -> tuple[Path | None, dict[str, Any], Signature | None]:
    """Keep a durable copy of the unreadable file; return (copy, new content, base).

    ``base`` is the file's signature taken *before* the copy: if another program writes the
    file after that (perhaps fixing it), the recovery write conflicts instead of silently
    replacing a file of which no copy was kept.
    """
    path = core.path
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + f"-{time.time_ns() % 10**9:09d}"
    kept: Path | None = None
    salvaged: dict[str, Any] | None = None
    base: Signature | None = None
    if os.path.lexists(path):
        kept = path.with_name(f"{path.name}.corrupt-{stamp}")
        if os.path.isdir(path) and not os.path.islink(path):
            os.rename(path, kept)
        elif isinstance(error, StoreUnreadableError) and not os.path.isfile(path):
            raise error
        else:
            try:
                base = core.backend.signature()
                shutil.copy2(path, kept)
                os.chmod(kept, 0o600)
                # The original is about to be replaced: the copy must be on disk first.
                fd = os.open(kept, os.O_RDONLY | os.O_CLOEXEC)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
                fsync_dir(kept.parent)
            except OSError as exc:
                raise StoreUnreadableError(
                    path,
                    f"recovery could not keep a copy of the file: {describe_oserror(exc)}",
                    fix="fix the file's permissions, or move it away by hand",
                ) from None
            if isinstance(error, StoreCorruptError) and not isinstance(error, StoreTooLargeError):
                salvaged = _salvage(path)
    if salvaged is None:
        salvaged = dict(core.last_good) if core.last_good is not None else {}
    return kept, salvaged, base


def _salvage(path: Path) -> dict[str, Any] | None:
    """What recovery can rescue from a corrupt file: today, valid JSON behind a BOM."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    if raw.startswith(codec.BOM):
        try:
            return codec.loads(raw[len(codec.BOM) :], str(path)).entries
        except StoreError:
            return None
    return None
