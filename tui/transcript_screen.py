"""The transcript of one session (``v`` on the table): what it said, which tools it called.

A full screen over the main one, so ``escape`` pops it and the table is back exactly as it was
(cursor, scroll, filter). The store hands out a ``TranscriptSource`` (file or gateway alike);
one worker reads its tail (about two screenfuls, never the whole transcript) and then follows
it, posting each result to this screen as a message; the screen applies them to the
``TranscriptView`` widget. Closing the screen cancels the worker, which closes the source.

A transcript that cannot be shown (missing, unreadable, outside the sessions directory) is one
line naming the path, above an empty view; never an error screen.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import Worker

from openclaw_tui.store.errors import describe_error
from openclaw_tui.store.transcript_model import TranscriptUpdate
from openclaw_tui.store.transcripts.base import (
    TranscriptPage,
    TranscriptSource,
    TranscriptUnavailable,
)
from openclaw_tui.tui.messages import TranscriptChanged, TranscriptEarlier, TranscriptLoaded
from openclaw_tui.widgets.footer import SessionFooter
from openclaw_tui.widgets.text import literal_text, visible
from openclaw_tui.widgets.transcript_view import TranscriptView

MIN_PAGE_ITEMS = 40
"""Items asked for at least; otherwise two screenfuls (an item is one line or more)."""
CLOSE_TIMEOUT_S = 5.0


def time_format(clock: Callable[[], float]) -> Callable[[int], str]:
    """``HH:MM:SS`` for today (by the app's clock, local time), ``MM-DD HH:MM`` before."""

    def stamp(timestamp_ms: int) -> str:
        when = time.localtime(timestamp_ms / 1000)
        if when[:3] == time.localtime(clock())[:3]:
            return time.strftime("%H:%M:%S", when)
        return time.strftime("%m-%d %H:%M", when)

    return stamp


class TranscriptScreen(Screen[None]):
    """One session's transcript, live (see module doc)."""

    BINDING_GROUP_TITLE = "Transcript"

    DEFAULT_CSS = """
    TranscriptScreen #transcript-header {
        height: 2;
        background: $panel;
        color: $text;
        padding: 0 1;
    }
    TranscriptScreen #transcript-notice {
        height: auto;
        max-height: 4;
        color: $text-warning;
        border-left: thick $warning;
        padding: 0 1;
        display: none;
    }
    TranscriptScreen #transcript-notice.shown {
        display: block;
    }
    TranscriptScreen #transcript-pending {
        dock: bottom;
        height: 1;
        margin-bottom: 1;
        width: auto;
        padding: 0 1;
        background: $warning;
        color: $background;
        text-style: bold;
        display: none;
    }
    TranscriptScreen #transcript-pending.shown {
        display: block;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back to the table", id="transcript.close"),
    ]

    def __init__(self, source: TranscriptSource, key: str, *, clock: Callable[[], float]) -> None:
        super().__init__(id="transcript-screen")
        self.source = source
        self.key = key
        self.clock = clock
        self.loaded = False
        """The tail has been shown (or found unavailable)."""
        self.closed = False
        """The source has been closed (the screen went away)."""
        self.notice: str | None = None
        self._follow_worker: Worker[None] | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="transcript-header")
        yield Static(id="transcript-notice")
        yield TranscriptView(id="transcript", time_format=time_format(self.clock))
        yield Static(id="transcript-pending")
        # The footer comes after the tail is drawn (_show_footer): composing its keys (and
        # again for the focus and the first resize) cost more than drawing the tail itself.

    @property
    def view(self) -> TranscriptView:
        return self.query_one("#transcript", TranscriptView)

    def on_mount(self) -> None:
        self.view.empty_message = "Loading the transcript…"
        self.view.focus()
        self._show_header()
        self._follow_worker = self._follow()

    def on_unmount(self) -> None:
        # Textual cancels a removed node's workers too; this says it where it matters.
        if self._follow_worker is not None:
            self._follow_worker.cancel()

    @property
    def page_items(self) -> int:
        return max(MIN_PAGE_ITEMS, 2 * self.app.size.height)

    # --- the worker: it only posts messages ---------------------------------------------------

    @work(group="transcript-follow", exit_on_error=False, description="Following the transcript")
    async def _follow(self) -> None:
        source = self.source
        try:
            self.post_message(TranscriptLoaded(await source.tail(self.page_items)))
            updates = source.follow()
            try:
                async for update in updates:
                    self.post_message(TranscriptChanged(update))
                    if update.ended:
                        break
            finally:
                close_updates = getattr(updates, "aclose", None)
                if close_updates is not None:
                    with contextlib.suppress(Exception):
                        await close_updates()
        except Exception as exc:  # a source bug: said on this screen, which stays usable
            notice = f"{source.path}: the transcript stopped updating: {describe_error(exc)}"
            self.post_message(TranscriptChanged(TranscriptUpdate(notice=notice)))
        finally:
            with contextlib.suppress(Exception):
                await _close(source)
            self.closed = True

    @work(
        group="transcript-earlier",
        exclusive=True,
        exit_on_error=False,
        description="Loading earlier transcript items",
    )
    async def _load_earlier(self) -> None:
        source = self.source
        try:
            page = await source.earlier(self.page_items)
        except Exception as exc:  # a source bug: said on this screen
            message = f"earlier items could not be read: {describe_error(exc)}"
            page = TranscriptUnavailable(source.path, "unreadable", message)
        self.post_message(TranscriptEarlier(page))

    # --- applying what the worker posted ------------------------------------------------------

    @on(TranscriptLoaded)
    def _loaded(self, message: TranscriptLoaded) -> None:
        self.loaded = True
        self.call_after_refresh(self._show_footer)
        page = message.page
        view = self.view
        if isinstance(page, TranscriptUnavailable):
            view.empty_message = "No transcript to show."
            view.reset(())
            self._set_notice(page.describe())
            return
        view.empty_message = "No messages yet: new ones appear here as they are written."
        view.reset(page.items, has_earlier=page.has_earlier)
        self._set_notice(_skipped_note(page))
        self._show_header()

    @on(TranscriptChanged)
    def _changed(self, message: TranscriptChanged) -> None:
        update = message.update
        view = self.view
        if update.reset:
            view.reset(update.items, has_earlier=bool(update.items))
            self._set_notice(update.notice)
        elif update.items:
            view.add(update.items)
            self._set_notice(update.notice)
        elif update.notice:
            self._set_notice(update.notice)
        self._show_header()

    @on(TranscriptEarlier)
    def _earlier(self, message: TranscriptEarlier) -> None:
        page = message.page
        if isinstance(page, TranscriptUnavailable):
            self.view.prepend((), has_earlier=False)
            self._set_notice(page.describe())
            return
        self.view.prepend(page.items, has_earlier=page.has_earlier)
        self._show_header()

    @on(TranscriptView.EarlierWanted)
    def _earlier_wanted(self) -> None:
        self._load_earlier()

    @on(TranscriptView.FollowChanged)
    def _follow_changed(self, message: TranscriptView.FollowChanged) -> None:
        pending = self.query_one("#transcript-pending", Static)
        if not message.following and message.pending:
            noun = "item" if message.pending == 1 else "items"
            pending.update(f"▼ +{message.pending} new {noun} · end or G follows")
            pending.add_class("shown")
        else:
            pending.remove_class("shown")
        self._show_header()

    async def _show_footer(self) -> None:
        if not self.query(SessionFooter):
            await self.mount(SessionFooter())
            self.refresh_bindings()  # a footer composes its keys when the bindings are told

    # --- header and notice --------------------------------------------------------------------

    def _set_notice(self, text: str | None) -> None:
        self.notice = text
        notice = self.query_one("#transcript-notice", Static)
        notice.update(literal_text(text) if text else "")
        notice.set_class(bool(text), "shown")

    def _show_header(self) -> None:
        view = self.view
        if not self.loaded:
            state = "loading"
        elif view.following:
            state = "following"
        else:
            state = f"paused, +{view.pending} new" if view.pending else "paused"
        count = len(view.items)
        more = ", earlier ones at the top" if view.has_earlier else ""
        noun = "item" if count == 1 else "items"
        title = f"Transcript of {visible(self.key)} · {count} {noun}{more} · {state}"
        header = Text.assemble((title, "bold"), "\n", (visible(self.source.path), "dim"))
        header.no_wrap = True
        header.overflow = "ellipsis"
        self.query_one("#transcript-header", Static).update(header)

    # --- actions ------------------------------------------------------------------------------

    def action_close(self) -> None:
        self.dismiss(None)


async def _close(source: TranscriptSource) -> None:
    await asyncio.wait_for(source.close(), CLOSE_TIMEOUT_S)


def _skipped_note(page: TranscriptPage) -> str | None:
    if not page.skipped:
        return None
    lines = "line" if page.skipped == 1 else "lines"
    return f"{page.path}: {page.skipped} {lines} could not be read and are not shown"


def open_transcript_screen(app: Any, key: str | None) -> TranscriptScreen | None:
    """Push the transcript of ``key`` over the current screen; None (and a notice) if none."""
    if key is None:
        app.notify("No session is highlighted.", severity="warning")
        return None
    store = app.store
    if store is None:
        app.notify("No store is open, so there is no transcript to show.", severity="warning")
        return None
    try:
        source = store.open_transcript(key)
    except Exception as exc:  # a store bug must not become a traceback on screen
        app.notify(
            f"Cannot open the transcript of {visible(key)}: {describe_error(exc)}",
            severity="error",
            markup=False,
        )
        return None
    screen = TranscriptScreen(source, key, clock=app.clock)
    app.push_screen(screen)
    return screen
