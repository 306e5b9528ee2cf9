"""The live session browser: wires a store's events to the view model and the widgets.

Data flows one way: store event -> ``SessionViewModel`` -> ``SessionTable``/panes. Nothing here
edits a session except through the store's own ``update_entry``/``update``/``delete_entry``.

Inline editing lives in ``tui.editing.EditingPanel`` (a widget), mounted in the bottom
container ``#command-area``; its keys (``:``, ``/``, ``t``, ``m``, ``l``, ``e``, delete) are the
main screen's bindings and forward to ``action_editing``. The panel reads the open store, the
read-only state and the highlighted/marked sessions from ``MainScreen.edit_context``.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import gc
import os
import signal
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, ClassVar

import anyio
from textual import on, work
from textual.actions import SkipAction
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType, Keymap
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.driver import Driver
from textual.notifications import Notify, SeverityLevel
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input, TextArea
from textual.worker import Worker, WorkerState

from openclaw_tui.store.api import SessionStoreAPI
from openclaw_tui.store.backends.json_file import DEFAULT_MAX_BYTES, IndexedFile, peek_indexed
from openclaw_tui.store.backends.scan_process import ScanProcess
from openclaw_tui.store.checks import KNOWN_FIELDS
from openclaw_tui.store.errors import StoreError, StoreWriteError, describe_error, error_message
from openclaw_tui.store.events import ConnectionState, StoreErrorEvent, StoreEvent, StoreReloaded
from openclaw_tui.store.fleet import (
    LOCAL_NAME,
    AttentionItem,
    GatewayStatus,
    Refusal,
    RunStateCache,
    attention,
    with_running,
)
from openclaw_tui.store.keys import namespace_of, shorten_key, strip_namespace
from openclaw_tui.store.paths import find_store
from openclaw_tui.store.runs import DEFAULT_STALL_SECONDS
from openclaw_tui.tui.config import UserConfig
from openclaw_tui.tui.editing import EDITING_BINDINGS, EditContext, EditingPanel
from openclaw_tui.tui.fleet_view import FleetView
from openclaw_tui.tui.format import relative_age
from openclaw_tui.tui.keymap import KeyContext, resolve_keymap
from openclaw_tui.tui.messages import (
    NewestSessions,
    StoreAppeared,
    StoreEvents,
    StoreFailed,
    StoreOpened,
    StorePreview,
    TranscriptActivity,
    WorkerFailed,
)
from openclaw_tui.tui.palette import SessionCommands
from openclaw_tui.tui.preview import PreviewViewModel
from openclaw_tui.tui.slash import build
from openclaw_tui.tui.target import StoreTarget, kind_of_path, target_for_location
from openclaw_tui.tui.toasts import overflowing, toast_height
from openclaw_tui.tui.viewmodel import (
    DEFAULT_COLUMNS,
    ApplyResult,
    Clock,
    Column,
    FilterError,
    SessionViewModel,
    gateway_column,
    gateway_scope,
    parse_filter,
    scoped_filter,
    shown_totals,
)
from openclaw_tui.widgets.banner import Banner
from openclaw_tui.widgets.context_header import ContextHeader, ContextInfo
from openclaw_tui.widgets.detail_pane import DetailPane
from openclaw_tui.widgets.empty_state import EmptyState
from openclaw_tui.widgets.filter_bar import FilterBar
from openclaw_tui.widgets.footer import SessionFooter
from openclaw_tui.widgets.session_table import SessionTable
from openclaw_tui.widgets.status_bar import ConnectionNote, StatusBar, StatusInfo
from openclaw_tui.widgets.text import visible

QUIT_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
"""Signals that quit the way ``q`` does (terminal restored, store closed, the demo's files
removed); a second one while quitting acts at once (the handler is gone by then)."""

ACTIVITY_PROBE_SECONDS = 5.0
"""How often the transcripts of running sessions are looked at (a stat or one indexed query
each) for the stalled flag; a quarter of --stalled-after when that is shorter."""
MAX_ACTIVITY_PROBES = 2_000
"""Running sessions looked at per probe (the longest-running first would be no better: any)."""

FRAME_SECONDS = 1 / 30
"""Events are applied at most once per frame: a burst of 1,000 changes is one table update."""

FILTER_DEBOUNCE_SECONDS = 0.15
PROGRESSIVE_ROWS = 20_000
"""From this many sessions on, the first screenful is shown before every row is built."""
AGE_REFILTER_SECONDS = 30.0
"""How often a filter with updated: ages is applied again (rows age into or out of it)."""
PREVIEW_ROWS = 200
SETTLE_ROWS = 5_000
# A flush applies about this much of the view model's work at most; a bigger burst (ten
# gateways listing at once piled up 1 s of it in one flush) goes over the next flushes, soon
# after (keys and a frame get the loop in between). Rows per flush from the measured pace.
FLUSH_BUDGET_S = 0.04
FLUSH_MIN_ROWS = 500
FLUSH_AGAIN_S = FRAME_SECONDS / 3
"""Rows added by events after which the heap is settled again (see ``settle_heap``)."""
NARROW_WIDTH = 110
"""Below this many columns the detail pane starts hidden."""
READ_ONLY_ERRNOS = {errno.EACCES, errno.EPERM, errno.EROFS}
STORE_APPEARS_SECONDS = 1.0
"""While an agent has no store yet, how often to look whether OpenClaw created one (two stats)."""


def settle_heap() -> None:
    """After a whole store is loaded, keep the cycle collector off the long-lived objects.

    A 100k-session store is millions of dicts and strings that live as long as the view; each
    full collection would walk them all and freeze the screen for a few hundred ms. They hold
    no reference cycles, so reference counting still frees them when they go away.
    """
    gc.collect(1)  # the young garbage with cycles goes first: frozen, it would stay for good
    gc.freeze()


StoreFactory = Callable[[StoreTarget, bool, bool], SessionStoreAPI]
"""(target, read_only, watch) -> an unopened store. Tests pass one with fault-injecting syscalls."""


def default_store_factory(
    target: StoreTarget, read_only: bool, watch: bool, *, max_bytes: int | None = DEFAULT_MAX_BYTES
) -> SessionStoreAPI:
    # Imported here, not with the app: the store's core (session_store, _core, watch, the
    # backends' writers; ~0.05-0.1 s) is not needed before the first frame, and _run_store
    # makes the store only once a big store's first rows are on screen.
    from openclaw_tui.store.open import store_for

    return store_for(
        target.gateways or target.path, read_only=read_only, watch=watch, max_bytes=max_bytes
    )


def _gateway_of(key: str, entry: Any) -> str:
    """The gateway part of a multi-gateway key (``<gateway>/<session key>``)."""
    return namespace_of(key)


class MainScreen(Screen[None]):
    """Table, detail pane, filter line, banner, status bar, and the command area."""

    app: SessionBrowserApp  # the screen only runs inside this app (narrows Screen.app)

    BINDING_GROUP_TITLE = "Sessions"
    AUTO_FOCUS = None  # focus is placed explicitly: the table, or the empty state

    BINDINGS: ClassVar[list[BindingType]] = [
        # A priority binding, like the editing keys: the filter must take focus while the app
        # dispatches this key, before the keys typed right behind it reach the table.
        # F-keys as htop's are second keys (F3 filter, F5 refresh/resume, F6 sort, F9 delete).
        Binding("f,ctrl+f,f3", "filter", "Filter", priority=True, id="filter"),
        Binding("p", "toggle_pause", "Pause", id="pause"),
        Binding("s,f6", "sort_next", "Sort", id="sort-next"),
        Binding("S", "sort_reverse", "Reverse sort", show=False, id="sort-reverse"),
        Binding("c", "copy_key", "Copy key", id="copy-key"),
        Binding("C", "copy_session_id", "Copy id", show=False, id="copy-session-id"),
        Binding("d", "toggle_detail", "Details", id="toggle-detail"),
        Binding("f5", "refresh", "Refresh/resume", show=False, id="refresh"),
        Binding("v", "open_transcript", "Transcript", id="transcript"),
        Binding("u", "usage", "Usage", show=False, id="usage"),
        Binding("w", "gateways", "Gateways", show=False, id="gateways"),
        Binding("exclamation_mark", "attention", "Attention", show=False, id="attention"),
        Binding("T", "toggle_tree", "Subagent tree", show=False, id="tree"),
        Binding("plus", "detail_more", "More fields", show=False, id="detail-more"),
        Binding("escape", "clear", "Clear filter/marks", show=False, id="clear"),
        *(
            Binding(
                str(n), f"sort_column({n - 1})", f"Sort by column {n}", show=False, id=f"sort-{n}"
            )
            for n in range(1, 10)
        ),
        *EDITING_BINDINGS,
    ]

    def __init__(
        self,
        *,
        clock: Clock,
        monotonic: Callable[[], float],
        stall_seconds: float = DEFAULT_STALL_SECONDS,
        feedback_seconds: float | None = None,
    ) -> None:
        super().__init__(id="main")
        self.clock = clock
        self.feedback_seconds = feedback_seconds  # None: the command bar's default
        self.monotonic = monotonic
        self.stall_seconds = stall_seconds
        self.vm = SessionViewModel(clock=clock, monotonic=monotonic, stall_seconds=stall_seconds)
        self.target: StoreTarget | None = None
        self._flush_timer: Timer | None = None
        self._activity_probed_at = float("-inf")
        self._filter_timer: Timer | None = None
        self._health: str | None = None
        self._loading_total: int | None = None  # while a big store's rows are being built
        # The target whose newest sessions are on screen before its store opened.
        self._first_page: StoreTarget | None = None
        self._rebuilding = 0  # re-sorts/filters being built in a worker thread
        self._epoch = 0  # bumps when the rows are replaced (another store, other columns)
        self.table_updates = 0
        """How many times live changes were applied to the table (one per frame at most)."""
        self._unsettled_rows = 0  # rows added by events since the heap was last settled
        self._flush_rows_per_s = 40_000.0  # the view model's pace, measured on big flushes
        self._detail_due = False  # the detail pane follows the cursor after the next frame
        self.connections: dict[str, ConnectionState] = {}
        """Latest connection state per gateway (remote stores only), shown in the status bar."""
        self._connection_banner = False  # the banner currently says a connection problem
        self.acknowledged: set[tuple[str, str, object]] = set()
        """Attention items the operator acknowledged (``a`` there): hidden until they recur."""
        self.refusals: dict[str, Refusal] = {}
        """Sessions whose last write was refused (the store's or gateway's words), until a
        write to them lands: the attention view lists them."""

    # --- layout -------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield ContextHeader(id="context")
        yield Banner(id="banner")
        yield FilterBar(id="filter-bar")
        with Horizontal(id="body"):
            yield SessionTable(
                self.vm,
                id="sessions",
                monotonic=self.monotonic,
                key_formatter=self._format_key,
            )
            yield DetailPane(id="detail", known_fields=KNOWN_FIELDS)
        yield EmptyState(id="empty")
        with Vertical(id="command-area"):
            yield EditingPanel(
                self.edit_context,
                monotonic=self.monotonic,
                feedback_seconds=self.feedback_seconds,
            )
        yield StatusBar(id="status")
        yield SessionFooter()

    def on_mount(self) -> None:
        # The store may already have been found missing (empty state shown, body hidden).
        if self.query_one("#body").display:
            self.table.focus()
        else:
            self.empty_state.focus()
        self.set_interval(1.0, self._tick)
        self.set_interval(0.25, self.table.refresh_highlights)
        # On a narrow terminal the table needs the room; `d` brings the pane back.
        self.detail.display = self.app.size.width >= NARROW_WIDTH

    # --- what other parts use -----------------------------------------------------------------

    @property
    def table(self) -> SessionTable:
        return self.query_one("#sessions", SessionTable)

    @property
    def detail(self) -> DetailPane:
        return self.query_one("#detail", DetailPane)

    @property
    def banner(self) -> Banner:
        return self.query_one("#banner", Banner)

    @property
    def status(self) -> StatusBar:
        return self.query_one("#status", StatusBar)

    @property
    def filter_bar(self) -> FilterBar:
        return self.query_one("#filter-bar", FilterBar)

    @property
    def empty_state(self) -> EmptyState:
        return self.query_one("#empty", EmptyState)

    @property
    def current_key(self) -> str | None:
        """The highlighted session's key."""
        return self.table.cursor_key

    @property
    def marked_keys(self) -> set[str]:
        """Keys marked with space (they survive updates; removed sessions drop out)."""
        return self.vm.marked_keys

    @property
    def paused(self) -> bool:
        return self.vm.paused

    def set_columns(self, columns: Sequence[Column]) -> None:
        """Show other columns (e.g. add ``gateway_column`` when rows come from several
        gateways). Entries, filter, marks and, when its column is still there, the sort stay."""
        old = self.vm
        vm = SessionViewModel(
            columns, clock=self.clock, monotonic=self.monotonic, stall_seconds=self.stall_seconds
        )
        vm.paused = old.paused
        vm.tree = old.tree
        vm.marked_keys = set(old.marked_keys)
        vm.adopt_pending(old)  # changes held by a pause stay pending
        keep_sort = any(c.id == old.sort_column for c in columns)
        vm.configure(
            entries=old.entries,
            sort_column=old.sort_column if keep_sort else None,
            sort_reverse=old.sort_reverse,
            filter_text=old.filter_text,
        )
        self.vm = vm
        self._epoch += 1
        self.table.set_source(vm)
        self._show_selected()
        self._update_status()

    def _marked_in_table_order(self) -> tuple[str, ...]:
        """The marks in the order the table shows them (hidden by the filter: after, by key):
        what a bulk edit reports first, and the same on every run (a set's order is not)."""
        vm = self.vm

        def position(key: str) -> tuple[bool, int, str]:
            index = vm.index_of(key)
            return (index is None, index or 0, key)

        return tuple(sorted(vm.marked_keys, key=position))

    def edit_context(self) -> EditContext:
        """What the editing panel acts on, now."""
        app = self.app
        assert isinstance(app, SessionBrowserApp)
        return EditContext(
            store=app.store,
            read_only=app.read_only,
            current_key=self.current_key,
            marked_keys=self._marked_in_table_order(),
            filter_text=self.vm.filter_text,
            now=self.clock,
            agent_id=self.target.agent_id if self.target is not None else None,
        )

    @on(EditingPanel.Finished)
    def _edit_finished(self, message: EditingPanel.Finished) -> None:
        """The operator's own edit shows at once, even while live updates are paused: the
        sessions it touched are shown as the store holds them now (others stay pending)."""
        self._record_refusals(message)
        store = self.app.store
        if not self.vm.paused or store is None or not message.keys:
            return  # live: the store's events show the edit within a frame
        result = self.vm.apply_now({key: store.get(key) for key in message.keys})
        self._after_apply(result)

    def _record_refusals(self, message: EditingPanel.Finished) -> None:
        """A write refused for a session is remembered until a write to it lands."""
        if not message.writes:
            return  # /stop, /status: nothing was written, nothing refused
        now_ms = int(self.clock() * 1000)
        for key in message.keys:
            reason = message.failures.get(key)
            if reason is None:
                self.refusals.pop(key, None)
            else:
                self.refusals[key] = Refusal(reason, now_ms, message.command)
        self.fleet_changed()

    TYPED_ACTIONS = frozenset({"filter", "editing"})
    """Actions whose keys give way to a focused text field (the action would skip, and the key
    is typed there: ``delete`` deletes a character, ``ctrl+f`` a word)."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """While a text field has focus the footer offers only the keys that act there: not
        ``del Delete`` or ``^f Filter``, whose keys the field takes."""
        # This screen's focus, not the app's: the help and the palette list these keys from
        # over the table, whose keys they are.
        typing = isinstance(self.focused, Input | TextArea)
        return not (typing and action in self.TYPED_ACTIONS)

    def action_editing(self, verb: str, arg: str = "") -> None:
        """The editing keys: the editing panel decides (command bar, editors, delete)."""
        self.query_one(EditingPanel).handle(verb, arg)

    def _columns_for(self, target: StoreTarget) -> None:
        """A Gateway column exactly when rows come from several gateways."""
        has_gateway = any(c.id == "gateway" for c in self.vm.columns)
        if target.multi_gateway and not has_gateway:
            self.set_columns((*DEFAULT_COLUMNS, gateway_column(_gateway_of)))
        elif not target.multi_gateway and has_gateway:
            self.set_columns(DEFAULT_COLUMNS)

    def _format_key(self, key: str, width: int) -> str:
        target = self.target
        if target is not None and target.multi_gateway:
            # "<gateway>/<session key>": the Gateway column names the gateway already.
            key = strip_namespace(key)
        agent = target.agent_id if target is not None else None
        return shorten_key(key, width, agent_id=agent or "main")

    # --- store lifecycle (called by the app) --------------------------------------------------

    def _in_first_order(self) -> bool:
        """The table shows the order a big store's early rows come in: newest first, no
        filter, no tree (``NewestSessions`` and ``StorePreview`` are only shown then)."""
        vm = self.vm
        return not (vm.filter_text or vm.tree) and (vm.sort_column, vm.sort_reverse) == (
            "updated",
            True,
        )

    @on(NewestSessions)
    def _newest_sessions(self, message: NewestSessions) -> None:
        """The newest sessions of a big ``sessions.json`` on screen before the store has
        parsed it: the first screenful after a scan of the bytes (~0.3 s at 100,000 sessions)
        instead of after the whole parse. Only in the order those rows are the top
        of (newest first, no filter, no tree); the store's snapshot replaces them once it is
        open (``store_opened``), or ``store_failed`` clears them."""
        if not self._in_first_order():
            return
        vm = self.vm
        self.target = message.target
        self._first_page = message.target
        vm.rebuild(message.entries)
        self._loading_total = message.total
        self._after_apply(ApplyResult(structural=True, rebuilt=True))

    @on(StorePreview)
    def _store_preview(self, message: StorePreview) -> None:
        """Every session of a big ``sessions.json`` on screen before the store has parsed it
        (``tui/preview.py``), in the order they are shown by default (newest first, no filter,
        no tree): only then, once that frame is out (``painted``), does the store's parse
        start. ``store_opened`` replaces the preview; ``store_failed`` takes it away."""
        preview, painted = message.preview, message.painted
        if not self._in_first_order() or self.app.target is not message.target:
            preview.close()
            if not painted.done():
                painted.set_result(None)
            return
        preview.paused = self.vm.paused

        def broken() -> None:
            # Found while a line is drawn: the rows are replaced after that, not during it.
            self.call_later(self._preview_broken, preview)

        preview.on_broken = broken
        self.target = message.target
        self._first_page = message.target
        self.vm = preview
        self._epoch += 1
        self.table.set_source(preview)
        self._loading_total = preview.total_count
        self._after_apply(ApplyResult(structural=True, rebuilt=True))

        def on_screen() -> None:
            if not painted.done():
                painted.set_result(None)

        self.call_after_refresh(on_screen)

    def _preview_broken(self, preview: PreviewViewModel) -> None:
        """An entry of the preview is not what the store's parse would read (not exact, not an
        object, a key repeated, the file changed in place): until the store is open, only the
        rows checked so far are shown, in the order and with the filter the operator wants."""
        if self.vm is not preview:
            return
        checked = preview.spawn()
        checked.rebuild(preview.built_entries())
        preview.close()
        self.vm = checked
        self._epoch += 1
        self.table.set_source(checked)
        self._after_apply(ApplyResult(structural=True, rebuilt=True))

    async def store_opened(self, store: SessionStoreAPI, target: StoreTarget) -> None:
        """A store was opened: show its snapshot and its health.

        A big store is shown in two steps: the first screenful at once (the rows on top in the
        current sort, unless ``NewestSessions`` put them on screen already), then every row,
        built in a worker thread while the first page is on screen. Events wait in the
        subscription meanwhile, so none is missed.
        """
        first_page = self._first_page is target
        self._first_page = None
        self.target = target
        self._epoch += 1
        self.banner.clear()
        self._health = None
        self._loading_total = None
        self._columns_for(target)
        self._seed_connections(store)
        entries = store.load()
        progressive = len(entries) >= PROGRESSIVE_ROWS and not self.vm.filter_text
        preview = (
            self.vm.top_entries(entries, PREVIEW_ROWS) if progressive and not first_page else None
        )
        if preview is None and not (progressive and first_page):
            self.vm.rebuild(entries)
        else:
            if preview is not None:
                self.vm.rebuild(preview)
            self._loading_total = len(entries)
            self._show_snapshot(store)
            full = self.vm.spawn()
            await anyio.to_thread.run_sync(full.rebuild, entries)
            self._loading_total = None
            preview_vm = self.vm
            full.marked_keys = set(preview_vm.marked_keys)
            full.paused = preview_vm.paused
            wanted = preview_vm.wanted()
            if wanted != full.wanted() or preview_vm.tree != full.tree:
                # The operator sorted, filtered or asked for the tree meanwhile: keep that.
                column, reverse, text = wanted
                full.tree = preview_vm.tree
                await anyio.to_thread.run_sync(
                    lambda: full.configure(
                        entries=full.entries,
                        sort_column=column,
                        sort_reverse=reverse,
                        filter_text=text,
                    )
                )
            self.vm = full
            self.table.set_source(full)
            if isinstance(preview_vm, PreviewViewModel):
                preview_vm.close()
                if preview_vm.requested:
                    self._after_reconfigure()
        settle_heap()
        self._show_snapshot(store)

    def _show_snapshot(self, store: SessionStoreAPI) -> None:
        self._check_health(store)
        self._show_quarantined(store)
        self._after_apply(ApplyResult(structural=True, rebuilt=True))
        self.table.data_changed(structural=True, changed=False)
        self._show_selected()

    @on(StoreOpened)
    def _store_opened(self, message: StoreOpened) -> None:
        # Built in a worker, not in this handler: a handler awaiting the build would hold this
        # screen's message queue (the operator's keys) for as long as a big store takes.
        worker = self.run_worker(
            self._show_opened(message),
            group="store-shown",
            exclusive=True,  # a newer store's snapshot replaces one still being built
            exit_on_error=False,
            description="Showing the store",
        )
        shown = message.shown

        def _store_worker_gone(future: asyncio.Future[None]) -> None:
            if future.cancelled():
                worker.cancel()  # the store worker was cancelled: nobody waits for this build

        shown.add_done_callback(_store_worker_gone)

    async def _show_opened(self, message: StoreOpened) -> None:
        shown = message.shown
        try:
            await self.store_opened(message.store, message.target)
        except asyncio.CancelledError:
            shown.cancel()
            raise
        except Exception as exc:  # handed on whole: the store worker reports it
            if not shown.done():
                shown.set_exception(exc)
        else:
            if not shown.done():
                shown.set_result(None)

    @on(StoreFailed)
    def _store_failed(self, message: StoreFailed) -> None:
        self.store_failed(message.target, message.message)

    @on(StoreEvents)
    def _store_events(self, message: StoreEvents) -> None:
        if message.store is not self.app.store:
            return  # from a store closed since (another agent was opened meanwhile)
        for event in message.events:
            try:
                self.handle_store_event(event)
            except Exception as exc:  # a display bug must not kill the live view
                self.banner.show_message(
                    f"Could not show a change ({describe_error(exc)}); "
                    "the view may be stale until the next change.",
                    "warning",
                )

    @on(TranscriptActivity)
    def _transcript_activity(self, message: TranscriptActivity) -> None:
        if message.store is not self.app.store:
            return
        vm = self.vm
        vm.activity.retain(vm.running_keys)  # marks matter only while a session runs
        if vm.note_activity(message.marks):
            self.table.repaint()
            self._update_status()

    def _probe_activity(self) -> None:
        """Every few seconds, while sessions run: when were their transcripts last written?"""
        store = self.app.store
        vm = self.vm
        if store is None or not vm.running_keys:
            return
        now = self.monotonic()
        every = min(ACTIVITY_PROBE_SECONDS, max(0.5, vm.stall_seconds / 4))
        if now - self._activity_probed_at < every:
            return
        self._activity_probed_at = now
        keys = list(vm.running_keys)[:MAX_ACTIVITY_PROBES]
        self._read_activity(store, keys)

    @work(group="activity", exclusive=True, exit_on_error=False, description="Reading activity")
    async def _read_activity(self, store: SessionStoreAPI, keys: list[str]) -> None:
        marks = await store.transcript_activity(keys)
        if marks:
            self.post_message(TranscriptActivity(store, marks))

    @on(WorkerFailed)
    def _worker_failed(self, message: WorkerFailed) -> None:
        self.banner.show_message(
            f"{message.description} failed: {describe_error(message.error)}. "
            "The rest of the view carries on.",
            "warning",
        )

    def store_failed(self, target: StoreTarget, message: str) -> None:
        """The store could not be opened at all."""
        self.target = target
        self.connections = {}
        self._connection_banner = False
        self._loading_total = None  # the first page shown before the store opened goes too
        self._first_page = None
        if isinstance(self.vm, PreviewViewModel):
            self.vm.close()
            self.vm = self.vm.spawn()
            self.table.set_source(self.vm)
        self.vm.rebuild({})
        self.banner.show_message(message)
        self._after_apply(ApplyResult(structural=True, rebuilt=True))

    def _show_quarantined(self, store: SessionStoreAPI) -> None:
        """Entries the store keeps but cannot show (not objects) are said, never dropped."""
        if self.banner.message is not None and self.banner.severity != "information":
            return  # an error or warning is more urgent
        hidden = [issue for issue in store.issues if issue.code == "not_an_object"]
        if not hidden:
            if self.banner.severity == "information":
                self.banner.clear()
            return
        more = f" (and {len(hidden) - 1} more)" if len(hidden) > 1 else ""
        noun = "entry is" if len(hidden) == 1 else "entries are"
        self.banner.show_message(
            f"{len(hidden)} {noun} kept in the file but not shown: {hidden[0].message}{more}",
            "information",
        )

    def _check_health(self, store: SessionStoreAPI) -> None:
        health = store.health
        if health.error is not None:
            self._show_store_error(
                health.error.describe(), health.operation or "read", health.error
            )
        if health.read_only_reason and not self.app.read_only:
            self.app.set_read_only(health.read_only_reason)

    def handle_store_event(self, event: StoreEvent) -> None:
        """Every event from the store subscription comes through here."""
        if isinstance(event, StoreErrorEvent):
            self._show_store_error(event.message, event.operation, event.error)
            self._update_status()
            return
        if isinstance(event, ConnectionState):
            self._connection_changed(event)
            return
        if isinstance(event, StoreReloaded) and event.reason == "recovered":
            self.banner.clear()
            self._health = None
        if self.vm.enqueue(event):
            self._schedule_flush()
        else:
            self._update_status()

    # --- gateway connections ------------------------------------------------------------------

    def _seed_connections(self, store: SessionStoreAPI) -> None:
        """A remote store's current connection states (events carry the later ones)."""
        self.connections = {}
        for state in store.connection_states():
            self.connections[str(state.extra.get("gateway") or "gateway")] = state
        self._show_connection_banner()
        self._update_empty_state()

    def _connection_changed(self, event: ConnectionState) -> None:
        self.connections[str(event.extra.get("gateway") or "gateway")] = event
        self._show_connection_banner()
        self._update_empty_state()
        self._update_status()
        self.fleet_changed()

    def _show_connection_banner(self) -> None:
        """Failures (an error), pairing and lost connections (warnings) in the banner, each
        with the gateway's name and what to do; cleared once every gateway is connected."""
        failed = [s for s in self.connections.values() if s.state == "failed"]
        pairing = [s for s in self.connections.values() if s.state == "pairing"]
        # Only a lost connection has a retry planned (not one that was never opened yet).
        lost = [
            s
            for s in self.connections.values()
            if s.state == "disconnected" and s.extra.get("retry_in")
        ]
        # Connected, but listing or subscribing failed: the store put the reason in the detail.
        troubled = [
            s
            for s in self.connections.values()
            if s.state == "connected" and s.detail and not s.detail.startswith("connected to")
        ]
        if failed:
            self.banner.show_message("; ".join(s.detail for s in failed), "error")
        elif pairing or lost or troubled:
            lines = [
                *(s.detail for s in pairing),
                *(f"{s.detail} (openclaw-tui retries by itself)" for s in lost),
                *(f"gateway {s.extra.get('gateway')}: {s.detail}" for s in troubled),
            ]
            self.banner.show_message("; ".join(lines), "warning")
        else:
            if self._connection_banner:
                self.banner.clear()
            self._connection_banner = False
            return
        self._connection_banner = True

    def _connection_notes(self) -> tuple[ConnectionNote, ...]:
        notes = []
        for name, state in self.connections.items():
            note = ""
            if state.state == "pairing":
                command = str(state.extra.get("command") or "openclaw devices list")
                request = state.extra.get("request_id")
                note = f"request {request}, approve on its host: {command}" if request else command
            elif state.state == "failed":
                error = state.extra.get("error")
                note = error_message(error, state.detail)
            elif state.state == "connected":
                version = state.extra.get("server_version")
                note = f"OpenClaw {version}" if version else ""
                if state.detail and not state.detail.startswith("connected to"):
                    note = state.detail
                upgrade = state.extra.get("upgrade_command")
                if upgrade:
                    # Works with the approved scopes; the wider set waits for the operator.
                    waiting = ", ".join(state.extra.get("upgrade_scopes") or ()) or "more scopes"
                    note = f"{note + '; ' if note else ''}{waiting} awaits approval: {upgrade}"
            notes.append(ConnectionNote(name, state.state, note))
        return tuple(notes)

    def _show_store_error(
        self, message: str, operation: str, error: Exception | None = None
    ) -> None:
        # The status bar already names the path: keep its health note short.
        self._health = f"{operation} failed: {getattr(error, 'message', None) or message}"
        if operation == "write":
            code = getattr(error, "errno", None)
            if isinstance(error, StoreWriteError) and code in READ_ONLY_ERRNOS:
                self.app.set_read_only(f"writing failed: {message}")
                self.banner.show_message(
                    f"Switched to read-only: {message}. Fix the permissions and restart to edit.",
                    "warning",
                )
            else:
                self.banner.show_message(f"A write failed: {message}", "warning")
            return
        # Only claim "last good sessions" when there are some: at start-up there are none.
        shown = (
            "Showing the last good sessions"
            if self.vm.total_count
            else "Nothing is shown until it can be read"
        )
        self.banner.show_message(
            f"Cannot read the store: {message}. {shown}; "
            "this clears by itself once the file is readable again."
        )
        self._update_empty_state()

    # --- applying changes ---------------------------------------------------------------------

    def _schedule_flush(self) -> None:
        if self._flush_timer is None:
            self._flush_timer = self.set_timer(FRAME_SECONDS, self._flush_pending)

    def _flush_pending(self) -> None:
        if self._flush_timer is not None:
            self._flush_timer.stop()  # when called directly (resume), not by the timer
            self._flush_timer = None
        if self._rebuilding:
            # A re-sort is being built from the current rows: changes wait, then go to it.
            self._schedule_flush()
            return
        store = self.app.store
        snapshot = store.load() if self.vm.needs_reload and store is not None else None
        started = time.perf_counter()
        max_rows = max(FLUSH_MIN_ROWS, int(self._flush_rows_per_s * FLUSH_BUDGET_S))
        result = self.vm.flush(snapshot, max_rows=max_rows)
        rows = len(result.changed_keys)
        if rows >= FLUSH_MIN_ROWS and not result.rebuilt:
            took = max(time.perf_counter() - started, 1e-6)
            self._flush_rows_per_s = 0.5 * self._flush_rows_per_s + 0.5 * rows / took
        if self.vm.pending_count and not self.vm.paused and self._flush_timer is None:
            # The rest of a big burst, soon: keys and a frame get the loop in between.
            self._flush_timer = self.set_timer(FLUSH_AGAIN_S, self._flush_pending)
        self.table_updates += 1
        self._unsettled_rows += len(result.changed_keys) if result.rebuilt else result.added
        if self._unsettled_rows >= SETTLE_ROWS:
            # A gateway's rows stream in as events (not as one snapshot): settle them as they
            # come, or each full collection walks them all and stalls the screen for ~1 s.
            settle_heap()
            self._unsettled_rows = 0
        if store is not None:
            self._refresh_write_health(store)
            if result.rebuilt or result.added:
                self._show_quarantined(store)
        self._after_apply(result)

    def _refresh_write_health(self, store: SessionStoreAPI) -> None:
        """A write that failed earlier and has since succeeded: the warning goes away."""
        if self._health is not None and self._health.startswith("write") and store.health.ok:
            self._health = None
            if self.banner.severity == "warning" and not self.app.read_only:
                self.banner.clear()

    def _after_apply(self, result: ApplyResult) -> None:
        if result.structural or result.changed_keys:
            self.table.data_changed(structural=result.structural, changed=not result.rebuilt)
        if result.rebuilt or (self.current_key in result.changed_keys):
            self._show_selected_soon()
        self._update_empty_state()
        self._update_status()
        if result.rebuilt or result.changed_keys:
            self.fleet_changed()

    # --- the fleet views (w: gateways panel, !: attention view) --------------------------------

    def fleet_changed(self) -> None:
        """Changes or connection states arrived: the open fleet views ask again (at most one
        refresh per frame however many arrive)."""
        for screen in self.app.screen_stack:
            if isinstance(screen, FleetView):
                screen.data_changed()

    @property
    def scopable(self) -> bool:
        """The table can be limited to one gateway (rows come from several)."""
        return self.target is not None and self.target.multi_gateway

    @property
    def gateway_scope(self) -> str | None:
        """The one gateway the table shows (the filter's ``gw:NAME``), None: all of them."""
        return gateway_scope(self.vm.filter_text) if self.scopable else None

    def set_gateway_scope(self, gateway: str | None) -> None:
        """Show one gateway's sessions (None: every gateway's); other filter terms stay."""
        if self.apply_filter(scoped_filter(self.vm.filter_text, gateway)):
            shown = f"gateway {gateway} only" if gateway else "all gateways"
            self.notify(f"Showing {visible(shown)} (w switches).", markup=False, timeout=3)

    def gateway_statuses(self) -> list[GatewayStatus]:
        """Each gateway's status (a file store: itself), running runs counted from the rows."""
        store = self.app.store
        if store is None:
            return []
        try:
            statuses = store.gateway_statuses()
        except Exception:  # a closing store: the panel shows what it can next time
            return []
        return with_running(statuses, self.vm.running_keys, namespace_of)

    def attention_items(self, cache: RunStateCache | None = None) -> list[AttentionItem]:
        """What needs an operator now, ranked (store/fleet.py ``attention``); ``cache`` is the
        asking view's, kept between its refreshes."""
        vm = self.vm
        for key in [k for k in self.refusals if k not in vm.entries]:
            del self.refusals[key]  # the session is gone: nothing left to act on
        statuses = self.gateway_statuses()
        if self.scopable:
            gateway_of: Callable[[str], str] = namespace_of
        else:
            # One store: every session is its one gateway's (a file store's is "local").
            only = statuses[0].name if len(statuses) == 1 else LOCAL_NAME

            def gateway_of(key: str) -> str:
                return only

        return attention(
            vm.entries,
            vm.running_keys | vm.ended_badly_keys,
            now_ms=self.clock() * 1000,
            limit_ms=vm.stall_limit_ms,
            gateway_of=gateway_of,
            statuses=statuses,
            refusals=self.refusals,
            cache=cache,
            activity=vm.activity,
        )

    def action_gateways(self) -> None:
        from openclaw_tui.tui.gateways import GatewaysScreen

        if not isinstance(self.app.screen, GatewaysScreen):
            self.app.push_screen(GatewaysScreen(self))

    def action_attention(self) -> None:
        from openclaw_tui.tui.attention import AttentionScreen

        if not isinstance(self.app.screen, AttentionScreen):
            self.app.push_screen(AttentionScreen(self))

    @on(StoreAppeared)
    def store_appeared(self) -> None:
        """The missing store now exists: one state, said the same in body and status bar."""
        target = self.target
        if target is not None and target.kind == "missing":
            self.target = StoreTarget(
                target.path,
                kind_of_path(target.path),
                target.agent_id,
                target.state_dir,
                target.notes,
            )
        self._update_empty_state()
        self._update_status()

    def _update_empty_state(self) -> None:
        target = self.target
        if target is not None and target.kind == "missing" and self.vm.total_count == 0:
            lines = [f"Looked at: {path}" for path in (target.looked_at or (target.path,))]
            lines.append(
                "Point elsewhere with --store PATH, --state-dir DIR (or OPENCLAW_STATE_DIR), "
                "or --agent ID; press a to pick another agent. "
                "This view fills in by itself when the store appears."
            )
            self.empty_state.show_state("No session store here yet.", lines)
            body = self.query_one("#body")
            if body.display:
                body.display = False
                # Nothing to navigate: the footer shows the screen's keys, not the table's.
                self.empty_state.focus()
        else:
            if target is not None and target.kind == "missing" and self.vm.total_count:
                self.target = StoreTarget(
                    target.path,
                    kind_of_path(target.path),
                    target.agent_id,
                    target.state_dir,
                    target.notes,
                )
            self.empty_state.hide()
            body = self.query_one("#body")
            if not body.display:
                body.display = True
                self.table.focus()
            if self.vm.filter_text:
                message = "No sessions match the filter (Esc clears it)."
            elif self._health is not None and self._health.startswith("read"):
                message = "Nothing to show: the store cannot be read (see the banner above)."
            elif (offline := self._offline_states()) is not None:
                # No gateway has answered yet: "no sessions" would contradict the banner.
                if "pairing" in offline:
                    reason = "this device waits for approval"
                elif "failed" in offline:
                    reason = "no gateway accepted the connection"
                else:
                    reason = "no gateway is connected yet"
                message = f"Nothing to show: {reason} (see the banner above)."
            else:
                message = "No sessions in this store."
            self.table.empty_message = message

    def _offline_states(self) -> set[str] | None:
        """The gateways' states while none is connected; None when one is (or no gateways)."""
        if not self.connections or any(
            state.state == "connected" for state in self.connections.values()
        ):
            return None
        return {state.state for state in self.connections.values()}

    def _offline_note(self) -> str | None:
        """The status bar's word for no gateway connected, agreeing with the body and banner."""
        states = self._offline_states()
        if states is None:
            return None
        if "pairing" in states:
            return "waiting for approval"
        return "not connected"

    def _show_selected(self) -> None:
        key = self.current_key
        if key is None:
            self.detail.show(None)
            return
        row = self.vm.rows.get(key)
        if row is not None:
            self.detail.show(key, row.entry, row.invalid)
        else:
            self.detail.show(key, self.vm.entries.get(key))

    def _show_selected_soon(self) -> None:
        """The detail pane follows the highlighted row right after the next frame, once for
        any number of moves before it (a held key, a burst of changes).

        Redrawn with the table in one frame, the pane made Textual recompose every line of the
        screen between the cursor's line and the pane's (the union of what changed), and it
        was most of a cursor move's cost at 100,000 sessions; in a frame of its own only the
        pane is drawn, and the frame with the moved cursor goes out first."""
        if not self._detail_due:
            self._detail_due = True
            self.call_after_refresh(self._show_selected_now)

    def _show_selected_now(self) -> None:
        self._detail_due = False
        self._show_selected()

    def _tick(self) -> None:
        vm = self.vm
        if (
            vm.has_age_filter
            and not vm.paused
            and not self._rebuilding
            and self.clock() - vm.filtered_at >= AGE_REFILTER_SECONDS
        ):
            # updated:>7d: rows cross the age limit with no store event; filter them again.
            self._reconfigure()
        self._probe_activity()
        self._update_status()
        self.table.repaint()  # relative ages keep ticking: the lines whose text changed

    def _update_status(self) -> None:
        target = self.target
        vm = self.vm
        if vm.last_change_at is None:
            last = "never"
        else:
            last = relative_age(vm.last_change_at * 1000, self.clock())
            last = "just now" if last in ("0s", "-") else f"{last} ago"
        # What the store says now: it may have gone read-only since it was opened (another
        # program wrote duplicate keys), or refused a write without touching the file.
        store = self.app.store
        health = store.health if store is not None else None
        read_only = self.app.read_only_reason if self.app.read_only else None
        scope = self.gateway_scope
        refused: str | None = None
        if health is not None:
            read_only = read_only or health.read_only_reason
            if health.refused is not None:
                refused = error_message(health.refused, describe_error(health.refused))
        stalled = self._stalled_count()
        self._update_context(stalled)
        self.status.show(
            StatusInfo(
                path=target.location if target else "",
                kind=target.label if target else "",
                shown=vm.row_count,
                total=vm.total_count,
                last_change=last,
                rate=vm.changes_per_second(),
                health=self._health,
                read_only=read_only,
                refused=refused,
                paused=vm.paused,
                pending=vm.pending_count,
                marked=len(vm.marked_keys),
                # The gateway scope is said apart ("gateway lab"), not as a filter term.
                filter_text=scoped_filter(vm.filter_text, None) if scope else vm.filter_text,
                scope=scope or "",
                running=len(vm.running_keys),
                stalled=stalled,
                totals=shown_totals(vm),
                connections=self._connection_notes(),
                offline=self._offline_note(),
                note=(
                    f"loading {self._loading_total:,} sessions…"
                    + ("; then sorted/filtered as asked" if self._asked_for_later() else "")
                    if self._loading_total is not None
                    else "re-sorting…"
                    if self._rebuilding
                    else ""
                ),
            )
        )

    def _asked_for_later(self) -> bool:
        """A sort, filter or tree asked for while previewing, applied once the store is open."""
        vm = self.vm
        return isinstance(vm, PreviewViewModel) and bool(vm.requested)

    def _update_context(self, stalled: int) -> None:
        """The header: what is being looked at, its connection state, what runs now."""
        target = self.target
        if target is None:
            return
        states = {note.name: note.state for note in self._connection_notes()}
        gateways = tuple(
            ConnectionNote(g.name, states.get(g.name, "connecting")) for g in target.gateways
        )
        if gateways:
            location = target.gateways[0].url if len(gateways) == 1 else ""
        else:
            location = home_as_tilde(str(target.path))
        self.query_one(ContextHeader).show(
            ContextInfo(
                agent=target.agent_id,
                source="" if gateways else target.label,
                location=location,
                gateways=gateways,
                running=len(self.vm.running_keys),
                stalled=stalled,
                demo=self.app.demo is not None,
                # Runs are known once every entry is read: not while a big store loads.
                counting=self._loading_total is not None,
            )
        )

    def _stalled_count(self) -> int:
        """Stalls depend on the clock: asked each tick, of the view model's stall deadlines
        (one bisection, not a run-state read per running session)."""
        return self.vm.stalled_count(int(self.clock() * 1000))

    # --- table messages -----------------------------------------------------------------------

    @on(SessionTable.WideToggled)
    def _wide_toggled(self, event: SessionTable.WideToggled) -> None:
        key = " or ".join(active_keys_for(self, "table.wide")) or "the wide-keys binding"
        if event.wide:
            self.app.notify(f"Wide keys: whole keys, ←/→ scroll sideways; {key} again to leave.")
        else:
            self.app.notify("Wide keys off: keys are shortened from the middle to fit.")

    @on(SessionTable.CursorMoved)
    def _cursor_moved(self, event: SessionTable.CursorMoved) -> None:
        self._show_selected_soon()

    @on(SessionTable.SortRequested)
    def _sort_requested(self, event: SessionTable.SortRequested) -> None:
        self.sort_by(event.column_id)

    @on(SessionTable.MarkToggled)
    def _mark_toggled(self, event: SessionTable.MarkToggled) -> None:
        self.vm.toggle_mark(event.key)
        self.table.repaint()
        self._update_status()

    @on(SessionTable.RowActivated)
    def _row_activated(self, event: SessionTable.RowActivated) -> None:
        self.detail.display = True

    # --- actions ------------------------------------------------------------------------------

    def set_paused(self, paused: bool) -> None:
        """Hold (True) or resume (False) live updates; resuming applies all pending at once."""
        if paused == self.vm.paused:
            return
        self.vm.set_paused(paused)
        if not paused:
            self._flush_pending()
        self._update_status()

    def action_refresh(self) -> None:
        """F5 (htop): resume when paused; live, the table already is what the store holds."""
        if self.vm.paused:
            self.action_toggle_pause()
        else:
            self.notify("Live: the table already shows the store as it changes.")

    def action_toggle_pause(self) -> None:
        self.set_paused(not self.vm.paused)
        self.notify("Live updates paused." if self.vm.paused else "Live updates resumed.")

    def sort_by(self, column_id: str, reverse: bool | None = None) -> None:
        column_id, reverse = self.vm.sort_request(column_id, reverse)
        self._reconfigure(sort_column=column_id, sort_reverse=reverse)

    def _reconfigure(
        self,
        *,
        sort_column: str | None = None,
        sort_reverse: bool | None = None,
        filter_text: str | None = None,
    ) -> None:
        """New sort and/or filter. A big store is re-sorted in a worker thread (the old order
        stays on screen and live meanwhile); a small one at once."""
        vm = self.vm
        column, reverse, text = vm.wanted()
        settings: dict[str, Any] = {
            "sort_column": sort_column or column,
            "sort_reverse": reverse if sort_reverse is None else sort_reverse,
            "filter_text": text if filter_text is None else filter_text,
        }
        if isinstance(vm, PreviewViewModel):
            # Only the whole store can be sorted or filtered: kept, applied once it is open.
            vm.request(settings)
            self.filter_bar.show_message(
                f"applies once the {vm.total_count:,} sessions are loaded"
                if settings["filter_text"]
                else ""
            )
            self._update_status()
            return
        if vm.total_count < PROGRESSIVE_ROWS:
            vm.configure(entries=vm.entries, **settings)
            self._after_reconfigure()
        else:
            self._reconfigure_in_background(settings)

    @work(group="reconfigure", exclusive=True, exit_on_error=False, description="Re-sorting")
    async def _reconfigure_in_background(self, settings: dict[str, Any]) -> None:
        old = self.vm
        epoch = self._epoch
        new = old.spawn()
        self._rebuilding += 1  # holds live updates back: they go to the new model
        try:
            self._update_status()
            entries = dict(old.entries)
            await anyio.to_thread.run_sync(lambda: new.configure(entries=entries, **settings))
            if self.vm is not old or self._epoch != epoch:
                return  # another store or other columns meanwhile: this result is stale
            new.adopt_pending(old)
            new.marked_keys = old.marked_keys
            new.paused = old.paused
            self.vm = new
            self.table.set_source(new)
        finally:
            self._rebuilding -= 1
        self._after_reconfigure()
        if new.pending_count and not new.paused:
            self._schedule_flush()

    def _after_reconfigure(self) -> None:
        text = self.vm.filter_text
        shown = self.vm.row_count
        self.filter_bar.show_message(f"{shown:,} of {self.vm.total_count:,}" if text else "")
        self.table.data_changed(structural=True, changed=False)
        self._show_selected()
        self._update_empty_state()
        self._update_status()

    def action_sort_next(self) -> None:
        # Only the columns on screen: sorting by a hidden one would show no arrow anywhere.
        ids = self.table.shown_column_ids() or [c.id for c in self.vm.columns]
        current = ids.index(self.vm.sort_column) if self.vm.sort_column in ids else -1
        self.sort_by(ids[(current + 1) % len(ids)])

    def action_sort_reverse(self) -> None:
        self.sort_by(self.vm.sort_column, not self.vm.sort_reverse)

    def action_sort_column(self, index: int) -> None:
        """Number keys count the columns on screen (a narrow terminal drops some)."""
        ids = self.table.shown_column_ids()
        if 0 <= index < len(ids):
            self.sort_by(ids[index])

    def action_filter(self) -> None:
        if isinstance(self.app.focused, Input | TextArea):
            raise SkipAction()  # typing an "f" into a text field
        self.filter_bar.open(self.vm.filter_text)

    def apply_filter(self, text: str) -> bool:
        """Filter the table; a malformed filter is explained inline and the old one stays."""
        try:
            parse_filter(text)
        except FilterError as exc:
            self.filter_bar.show_message(str(exc), error=True)
            return False
        if self.vm.total_count >= PROGRESSIVE_ROWS:
            self.filter_bar.show_message(f"filtering {self.vm.total_count:,} sessions…")
        self._reconfigure(filter_text=text)
        return True

    @on(FilterBar.Changed)
    def _filter_changed(self, event: FilterBar.Changed) -> None:
        if self._filter_timer is not None:
            self._filter_timer.stop()
        text = event.text
        self._filter_timer = self.set_timer(
            FILTER_DEBOUNCE_SECONDS, lambda: self.apply_filter(text)
        )

    @on(FilterBar.Closed)
    def _filter_closed(self, event: FilterBar.Closed) -> None:
        if self._filter_timer is not None:
            self._filter_timer.stop()
            self._filter_timer = None
        if not self.apply_filter("" if event.cleared else event.bar.value):
            # Enter on a malformed filter: the text and its error stay, to be fixed.
            event.bar.open()
            return
        self.table.focus()

    def dismiss_feedback(self) -> None:
        """The last command's feedback goes (Escape, another store)."""
        self.query_one(EditingPanel).bar.dismiss_feedback()

    def action_clear(self) -> None:
        """Escape clears the filter and the marks at once (as the README and help say), and
        dismisses the last command's feedback."""
        self.dismiss_feedback()
        if self.vm.filter_text:
            self.apply_filter("")
        if self.vm.marked_keys:
            self.vm.marked_keys.clear()
            self.table.repaint()
            self._update_status()

    def action_toggle_detail(self) -> None:
        self.detail.display = not self.detail.display

    def action_recover(self) -> None:
        """/recover from the palette: the same command, confirmation and feedback."""
        self.query_one(EditingPanel).run_command(build("recover"), reply=None, keys=[])

    def action_open_transcript(self) -> None:
        """The highlighted session's transcript, live (tui/transcript_screen.py)."""
        from openclaw_tui.tui.transcript_screen import open_transcript_screen

        open_transcript_screen(self.app, self.current_key)

    def action_detail_more(self) -> None:
        """The next page of a big entry's fields (the pane renders one page at a time)."""
        self.detail.display = True
        if not self.detail.show_more():
            self.notify("Every field of this session is shown.", timeout=3)

    def action_copy_key(self) -> None:
        key = self.current_key
        if key is None:
            self.notify("No session is highlighted.", severity="warning")
            return
        self.copy_text("the session key", key)

    def action_copy_session_id(self) -> None:
        key = self.current_key
        entry = self.vm.entries.get(key) if key is not None else None
        session_id = entry.get("sessionId") if entry is not None else None
        if not isinstance(session_id, str) or not session_id:
            self.notify("This session has no sessionId to copy.", severity="warning")
            return
        self.copy_text("the sessionId", session_id)

    def copy_text(self, what: str, value: str) -> None:
        """Write ``value`` to the clipboard through the terminal (OSC 52) and say only what is
        known: the escape sequence was sent. Terminals never acknowledge it, so the toast never
        says "Copied"; where it is known to go nowhere (macOS Terminal ignores OSC 52) or to
        need a setting (tmux), it says so."""
        self.app.copy_to_clipboard(value)
        shown = visible(value)
        if os.environ.get("TERM_PROGRAM") == "Apple_Terminal":
            self.notify(
                f"Not copied: macOS Terminal ignores clipboard writes from programs (OSC 52). "
                f"Select {what} in the detail pane (d) instead: {shown}",
                severity="warning",
                markup=False,
            )
            return
        note = "the terminal did not confirm"
        if os.environ.get("TMUX"):
            note += "; tmux passes it on only with set -g set-clipboard on"
        self.notify(f"Sent {what} to the clipboard ({note}): {shown}", markup=False)

    def action_toggle_tree(self) -> None:
        """Subagents indented under their parent, whose Cost sums its subtree (and back)."""
        self.vm.tree = not self.vm.tree
        self._reconfigure()
        self.notify(
            "Tree: subagents under their parent, costs summed (Σ)."
            if self.vm.tree
            else "Flat list.",
            timeout=3,
        )

    def action_usage(self) -> None:
        """The usage view of the sessions shown (after the filter)."""
        from openclaw_tui.tui.usage import UsageScreen

        vm = self.vm
        if isinstance(vm, PreviewViewModel):
            self.notify(
                f"Usage adds up every session: it opens once the {vm.total_count:,} sessions "
                "are loaded.",
                timeout=3,
            )
            return
        entries = {key: row.entry for key, row in vm.rows.items()}
        scope = f" shown of {vm.total_count:,} (filter {vm.filter_text})" if vm.filter_text else ""
        self.app.push_screen(UsageScreen(entries, store=self.app.store, scope=scope))

    def stop_runs(self) -> None:
        """``/stop`` on the highlighted or marked sessions, as if typed in the command bar."""
        self.query_one(EditingPanel).run_command(build("stop"), reply=None)

    def jump_to(self, key: str) -> None:
        """Highlight ``key``; clears the filter when it hides the session."""
        if not self.table.move_cursor_to_key(key):
            self.apply_filter("")
            self.table.move_cursor_to_key(key)
        self.table.focus()


