"""The key footer: Textual's Footer, made to keep Help and Quit on screen in a narrow terminal."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.events import Resize
from textual.screen import Screen
from textual.widgets import Footer

# Private module on purpose: Textual (8.2) exports only Footer, yet Footer.compose yields
# FooterKey widgets and filtering/ordering them needs their type, ``key`` and ``action``.
# tests/tui/test_footer_api.py fails if a Textual release moves or changes it.
from textual.widgets._footer import FooterKey

UNBOUND_KEY = "-unbound-"
"""The key of an action a keymap took every key from: no terminal sends it (a key name never
starts with ``-``), and the footer and the help leave it out."""

COMPACT_WIDTH = 160
"""Below this width the keys are packed tighter (one space between them, not two)."""

PALETTE_HINT_WIDTH = COMPACT_WIDTH
"""Below this width the ``^p Palette`` hint gives its room to keys (ctrl+p still works). Not
narrower than COMPACT_WIDTH: in a compact footer Textual leaves the hint's last cell showing a
letter of the key scrolled beneath it."""

FIRST_ACTIONS = (
    "help",
    "quit",
    "toggle_mark",
    "filter",
    "toggle_pause",
    "sort_next",
    "copy_key",
    "toggle_detail",
    "editing('delete')",
)
"""Shown first, in this order: whatever is cut at the right, Help and Quit stay visible, then
the keys an operator uses most (k9s and htop keep theirs on the left too)."""


class SessionFooter(Footer):
    """A footer that puts ``? Help`` and ``q Quit`` first and, when narrow, packs keys tighter
    and leaves out the ``^p Palette`` hint (ctrl+p still opens it; help lists it)."""

    def __init__(self) -> None:
        super().__init__()
        self._wide: tuple[bool, bool] | None = None
        self._composed: tuple[object, ...] | None = None  # what the keys shown were made from
        self._recompose_due = False

    def _keys_signature(self) -> tuple[object, ...]:
        """Everything the composed keys are made from: the same signature, the same keys."""
        shown = tuple(
            (binding.key, binding.action, binding.description, enabled, tooltip)
            for (_node, binding, enabled, tooltip) in self.screen.active_bindings.values()
            if binding.show or binding.action == "command_palette"
        )
        return (self._bindings_ready, self.compact, self.show_command_palette, shown)

    def bindings_changed(self, screen: Screen[object]) -> None:
        """Textual recomposes every key on each bindings update (each focus change at start-up
        is one, ~20 ms of styling each at 100,000 sessions' start): here at most once a
        frame, and only when the keys would differ."""
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._recompose_due:
            self._recompose_due = True
            self.call_after_refresh(self._recompose_if_changed)

    async def _recompose_if_changed(self) -> None:
        self._recompose_due = False
        if self.is_attached and self._keys_signature() != self._composed:
            await self.recompose()

    def compose(self) -> ComposeResult:
        self._composed = self._keys_signature() if self.is_attached else None
        items = [
            widget
            for widget in super().compose()
            if not (isinstance(widget, FooterKey) and widget.key == UNBOUND_KEY)
        ]

        def rank(widget: object) -> int:
            if isinstance(widget, FooterKey) and widget.action in FIRST_ACTIONS:
                return FIRST_ACTIONS.index(widget.action)
            return len(FIRST_ACTIONS)

        yield from sorted(items, key=rank)

    def on_resize(self, event: Resize) -> None:
        width = self.app.size.width
        wide = (width >= COMPACT_WIDTH, width >= PALETTE_HINT_WIDTH)
        if wide != self._wide:
            self._wide = wide
            self.compact = not wide[0]
            self.show_command_palette = wide[1]
            if not self._recompose_due:
                self._recompose_due = True
                self.call_after_refresh(self._recompose_if_changed)
