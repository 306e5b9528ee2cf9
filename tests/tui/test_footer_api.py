"""widgets/footer.py relies on Textual's private FooterKey (no public export): pin what it uses."""

from __future__ import annotations

import pytest
import textual.widgets
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from openclaw_tui.widgets.footer import SessionFooter


def test_footer_key_is_still_private_and_composed_by_footer() -> None:
    # If Textual starts exporting it, widgets/footer.py should import the public name instead.
    assert "FooterKey" not in textual.widgets.__all__


@pytest.mark.anyio
async def test_footer_composes_footer_keys_with_key_and_action() -> None:
    class Host(App[None]):
        BINDINGS = [Binding("question_mark", "help", "Help"), Binding("q", "quit", "Quit")]

        def compose(self) -> ComposeResult:
            yield SessionFooter()

    app = Host()
    async with app.run_test() as pilot:
        await pilot.pause()
        footer = app.query_one(Footer)
        keys = {(widget.key, widget.action) for widget in footer.query(FooterKey)}
        assert ("question_mark", "help") in keys
        assert ("q", "quit") in keys
