"""What every transcript source gives the UI: pages of items, live updates, typed problems.

``TranscriptSource`` is the protocol the stores hand out (file stores: ``open_file_transcript``;
gateways implement the same methods). ``follow`` yields ``transcript_model.TranscriptUpdate``.
A source never raises to its caller for anything the disk or the data does: a missing,
unreadable or refused transcript is a ``TranscriptUnavailable`` naming the path, returned by
``tail`` (and told by ``follow`` as the update's ``notice``).
"""

from __future__ import annotations

import asyncio
import threading
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

import anyio

from openclaw_tui.store.transcript_model import TranscriptItem, TranscriptUpdate

UnavailableReason = Literal["missing", "unreadable", "outside", "no_session", "corrupt"]


@dataclass(frozen=True, slots=True)
class TranscriptUnavailable:
    """The transcript cannot be shown. ``path`` is the file (or database) it was looked for at."""

    path: str
    reason: UnavailableReason
    message: str
    fix: str | None = None

    def describe(self) -> str:
        text = f"{self.path}: {self.message}"
        if self.fix:
            text += f" ({self.fix})"
        return text

    def update(self) -> TranscriptUpdate:
        """The follow update that tells the view (a notice line, nothing removed)."""
        return TranscriptUpdate(notice=self.describe())


@dataclass(frozen=True, slots=True)
class TranscriptPage:
    """The last items of the active branch, oldest first.

    ``has_earlier``: items before these exist (``TranscriptSource.earlier`` returns them).
    ``skipped``: lines or rows that could not be read (cut, invalid JSON, corrupt zstd) and were
    passed over; the UI may say so.
    """

    path: str
    items: tuple[TranscriptItem, ...]
    has_earlier: bool
    skipped: int = 0


@runtime_checkable
class TranscriptSource(Protocol):
    """One session's transcript. Methods never raise for bad data or I/O (typed results)."""

    @property
    def path(self) -> str: ...

    async def tail(self, n_items: int) -> TranscriptPage | TranscriptUnavailable:
        """The last ``n_items`` items of the active branch (reads from the end)."""
        ...

    async def earlier(self, n_items: int) -> TranscriptPage | TranscriptUnavailable:
        """Up to ``n_items`` items before the oldest one returned so far (scrolling up)."""
        ...

    def follow(self) -> AsyncIterator[TranscriptUpdate]:
        """What changes after what ``tail`` returned, as it happens; ends on ``close``.

        ``TranscriptUpdate(items)``: append (partial items replaced by ``message_id``);
        ``reset=True``: show ``items`` instead of everything shown (the file was truncated or
        replaced, or the active branch moved, e.g. 7.35's side-appended abort reply); ``notice``:
        the transcript became unavailable (``TranscriptUnavailable.describe()``, naming the path).
        """
        ...

    async def close(self) -> None: ...


# Bounds: text is data and kept raw, but one item never carries a monster string to the UI.
MAX_TEXT_CHARS = 16_384
"""Characters of one item's text kept; the rest is replaced by a note with the full size."""
MAX_ARG_CHARS = 2_048
"""Characters kept of each string inside tool arguments."""
MAX_ARGS_ITEMS = 64
"""Keys / list elements kept per level of tool arguments."""


class Retail:
    """A follow poll's verdict: what is shown is no longer the tail; read the tail again."""


RETAIL = Retail()
PollResult = tuple[TranscriptItem, ...] | Retail | TranscriptUnavailable | None
"""New items (appended), ``RETAIL``, a problem, or None for no change."""


class FileTranscript(ABC):
    """What the two file sources share: blocking reads in worker threads, one at a time (the
    mutex guards the reader state), the follow loop, the last problem ``tail`` returned, close.

    A subclass reads (``_tail_sync``, ``_earlier_sync``, ``_poll_sync``, ``_close_sync``) and
    says how to wait for the next change (``_wait_for_change``)."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._stop = asyncio.Event()
        self._n = 50  # items the last ``tail`` asked for: a follow re-tail asks for as many
        self._problem: TranscriptUnavailable | None = None

    @abstractmethod
    def _tail_sync(self, n_items: int) -> TranscriptPage | TranscriptUnavailable: ...

    @abstractmethod
    def _earlier_sync(self, n_items: int) -> TranscriptPage | TranscriptUnavailable: ...

    @abstractmethod
    def _poll_sync(self) -> PollResult: ...

    @abstractmethod
    def _close_sync(self) -> None: ...

    @abstractmethod
    async def _wait_for_change(self) -> None: ...

    async def tail(self, n_items: int) -> TranscriptPage | TranscriptUnavailable:
        self._n = max(1, n_items)
        result = await anyio.to_thread.run_sync(self._tail_sync, self._n)
        self._problem = result if isinstance(result, TranscriptUnavailable) else None
        return result

    async def earlier(self, n_items: int) -> TranscriptPage | TranscriptUnavailable:
        return await anyio.to_thread.run_sync(self._earlier_sync, max(1, n_items))

    def follow(self) -> AsyncIterator[TranscriptUpdate]:
        """What comes after what ``tail`` returned (call ``tail`` first), as it comes."""
        return self._follow()

    async def close(self) -> None:
        self._stop.set()
        await anyio.to_thread.run_sync(self._close_sync)

    async def _follow(self) -> AsyncIterator[TranscriptUpdate]:
        """``_poll_sync`` (in a worker thread) until closed, ``_wait_for_change`` between polls
        that found nothing. A problem is told once until it changes (starting from the one
        ``tail`` already returned)."""
        last_problem = self._problem
        while not self._stop.is_set():
            result = await anyio.to_thread.run_sync(self._poll_sync)
            if isinstance(result, Retail):
                page = await self.tail(self._n)
                if isinstance(page, TranscriptPage):
                    last_problem = None
                    yield TranscriptUpdate(items=page.items, reset=True)
                    continue
                result = page
            if isinstance(result, TranscriptUnavailable):
                if result != last_problem:
                    last_problem = result
                    yield result.update()
            elif result:
                last_problem = None
                yield TranscriptUpdate(items=result)
                continue  # look again at once: more may have come meanwhile
            await self._wait_for_change()
