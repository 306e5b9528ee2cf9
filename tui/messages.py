"""The app's own messages: what its workers tell the screens.

The app's workers (the store worker, the activity and transcript readers) never call into a
screen: they post one of these and the screen's handler (an ``@on`` in ``tui/app.py``) applies it
on the screen's own message loop, between its other messages. Only a screen's own worker (the
usage view asking its gateway, a bulk preview applying) updates that same screen directly.
Failures of workers go through ``Worker.StateChanged`` to one handler, ``SessionBrowserApp``'s
``_worker_failed``, which shows them in the banner: never a traceback.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.message import Message

from openclaw_tui.store.events import StoreEvent
from openclaw_tui.store.transcript_model import TranscriptUpdate
from openclaw_tui.store.transcripts.base import TranscriptPage, TranscriptUnavailable

if TYPE_CHECKING:
    from openclaw_tui.store.api import SessionStoreAPI
    from openclaw_tui.tui.preview import PreviewViewModel
    from openclaw_tui.tui.target import StoreTarget


@dataclass
class StoreEvents(Message):
    """Events from the open store's subscription, in order: every one the worker had waiting."""

    store: SessionStoreAPI
    """The store they come from; a store closed meanwhile (another agent) is ignored."""
    events: Sequence[StoreEvent]


@dataclass
class TranscriptActivity(Message):
    """When the transcripts of running sessions were last written (key -> epoch ms), read by
    the activity worker from ``store.transcript_activity``: a run writing it is not stalled."""

    store: SessionStoreAPI
    marks: dict[str, int]


@dataclass
class StoreOpened(Message):
    """The store worker opened a store: the screen shows its snapshot, then resolves ``shown``.

    The worker awaits ``shown`` before it passes on any event, so the first rows are on screen
    before an event applies to them. The screen builds in a worker of its own, so its message
    queue (the operator's keys) keeps moving while a big store's rows are built. Cancelling
    ``shown`` (the store worker was cancelled: a newer target) cancels that build; a build that
    fails sets the error on ``shown``, so it reaches the operator through the store worker's one
    error route.
    """

    store: SessionStoreAPI
    target: StoreTarget
    shown: asyncio.Future[None]


@dataclass
class NewestSessions(Message):
    """A big ``sessions.json``'s newest sessions, read before the store has parsed the file
    (``store.backends.json_file.peek_newest``): the screen shows them as the first
    page until the store's snapshot (``StoreOpened``, posted after) replaces them."""

    target: StoreTarget
    entries: dict[str, Any]
    total: int
    """How many sessions the file holds (what the status bar says is loading)."""


@dataclass
class StorePreview(Message):
    """Every session of a big ``sessions.json``, indexed before the store has parsed the file
    (``tui/preview.py``): the screen shows them until ``StoreOpened`` replaces them, and
    resolves ``painted`` once they are on screen (or it will not show them), after which the
    store worker opens the store: the whole parse does not compete with the first frame."""

    target: StoreTarget
    preview: PreviewViewModel
    painted: asyncio.Future[None]


@dataclass
class StoreFailed(Message):
    """The store could not be opened at all."""

    target: StoreTarget
    message: str
    """What went wrong and what to do, fit to show (the store's own ``describe()``)."""


@dataclass
class StoreAppeared(Message):
    """The missing store's sessions.json now exists (maybe empty, so no event says so)."""


@dataclass
class WorkerFailed(Message):
    """A worker ended with an exception nobody handled: said in the banner, the view goes on."""

    description: str
    """What the worker was doing (its description, else its name)."""
    error: BaseException


@dataclass
class TranscriptLoaded(Message):
    """The transcript screen's worker read the tail of its transcript (or why there is none)."""

    page: TranscriptPage | TranscriptUnavailable


@dataclass
class TranscriptEarlier(Message):
    """Items before those the transcript screen shows (or why they could not be read)."""

    page: TranscriptPage | TranscriptUnavailable


@dataclass
class TranscriptChanged(Message):
    """One update of the followed transcript: append, reset, or a notice naming the path."""

    update: TranscriptUpdate
