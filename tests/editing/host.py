"""A minimal host with the app contract of issue #3, for driving the editing controller.

It gives the controller exactly what tui/app.py gives it (an ``EditContext`` from the app's
store and read-only state and the screen's highlighted and marked keys, a ``#command-area``
container and the editing bindings) and nothing else, so these tests exercise the controller,
the widgets, the real slash engine and the real SessionStore without depending on the browser's
table.
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Static

from openclaw_tui.store import SessionStore
from openclaw_tui.tui.editing import EDITING_BINDINGS, EditContext, EditingPanel

MAIN = "agent:main:main"
GROUP = "agent:main:telegram:group:-1001234567890"
CRON = "agent:main:cron:daily-digest"


class FakeTable(Static, can_focus=True):
    """Holds focus like the session table does (the real one follows the store's events)."""


class HostScreen(Screen[None]):
    BINDINGS = EDITING_BINDINGS

    def __init__(self, current_key: str | None) -> None:
        super().__init__()
        self.current_key = current_key
        self.marked_keys: set[str] = set()

    def compose(self) -> ComposeResult:
        yield FakeTable("sessions", id="table")
        with Vertical(id="command-area"):
            yield EditingPanel(self.edit_context)

    def on_mount(self) -> None:
        self.query_one(FakeTable).focus()

    def edit_context(self) -> EditContext:
        app = self.app
        assert isinstance(app, HostApp)
        return EditContext(
            store=app.store,
            read_only=app.read_only,
            current_key=self.current_key,
            marked_keys=tuple(self.marked_keys),
        )

    def action_editing(self, verb: str, arg: str = "") -> None:
        self.query_one(EditingPanel).handle(verb, arg)


class HostApp(App[None]):
    CSS = "#command-area { dock: bottom; height: auto; }"

    def __init__(
        self, store: SessionStore, *, current_key: str | None = MAIN, read_only: bool = False
    ) -> None:
        super().__init__()
        self.store = store
        self.read_only = read_only
        self.current_key = current_key

    def on_mount(self) -> None:
        self.push_screen(HostScreen(self.current_key))

    @property
    def controller(self) -> EditingPanel:
        return self.screen_stack[1].query_one(EditingPanel)
