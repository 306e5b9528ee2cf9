"""Property: whatever is typed into the bar ends in visible feedback, never in an exception.

On success the acknowledgement shows and the bar clears; on failure the error shows inline and
the typed text stays in the bar. Long output shows in a window instead (an error's first line
stays inline). Runs the real controller, slash engine and store per example, on
both backends (the 12 real sessions as a sessions.json or as OpenClaw 2026.9.6's SQLite rows).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from openclaw_tui.store import SessionStore
from openclaw_tui.tui.bulk_screen import BulkScreen
from openclaw_tui.tui.slash import command_names
from openclaw_tui.widgets.confirm import ConfirmScreen
from openclaw_tui.widgets.output import OutputScreen
from openclaw_tui.widgets.text import visible_control_chars
from tests.backends import KINDS, StoreKind, make_store_copy
from tests.tui.helpers import wait_until

from .host import GROUP, MAIN, HostApp

pytestmark = pytest.mark.anyio

# What a single-line input can receive: anything but line breaks and surrogates.
typed_chars = st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r")
free_text = st.text(typed_chars, max_size=30)
command_word = st.sampled_from([*command_names(), "thinkk", "", "/", "Think", "MODEL"])
argument = st.one_of(
    free_text,
    st.sampled_from(
        [
            "high",
            "banana",
            "default",
            "inherit",
            "openai/gpt-4.1",
            "opus",
            "3",
            "list",
            "debounce:2s",
            "cap:0",
            "drop:new",
            "clear",
            "[b]x[/b]",
            "\x1b[2J",
            "cost",
        ]
    ),
)
typed = st.one_of(
    free_text,
    st.builds(lambda c, a: f"/{c} {a}", command_word, argument),
    st.builds(lambda c, a: f"{c} {a}", command_word, argument),  # after ":" no slash is needed
)


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(text=typed, key=st.sampled_from([MAIN, GROUP]))
@pytest.mark.parametrize("kind", KINDS)
async def test_any_text_gets_feedback_and_errors_keep_the_text(
    kind: StoreKind, text: str, key: str
) -> None:
    assume(text.strip())
    with tempfile.TemporaryDirectory() as tmp:
        path = make_store_copy(kind, Path(tmp))
        async with SessionStore(path) as store:
            app = HostApp(store, current_key=key)
            async with app.run_test() as pilot:
                controller = app.controller
                bar = controller.bar
                await pilot.press("colon")
                await wait_until(pilot, lambda: bar.is_open)
                bar.input.insert_text_at_cursor(text)
                await pilot.press("enter")
                await wait_until(
                    pilot,
                    lambda: (
                        controller.last_outcome is not None
                        or isinstance(app.screen, ConfirmScreen | BulkScreen)
                    ),
                )
                # A confirmation or a preview (/cleanup, /bulk) waits for the operator: "n".
                if isinstance(app.screen, ConfirmScreen | BulkScreen):
                    await pilot.press("n")
                    await wait_until(pilot, lambda: controller.last_outcome is not None)
                await pilot.pause()
                ok, message = controller.last_outcome
                assert message.strip(), "feedback is never silent"
                assert not message.startswith("Command failed"), message
                shown = visible_control_chars(message, keep_newlines=True)
                marked = shown if ok else "✖ " + shown  # errors say so in text
                if isinstance(app.screen, OutputScreen):
                    # Long output is read in a window; an error's first line stays under it.
                    assert app.screen.plain == marked
                    first = marked.split("\n", 1)[0]
                    assert bar.feedback == ("" if ok else first + " …")
                else:
                    assert bar.feedback == marked
                if ok:
                    assert bar.value == "" and not bar.is_open
                else:
                    assert bar.value == text and bar.is_open
