"""The transcript view (``v``): real stores in temp dirs, real transcript sources, Pilot keys.

Every fixture is copied to ``tmp_path`` first (the run fails if the shared fixtures change).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from openclaw_tui.store.gateway import GatewayStore
from openclaw_tui.tui.app import MainScreen, SessionBrowserApp
from openclaw_tui.tui.config import UserConfig
from openclaw_tui.tui.target import target_for_agent, target_for_gateways
from openclaw_tui.tui.transcript_screen import TranscriptScreen
from tests.gateway.fake_runs import RunningFakeGateway
from tests.gateway.helpers import make_store
from tests.transcripts.helpers import (
    MAIN,
    REAL_TURNS_ID,
    REAL_TURNS_SQLITE,
    append,
    copy_real_turns,
    message,
)
from tests.tui.helpers import copy_small_store, make_app, started, wait_until
from tests.tui.test_app import _help_lines
from tests.tui.test_gateways import config_of
from tests.tui.transcript_helpers import (
    chain,
    open_transcript,
    shown_lines,
    small_store_with_transcript,
    texts,
    utc,  # noqa: F401 - the fixture
)

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("utc")]

SIZE = (120, 30)


def real_turns_app(tmp_path: Path) -> tuple[SessionBrowserApp, Path]:
    store, _entry = copy_real_turns(tmp_path)
    return make_app(tmp_path, config=UserConfig()), store.parent / f"{REAL_TURNS_ID}.jsonl"


LAST_735_ID = "4447fe95"  # the last entry of the 7.35 real-turns transcript


# --- opening and closing ---------------------------------------------------------------------


class TestOpenAndClose:
    async def test_real_735_turns_show_messages_usage_cost_and_the_aborted_turns(self, tmp_path):
        app, _path = real_turns_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_transcript(pilot)
            text = texts(screen)
            assert "Say hello. TOKENS=30 DELAY=100" in text
            assert "Hello from the fake model." in text
            # usage and cost of the first reply (21,250 in + 18 out, $0.064164)
            assert "$0.0642" in text and "fakellm/fake-model" in text
            # the two aborted turns are marked in words, and their error is said
            assert text.count("[aborted]") == 2
            assert "✗ error: Request was aborted" in text
            assert "✗ This operation was aborted | 20" in text
            # the app's clock and UTC: the fixture's first message at 06:26:34 on 2026-12-02
            assert "12-02 06:26" in text
            assert "Transcript of agent:main:main" in str(
                screen.query_one("#transcript-header").render()
            )

    async def test_escape_returns_to_the_table_with_the_cursor_where_it_was(self, tmp_path):
        key = "agent:main:cron:daily-digest"
        small_store_with_transcript(tmp_path, key, chain(4))
        app = make_app(tmp_path, config=UserConfig())
        async with app.run_test(size=SIZE) as pilot:
            main = await started(pilot)
            assert main.table.move_cursor_to_key(key)
            index = main.table.cursor_index
            assert index > 0  # not the first row: a reset cursor would be seen
            screen = await open_transcript(pilot)
            assert "m message 3" in texts(screen)
            await pilot.press("escape")
            await wait_until(pilot, lambda: isinstance(app.screen, MainScreen))
            assert main.current_key == key and main.table.cursor_index == index
            assert app.focused is main.table
            # the follow worker ended and the source was closed: nothing left running
            await wait_until(pilot, lambda: screen.closed, what="the source to close")
            assert not [w for w in app.workers if w.group == "transcript-follow"]

    async def test_palette_and_help_offer_the_transcript(self, tmp_path):
        copy_small_store(tmp_path)
        app = make_app(tmp_path, config=UserConfig())
        async with app.run_test(size=SIZE) as pilot:
            main = await started(pilot)
            titles = [c.title for c in app.get_system_commands(main)]
            assert "Transcript of the highlighted session" in titles
            await pilot.press("question_mark")
            await wait_until(pilot, lambda: type(app.screen).__name__ == "HelpScreen")
            rows = [line for line in _help_lines(app) if line.endswith("  transcript")]
            assert len(rows) == 1 and rows[0].split()[:2] == ["v", "Transcript"], rows

    async def test_help_on_the_transcript_lists_its_keys(self, tmp_path):
        app, _path = real_turns_app(tmp_path)
        async with app.run_test(size=(140, 50)) as pilot:
            await open_transcript(pilot)
            await pilot.press("question_mark")
            await wait_until(pilot, lambda: type(app.screen).__name__ == "HelpScreen")
            await pilot.pause()
            lines = _help_lines(app)
            for binding_id in ("transcript.close", "transcript.follow", "transcript.toggle"):
                assert any(line.endswith(f"  {binding_id}") for line in lines), binding_id
            await pilot.press("escape")
            await wait_until(pilot, lambda: isinstance(app.screen, TranscriptScreen))

    async def test_a_missing_transcript_is_a_line_naming_its_path(self, tmp_path):
        store, _entry = copy_real_turns(tmp_path)
        (store.parent / f"{REAL_TURNS_ID}.jsonl").unlink()
        app = make_app(tmp_path, config=UserConfig())
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_transcript(pilot)
            assert screen.notice is not None and f"{REAL_TURNS_ID}.jsonl" in screen.notice
            notice = str(screen.query_one("#transcript-notice").render())
            assert f"{REAL_TURNS_ID}.jsonl" in notice
            assert screen.view.items == []
            assert isinstance(app.screen, TranscriptScreen)  # no error screen, no traceback

    async def test_a_transcript_outside_the_sessions_dir_is_refused_by_name(self, tmp_path):
        store, _entry = copy_real_turns(tmp_path)
        outside = tmp_path / "elsewhere.jsonl"
        shutil.copyfile(store.parent / f"{REAL_TURNS_ID}.jsonl", outside)
        entries = json.loads(store.read_text())
        entries[MAIN]["sessionFile"] = str(outside)
        store.write_text(json.dumps(entries))
        app = make_app(tmp_path, config=UserConfig())
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_transcript(pilot)
            assert screen.notice is not None and "elsewhere.jsonl" in screen.notice
            assert screen.view.items == []


# --- live ------------------------------------------------------------------------------------


class TestFollow:
    async def test_an_appended_jsonl_line_appears(self, tmp_path):
        app, path = real_turns_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_transcript(pilot)
            before = len(screen.view.items)
            append(path, message("n1", LAST_735_ID, "user", "a question written just now"))
            await wait_until(
                pilot, lambda: len(screen.view.items) == before + 1, what="the appended line"
            )
            await pilot.pause()
            assert screen.view.following
            assert any("a question written just now" in line for line in shown_lines(screen))

    async def test_scrolling_up_pauses_with_a_count_and_end_resumes(self, tmp_path):
        key = "agent:main:cron:daily-digest"
        path = small_store_with_transcript(tmp_path, key, chain(60))
        app = make_app(tmp_path, config=UserConfig())
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot)
            screen = await open_transcript(pilot, key)
            view = screen.view
            assert view.max_scroll_y > 0 and view.scroll_y == view.max_scroll_y
            await pilot.press("pageup")
            assert not view.following
            top = view.scroll_y
            append(path, *chain(3, prefix="late", parent="m59"))
            await wait_until(pilot, lambda: view.pending == 3, what="three pending items")
            await pilot.pause()
            marker = str(screen.query_one("#transcript-pending").render())
            assert "+3 new" in marker
            assert screen.query_one("#transcript-pending").display
            assert view.scroll_y == top  # the page read stays put
            assert not any("late message 2" in line for line in shown_lines(screen))
            await pilot.press("G")
            await pilot.pause()
            assert view.following and view.pending == 0
            assert not screen.query_one("#transcript-pending").has_class("shown")
            assert any("late message 2" in line for line in shown_lines(screen))
            # The wheel scrolls the same way: up pauses, back down to the newest line follows.
            view.scroll_relative(y=-5, animate=False, immediate=True)
            assert not view.following
            view.scroll_relative(y=5, animate=False, immediate=True)
            assert view.following

    async def test_a_gateway_reply_streams_in_place_then_is_committed(self, tmp_path):
        async with RunningFakeGateway(flavor="9") as gw:
            gw.put(MAIN, label="Main", updatedAt=1_795_611_000_000)
            app = SessionBrowserApp(
                target_for_gateways([config_of(gw, "gw")], None),
                clock=lambda: 1_795_611_060.0,
                config=UserConfig(),
                store_factory=lambda target, read_only, watch: make_store(gw, tmp_path),
            )
            async with app.run_test(size=SIZE) as pilot:
                main = await started(pilot)
                await wait_until(pilot, lambda: main.vm.total_count == 1, timeout=10)
                screen = await open_transcript(pilot, MAIN)
                view = screen.view
                assert screen.notice is None, screen.notice
                await gw.begin_run(MAIN, "what is in AGENTS.md?")
                await wait_until(
                    pilot, lambda: len(view.items) == 1, what="the user message", timeout=10
                )
                await gw.stream(MAIN, "Reading")
                await wait_until(
                    pilot, lambda: len(view.items) == 2, what="the partial reply", timeout=10
                )
                assert view.items[-1].partial
                await gw.stream(MAIN, " the file")
                await wait_until(
                    pilot, lambda: view.items[-1].text == "Reading the file", timeout=10
                )
                assert len(view.items) == 2  # replaced in place, not appended
                await pilot.pause()
                assert any("[streaming…] Reading the file" in x for x in shown_lines(screen))
                await gw.call_tool(MAIN, "read", {"path": "AGENTS.md", "limit": 3}, "l1\nl2\nl3")
                await gw.finish_run(MAIN)
                await wait_until(
                    pilot,
                    lambda: (
                        not any(item.partial for item in view.items)
                        and any(item.kind == "tool_result" for item in view.items)
                    ),
                    what="the committed reply and the tool result",
                    timeout=10,
                )
                await pilot.pause()
                text = texts(screen)
                assert 'read {"path": "AGENTS.md", "limit": 3}' in text
                assert "[streaming…]" not in text
                assert text.count("Reading the file") == 1
                store = app.store
                assert isinstance(store, GatewayStore)
                await pilot.press("escape")
                await wait_until(
                    pilot, lambda: screen.closed, what="the source to close", timeout=10
                )
                assert not store._event_taps  # the transcript stopped listening


# --- content ---------------------------------------------------------------------------------


class TestContent:
    async def test_tool_results_fold_to_a_line_and_expand_on_enter(self, tmp_path):
        key = "agent:main:cron:daily-digest"
        call = {"type": "toolCall", "id": "c1", "name": "read", "arguments": {"path": "A.md"}}
        entries = [
            message("u", None, "user", "read A.md"),
            message("a", "u", "assistant", [call], stopReason="toolUse"),
            message(
                "r",
                "a",
                "toolResult",
                [{"type": "text", "text": "first line\nsecond line\nthird line"}],
                toolCallId="c1",
                toolName="read",
            ),
            message("b", "r", "assistant", [{"type": "text", "text": "done"}]),
        ]
        small_store_with_transcript(tmp_path, key, entries)
        app = make_app(tmp_path, config=UserConfig())
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_transcript(pilot, key)
            view = screen.view
            text = texts(screen)
            assert 'read {"path": "A.md"}' in text
            assert "▸ read: first line  [3 lines · enter]" in text
            assert "second line" not in text
            await pilot.press("up")  # onto the result
            assert view.items[view.cursor].kind == "tool_result"
            await pilot.press("enter")
            text = texts(screen)
            assert "second line" in text and "third line" in text and "▾ read" in text
            await pilot.press("enter")
            assert "second line" not in texts(screen)

    async def test_hostile_text_is_shown_literally(self, tmp_path):
        key = "agent:main:cron:daily-digest"
        hostile = "[red]x[/red] \x1b[31mnot red\x1b[0m \u202eevil\u202c [link=http://a]y[/link]"
        call = {
            "type": "toolCall",
            "id": "c1",
            "name": "exec\x1b[2J",
            "arguments": {"cmd": "rm \u202e-rf"},
        }
        entries = [
            message("u", None, "user", hostile),
            message("a", "u", "assistant", [call], stopReason="toolUse"),
        ]
        small_store_with_transcript(tmp_path, key, entries)
        app = make_app(tmp_path, config=UserConfig())
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_transcript(pilot, key)
            text = texts(screen)
            assert "[red]x[/red] \\x1b[31mnot red\\x1b[0m \\u202eevil\\u202c" in text
            assert "[link=http://a]y[/link]" in text
            assert "exec\\x1b[2J" in text and "rm \\u202e-rf" in text
            assert "\x1b" not in text and "\u202e" not in text

    async def test_a_zstd_row_of_the_96_real_turns_database(self, tmp_path):
        db = tmp_path / "agents" / "main" / "agent" / "openclaw-agent.sqlite"
        db.parent.mkdir(parents=True)
        shutil.copyfile(REAL_TURNS_SQLITE, db)
        app = SessionBrowserApp(
            target_for_agent("main", tmp_path), clock=lambda: 1_796_193_300.0, config=UserConfig()
        )
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_transcript(pilot)
            items = screen.view.items
            burst = [i for i, item in enumerate(items) if item.text == "Burst TOKENS=400 DELAY=2"]
            assert burst, [item.text[:30] for item in items]
            reply = items[burst[0] + 1]
            # stored zstd-compressed (event_json NULL): the 2,652-byte reply, decoded
            assert reply.kind == "assistant" and len(reply.text) > 2000
            assert reply.text[:40] in texts(screen)
            assert "[aborted]" in texts(screen)  # 9.6's openclawAbort copies


# --- big transcripts -------------------------------------------------------------------------


class TestBig:
    async def test_only_the_tail_is_read_and_earlier_items_load_at_the_top(self, tmp_path):
        key = "agent:main:cron:daily-digest"
        small_store_with_transcript(tmp_path, key, chain(1000))
        app = make_app(tmp_path, config=UserConfig())
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_transcript(pilot, key)
            view = screen.view
            first = len(view.items)
            assert first == screen.page_items < 1000  # two screenfuls, not the whole file
            assert view.items[-1].text == "m message 999" and view.has_earlier
            await pilot.press("home")
            await wait_until(pilot, lambda: len(view.items) > first, what="earlier items")
            assert len(view.items) == 2 * first
            assert view.items[0].text == f"m message {1000 - 2 * first}"
            # what the operator looked at stays on screen: the first item of the old page
            await pilot.pause()
            assert view.items[view.cursor].text == f"m message {1000 - first}"
            assert any(f"m message {1000 - first}" in line for line in shown_lines(screen))

    async def test_opening_wraps_one_screenful_first_then_the_rest_in_place(
        self, tmp_path, monkeypatch
    ):
        """The tail's first frame wraps only the items that fill the screen from the end; the
        rest are wrapped after that frame, and the lines on screen do not move."""
        from openclaw_tui.widgets import footer as footer_module
        from openclaw_tui.widgets.transcript_view import TranscriptView

        key = "agent:main:cron:daily-digest"
        small_store_with_transcript(tmp_path, key, chain(1000))
        wrapped: list[int] = []
        at_reset: dict[str, object] = {}
        render_item = TranscriptView._render_item
        reset = TranscriptView.reset

        def counting_render(view, item, expanded):
            wrapped.append(1)
            return render_item(view, item, expanded)

        def watched_reset(view, items, **kw):
            reset(view, items, **kw)
            at_reset["wrapped"] = len(wrapped)
            at_reset["footers"] = len(view.screen.query(footer_module.SessionFooter))

        monkeypatch.setattr(TranscriptView, "_render_item", counting_render)
        monkeypatch.setattr(TranscriptView, "reset", watched_reset)
        app = make_app(tmp_path, config=UserConfig())
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_transcript(pilot, key)
            view = screen.view
            height = view.scrollable_content_region.height
            # One line per item here: a screenful (and one more) wrapped before the first frame.
            assert at_reset["wrapped"] <= height + 2 < screen.page_items
            assert at_reset["footers"] == 0  # the footer's keys come after the tail is drawn
            await wait_until(pilot, lambda: view._unmeasured == 0, what="the rest wrapped")
            assert len(wrapped) == len(view.items) == screen.page_items
            assert any("m message 999" in line for line in shown_lines(screen))
            await wait_until(pilot, lambda: len(screen.query("FooterKey")) > 0, what="footer")
            # Moving up now walks the wrapped items: the one above the last is the cursor's.
            await pilot.press("up")
            assert view.items[view.cursor].text == "m message 998"
            assert any("m message 998" in line for line in shown_lines(screen))


# --- the demo --------------------------------------------------------------------------------


class TestDemo:
    async def test_the_main_session_has_tool_calls_and_grows_live(self, tmp_path):
        from openclaw_tui.store import SessionStore
        from openclaw_tui.tui.demo import DemoGateway, prepare_state_dir

        state_dir = prepare_state_dir(tmp_path / "demo", sessions=200, seed=3)
        gateway = DemoGateway(state_dir, seed=4)
        app = make_app(state_dir, config=UserConfig())
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_transcript(pilot, "agent:main:main")
            kinds = {item.kind for item in screen.view.items}
            assert {"user", "assistant", "tool_call", "tool_result"} <= kinds
            assert any(item.cost_usd for item in screen.view.items)
            assert screen.notice is None
            before = len(screen.view.items)
            async with SessionStore(gateway.path) as store:
                await gateway.step(store)  # the main transcript is due at once
            await wait_until(pilot, lambda: len(screen.view.items) > before, what="a new line")

    def test_running_sessions_grow_and_stalled_ones_do_not(self, tmp_path):
        from openclaw_tui.store.synthetic import is_stalled_demo_key
        from openclaw_tui.tui.demo_transcripts import DemoTranscripts

        stalled = next(
            f"agent:main:s{n}" for n in range(1000) if is_stalled_demo_key(f"agent:main:s{n}")
        )
        entries = {
            "agent:main:main": {"sessionId": "main-id"},
            "agent:main:busy": {"sessionId": "busy-id", "status": "running"},
            stalled: {"sessionId": "stalled-id", "status": "running"},
            "agent:main:idle": {"sessionId": "idle-id", "status": "done"},
        }
        transcripts = DemoTranscripts(tmp_path, seed=1)
        now = 1_796_000_000_000
        for step in range(40):
            transcripts.step(entries, now + step * 3_000)  # every line is due after 2.5 s
        assert sorted(p.name for p in tmp_path.iterdir()) == ["busy-id.jsonl", "main-id.jsonl"]
        lines = [json.loads(x) for x in (tmp_path / "busy-id.jsonl").read_text().splitlines()]
        assert lines[0]["type"] == "session" and len(lines) == 41
        ids = [line["id"] for line in lines[1:]]
        assert [line["parentId"] for line in lines[1:]] == [None, *ids[:-1]]  # one chain


# --- wording --------------------------------------------------------------------------------


class TestWording:
    async def test_a_tool_call_one_line_too_long_is_shown_whole_never_1_more_lines(self):
        from textual.app import App, ComposeResult

        from openclaw_tui.store.transcript_model import TranscriptItem
        from openclaw_tui.widgets.transcript_view import (
            GUTTER,
            TOOL_CALL_LINES,
            TranscriptView,
        )

        class One(App[None]):
            def compose(self) -> ComposeResult:
                yield TranscriptView(time_format=lambda ms: "")

        app = One()
        async with app.run_test(size=(80, 20)) as pilot:
            view = app.query_one(TranscriptView)
            await pilot.pause()
            body = view.scrollable_content_region.width - GUTTER

            def call(lines: int) -> TranscriptItem:
                # A tool name with no space and no arguments: exactly `lines` lines of the body.
                return TranscriptItem("tool_call", "", tool_name="x" * (body * lines))

            for lines, shown, hint in (
                (TOOL_CALL_LINES + 1, TOOL_CALL_LINES + 1, None),
                (TOOL_CALL_LINES + 2, TOOL_CALL_LINES + 1, "… 2 more lines · enter"),
            ):
                view.reset([call(lines)])
                text = view.rendered_text()
                assert len(text) == shown, (lines, text)
                assert not any("1 more line" in line for line in text)
                if hint is not None:
                    assert hint in text[-1]

    async def test_the_header_counts_one_item_in_the_singular(self, tmp_path):
        key = "agent:main:cron:daily-digest"
        small_store_with_transcript(tmp_path, key, [message("u", None, "user", "hello")])
        app = make_app(tmp_path, config=UserConfig())
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_transcript(pilot, key)
            header = str(screen.query_one("#transcript-header").render())
            assert " · 1 item · " in header and "1 items" not in header