def _peek(
    target: StoreTarget,
    clock: Clock,
    monotonic: Callable[[], float],
    stall_seconds: float,
    scan: ScanProcess | None = None,
) -> PreviewViewModel | tuple[dict[str, Any], int] | None:
    """In a thread: what a big store shows before it is open (see ``_run_store``); ``scan``:
    the scan of its file the command line started (``peek_indexed`` takes or closes it)."""
    found = peek_indexed(target.path, PREVIEW_ROWS, scan=scan)
    if not isinstance(found, IndexedFile):
        return found
    if len(found) < PROGRESSIVE_ROWS:
        found.close()
        return None
    preview = PreviewViewModel(found, clock=clock, monotonic=monotonic, stall_seconds=stall_seconds)
    if not preview.check_first(PREVIEW_ROWS):
        # Not exact where the first page is: nothing early, as for another layout.
        preview.close()
        return None
    return preview


async def _peek_in_thread(
    target: StoreTarget,
    clock: Clock,
    monotonic: Callable[[], float],
    stall_seconds: float,
    scan: ScanProcess | None,
) -> PreviewViewModel | tuple[dict[str, Any], int] | None:
    """``_peek`` in a thread of asyncio's, not through anyio: anyio's asyncio backend costs
    ~45 ms of CPU to import, which every row on screen would wait for (the store imports it
    after them). As ``anyio.to_thread.run_sync`` does, a cancel waits for the thread: what it
    opened is then closed, not left open."""
    running = asyncio.get_running_loop().run_in_executor(
        None, _peek, target, clock, monotonic, stall_seconds, scan
    )
    try:
        return await asyncio.shield(running)
    except asyncio.CancelledError:
        while not running.done():
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait([running])
        if not running.cancelled() and running.exception() is None:
            found = running.result()
            if isinstance(found, PreviewViewModel):
                found.close()
        raise


