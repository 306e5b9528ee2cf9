"""The key footer: Textual's Footer, made to keep Help and Quit on screen in a narrow terminal."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.events import Resize
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

COMPACT_WIDTH = 120
"""Below this width the footer is compact and lists the keys an operator needs first."""

FIRST_ACTIONS = ("help", "quit")
"""Shown first below COMPACT_WIDTH: whatever is cut at the right, these two stay visible."""


class SessionFooter(Footer):
    """A footer that, when narrow, puts ``? Help`` and ``q Quit`` first, packs keys tighter and
    leaves out the ``^p Palette`` hint (ctrl+p still opens it; help lists it)."""

    def compose(self) -> ComposeResult:
        items = list(super().compose())
        if self.app.size.width >= COMPACT_WIDTH:
            yield from items
            return

        def rank(widget: object) -> int:
            if isinstance(widget, FooterKey) and widget.action in FIRST_ACTIONS:
                return FIRST_ACTIONS.index(widget.action)
            return len(FIRST_ACTIONS)

        yield from sorted(items, key=rank)

    def on_resize(self, event: Resize) -> None:
        compact = self.app.size.width < COMPACT_WIDTH
        if compact != self.compact:
            # Crossing the width changes the order as well as the spacing.
            self.compact = compact
            self.show_command_palette = not compact
            self.call_after_refresh(self.recompose)
