"""Typed errors of the session store.

Every error names the thing it is about (usually the store path) and, where there is one, the
fix. Messages are plain text meant to be shown to an operator as they are.
"""

from __future__ import annotations

import errno as _errno
from pathlib import Path


class StoreError(Exception):
    """Base class: something about a session store went wrong."""

    row_key: str | None = None
    """Set when a backend refused one row (the others of the batch could land) and wrote
    nothing: the writer then commits the batch's other changes on their own."""

    def __init__(self, path: Path | str, message: str, *, fix: str | None = None) -> None:
        self.path = str(path)
        self.message = message
        self.fix = fix
        super().__init__(self.describe())

    def describe(self) -> str:
        text = f"{self.path}: {self.message}"
        if self.fix:
            text += f" ({self.fix})"
        return text


class StoreReadError(StoreError):
    """The store could not be read into a valid store. Writes are refused until it is fixed."""


class StoreCorruptError(StoreReadError):
    """The file exists but is not a JSON object we can read losslessly.

    ``position`` is the byte offset of the problem when known.
    """

    def __init__(
        self,
        path: Path | str,
        message: str,
        *,
        position: int | None = None,
        fix: str | None = None,
    ) -> None:
        self.position = position
        super().__init__(
            path,
            message,
            fix=fix
            or "fix the file by hand, or run recovery (/recover in openclaw-tui), which first "
            "keeps a timestamped copy",
        )


class StoreUnreadableError(StoreReadError):
    """The path exists but cannot be read (permissions, a directory, a FIFO, an I/O error)."""


class StoreLockedError(StoreReadError):
    """Another process holds the store locked against readers; reading is retried until it
    lets go (the view then fills in by itself)."""


class StoreTooLargeError(StoreReadError):
    """The file is larger than the configured limit; it is refused instead of loaded."""


TOO_LARGE_FIX = (
    "raise the limit (--max-store-mb, or max_bytes) if this is expected, or prune the store"
)


class StoreWriteError(StoreError):
    """A write failed. Nothing in the failed batch was acknowledged; the old file is intact."""

    def __init__(
        self,
        path: Path | str,
        message: str,
        *,
        errno: int | None = None,
        fix: str | None = None,
    ) -> None:
        self.errno = errno
        super().__init__(path, message, fix=fix or _fix_for_errno(errno))


class RenamedButNotDurableError(StoreWriteError):
    """The new file is in place and visible, but the directory fsync failed.

    Readers see the new state; the batch is not acknowledged as durable.
    """


class StoreReadOnlyError(StoreError):
    """The store is open read-only (by choice, permissions, or an unknown schema)."""


class StoreLockTimeoutError(StoreError):
    """Another process held the store's lock for longer than the timeout."""


class StoreConflictError(StoreError):
    """The file kept changing underneath us; the batch was retried and finally given up."""


class StoreClosedError(StoreError):
    """The store was closed while the operation was queued."""


class EntryRemovedError(StoreError):
    """The entry an edit was aimed at no longer exists."""


def write_too_large(path: Path | str, size: int, limit: int) -> StoreWriteError:
    """A write refused because its result would be over the limit the next open refuses."""
    return StoreWriteError(
        path,
        f"the store would be {size:,} bytes after this write, over the {limit:,}-byte limit "
        "(the next open would refuse it); nothing was written",
        fix=TOO_LARGE_FIX,
    )


def _fix_for_errno(code: int | None) -> str | None:
    if code is None:
        return None
    return {
        _errno.ENOSPC: "the disk is full: free some space and retry",
        _errno.EDQUOT: "the disk quota is exhausted: free some space and retry",
        _errno.EACCES: "permission denied: check the owner and mode of the file and its directory",
        _errno.EPERM: "operation not permitted: check the owner and mode of the file and directory",
        _errno.EROFS: (
            "the file system is read-only: remount it read-write or open with --read-only"
        ),
        _errno.EIO: "an I/O error from the device: check the disk, then retry",
    }.get(code)


def describe_oserror(exc: OSError) -> str:
    """A short human description of an OSError without a traceback."""
    name = _errno.errorcode.get(exc.errno or 0, "error")
    reason = exc.strerror or str(exc)
    return f"{reason} [{name}]"


def error_message(error: object, default: str | None = None) -> str:
    """What an error says without the store or gateway it is about, for a place that names that
    already: its own ``message`` (a store error's, a gateway's refusal verbatim), else
    ``default``, else its text."""
    text = getattr(error, "message", None)
    if isinstance(text, str) and text:
        return text
    return str(error) if default is None else default


def describe_error(exc: BaseException) -> str:
    """One line for the operator, never a traceback: a store error names its path and fix;
    anything else (a bug) its type and the first line of its text."""
    if isinstance(exc, StoreError):
        return exc.describe()
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__
