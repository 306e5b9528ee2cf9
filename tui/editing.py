"""The editing panel: a widget holding the command bar, and the field editors it opens, wired to
the slash engine.

Every change, typed or picked, runs through ``tui.slash.execute`` against the open store for the
highlighted session (or the marked ones), so messages and effects are identical whichever way
the operator edits. Typed text is parsed by the slash engine; an editor's choice is built as a
``ParsedCommand`` directly (``slash.field_command``). The panel never touches the table: the store
publishes the change and the table follows its event (one source of truth).

The host gives the panel an ``EditContext`` provider (the open store, whether writes are
allowed, the highlighted and marked sessions), asked each time the panel acts, and binds keys to
``action_editing(verb, arg)`` via ``EDITING_BINDINGS`` (see ``handle``).
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
from textual import on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, TextArea

from openclaw_tui.store import fields, semantics
from openclaw_tui.store.api import SessionStoreAPI
from openclaw_tui.store.errors import describe_error
from openclaw_tui.tui import slash
from openclaw_tui.tui.bulk_screen import BulkScreen, Line
from openclaw_tui.tui.format import relative_age
from openclaw_tui.tui.slash import ParsedCommand, bulk
from openclaw_tui.tui.slash.parse import BY_NAME
from openclaw_tui.widgets.command_bar import FEEDBACK_SECONDS, CommandBar
from openclaw_tui.widgets.confirm import ConfirmScreen
from openclaw_tui.widgets.editors import (
    ChoiceEditor,
    EditMenu,
    EditorScreen,
    MenuField,
    ModelEditor,
    TextEditor,
)
from openclaw_tui.widgets.text import visible_control_chars

if TYPE_CHECKING:
    # /cleanup's module (session.maintenance, openclaw.json, transcripts) is imported when /cleanup
    # runs: it is not needed for the first frame, which every start waits for.
    from openclaw_tui.store import cleanup

MODELS_ENV = "OPENCLAW_TUI_MODELS"
"""Comma-separated ``provider/model`` refs the model editor and ``/model`` completion offer
besides ``slash.DEFAULT_MODELS`` and the models seen in the store."""
MODELS_RESCAN_SECONDS = 5.0

EDITING_BINDINGS: list[Binding] = [
    Binding("colon", "editing('command')", "Command", priority=True, id="command-bar"),
    Binding(
        "slash", "editing('slash')", "Slash command", show=False, priority=True, id="slash-command"
    ),
    Binding(
        "t", "editing('field', 'thinkingLevel')", "Thinking", priority=True, id="edit-thinking"
    ),
    Binding("m", "editing('field', 'model')", "Model", priority=True, id="edit-model"),
    Binding("l", "editing('field', 'label')", "Label", priority=True, id="edit-label"),
    Binding("e", "editing('menu')", "Edit", priority=True, id="edit-menu"),
    Binding("delete,f9", "editing('delete')", "Delete", priority=True, id="delete-session"),
    Binding("B", "editing('bulk')", "Bulk by filter", show=False, priority=True, id="bulk"),
]
"""Bindings for the screen that hosts the panel; their action forwards to ``handle``.

They are priority bindings so the action runs while the app dispatches the key, before the keys
queued behind it: a fast typist's (or tmux's) "/think high" then lands in the bar, not on the
table. ``handle`` raises ``SkipAction`` while a text field has focus, so those keys still type.
"""


DELETE_ACTION = "delete"


def _field_value(field: str, entry: Mapping[str, Any]) -> str | None:
    """The value an editor shows as current for one session."""
    if field == "model":
        return semantics.override_ref(entry)
    if field == "label":
        return _text(entry.get("label")) or None
    value = entry.get(field)
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


@dataclass(frozen=True, slots=True)
class EditContext:
    """What the editing panel needs from its host, at the moment it acts."""

    store: SessionStoreAPI | None
    """The open store; None while none is open (commands then say so)."""
    read_only: bool = False
    """Writes are refused (``--read-only``, or the store went read-only)."""
    current_key: str | None = None
    """The highlighted session."""
    marked_keys: tuple[str, ...] = ()
    """The sessions marked with space: when any, edits apply to them (bulk)."""
    filter_text: str = ""
    """The table's filter: what ``/bulk`` acts on when it names no filter of its own."""
    now: Callable[[], float] = time.time
    """The wall clock (``updated:`` ages in a ``/bulk`` filter are measured with it)."""
    agent_id: str | None = None
    """The agent whose store is shown: previews shorten its keys as the table does."""

    def target_keys(self) -> list[str]:
        """The marked sessions if any (bulk), else the highlighted one."""
        if self.marked_keys:
            return list(self.marked_keys)
        return [self.current_key] if self.current_key else []


