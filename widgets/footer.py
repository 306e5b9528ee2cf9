"""The key footer: Textual's Footer, made to keep Help and Quit on screen in a narrow terminal."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.events import Resize
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

    def compose(self) -> ComposeResult:
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
            self.call_after_refresh(self.recompose)
