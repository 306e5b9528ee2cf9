"""What every transcript source gives the UI: pages of items, live updates, typed problems.

``TranscriptSource`` is the protocol the stores hand out (file stores: ``open_file_transcript``;
gateways implement the same methods). ``follow`` yields ``transcript_model.TranscriptUpdate``.
A source never raises to its caller for anything the disk or the data does: a missing,
unreadable or refused transcript is a ``TranscriptUnavailable`` naming the path, returned by
``tail`` (and told by ``follow`` as the update's ``notice``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
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


async def follow_updates(
    poll: Callable[[], PollResult],
    tail: Callable[[], Awaitable[TranscriptPage | TranscriptUnavailable]],
    wait: Callable[[], Awaitable[None]],
    stop: asyncio.Event,
    known_problem: TranscriptUnavailable | None = None,
) -> AsyncIterator[TranscriptUpdate]:
    """The follow loop of a file source: ``poll`` (blocking, run in a worker thread) until
    ``stop``; ``wait`` between polls that found nothing. A problem is told once until it
    changes (``known_problem``: the one ``tail`` already returned)."""
    last_problem = known_problem
    while not stop.is_set():
        result = await anyio.to_thread.run_sync(poll)
        if isinstance(result, Retail):
            page = await tail()
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
        await wait()
