"""Field editors for one session: choosers, a text editor, a model picker and an edit menu.

Editors are modal screens that take plain data (the choices, the current value, the session key
as text) and post messages; they know nothing of the store or of commands. An editor posts
``EditorScreen.Chosen(field, value)`` (``value is None`` means "inherit": clear the field) and
then waits: the host runs the change and calls ``show_result(ok, message)``. On success the
editor closes; on failure the error shows inline and the editor stays open with what was typed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.message_pump import MessagePump
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from openclaw_tui.widgets.text import literal_text, visible_control_chars

INHERIT_LABEL = "inherit"

_EDITOR_CSS = """
EditorScreen, EditMenu {
    align: center middle;
    background: $background 50%;
}
EditorScreen > #editor-body, EditMenu > #editor-body {
    width: 64;
    max-width: 90%;
    height: auto;
    max-height: 90%;
    border: thick $accent;
    background: $surface;
    padding: 0 1;
}
#editor-subject {
    color: $text-muted;
    height: auto;
}
#editor-body > OptionList {
    height: auto;
    max-height: 14;
    border: none;
    padding: 0;
}
#editor-body > Input {
    margin: 1 0 0 0;
}
#editor-hint {
    color: $text-muted;
    height: 1;
}
#editor-status {
    display: none;
    height: auto;
}
#editor-status.-busy {
    display: block;
    color: $text-muted;
}
#editor-status.-error {
    display: block;
    color: $text-error;
    background: $error-muted;
}
"""


class EditorScreen(ModalScreen[None]):
    """Base of the field editors: the subject line, the Chosen message and inline results."""

    DEFAULT_CSS = _EDITOR_CSS

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="editor.cancel")]

    class Chosen(Message):
        """The operator chose ``value`` for ``field`` (``None``: inherit, i.e. clear it)."""

        def __init__(self, editor: EditorScreen, field: str, value: str | None) -> None:
            super().__init__()
            self.editor = editor
            self.field = field
            self.value = value

    def __init__(
        self,
        field: str,
        title: str,
        *,
        subject: str = "",
        reply_to: MessagePump | None = None,
        hint: str = "",
    ) -> None:
        super().__init__()
        self.field = field
        self.title_text = title
        self.subject = subject
        self.hint = hint
        self.reply_to = reply_to
        self.busy = False
        self.last_error: str | None = None

    def compose_body(self) -> ComposeResult:
        yield from ()

    def compose(self) -> ComposeResult:
        with Vertical(id="editor-body") as body:
            body.border_title = Text(self.title_text)
            yield Static(literal_text(self.subject), id="editor-subject", markup=False)
            yield from self.compose_body()
            yield Static(Text(self.hint), id="editor-hint", markup=False)
            yield Static("", id="editor-status", markup=False)

    def choose(self, value: str | None) -> None:
        """Post the choice to the host and wait for ``show_result``."""
        if self.busy:
            return
        self.busy = True
        self._set_status(Text("Saving…"), "-busy")
        message = self.Chosen(self, self.field, value)
        (self.reply_to or self).post_message(message)

    def show_result(self, ok: bool, message: str) -> None:
        self.busy = False
        if ok:
            self.last_error = None
            if self.is_attached and self.app.screen is self:
                self.dismiss(None)
            return
        self.last_error = message
        self._set_status(literal_text(message, keep_newlines=True), "-error")

    def _set_status(self, text: Text, kind: str) -> None:
        status = self.query_one("#editor-status", Static)
        status.remove_class("-busy", "-error")
        status.add_class(kind)
        status.update(text)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ChoiceEditor(EditorScreen):
    """Pick one value from a list; "inherit" clears the field.

    The current value is highlighted. A current value that is not among the choices (written by
    hand or by a newer OpenClaw) is listed as "<value> (custom)"; picking it changes nothing.
    """

    def __init__(
        self,
        field: str,
        title: str,
        choices: Sequence[str],
        current: str | None,
        *,
        subject: str = "",
        reply_to: MessagePump | None = None,
        inherit: bool = True,
        mixed: bool = False,
    ) -> None:
        """``mixed``: the sessions edited have different values, so none is "current" (not
        even inherit, which ``current=None`` would otherwise mean)."""
        super().__init__(
            field, title, subject=subject, reply_to=reply_to, hint="Enter picks · Esc cancels"
        )
        self.current = current
        self.mixed = mixed
        self.values: list[str | None] = [None] if inherit else []
        self.values.extend(choices)
        self.custom_index: int | None = None
        if current is not None and current not in choices:
            self.custom_index = len(self.values)
            self.values.append(current)

    def _label(self, index: int, value: str | None) -> Text:
        text = Text(INHERIT_LABEL if value is None else "")
        if value is not None:
            text.append_text(literal_text(value))
        if index == self.custom_index:
            text.append(" (custom)", style="italic")
        if value == self.current and not self.mixed:
            text.append("  ● current", style="dim")
        return text

    def compose_body(self) -> ComposeResult:
        options = [Option(self._label(i, v), id=f"choice-{i}") for i, v in enumerate(self.values)]
        yield OptionList(*options, id="editor-choices")

    def on_mount(self) -> None:
        choices = self.query_one("#editor-choices", OptionList)
        choices.highlighted = self.values.index(self.current) if self.current in self.values else 0
        choices.focus()

    @on(OptionList.OptionSelected, "#editor-choices")
    def _on_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option_index == self.custom_index:
            self.dismiss(None)  # keeping the custom value is "no change"
            return
        self.choose(self.values[event.option_index])

    @property
    def highlighted_value(self) -> str | None:
        index = self.query_one("#editor-choices", OptionList).highlighted
        return None if index is None else self.values[index]


class TextEditor(EditorScreen):
    """Edit a free-text field (the label). An empty value clears the field."""

    def __init__(
        self,
        field: str,
        title: str,
        current: str | None,
        *,
        subject: str = "",
        reply_to: MessagePump | None = None,
        placeholder: str = "",
    ) -> None:
        super().__init__(
            field,
            title,
            subject=subject,
            reply_to=reply_to,
            hint="Enter saves · empty clears · Esc cancels",
        )
        self.current = current
        self.placeholder = placeholder
        # An Input would swallow control characters; prefill their visible spelling instead,
        # and treat submitting that spelling unchanged as "no change" so data is never rewritten.
        self.shown_current = visible_control_chars(current or "")

    def compose_body(self) -> ComposeResult:
        yield Input(
            value=self.shown_current,
            placeholder=self.placeholder,
            select_on_focus=False,
            id="editor-input",
        )

    def on_mount(self) -> None:
        self.query_one("#editor-input", Input).focus()

    @on(Input.Submitted, "#editor-input")
    def _on_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value
        if self.current is not None and text == self.shown_current != self.current:
            self.dismiss(None)
            return
        self.choose(text if text.strip() else None)


class _PrefixSuggester(Suggester):
    def __init__(self, candidates: Sequence[str]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.candidates = list(candidates)

    async def get_suggestion(self, value: str) -> str | None:
        if not value:
            return None
        folded = value.casefold()
        for candidate in self.candidates:
            if len(candidate) > len(value) and candidate.casefold().startswith(folded):
                return value + candidate[len(value) :]
        return None


class ModelEditor(EditorScreen):
    """Type or pick a provider/model override; "default" clears the override.

    ``candidates`` are the models to offer (seen in the store plus a configured list); the list
    under the input narrows to those containing what is typed.
    """

    DEFAULT_LABEL = "default (clear the override)"

    BINDINGS = [
        Binding("down", "focus_list", "Choices", show=False, id="model-editor.list"),
    ]

    def __init__(
        self,
        field: str,
        title: str,
        candidates: Sequence[str],
        current: str | None,
        *,
        subject: str = "",
        reply_to: MessagePump | None = None,
    ) -> None:
        super().__init__(
            field,
            title,
            subject=subject,
            reply_to=reply_to,
            hint="Enter sets · → accepts · ↓ list · Esc cancels",
        )
        self.candidates = list(dict.fromkeys(candidates))
        self.current = current
        self.shown: list[str | None] = []

    def compose_body(self) -> ComposeResult:
        yield Input(
            value=self.current or "",
            placeholder="provider/model",
            suggester=_PrefixSuggester(self.candidates),
            select_on_focus=False,
            id="editor-input",
        )
        yield OptionList(id="editor-choices")

    def on_mount(self) -> None:
        self._filter("")
        self.query_one("#editor-input", Input).focus()

    def _filter(self, typed: str) -> None:
        folded = typed.strip().casefold()
        matches = [c for c in self.candidates if folded in c.casefold()]
        self.shown = [None, *matches]
        options: list[Option] = [Option(Text(self.DEFAULT_LABEL), id="model-0")]
        for index, model in enumerate(matches, start=1):
            label = literal_text(model)
            if model == self.current:
                label.append("  ● current", style="dim")
            options.append(Option(label, id=f"model-{index}"))
        choices = self.query_one("#editor-choices", OptionList)
        choices.set_options(options)
        choices.highlighted = None

    @on(Input.Changed, "#editor-input")
    def _on_changed(self, event: Input.Changed) -> None:
        event.stop()
        # Filter by what is typed, except when it is the untouched current value.
        self._filter("" if event.value == (self.current or "") else event.value)

    @on(Input.Submitted, "#editor-input")
    def _on_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text:
            self.show_result(False, 'Type provider/model, or pick "default" to clear the override.')
            return
        self.choose(text)

    @on(OptionList.OptionSelected, "#editor-choices")
    def _on_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.choose(self.shown[event.option_index])

    def action_focus_list(self) -> None:
        choices = self.query_one("#editor-choices", OptionList)
        if choices.option_count:
            choices.focus()
            if choices.highlighted is None:
                choices.highlighted = 0


@dataclass(frozen=True, slots=True)
class MenuField:
    """One row of the edit menu: a field, its title and its current value as shown.

    An ``action`` row (such as "Delete session…") shows no value; picking it posts its name.
    """

    field: str
    title: str
    current: str | None = None
    action: bool = False


class EditMenu(ModalScreen[None]):
    """Every editable field with its current value; picking one posts ``EditMenu.Picked``."""

    DEFAULT_CSS = _EDITOR_CSS

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="edit-menu.cancel")]

    class Picked(Message):
        def __init__(self, menu: EditMenu, field: str) -> None:
            super().__init__()
            self.menu = menu
            self.field = field

    def __init__(
        self,
        fields: Sequence[MenuField],
        *,
        subject: str = "",
        reply_to: MessagePump | None = None,
    ) -> None:
        super().__init__()
        self.fields = list(fields)
        self.subject = subject
        self.reply_to = reply_to

    def compose(self) -> ComposeResult:
        width = max((len(f.title) for f in self.fields), default=0) + 2
        options = []
        for index, item in enumerate(self.fields):
            row = Text(item.title.ljust(width))
            if item.action:
                row.stylize("bold")
            elif item.current is None:
                row.append(INHERIT_LABEL, style="dim")
            else:
                row.append_text(literal_text(item.current))
            options.append(Option(row, id=f"field-{index}"))
        with Vertical(id="editor-body") as body:
            body.border_title = Text("Edit session")
            yield Static(literal_text(self.subject), id="editor-subject", markup=False)
            yield OptionList(*options, id="editor-choices")
            yield Static(Text("Enter edits · Esc closes"), id="editor-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one("#editor-choices", OptionList).focus()

    @on(OptionList.OptionSelected, "#editor-choices")
    def _on_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        field = self.fields[event.option_index].field
        target = self.reply_to or self.app
        self.dismiss(None)
        target.post_message(self.Picked(self, field))

    def action_cancel(self) -> None:
        self.dismiss(None)