NO_CONTEXT = EditContext(store=None)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def configured_models(extra: Sequence[str] = ()) -> list[str]:
    from_env = [m.strip() for m in os.environ.get(MODELS_ENV, "").split(",") if m.strip()]
    return list(dict.fromkeys([*extra, *from_env]))


NON_WRITING = frozenset({"stop", "abort", "status", "help", "recover"})
"""Commands that write no session field: their failures are not refused writes."""


class EditingPanel(Widget):
    """Hosts the command bar; runs commands and editor choices through the slash engine."""

    class Finished(Message):
        """A command or delete ran on ``keys`` (whatever its outcome): the host shows what the
        store now holds for them even while live updates are paused (the operator's own edit)."""

        def __init__(
            self,
            keys: Sequence[str],
            failures: Mapping[str, str] | None = None,
            *,
            command: str = "",
            writes: bool = True,
        ) -> None:
            super().__init__()
            self.keys = tuple(keys)
            self.failures: Mapping[str, str] = dict(failures or {})
            """Why each session it was not applied to was refused (the store's words)."""
            self.command = command
            """The command as typed (``/think high``) or ``delete``."""
            self.writes = writes
            """False for a command that writes nothing (``/stop``, ``/status``, ``/help``)."""

    DEFAULT_CSS = """
    EditingPanel {
        height: auto;
    }
    """

    def __init__(
        self,
        context: Callable[[], EditContext] = lambda: NO_CONTEXT,
        *,
        models: Sequence[str] = slash.DEFAULT_MODELS,
        monotonic: Callable[[], float] = time.monotonic,
        feedback_seconds: float | None = None,
        id: str | None = "editing",
        name: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, name=name, classes=classes)
        self._monotonic = monotonic
        self._feedback_seconds = FEEDBACK_SECONDS if feedback_seconds is None else feedback_seconds
        self.context = context
        """Asked whenever the panel acts: the store and sessions of that moment."""
        self.configured = configured_models(models)
        self._models_cache: tuple[int, float, list[str]] | None = None
        self._in_flight = 0  # commands and deletes started and not yet finished
        self._editor_targets: dict[int, list[str]] = {}
        """The sessions each open editor was opened for (by id of the editor screen)."""
        self.last_outcome: tuple[bool, str] | None = None
        """(ok, message) of the last finished command, for tests and the status bar."""

    def compose(self) -> ComposeResult:
        yield CommandBar(
            self.complete,
            monotonic=self._monotonic,
            feedback_seconds=self._feedback_seconds,
            id="command-bar",
        )

    # -- context from the host ----------------------------------------------------------------

    @property
    def bar(self) -> CommandBar:
        return self.query_one(CommandBar)

    @property
    def store(self) -> SessionStoreAPI | None:
        return self.context().store

    def target_keys(self) -> list[str]:
        """The marked sessions if any (bulk), else the highlighted one."""
        return self.context().target_keys()

    def current_entry(self) -> tuple[str | None, Mapping[str, Any]]:
        context = self.context()
        current, store = context.current_key, context.store
        if current is None or store is None:
            return None, {}
        try:
            entry = store.get(current)
        except Exception:
            entry = None
        return current, entry if isinstance(entry, Mapping) else {}

    def models(self) -> list[str]:
        """Models seen in the store plus the configured ones.

        Scanning the store is O(sessions) and a busy store changes generation many times a
        second, while the set of models almost never changes: rescan at most every few seconds.
        """
        store = self.store
        if store is None:
            return list(self.configured)
        try:
            generation = store.generation
            now = time.monotonic()
            cache = self._models_cache
            if cache is None or (
                cache[0] != generation and now - cache[1] >= MODELS_RESCAN_SECONDS
            ):
                seen = slash.models_in_store(store.load().values())
                cache = (generation, now, list(dict.fromkeys([*seen, *self.configured])))
                self._models_cache = cache
            return list(cache[2])
        except Exception:
            return list(self.configured)

    # -- completion ---------------------------------------------------------------------------

    def complete(self, text: str) -> list[str]:
        """Whole-text completions for the bar; thinking levels follow the highlighted model."""
        if not text.strip():
            return []
        _key, entry = self.current_entry()
        return slash.complete(text, models=self.models(), entry=entry or None)

    # -- entry points for the app's bindings --------------------------------------------------

    def handle(self, verb: str, arg: str = "") -> None:
        """The one action the host screen forwards: command, slash, field <name>, menu, delete.

        Raises ``SkipAction`` when a text field has focus: the key is then typed, not bound.
        """
        if isinstance(self.app.focused, Input | TextArea):
            raise SkipAction()
        if verb == "command":
            self.bar.open("")
        elif verb == "slash":
            self.bar.open("/")
        elif verb == "field":
            self.edit_field(arg)
        elif verb == "menu":
            self.open_edit_menu()
        elif verb == "delete":
            self.delete_sessions()
        elif verb == "bulk":
            context = self.context()
            self.bar.open(bulk.bulk_prefill(context.filter_text, marked=len(context.marked_keys)))

    def _no_session(self) -> bool:
        key, _entry = self.current_entry()
        if key is None:
            self.bar.show_message(False, "No session is highlighted.")
            return True
        return False

    def edit_field(self, field: str) -> None:
        if field not in fields.BY_NAME or self._no_session():
            return
        key, entry = self.current_entry()
        title = fields.BY_NAME[field].label
        targets = self.target_keys()
        bulk = len(targets) > 1 or (bool(targets) and targets[0] != key)
        if bulk:
            # Marked sessions: "current" is what they all have, if they agree; the highlighted
            # row may not even be one of them.
            entries = self._entries(targets)
            values = {_field_value(field, e) for e in entries}
            mixed = len(values) > 1
            current = None if mixed else values.pop()
            subject = self.subject(key, agreed=None if mixed else current)
            choices = self.shared_choices(field, entries)
        else:
            current = _field_value(field, entry)
            subject = self.subject(key)
            choices = self.choices_for(field, entry)
            mixed = False
        editor: EditorScreen
        if field == "model":
            editor = ModelEditor(
                field,
                "Model override",
                self.models(),
                current,
                subject=subject,
                reply_to=self,
            )
        elif field == "label":
            editor = TextEditor(
                field,
                title,
                current or "",
                subject=subject,
                reply_to=self,
                placeholder="(optional)",
            )
        else:
            editor = ChoiceEditor(
                field,
                title,
                choices,
                current,
                subject=subject,
                reply_to=self,
                mixed=mixed,
            )
        # The edit applies to the sessions the operator was looking at when the editor opened,
        # even if the table moves underneath the modal meanwhile.
        self._editor_targets[id(editor)] = self.target_keys()

        def forget_targets(_result: object) -> None:
            self._editor_targets.pop(id(editor), None)

        self.app.push_screen(editor, callback=forget_targets)

    def subject(self, highlighted: str | None, *, agreed: str | None = None) -> str:
        """Whom an editor changes: the highlighted session, or the marked ones (bulk), with
        whether the marked ones agree on the field's value (``agreed``)."""
        keys = self.target_keys()
        if len(keys) > 1 or (keys and keys[0] != highlighted):
            sessions = f"{len(keys)} marked session{'s' if len(keys) != 1 else ''}"
            return f"{sessions} (all: {agreed})" if agreed is not None else sessions
        return highlighted or ""

    def _entries(self, keys: list[str]) -> list[Mapping[str, Any]]:
        store = self.store
        found: list[Mapping[str, Any]] = []
        for key in keys:
            try:
                entry = store.get(key) if store is not None else None
            except Exception:
                entry = None
            found.append(entry if isinstance(entry, Mapping) else {})
        return found

    def choices_for(self, field: str, entry: Mapping[str, Any]) -> tuple[str, ...]:
        return fields.BY_NAME[field].choices(entry)

    def shared_choices(self, field: str, entries: list[Mapping[str, Any]]) -> tuple[str, ...]:
        """What one edit of many sessions offers: the values every one of them accepts (the
        thinking levels all their models support), whichever was marked first; when they share
        none, every value any accepts (the sessions that cannot take it are refused, each with
        its reason)."""
        offered = [self.choices_for(field, entry) for entry in entries] or [
            self.choices_for(field, {})
        ]
        shared = tuple(value for value in offered[0] if all(value in o for o in offered[1:]))
        return shared or tuple(dict.fromkeys(value for o in offered for value in o))

    @staticmethod
    def current_value(field: str, entry: Mapping[str, Any]) -> str | None:
        value = entry.get(field)
        if value is None:
            return None
        return value if isinstance(value, str) else str(value)

    def open_edit_menu(self) -> None:
        if self._no_session():
            return
        key, entry = self.current_entry()
        rows = [
            MenuField(
                spec.name,
                spec.label,
                semantics.override_ref(entry)
                if spec is fields.MODEL
                else self.current_value(spec.name, entry),
            )
            for spec in fields.FIELDS
        ]
        rows.append(MenuField(DELETE_ACTION, "Delete session…", action=True))
        self.app.push_screen(EditMenu(rows, subject=self.subject(key), reply_to=self))

    @on(EditMenu.Picked)
    def _on_menu_picked(self, message: EditMenu.Picked) -> None:
        message.stop()
        if message.field == DELETE_ACTION:
            self.delete_sessions()
        else:
            self.edit_field(message.field)

    @on(EditorScreen.Chosen)
    def _on_editor_chosen(self, message: EditorScreen.Chosen) -> None:
        message.stop()
        command = slash.field_command(message.field, message.value)
        editor = message.editor
        keys = self._editor_targets.get(id(editor))
        self.run_command(command, reply=editor.show_result, keys=keys)

    @on(CommandBar.Submitted)
    def _on_bar_submitted(self, message: CommandBar.Submitted) -> None:
        message.stop()
        self.run_command(message.text, reply=None)

    # -- running ------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        # A count, not a flag: a command finishing must not clear the guard while a delete
        # started meanwhile still waits for its confirmation.
        return self._in_flight > 0

    def run_command(
        self,
        command: str | ParsedCommand,
        *,
        reply: Callable[[bool, str], None] | None,
        keys: list[str] | None = None,
    ) -> None:
        """Run ``command`` (typed text, or built) in a worker; report to ``reply`` (an editor)
        and under the bar.

        ``keys`` default to the sessions highlighted/marked now, when the operator acted.
        """
        if isinstance(command, str):
            parsed = slash.parse(command)
            if isinstance(parsed, ParsedCommand) and parsed.name == "bulk":
                self.open_bulk(parsed.raw_args)  # its own screen: the preview comes first
                return
            if isinstance(parsed, ParsedCommand) and parsed.name == "cleanup" and not parsed.args:
                self.open_cleanup()
                return
        if keys is None:
            keys = self.target_keys()
        if not self.bar.busy:
            # Not typed in the bar (an editor, the palette): the last command's feedback is
            # replaced now, not left standing beside this one until it reports.
            self.bar.dismiss_feedback()
        self._in_flight += 1
        self.run_worker(
            self._run(command, keys, reply),
            group="editing",
            exit_on_error=False,
            description=f"Command {command if isinstance(command, str) else command.text}",
        )

    async def _run(
        self,
        command: str | ParsedCommand,
        keys: list[str],
        reply: Callable[[bool, str], None] | None,
    ) -> None:
        failures: dict[str, str] = {}
        try:
            ok, message = await self.execute(command, keys, failures=failures)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the engine never raises; this is the last line of defence
            ok, message = False, f"Command failed: {describe_error(exc)}"
        self._in_flight -= 1
        if isinstance(command, str):
            text = command
            name = re.split(r"[\s:]+", text.strip().lstrip("/:"), maxsplit=1)[0].lower()
        else:
            text, name = command.text, command.name
        self.post_message(
            self.Finished(keys, failures, command=text.strip(), writes=name not in NON_WRITING)
        )
        self.last_outcome = (ok, message)
        title, window = self.presentation(command)
        try:
            if reply is None:
                self.bar.show_result(ok, message, title=title, window=window)
            else:
                reply(ok, message)
                self.bar.show_message(ok, message, title=title, window=window)
        except Exception:
            # The editor may be gone (app closing); the bar still tells the operator.
            self.bar.show_message(ok, message, title=title, window=window)

    @staticmethod
    def presentation(command: str | ParsedCommand) -> tuple[str, bool]:
        """(title of the output's window, whether the command's reply is a report to read in
        a window), from the command table."""
        parsed = slash.parse(command) if isinstance(command, str) else command
        text = command if isinstance(command, str) else command.text
        title = visible_control_chars(" ".join(text.split())) or "Command output"
        if isinstance(parsed, slash.SlashError):
            return title, False
        return title, BY_NAME[parsed.name].window

    async def execute(
        self,
        command: str | ParsedCommand,
        keys: list[str],
        *,
        failures: dict[str, str] | None = None,
    ) -> tuple[bool, str]:
        """Execute one command, asking for confirmation when the engine says it is destructive.
        ``failures`` (when given) receives why each session was not changed."""
        context = self.context()
        store = context.store
        if store is None:
            return False, "Command unavailable: no session store is open."
        read_only = context.read_only
        models = self.models()
        outcome = await slash.execute(command, store, keys, read_only=read_only, models=models)
        if not outcome.needs_confirmation:
            if failures is not None:
                failures.update(outcome.failures)
            return bool(outcome.ok), str(outcome.message)
        if read_only:
            return False, str(outcome.message) or "Refused: the store is open read-only."
        text = command if isinstance(command, str) else command.text
        confirmed = await self.app.push_screen_wait(self.confirmation_for(text, outcome, keys))
        if not confirmed:
            return False, "Not confirmed: nothing was changed."
        outcome = await slash.execute(
            command, store, keys, read_only=read_only, confirmed=True, models=models
        )
        if failures is not None:
            failures.update(outcome.failures)
        return bool(outcome.ok), str(outcome.message)

    @staticmethod
    def confirmation_for(command: str, outcome: Any, keys: list[str]) -> ConfirmScreen:
        question = str(getattr(outcome, "message", "") or "").strip()
        if not question:
            target = keys[0] if len(keys) == 1 else f"{len(keys)} sessions"
            question = f"Run {command} on {target}?"
        detail = str(getattr(outcome, "detail", "") or "")
        if not detail and len(keys) > 1:
            detail = "Marked sessions: " + ", ".join(keys[:5]) + (" …" if len(keys) > 5 else "")
        return ConfirmScreen(question, detail, title="Confirm")

    # -- bulk by filter: /bulk <filter> -- <command> -----------------------------------------

    def open_bulk(self, raw_args: str) -> None:
        """Preview ``/bulk``'s command on every matching session (in a worker: a big store takes
        a moment), then show the preview screen; nothing is applied from here."""
        context = self.context()
        if context.store is None:
            self.last_outcome = (False, "Command unavailable: no session store is open.")
            self.bar.show_result(*self.last_outcome)
            return
        request = bulk.parse_bulk(
            raw_args, current_filter=context.filter_text, marked_keys=context.marked_keys
        )
        if isinstance(request, slash.SlashError):
            self.last_outcome = (False, request.message)  # like every command's outcome
            self.bar.show_result(False, request.message)
            return
        self._in_flight += 1
        self.run_worker(
            self._bulk(request, context),
            group="editing",
            exit_on_error=False,
            description="Bulk preview",
        )

    async def _bulk(self, request: bulk.BulkRequest, context: EditContext) -> None:
        store = context.store
        assert store is not None
        try:
            now = context.now()
            planned = await anyio.to_thread.run_sync(lambda: bulk.preview(request, store, now))
            screen = bulk_screen_for(
                planned,
                store,
                read_only=context.read_only or store.read_only,
                agent_id=context.agent_id,
            )
            self.bar.show_message(True, planned.summary())
            applied = await self.app.push_screen_wait(screen)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._in_flight -= 1
            self.bar.show_result(False, f"/bulk failed: {describe_error(exc)}")
            return
        self._in_flight -= 1
        if applied:
            done = list(screen.results.values())
            self.post_message(self.Finished([r.key for r in done]))
            ok = all(r.outcome != "refused" for r in done)
            message = f"/bulk {request.what}: {bulk.result_counts(done) or 'nothing to do'}."
        else:
            ok, message = False, "Not confirmed: nothing was changed."
        self.last_outcome = (ok, message)
        # Applied: the bar closes with the counts. Not confirmed: the text stays, to be changed.
        self.bar.show_result(bool(applied), message)

    # -- /cleanup: session.maintenance of a file store, previewed ---------------------------

    def open_cleanup(self) -> None:
        context = self.context()
        store = context.store
        if store is None:
            self.bar.show_result(False, "Command unavailable: no session store is open.")
            return
        refusal = store.maintenance_refusal
        if refusal is not None:
            self.bar.show_result(False, refusal)
            return
        self._in_flight += 1
        self.run_worker(
            self._cleanup(store, context),
            group="editing",
            exit_on_error=False,
            description="Cleanup preview",
        )

    async def _cleanup(self, store: SessionStoreAPI, context: EditContext) -> None:
        from openclaw_tui.store import cleanup

        try:
            now_ms = context.now() * 1000
            path = Path(store.path)
            entries = store.load()

            def make() -> cleanup.CleanupPlan | str:
                source = cleanup.load_maintenance(path)
                if isinstance(source, str):
                    return source
                size = path.stat().st_size if path.exists() else None
                # As `openclaw sessions cleanup` without --active-key: the highlighted row is
                # not protected (OpenClaw's rules alone say what stays).
                return cleanup.plan_cleanup(path, entries, source, now_ms=now_ms, store_bytes=size)

            plan = await anyio.to_thread.run_sync(make)
            if isinstance(plan, str):
                self._in_flight -= 1
                self.bar.show_result(False, plan)
                return
            screen = cleanup_screen_for(
                plan,
                store,
                now_ms,
                read_only=context.read_only or store.read_only,
                agent_id=context.agent_id,
            )
            applied = await self.app.push_screen_wait(screen)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._in_flight -= 1
            self.bar.show_result(False, f"/cleanup failed: {describe_error(exc)}")
            return
        self._in_flight -= 1
        if applied:
            done = list(screen.results.values())
            self.post_message(self.Finished([r.key for r in done]))
            message = f"/cleanup: {bulk.result_counts(done) or 'nothing to do'}."
            ok = True
        else:
            ok, message = False, "Not confirmed: nothing was changed."
        self.last_outcome = (ok, message)
        self.bar.show_result(ok, message)

    # -- deleting sessions --------------------------------------------------------------------

    def delete_sessions(self) -> None:
        """Delete the marked sessions (or the highlighted one), after confirmation."""
        keys = self.target_keys()
        if not keys:
            self.bar.show_message(False, "No session is highlighted.")
            return
        if self.running:
            self.bar.show_message(False, "A command is still running; try again when it ends.")
            return
        self.bar.dismiss_feedback()  # this delete's outcome replaces the last command's
        self._in_flight += 1
        self.run_worker(
            self._delete(keys), group="editing", exit_on_error=False, description="Deleting"
        )

    async def _delete(self, keys: list[str]) -> None:
        failures: dict[str, str] = {}
        try:
            ok, message = await self.delete(keys, failures=failures)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            ok, message = False, f"Command failed: {describe_error(exc)}"
        self._in_flight -= 1
        self.post_message(self.Finished(keys, failures, command="delete"))
        self.last_outcome = (ok, message)
        self.bar.show_message(ok, message, title="Delete")

    async def delete(
        self, keys: list[str], *, failures: dict[str, str] | None = None
    ) -> tuple[bool, str]:
        context = self.context()
        store = context.store
        if store is None:
            return False, "Command unavailable: no session store is open."
        what = f"session {keys[0]}" if len(keys) == 1 else f"{len(keys)} sessions"
        if context.read_only or store.read_only:
            return False, (
                f"Read-only mode: deleting {what} was not applied. "
                "Restart without --read-only to edit."
            )
        detail = "The entry is removed from the session store; its transcript stays on disk."
        if len(keys) > 1:
            detail += "\nMarked: " + ", ".join(keys[:5]) + (" …" if len(keys) > 5 else "")
        confirmed = await self.app.push_screen_wait(
            ConfirmScreen(f"Delete {what}?", detail, title="Delete")
        )
        if not confirmed:
            return False, "Not confirmed: nothing was changed."
        deleted: list[str] = []
        problems: list[str] = []
        for key in keys:
            try:
                if await store.delete_entry(key):
                    deleted.append(key)
                else:
                    problems.append(f"Session {key} no longer exists (removed meanwhile).")
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                problems.append(f"{key}: not deleted: {describe_error(exc)}")
                if failures is not None:
                    failures[key] = f"not deleted: {describe_error(exc)}"
        lines = []
        if deleted:
            lines.append(
                f"Deleted session {deleted[0]}."
                if len(deleted) == 1
                else f"Deleted {len(deleted)} sessions."
            )
        lines.extend(problems)
        return not problems, "\n".join(lines)


