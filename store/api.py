"""The store contract the app is written against: ``StoreHealth``, what ``reset_session`` does
(``ResetPolicy``, ``SessionReset``), and the API Protocol."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from openclaw_tui.store.errors import StoreError


@dataclass(frozen=True, slots=True)
class StoreHealth:
    """The store's last problem, if any. ``error`` None and no read-only reason means healthy."""

    path: str
    error: StoreError | None = None
    operation: Literal["read", "write"] | None = None
    read_only_reason: str | None = None
    refused: StoreError | None = None
    """The last write the store refused without touching the file (read-only, unreadable,
    a file that kept changing underneath); None once a write lands. Not a failure: ``ok``
    stays True."""

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def message(self) -> str | None:
        return self.error.describe() if self.error is not None else None


@dataclass(frozen=True, slots=True)
class ResetPolicy:
    """What a store's ``reset_session`` does, declared so a UI can say it before asking."""

    effect: str
    """What a reset changes and keeps, one or two sentences for a confirmation question."""
    new_creates: bool
    """``reset_session(key, new=True)`` starts a separate session beside ``key`` (one per gateway:
    nothing is lost, so there is nothing to confirm) instead of resetting ``key`` in place."""


@dataclass(frozen=True, slots=True)
class SessionReset:
    """What ``reset_session`` did."""

    key: str
    """The session that starts afresh: the one given, or the one ``new=True`` created."""
    message: str
    """The store's acknowledgement (a gateway's is its own reply)."""