def active_keys_for(screen: Screen[Any], binding_id: str) -> list[str]:
    from openclaw_tui.tui.help import active_keys

    return active_keys(screen).get(binding_id, [])


def home_as_tilde(path: str) -> str:
    """``/home/me/.openclaw/...`` as ``~/.openclaw/...``: the header's room goes to what differs."""
    home = os.path.expanduser("~")
    if home not in ("", "/") and (path == home or path.startswith(home + os.sep)):
        return "~" + path[len(home) :]
    return path


def key_contexts() -> list[KeyContext]:
    """Which bindings are live together (tui/keymap.py moves a remapped key within each): the
    main screen with the table, the filter line or the command bar focused, and each other
    screen (a modal one keeps only the app's priority bindings)."""
    from openclaw_tui.tui.agents import AgentScreen
    from openclaw_tui.tui.attention import AttentionScreen
    from openclaw_tui.tui.gateways import GatewaysScreen
    from openclaw_tui.tui.help import HelpScreen
    from openclaw_tui.tui.transcript_screen import TranscriptScreen
    from openclaw_tui.tui.usage import UsageScreen
    from openclaw_tui.widgets.command_bar import CommandBar
    from openclaw_tui.widgets.confirm import ConfirmScreen
    from openclaw_tui.widgets.editors import EditMenu, ModelEditor
    from openclaw_tui.widgets.transcript_view import TranscriptView

    app = (SessionBrowserApp, False)
    app_priority = (SessionBrowserApp, True)
    main = (MainScreen, False)
    return [
        KeyContext("the session table", (app, main, (SessionTable, False))),
        KeyContext("the filter line", (app, main, (FilterBar, False)), typing=True),
        KeyContext("the command bar", (app, main, (CommandBar, False)), typing=True),
        KeyContext("the transcript", (app, (TranscriptScreen, False), (TranscriptView, False))),
        KeyContext("the help screen", (app_priority, (HelpScreen, False)), typing=True),
        KeyContext("the agent switcher", (app_priority, (AgentScreen, False))),
        KeyContext("the usage view", (app_priority, (UsageScreen, False))),
        KeyContext("the gateways panel", (app_priority, (GatewaysScreen, False))),
        KeyContext("the attention view", (app_priority, (AttentionScreen, False))),
        KeyContext("a confirmation", (app_priority, (ConfirmScreen, False))),
        KeyContext("the edit menu", (app_priority, (EditMenu, False))),
        KeyContext("an editor", (app_priority, (ModelEditor, False)), typing=True),
    ]


