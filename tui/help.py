"""The help screen (? and F1): every key with its binding id, every slash command (from the
command table, ``tui/slash/parse.py``) and the filter syntax; typing searches them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from openclaw_tui.tui.slash.parse import COMMANDS
from openclaw_tui.tui.viewmodel import FILTER_GRAMMAR
from openclaw_tui.widgets.footer import UNBOUND_KEY

if TYPE_CHECKING:
    from textual.app import App
    from textual.dom import DOMNode
    from textual.screen import Screen

FILTER_HELP = FILTER_GRAMMAR  # one text: the parser's module owns it


def either(keys: Sequence[str]) -> str:
    """``f``, ``f or ^f``, ``f, ^f or f3``; ``no key`` when the keymap took them all."""
    if not keys:
        return "no key"
    return keys[0] if len(keys) == 1 else f"{', '.join(keys[:-1])} or {keys[-1]}"


def edit_keys_note(keys: Mapping[str, Sequence[str]]) -> str:
    """How editing works, naming the keys bound now (``keys``: binding id -> keys)."""

    def k(binding_id: str) -> str:
        return either(keys.get(binding_id, ()))

    fields = " ".join(k(i) for i in ("edit-thinking", "edit-model", "edit-label"))
    return (
        "Edits go through the store like every other writer: "
        f"{k('command-bar')} or {k('slash-command')} opens the command bar "
        f"(/think high, /model openai/gpt-5.2, /help), {fields} edit a field, "
        f"{k('edit-menu')} lists every field; marked rows ({k('table.mark')}) are edited "
        "together. /stop (or /abort) stops the runs of the highlighted or marked sessions on a "
        "gateway and says stopped once the gateway reports it. /bulk <filter> -- <command> "
        f"({k('bulk')} fills in the current filter) previews a command on every session the "
        "filter matches and applies it only after y."
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


def command_rows() -> list[tuple[str, str, str]]:
    """(usage, aliases, summary) of every slash command, from the one command table."""
    return [
        (spec.usage, " ".join("/" + alias for alias in spec.aliases), spec.summary)
        for spec in COMMANDS
    ]


def commands_table(rows: list[tuple[str, str, str]]) -> Table:
    table = Table(box=None, show_header=True, header_style="bold", pad_edge=False, expand=True)
    table.add_column("Command", ratio=3, overflow="fold")
    table.add_column("Also", no_wrap=True, style="dim")
    table.add_column("What it does", ratio=4)
    for usage, aliases, summary in rows:
        table.add_row(Text(usage), Text(aliases), Text(summary))
    return table


def grammar_table(rows: list[tuple[str, str]]) -> Table:
    table = Table(box=None, show_header=False, pad_edge=False, expand=True)
    table.add_column(no_wrap=True, style="bold")
    table.add_column()
    for example, meaning in rows:
        table.add_row(Text(example), Text(meaning))
    return table


Row = TypeVar("Row", bound=tuple[str, ...])


def matching(rows: Sequence[Row], query: str) -> list[Row]:
    """The rows holding every word of ``query`` (any case, in any of their cells)."""
    words = query.casefold().split()
    if not words:
        return list(rows)
    return [row for row in rows if all(w in " ".join(row).casefold() for w in words)]


CLOSE_HINT = "Type to search · Esc clears the search, then closes · F1 (or ? before typing) closes"


class SearchInput(Input):
    """The help's search field; ``?`` in an empty search closes the help (it opened it)."""

    def check_consume_key(self, key: str, character: str | None) -> bool:
        # An input takes every printable key, priority bindings included; while the search is
        # empty "?" is left to the screen's close binding, as k9s's and htop's help toggle.
        if key == "question_mark" and not self.value:
            return False
        return super().check_consume_key(key, character)