def bulk_screen_for(
    planned: bulk.BulkPreview,
    store: SessionStoreAPI,
    *,
    read_only: bool,
    agent_id: str | None = None,
) -> BulkScreen:
    """The preview screen of a ``/bulk`` request (its Apply runs ``bulk.apply``)."""
    lines = [Line(r.key, r.before, r.after, r.status, r.note) for r in planned.rows]
    count = planned.counts["change"]
    refusal: str | None = None
    if read_only:
        refusal = "Read-only mode: this is a dry run; restart without --read-only to apply it."
    elif not count:
        refusal = "Nothing to apply: no session would change."
    noun = "session" if count == 1 else "sessions"
    question = f"Apply {planned.request.what} to {count:,} {noun}?"

    async def run(sink: bulk.ResultSink) -> list[bulk.EntryResult]:
        return await bulk.apply(planned, store, on_result=sink)

    return BulkScreen(
        f"Bulk: {planned.request.what}",
        planned.summary(),
        lines,
        run,
        question=question,
        refusal=refusal,
        agent_id=agent_id,
    )


def cleanup_screen_for(
    plan: cleanup.CleanupPlan,
    store: SessionStoreAPI,
    now_ms: float,
    *,
    read_only: bool,
    agent_id: str | None = None,
) -> BulkScreen:
    """The preview screen of ``/cleanup`` (its Apply runs ``cleanup.apply_cleanup``)."""
    from openclaw_tui.store import cleanup

    lines = []
    for e in plan.evictions:
        age = f"{relative_age(e.updated_at, now_ms / 1000)} ago" if e.updated_at else "no updatedAt"
        before = f"{age} · {cleanup.format_bytes(e.bytes)}"
        # The action in its column; the transcript's fate in the note (Result, and in full
        # under the table), so that the columns fit 80 columns.
        if e.transcript is not None:
            note = f"transcript archived as {e.archive_name}"
        else:
            note = "no transcript file"
        lines.append(Line(e.key, before, e.action, "change", note))
    count = len(lines)
    refusal: str | None = None
    if read_only:
        refusal = "Read-only mode: this is a dry run; restart without --read-only to apply it."
    elif not count:
        refusal = "Nothing to clean up: session.maintenance would remove no entry now."
    noun = "entry" if count == 1 else "entries"
    question = f"Apply cleanup: remove {count:,} {noun} and archive their transcripts?"

    async def run(sink: bulk.ResultSink) -> list[bulk.EntryResult]:
        return await cleanup.apply_cleanup(plan, store, on_result=sink)

    return BulkScreen(
        "Cleanup: session.maintenance",
        plan.summary(),
        lines,
        run,
        question=question,
        refusal=refusal,
        columns=("Updated · size", "Cleanup"),
        shares=(28, 20, 14),
        agent_id=agent_id,
    )
