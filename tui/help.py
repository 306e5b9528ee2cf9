"""The help screen (? and F1): every key with its binding id, and the filter syntax."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from openclaw_tui.tui.viewmodel import FILTER_GRAMMAR
from openclaw_tui.widgets.footer import UNBOUND_KEY

if TYPE_CHECKING:
    from textual.app import App
    from textual.dom import DOMNode
    from textual.screen import Screen

FILTER_HELP = FILTER_GRAMMAR  # one text: the parser's module owns it

EDIT_KEYS_NOTE = (
    "Edits go through the store like every other writer: : or / opens the command bar "
    "(/think high, /model openai/gpt-5.2, /help), t m l edit a field, e lists every field; "
    "marked rows (space) are edited together. /stop (or /abort) stops the runs of the "
    "highlighted or marked sessions on a gateway and says stopped once the gateway reports it."
)


def active_keys(screen: Screen[Any]) -> dict[str, list[str]]:
    """The keys bound now to each binding id, as the footer shows them, keymap applied.

    Textual applies the user's keymap to the active bindings (``Screen.active_bindings``), not
    to what the classes declare, so this is the one place to ask which key does what.
    """
    app = screen.app
    keys: dict[str, list[str]] = {}
    for active in screen.active_bindings.values():
        binding = active.binding
        if binding.id:
            shown = keys.setdefault(binding.id, [])
            # An action the keymap took every key from is listed with no key.
            if binding.key != UNBOUND_KEY:
                shown.append(app.get_key_display(binding))
    return keys


def declared_order(nodes: Iterable[App[Any] | DOMNode]) -> dict[str, tuple[int, int]]:
    """(node rank, position) of each binding id as the nodes' classes declare it, to list the
    help in a stable order.

    Positions follow Textual's merge of ``BINDINGS`` (base classes first, one slot per key, a
    subclass's binding taking over its key's slot), so a key a base class already bound (the
    scroll keys) keeps its place.
    """
    order: dict[str, tuple[int, int]] = {}
    for rank, node in enumerate(nodes):
        by_key: dict[str, list[Binding]] = {}
        for cls in reversed(type(node).__mro__):
            declared: dict[str, list[Binding]] = {}
            for binding in Binding.make_bindings(cls.__dict__.get("BINDINGS", [])):
                declared.setdefault(binding.key, []).append(binding)
            by_key.update(declared)
        merged = (binding for bindings in by_key.values() for binding in bindings)
        for index, binding in enumerate(merged):
            if binding.id:
                order.setdefault(binding.id, (rank, index))
    return order


def bindings_table(rows: list[tuple[str, str, str]]) -> Table:
    table = Table(box=None, show_header=True, header_style="bold", pad_edge=False, expand=True)
    table.add_column("Keys", no_wrap=True)
    table.add_column("Action")
    table.add_column("Binding id (for the keymap)", style="dim", no_wrap=True)
    for keys, description, binding_id in rows:
        table.add_row(Text(keys), Text(description), Text(binding_id))
    return table


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
    }
    HelpScreen > VerticalScroll {
        width: 90;
        max-width: 95%;
        height: 90%;
        border: round $accent;
        background: $panel;
        padding: 0 1;
    }
    HelpScreen .help-title {
        text-style: bold;
        color: $text-accent;
        margin-top: 1;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,f1", "dismiss_help", "Close", id="help.close"),
    ]

    def compose(self) -> ComposeResult:
        app = self.app
        rows: list[tuple[str, str, str]] = []
        seen: set[str] = set()
        main = next((s for s in reversed(app.screen_stack) if s is not self), None)
        nodes = [n for n in (main, app) if n is not None]
        # The focused widget's keys (the table's, or the transcript view's) after the screen's;
        # any screen may be below the help, not only the one with the session table.
        focused = main.focused if main is not None else None
        if focused is not None:
            nodes.insert(1, focused)
        # The keys that are active now, with the user's keymap applied: Textual applies it to
        # the binding chain, never to what the classes declare.
        active = main.active_bindings if main is not None else {}
        keys_by_id = active_keys(main) if main is not None else {}
        described: dict[str, Binding] = {}
        for active_binding in active.values():
            binding = active_binding.binding
            # Only bindings with an id can be remapped, and those are ours.
            if not binding.id or binding.action.startswith("sort_column"):
                continue
            described.setdefault(binding.id, binding)
        # Listed in declaration order (screen, table, app), wherever the keymap moved a key.
        order = declared_order(nodes)
        for binding_id in sorted(described, key=lambda i: order.get(i, (len(nodes), 0))):
            if binding_id in seen:
                continue
            seen.add(binding_id)
            binding = described[binding_id]
            rows.append(
                (", ".join(keys_by_id[binding_id]) or "no key", binding.description, binding_id)
            )
        rows.append(("1 … 9", "Sort by column 1 … 9 (again: reverse)", "sort-1 … sort-9"))
        with VerticalScroll():
            yield Static("Keys", classes="help-title")
            yield Static(bindings_table(rows))
            yield Static("Filter (f or ctrl+f)", classes="help-title")
            grammar = Table(box=None, show_header=False, pad_edge=False, expand=True)
            grammar.add_column(no_wrap=True, style="bold")
            grammar.add_column()
            for example, meaning in FILTER_HELP:
                grammar.add_row(Text(example), Text(meaning))
            yield Static(grammar)
            yield Static("Keymap", classes="help-title")
            source = getattr(app, "config", None)
            where = getattr(source, "source", None) or "defaults"
            yield Static(
                Text(
                    "Remap keys in ~/.config/openclaw-tui/config.toml under [keymap] "
                    '(e.g. pause = "space"), or with '
                    'OPENCLAW_TUI_KEYMAP="pause=space;filter=slash".'
                    f"\nActive keymap: {where}. A remapped key moves: the old key stops doing "
                    "the action, and an action that had the new key loses it."
                )
            )
            for message in [
                *getattr(app, "keymap_problems", []),
                *getattr(app, "keymap_notes", []),
            ]:
                yield Static(Text(f"• {message}"))
            yield Static(Text(EDIT_KEYS_NOTE))

    def action_dismiss_help(self) -> None:
        self.dismiss(None)