class HelpScreen(ModalScreen[None]):
    """Every key in effect (keymap applied) with its binding id, every slash command, and the
    filter syntax; typing searches all three (as k9s and Posting filter their lists)."""

    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
    }
    HelpScreen > #help-box {
        width: 100;
        max-width: 95%;
        height: 90%;
        border: round $accent;
        border-title-color: $text-accent;
        border-subtitle-color: $text-muted;
        background: $panel;
        padding: 0 1;
    }
    HelpScreen #help-search {
        border: none;
        height: 1;
        padding: 0 1;
        background: $boost;
    }
    HelpScreen #help-hint {
        color: $text-muted;
    }
    HelpScreen #help-scroll {
        height: 1fr;
    }
    HelpScreen .help-title {
        text-style: bold;
        color: $text-accent;
        margin-top: 1;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority: they close the help while the search field has focus (? only while the
        # search is empty, see SearchInput).
        Binding("question_mark,f1", "dismiss_help", "Close", priority=True, id="help.close"),
        Binding("escape", "clear_or_close", "Clear search / close", id="help.clear"),
        Binding("up", "scroll(-1)", "Scroll up", show=False, id="help.scroll-up"),
        Binding("down", "scroll(1)", "Scroll down", show=False, id="help.scroll-down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="help.page-up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="help.page-down"),
    ]

    def __init__(
        self, keymap_source: str = "defaults", keymap_messages: Sequence[str] = ()
    ) -> None:
        """``keymap_source``: where the keymap in effect came from; ``keymap_messages``: what
        resolving it reported (problems, then notes), listed under the keymap."""
        super().__init__()
        self.keymap_source = keymap_source
        self.keymap_messages = tuple(keymap_messages)
        self.key_rows: list[tuple[str, str, str]] = []
        self.keys_by_id: dict[str, list[str]] = {}
        """The keys bound now to each binding id under the help (the prose names them too)."""
        self.command_rows = command_rows()
        self.filter_rows: list[tuple[str, str]] = list(FILTER_HELP)

    def _collect_key_rows(self) -> list[tuple[str, str, str]]:
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
        self.keys_by_id = keys_by_id
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
        return rows

    def compose(self) -> ComposeResult:
        self.key_rows = self._collect_key_rows()
        box = Vertical(id="help-box")
        box.border_title = "Help"
        box.border_subtitle = "Esc closes"
        keys = self.keys_by_id

        def k(binding_id: str) -> str:
            return either(keys.get(binding_id, ()))

        with box:
            yield SearchInput(placeholder="search keys and commands", id="help-search")
            yield Static(CLOSE_HINT, id="help-hint", markup=False)
            with VerticalScroll(id="help-scroll", can_focus=False):
                yield Static("", id="help-nothing", markup=False)
                yield Static("Keys", classes="help-title", id="help-keys-title")
                yield Static(bindings_table(self.key_rows), id="help-keys")
                yield Static(
                    f"Slash commands ({k('command-bar')} or {k('slash-command')} opens the "
                    "command bar; /help <command> explains one)",
                    classes="help-title",
                    id="help-commands-title",
                    markup=False,
                )
                yield Static(commands_table(self.command_rows), id="help-commands")
                yield Static(
                    f"Filter ({k('filter')})",
                    classes="help-title",
                    id="help-filter-title",
                    markup=False,
                )
                yield Static(grammar_table(self.filter_rows), id="help-filter")
                with Vertical(id="help-notes"):
                    yield Static("Keymap", classes="help-title")
                    where = self.keymap_source
                    yield Static(
                        Text(
                            "Remap keys in ~/.config/openclaw-tui/config.toml under [keymap] "
                            '(e.g. pause = "space"), or with '
                            'OPENCLAW_TUI_KEYMAP="pause=space;filter=slash".'
                            f"\nActive keymap: {where}. A remapped key moves: the old key stops "
                            "doing the action, and an action that had the new key loses it."
                        )
                    )
                    for message in self.keymap_messages:
                        yield Static(Text(f"• {message}"))
                    yield Static(Text(edit_keys_note(keys)))

    def on_mount(self) -> None:
        self.query_one("#help-nothing").display = False
        self.query_one("#help-search", Input).focus()

    @property
    def query_text(self) -> str:
        return self.query_one("#help-search", Input).value

    @on(Input.Changed, "#help-search")
    def _search(self, event: Input.Changed) -> None:
        event.stop()
        self.search(event.value)

    def search(self, query: str) -> None:
        """Show only the keys, commands and filter terms holding every word of ``query``."""
        keys = matching(self.key_rows, query)
        commands = matching(self.command_rows, query)
        terms = matching(self.filter_rows, query)
        searching = bool(query.strip())
        sections: tuple[tuple[str, bool, Table], ...] = (
            ("keys", bool(keys), bindings_table(keys)),
            ("commands", bool(commands), commands_table(commands)),
            ("filter", bool(terms), grammar_table(terms)),
        )
        for name, any_rows, table in sections:
            shown = any_rows or not searching
            self.query_one(f"#help-{name}-title").display = shown
            widget = self.query_one(f"#help-{name}", Static)
            widget.display = shown
            widget.update(table)
        self.query_one("#help-notes").display = not searching
        nothing = self.query_one("#help-nothing", Static)
        nothing.display = searching and not (keys or commands or terms)
        if nothing.display:
            nothing.update(Text(f"Nothing matches {query.strip()!r}. Esc clears the search."))
        self.query_one("#help-scroll", VerticalScroll).scroll_home(animate=False)

    def action_clear_or_close(self) -> None:
        search = self.query_one("#help-search", Input)
        if search.value:
            search.value = ""
        else:
            self.dismiss(None)

    def action_scroll(self, step: int) -> None:
        scroll = self.query_one("#help-scroll", VerticalScroll)
        scroll.scroll_relative(y=step, animate=False)

    def action_page(self, step: int) -> None:
        scroll = self.query_one("#help-scroll", VerticalScroll)
        scroll.scroll_relative(y=step * max(1, scroll.size.height - 1), animate=False)

    def action_dismiss_help(self) -> None:
        self.dismiss(None)