class SessionBrowserApp(App[None]):
    """``openclaw-tui``: watch sessions live; edit them only through the store."""

    TITLE = "openclaw-tui"
    CSS_PATH = "app.tcss"
    ENABLE_COMMAND_PALETTE = True

    COMMANDS = App.COMMANDS | {SessionCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q,f10", "quit", "Quit", id="quit"),
        # ctrl+c quits as in any terminal program; a priority binding so it works in an input.
        Binding("ctrl+c", "interrupt", "Quit", show=False, priority=True, id="interrupt"),
        Binding("question_mark,f1", "help", "Help", id="help"),
        Binding("a", "switch_agent", "Agents", id="agents"),
        Binding(
            "ctrl+p",
            "command_palette",
            "Palette",
            show=False,
            priority=True,
            id="command-palette",
        ),
    ]

    def __init__(
        self,
        target: StoreTarget,
        *,
        read_only: bool = False,
        clock: Clock = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        config: UserConfig | None = None,
        demo: Any = None,
        watch: bool = True,
        store_factory: StoreFactory | None = None,
        stall_seconds: float | None = None,
        scan: ScanProcess | None = None,
    ) -> None:
        super().__init__()
        self.target = target
        # The scan of the target's file, started by the command line before the app's imports
        # (tui/cli.py): the first _run_store takes it; whoever made the app closes it after.
        self._scan = scan
        self.clock = clock
        self.monotonic = monotonic
        self.config = config or UserConfig()
        # --stalled-after, else config.toml's stalled_after_minutes, else the default.
        configured = self.config.stalled_after_minutes
        self.stall_seconds = (
            stall_seconds
            if stall_seconds is not None
            else configured * 60
            if configured is not None
            else DEFAULT_STALL_SECONDS
        )
        self.demo = demo
        self.live_watch = watch
        self.store_factory: StoreFactory = store_factory or default_store_factory
        self.store: SessionStoreAPI | None = None
        self.read_only = read_only
        self.read_only_reason: str | None = "started with --read-only" if read_only else None
        self._requested_read_only = read_only
        self._store_appears_timer: Timer | None = None
        self._asking_quit = False  # the ctrl+c confirmation is on screen
        self._signal_handlers: dict[int, Any] = {}  # QUIT_SIGNALS -> the handler before ours
        self.keymap_problems: list[str] = []
        """Remaps of the keymap that were not applied as written (tui/keymap.py says why)."""
        self.keymap_notes: list[str] = []
        """Keys a remap took from another action."""

    def get_driver_class(self) -> type[Driver]:
        """Textual's terminal driver, made to survive a hang-up where it has one (tui/terminal.py):
        closing the window must quit as ``q`` does, not deadlock in a write to a terminal that is
        gone."""
        driver_class = super().get_driver_class()
        if sys.platform != "win32":
            from textual.drivers.linux_driver import LinuxDriver

            from openclaw_tui.tui.terminal import HangupSafeDriver

            if driver_class is LinuxDriver:
                return HangupSafeDriver
        return driver_class

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """A toast; an error or warning says so in its title, not only by its colour (which a
        terminal without 256 colours, or NO_COLOR, barely shows)."""
        if not title and severity in ("error", "warning"):
            title = "✖ Error" if severity == "error" else "⚠ Warning"
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    def on_notify(self, event: Notify) -> None:
        """Before a toast is shown (this runs before Textual's own handler adds it), the
        oldest give way so that the newest fit above the bottom lines: write health, footer,
        command bar (tui/toasts.py). Textual has no public way to dismiss one toast;
        ``_unnotify`` is what a toast's own timer calls."""
        new, size = event.notification, self.size
        height = toast_height(new.message, new.title, markup=new.markup, screen_width=size.width)
        for old in overflowing(self._notifications, height, size):
            self._unnotify(old, refresh=False)  # the new toast's refresh removes it

    # --- screens ------------------------------------------------------------------------------

    def get_default_screen(self) -> Screen[Any]:
        return MainScreen(
            clock=self.clock,
            monotonic=self.monotonic,
            stall_seconds=self.stall_seconds,
            feedback_seconds=self.config.feedback_seconds,
        )

    @property
    def main(self) -> MainScreen:
        screen = self.get_screen("main") if self.is_screen_installed("main") else None
        if isinstance(screen, MainScreen):
            return screen
        for candidate in self.screen_stack:
            if isinstance(candidate, MainScreen):
                return candidate
        raise LookupError("the main screen is not mounted")

    def set_keymap(self, keymap: Keymap) -> None:
        """Textual's keymap, made to move keys (tui/keymap.py): the remapped action gets its
        new key wherever another action had it, and what could not be done is kept in
        ``keymap_problems`` / ``keymap_notes`` (shown at start-up and in the help)."""
        resolved = resolve_keymap(keymap, key_contexts(), where=self.config.where)
        self.keymap_problems = resolved.problems
        self.keymap_notes = resolved.notes
        super().set_keymap(resolved.keymap)

    def on_mount(self) -> None:
        self._handle_quit_signals()
        if self.config.keymap:
            self.set_keymap(self.config.keymap)
        # One toast for all the start-up warnings, one for the notes: a toast each filled a
        # small screen, and the oldest give way to newer ones (tui/toasts.py).
        warnings = [*self.config.warnings, *self.keymap_problems]
        if warnings:
            self.notify("\n".join(warnings), severity="warning", markup=False, timeout=15)
        if self.keymap_notes:
            self.notify("\n".join(self.keymap_notes), markup=False, timeout=10)
        if self.target.notes:
            self.notify("\n".join(self.target.notes), markup=False, timeout=8)
        self.open_target(self.target)
        if self.demo is not None:
            self.run_worker(
                self.demo.run(self), group="demo", exit_on_error=False, description="The demo"
            )

    def _handle_quit_signals(self) -> None:
        """SIGTERM and SIGHUP quit as ``q`` does. Python's default ends the process where it
        stands: the terminal stays on the alternate screen with the last frame, and nothing
        (the store, the demo's temporary directory) is closed or removed."""
        try:
            loop = asyncio.get_running_loop()
            for signum in QUIT_SIGNALS:
                previous = signal.getsignal(signum)
                loop.add_signal_handler(signum, self._quit_on_signal, signum)
                self._signal_handlers[signum] = signal.SIG_DFL if previous is None else previous
        except (NotImplementedError, RuntimeError, ValueError):
            pass  # no signals here (Windows, or not the main thread): nothing to undo

    def _restore_signals(self, *signums: int) -> None:
        loop = asyncio.get_running_loop()
        for signum in signums or tuple(self._signal_handlers):
            previous = self._signal_handlers.pop(signum, None)
            if previous is None:
                continue
            loop.remove_signal_handler(signum)
            signal.signal(signum, previous)

    def _quit_on_signal(self, signum: int) -> None:
        self._restore_signals(signum)
        # The shell's convention for "ended by signal N"; the cleanup is q's.
        self.exit(return_code=128 + signum)

    def on_unmount(self) -> None:
        self._restore_signals()

    def set_read_only(self, reason: str) -> None:
        """Refuse edits from now on, and say why (status bar badge)."""
        self.read_only = True
        self.read_only_reason = reason

    # --- the store ----------------------------------------------------------------------------

    def open_target(self, target: StoreTarget) -> None:
        """Show another store (agent switch); the previous one is closed."""
        if target is not self.target:
            # What the last command said was about the other store's sessions.
            with contextlib.suppress(LookupError, NoMatches):  # not shown yet: nothing to take
                self.main.dismiss_feedback()
        self.target = target
        if not self._requested_read_only:
            self.read_only = False
            self.read_only_reason = None
        self.run_worker(
            self._run_store(target),
            group="store",
            exclusive=True,
            exit_on_error=False,
            description="Watching the store",
        )
        self._watch_for_store(target)

    def _watch_for_store(self, target: StoreTarget) -> None:
        """While the agent has no store, look once a second which one OpenClaw creates.

        The missing target is opened on the sessions.json path, whose watcher sees a sessions.json
        appear; OpenClaw >= 2026.8 creates ``agent/openclaw-agent.sqlite`` instead, which that
        watcher never sees: when it appears, the app switches to it.
        """
        if self._store_appears_timer is not None:
            self._store_appears_timer.stop()
            self._store_appears_timer = None
        if target.kind == "missing" and target.agent_id and target.state_dir is not None:
            self._store_appears_timer = self.set_interval(
                STORE_APPEARS_SECONDS, self._check_store_appeared
            )

    async def _check_store_appeared(self) -> None:
        target = self.target
        if target.kind != "missing" or not target.agent_id or target.state_dir is None:
            return
        agent_id, state_dir = target.agent_id, target.state_dir
        try:
            location = await anyio.to_thread.run_sync(find_store, agent_id, state_dir)
        except OSError:
            return  # e.g. a state dir we may not read: keep showing the empty state
        if location.kind == "missing" or self.target is not target:
            return
        if self._store_appears_timer is not None:
            self._store_appears_timer.stop()
            self._store_appears_timer = None
        if location.path != target.path:
            # The open store watches the sessions.json path; a SQLite store needs opening.
            self.open_target(target_for_location(location, state_dir))
        else:
            # The watched sessions.json appeared, maybe with no session in it (no event then):
            # the screen stops saying there is no store.
            self.main.post_message(StoreAppeared())

    async def _run_store(self, target: StoreTarget) -> None:
        main = self.main
        scan, self._scan = self._scan, None  # only ever for the first store shown
        if target.kind in ("json", "sqlite") and not target.gateways:
            # A big store goes on screen first (every session of a sessions.json in OpenClaw's
            # layout, else its newest ones), then the store reads it all.
            found = await _peek_in_thread(
                target, main.clock, main.monotonic, main.stall_seconds, scan
            )
            if isinstance(found, PreviewViewModel):
                painted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
                if main.post_message(StorePreview(target, found, painted)):
                    # The store's parse holds the interpreter for most of a second: it starts
                    # once the preview is on screen, not while its first frame is drawn.
                    await painted
                else:
                    found.close()
            elif found is not None and found[0] and found[1] >= PROGRESSIVE_ROWS:
                main.post_message(NewestSessions(target, *found))
        elif scan is not None:
            scan.close()  # not a file's store: the scan has nothing to say about it
        # Made only now, after a big store's first rows are on screen: the store's modules are
        # imported with it (default_store_factory). A factory that fails is said as the
        # store's failure, which takes the first rows away again, as a failed open does.
        store: SessionStoreAPI | None = None
        try:
            store = self.store_factory(target, self._requested_read_only, self.live_watch)
            await store.open()
        except Exception as exc:
            # An unexpected backend problem is said as a store error, never a traceback.
            failure = (
                exc
                if isinstance(exc, StoreError)
                else StoreError(target.path, f"cannot open the store: {exc}")
            )
            main.post_message(StoreFailed(target, describe_error(failure)))
            if store is not None:
                await store.aclose()
            return
        try:
            subscription = store.subscribe() if self.live_watch else None
            self.store = store
            # The first rows must be on screen before any event applies to them: events wait
            # in the subscription until the screen says it has shown the snapshot. Cancelling
            # this worker (a newer target) cancels ``shown`` and with it the screen's build; a
            # failed build raises here, so it is reported as this worker's error.
            shown: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            if not main.post_message(StoreOpened(store, target, shown)):
                return  # the screen is closing: nothing to show the store on
            await shown
            if subscription is None:
                return
            async with subscription:
                async for event in subscription:
                    # Everything already waiting goes in one message: a burst is one message.
                    events = [event]
                    while (more := subscription.get_nowait()) is not None:
                        events.append(more)
                    main.post_message(StoreEvents(store, events))
        finally:
            if self.store is store:
                self.store = None
            await store.aclose()

    @on(Worker.StateChanged)
    def _worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place a failed worker reaches the operator (workers run with
        ``exit_on_error=False``, so an exception would otherwise end them silently)."""
        worker = event.worker
        if event.state != WorkerState.ERROR or worker.error is None:
            return
        description = worker.description or worker.name or "A background task"
        try:
            main = self.main
        except LookupError:
            self.notify(f"{description} failed: {describe_error(worker.error)}", markup=False)
            return
        main.post_message(WorkerFailed(description, worker.error))

    # --- actions ------------------------------------------------------------------------------

    def edit_in_flight(self) -> str | None:
        """What an operator would lose by quitting now (None: nothing)."""
        from openclaw_tui.widgets.editors import EditMenu, EditorScreen

        if isinstance(self.screen, EditorScreen | EditMenu):
            return "a value is being edited"
        try:
            panel = self.main.query_one(EditingPanel)
        except (LookupError, NoMatches):
            return None
        if panel.running:
            return "a command is still being written"
        if panel.bar.is_open and panel.bar.value.strip():
            return "a command is being typed"
        return None

    async def action_interrupt(self) -> None:
        """ctrl+c: quit, asking first only when an edit is in flight; a second ctrl+c while
        asked quits."""
        what = self.edit_in_flight()
        if what is None or self._asking_quit:
            await self.action_quit()
            return
        self._confirm_quit(what)

    @work(group="confirm-quit", exclusive=True, exit_on_error=False, description="Confirming quit")
    async def _confirm_quit(self, what: str) -> None:
        from openclaw_tui.widgets.confirm import ConfirmScreen

        question = f"Quit while {what}?"
        detail = "It is lost if you quit now. y or ctrl+c quits; n or Escape goes back."
        self._asking_quit = True
        try:
            confirmed = await self.push_screen_wait(ConfirmScreen(question, detail, title="Quit"))
        finally:
            self._asking_quit = False
        if confirmed:
            await self.action_quit()

    def action_help(self) -> None:
        from openclaw_tui.tui.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(
                HelpScreen(
                    keymap_source=self.config.source or "defaults",
                    keymap_messages=[*self.keymap_problems, *self.keymap_notes],
                )
            )

    @work(group="agents", exclusive=True, exit_on_error=False, description="Switching agent")
    async def action_switch_agent(self) -> None:
        from openclaw_tui.tui.agents import AgentScreen, list_agent_targets

        state_dir = self.target.state_dir
        targets = await list_agent_targets(state_dir)
        if not targets:
            where = state_dir or "the state directory"
            self.notify(
                f"No agent with a session store under {where}/agents. "
                "Use --state-dir DIR or --store PATH.",
                severity="warning",
                markup=False,
            )
            return
        chosen = await self.push_screen_wait(AgentScreen(targets, current=self.target))
        if chosen is not None and chosen.path != self.target.path:
            self.open_target(chosen)
            self.notify(f"Showing agent {visible(chosen.agent_id or '?')}", markup=False)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        main = screen if isinstance(screen, MainScreen) else None
        if main is None:
            return
        from openclaw_tui.tui.help import active_keys

        # The keys as bound now (a keymap may have moved them), by binding id.
        bound = active_keys(main)

        def keys(binding_id: str) -> str:
            return " or ".join(bound.get(binding_id, ())) or "no key bound"

        yield SystemCommand("Pause / resume live updates", keys("pause"), main.action_toggle_pause)
        yield SystemCommand("Filter sessions", keys("filter"), main.action_filter)
        yield SystemCommand("Copy the session key", keys("copy-key"), main.action_copy_key)
        yield SystemCommand(
            "Copy the sessionId", keys("copy-session-id"), main.action_copy_session_id
        )
        yield SystemCommand(
            "Show / hide the detail pane", keys("toggle-detail"), main.action_toggle_detail
        )
        yield SystemCommand(
            "Transcript of the highlighted session",
            keys("transcript"),
            main.action_open_transcript,
        )
        yield SystemCommand("Switch agent", keys("agents"), self.action_switch_agent)
        yield SystemCommand(
            "Gateways: state, version, latency, runs, last error; show one or all",
            keys("gateways"),
            main.action_gateways,
        )
        yield SystemCommand(
            "Attention: failed, stalled, aborted runs, refused writes, gateway problems",
            keys("attention"),
            main.action_attention,
        )
        yield SystemCommand(
            "Usage and cost by channel, kind, model, agent", keys("usage"), main.action_usage
        )
        yield SystemCommand(
            "Subagent tree on / off (children under their parent, cost summed)",
            keys("tree"),
            main.action_toggle_tree,
        )
        yield SystemCommand(
            "Stop the run (/stop)",
            "the highlighted session's, or each marked one's; says stopped once it ended",
            main.stop_runs,
        )
        yield SystemCommand("Help: keys and filter syntax", keys("help"), self.action_help)
        yield SystemCommand(
            "Recover the store",
            "an unreadable store: keep a copy, then start over (asks first; /recover)",
            main.action_recover,
        )
        for column in main.vm.columns:
            yield SystemCommand(
                f"Sort by {column.title}",
                "repeat to reverse",
                lambda cid=column.id: main.sort_by(cid),
            )
