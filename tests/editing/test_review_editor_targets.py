"""An editor keeps editing the session it was opened for after a refused first attempt: the
finished command must not forget the targets of the editor that is still open."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from openclaw_tui.store import SessionStore
from openclaw_tui.widgets.editors import TextEditor
from tests.backends import read_entries
from tests.tui.helpers import wait_until

from .host import CRON, GROUP, HostApp

pytestmark = pytest.mark.anyio


async def test_editor_keeps_its_session_after_a_refusal(store_path: Path) -> None:
    async with SessionStore(store_path) as store:
        app = HostApp(store, current_key=GROUP)
        async with app.run_test() as pilot:
            host = app.screen
            await pilot.press("l")
            await wait_until(pilot, lambda: isinstance(app.screen, TextEditor))
            editor = app.screen
            field = editor.query_one(Input)
            field.value = "bell\x07"  # refused: the editor stays open with the error
            await pilot.press("enter")
            await wait_until(pilot, lambda: editor.last_error is not None)
            assert app.screen is editor
            host.current_key = CRON  # the table moved on underneath the modal
            field.value = "Family"
            await pilot.press("enter")
            await wait_until(pilot, lambda: app.screen is not editor)
    data = read_entries(store_path)
    assert data[GROUP]["label"] == "Family"
    assert data[CRON]["label"] == "Cron: daily-digest"
