"""The app under faults and hostile text (Pilot, real SessionStore, real widgets).

* A write failure is shown inline (banner / command-bar feedback) and the app keeps running.
* The store deleted while the app runs: it says so, and recovers when the file comes back.
* Store text with terminal escape codes or Rich/Textual markup is displayed literally on every
  surface: the rendered screen (table, detail pane, banner, toasts, command feedback) holds the
  literal characters, no raw escape character, and no style or link made from the text.
"""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest
from rich.segment import Segment

from openclaw_tui.store import SessionStore
from openclaw_tui.tui.target import StoreTarget
from openclaw_tui.widgets.text import visible
from tests.editing.host import HostApp
from tests.reliability.test_faults import Faulty
from tests.tui.helpers import make_app, row_line, started, store_path, wait_until, write_json_store

pytestmark = pytest.mark.anyio

MAIN = "agent:main:main"
MARKUP = "[bold]B[/bold] [link=http://evil.example]L[/link] [@click=app.quit]Q[/]"
ESCAPES = "\x1b[31mRED\x1b[0m \x1b]8;;http://evil.example\x07OSC\x1b]8;;\x07 \u202eRTL"


def _screen_segments(app: object) -> list[Segment]:
    """Every segment of the current screen as rendered (what the terminal would get)."""
    screen = app.screen  # type: ignore[attr-defined]
    segments: list[Segment] = []
    for widget in screen.walk_children(with_self=False):
        if not widget.display or not hasattr(widget, "render_line"):
            continue
        height = widget.size.height
        for y in range(min(height, 60)):
            try:
                strip = widget.render_line(y)
            except Exception:
                break
            segments.extend(strip)
    return segments


def _assert_literal(segments: list[Segment], *needles: str) -> None:
    text = "".join(s.text for s in segments)
    for needle in needles:
        assert needle in text, f"{needle!r} not shown literally"
    assert "\x1b" not in text and "\u202e" not in text and "\x07" not in text
    for segment in segments:
        style = segment.style
        if style is None:
            continue
        assert not style.link, f"a link was made from store text: {segment!r}"
        assert "evil.example" not in (style.link or "")
        assert not style.meta.get("@click"), f"an action was made from store text: {segment!r}"


def _hostile_store(state: Path) -> Path:
    path = store_path(state)
    write_json_store(
        path,
        {
            MAIN: {"sessionId": "m1", "updatedAt": 3, "label": MARKUP},
            "agent:main:explicit:esc": {"sessionId": "e1", "updatedAt": 2, "label": ESCAPES},
            "agent:main:explicit:[red]k[/red]\x1b[2J": {"sessionId": "k1", "updatedAt": 1},
        },
    )
    return path


async def test_a_write_failure_is_shown_inline_and_the_app_keeps_running(tmp_path: Path) -> None:
    path = _hostile_store(tmp_path)
    faulty = Faulty()

    def factory(target: StoreTarget, read_only: bool, watch: bool) -> SessionStore:
        return SessionStore(target.path, read_only=read_only, watch=watch, syscalls=faulty)

    app = make_app(tmp_path, store_factory=factory)
    # Wide enough for the whole hostile label in its column (the Run and Cost columns take room).
    async with app.run_test(size=(200, 30)) as pilot:
        screen = await started(pilot)
        before = path.read_bytes()
        faulty.call, faulty.code, faulty.nth, faulty.persistent = "fsync", errno.ENOSPC, 1, True
        assert app.store is not None
        with pytest.raises(Exception) as info:
            await app.store.update_entry(MAIN, {"label": "never"})
        assert "ENOSPC" in str(info.value)
        await wait_until(pilot, lambda: screen.banner.message is not None, what="the banner")
        assert "A write failed" in (screen.banner.message or "")
        assert "disk is full" in (screen.banner.message or "")
        assert path.read_bytes() == before
        assert not app.read_only  # a full disk is not a permission problem
        # Still running and responsive: the cursor moves, the detail pane follows.
        await pilot.press("down")
        await pilot.pause()
        assert screen.current_key is not None
        _assert_literal(_screen_segments(app), "[bold]B[/bold]")
        # The disk has room again: the next write lands, and the table shows it.
        faulty.call = ""
        await app.store.update_entry(MAIN, {"label": "landed"})
        assert json.loads(path.read_bytes())[MAIN]["label"] == "landed"
        await wait_until(pilot, lambda: "landed" in row_line(screen, MAIN), what="the row")


async def test_store_deleted_while_running_is_said_then_recovered(tmp_path: Path) -> None:
    path = _hostile_store(tmp_path)
    saved = path.read_bytes()
    app = make_app(tmp_path)
    async with app.run_test(size=(200, 30)) as pilot:
        screen = await started(pilot)
        path.unlink()
        await wait_until(
            pilot, lambda: "deleted" in (screen.banner.message or ""), what="the banner"
        )
        assert str(path) in (screen.banner.message or "")
        assert screen.vm.row_count == 3  # the last good sessions stay visible
        tmp = path.with_name("restore.tmp")
        tmp.write_bytes(saved)
        os.replace(tmp, path)
        await wait_until(pilot, lambda: screen.banner.message is None, what="recovery")
        assert screen.vm.row_count == 3


async def test_hostile_text_is_literal_in_table_detail_banner_and_toasts(tmp_path: Path) -> None:
    # The state directory's own name is hostile too: it ends up in error messages.
    state = tmp_path / "[b]dir[/b]\x1b[7m"
    path = _hostile_store(state)
    app = make_app(state)
    # Wide enough that no cell is cut: what is asserted is that the text is literal, not how a
    # narrow column shortens it.
    async with app.run_test(size=(260, 40)) as pilot:
        screen = await started(pilot)
        for key in (MAIN, "agent:main:explicit:esc", "agent:main:explicit:[red]k[/red]\x1b[2J"):
            assert screen.table.move_cursor_to_key(key)
            await pilot.pause()
            await pilot.press("c")  # copy key: a toast naming the key
            await pilot.pause()
            segments = _screen_segments(app)
            _assert_literal(segments, "[bold]B[/bold]", "\\x1b[31mRED", "[red]k[/red]")
            notes = list(app._notifications)
            assert visible(key) in screen.detail.text
            if key == MAIN:
                assert MARKUP in screen.detail.text
            elif key.endswith("esc"):
                assert visible(ESCAPES) in screen.detail.text
            assert notes and not notes[-1].markup and visible(key) in notes[-1].message
        # A corrupt file: the banner names the hostile path literally.
        path.write_bytes(b"{ not json")
        await wait_until(pilot, lambda: screen.banner.message is not None, what="the banner")
        await pilot.pause()
        _assert_literal(_screen_segments(app), "[b]dir[/b]\\x1b[7m", "invalid JSON")


async def test_command_feedback_shows_store_text_literally(tmp_path: Path) -> None:
    path = _hostile_store(tmp_path)
    async with SessionStore(path) as store:
        app = HostApp(store, current_key=MAIN)
        async with app.run_test(size=(160, 20)) as pilot:
            await pilot.pause()
            controller = app.controller
            await pilot.press("slash")
            await wait_until(pilot, lambda: controller.bar.is_open)
            for char in "label " + MARKUP:
                await pilot.press(char if char != " " else "space")
            await pilot.press("enter")
            await wait_until(pilot, lambda: controller.last_outcome is not None)
            await pilot.pause()
            ok, message = controller.last_outcome
            assert ok and MARKUP in message
            assert controller.bar.feedback == message
            _assert_literal(_screen_segments(app), "[bold]B[/bold]", "[@click=app.quit]Q[/]")
            assert json.loads(path.read_bytes())[MAIN]["label"] == MARKUP
            # A refused command echoes hostile input back: visible, not interpreted.
            controller.last_outcome = None
            await pilot.press("slash")
            await wait_until(pilot, lambda: controller.bar.is_open)
            for char in "think [red]x[/red]":
                await pilot.press(char if char != " " else "space")
            await pilot.press("enter")
            await wait_until(pilot, lambda: controller.last_outcome is not None)
            await pilot.pause()
            ok, message = controller.last_outcome
            assert not ok
            _assert_literal(_screen_segments(app), '"[red]x[/red]"')


def _row_cells(screen: object, key: str) -> tuple[str, int]:
    """The text and cell width of ``key``'s rendered table row."""
    from rich.cells import cell_len

    table = screen.table  # type: ignore[attr-defined]
    vm = screen.vm  # type: ignore[attr-defined]
    index = vm.index_of(key)
    assert index is not None, f"{key!r} is not shown"
    strip = table.render_line(index - round(table.scroll_y) + 1)
    return "".join(s.text for s in strip), sum(cell_len(s.text) for s in strip)


async def test_lone_surrogates_do_not_widen_rows_into_the_detail_pane(tmp_path: Path) -> None:
    # json.dumps writes "\ud800" escapes: a file another program may well produce.
    surrogate_key = "agent:main:explicit:x\ud800y"
    path = store_path(tmp_path)
    path.parent.mkdir(parents=True)
    entries = {
        MAIN: {"sessionId": "m1", "updatedAt": 3, "label": "plain"},
        surrogate_key: {"sessionId": "s1", "updatedAt": 2, "label": "L\udfff" * 30},
    }
    path.write_text(json.dumps(entries), encoding="ascii")
    app = make_app(tmp_path)
    async with app.run_test(size=(200, 30)) as pilot:
        screen = await started(pilot)
        width = screen.table.scrollable_content_region.width
        text, cells = _row_cells(screen, surrogate_key)
        # A lone surrogate reaches the terminal as an escape several cells wide, so the width
        # is computed on the escaped text and no surrogate is left for the terminal to expand.
        text.encode("utf-8")  # raises on a lone surrogate
        assert "\\ud800" in text and "\\udfff" in text
        assert cells == width
        assert screen.table.move_cursor_to_key(surrogate_key)
        await pilot.pause()
        screen.detail.text.encode("utf-8")
        assert "\\ud800" in screen.detail.text and "\\udfff" in screen.detail.text


async def test_line_separators_and_invisible_characters_are_shown_visibly(tmp_path: Path) -> None:
    sneaky = "agent:main:explicit:a\u2028b"
    label = "x\u2028y\u2029z\u3164w\u200dv\u2066q"
    row_part = "x\\u2028y\\u2029z"  # what fits in the Label column
    path = store_path(tmp_path)
    write_json_store(
        path,
        {
            MAIN: {"sessionId": "m1", "updatedAt": 3},
            sneaky: {"sessionId": "s1", "updatedAt": 2, "label": label},
        },
    )
    app = make_app(tmp_path)
    async with app.run_test(size=(200, 30)) as pilot:
        screen = await started(pilot)
        text, _cells = _row_cells(screen, sneaky)
        spelled = "x\\u2028y\\u2029z\\u3164w\\u200dv\\u2066q"
        assert "a\\u2028b" in text and row_part in text
        for char in "\u2028\u2029\u3164\u200d\u2066":
            assert char not in text
        assert screen.table.move_cursor_to_key(sneaky)
        await pilot.pause()
        assert spelled in screen.detail.text
        assert "\u2028" not in screen.detail.text and "\u2029" not in screen.detail.text


async def test_lookalike_keys_do_not_display_as_the_main_session(tmp_path: Path) -> None:
    lookalikes = ("evil/agent:main:main", "Agent:Main:main", "agent:main:Main", " agent:main:main")
    path = store_path(tmp_path)
    entries = {MAIN: {"sessionId": "m1", "updatedAt": 10}}
    for n, key in enumerate(lookalikes):
        entries[key] = {"sessionId": f"l{n}", "updatedAt": 5 - n}
    write_json_store(path, entries)
    app = make_app(tmp_path)
    async with app.run_test(size=(200, 30)) as pilot:
        screen = await started(pilot)
        key_column = screen.vm.column_index("key")
        width = screen.table.scrollable_content_region.width
        _, x, w = next(c for c in screen.table._layout(width) if c[0] == key_column)

        def key_cell(key: str) -> str:
            return _row_cells(screen, key)[0][x : x + w].rstrip()

        assert key_cell(MAIN) == "main"  # the real main session is shortened as before
        for key in lookalikes:
            shown = key_cell(key)
            assert shown != "main", f"{key!r} looks like the main session"
            assert shown == key.rstrip(), f"{key!r} should be shown in full, got {shown!r}"


async def test_mixed_script_lookalike_keys_are_spelled_out(tmp_path: Path) -> None:
    # A Cyrillic "а" (U+0430) or "і" (U+0456) in a Latin word draws exactly like "a" or "i":
    # "agent:main:mаin" would show as the real main session. Those letters are spelled out;
    # a key or label written wholly in Cyrillic stays readable.
    cyrillic_a = "agent:main:m\u0430in"
    cyrillic_i = "agent:main:ma\u0456n"
    russian = "agent:main:explicit:\u043f\u0440\u0438\u0432\u0435\u0442"
    path = store_path(tmp_path)
    write_json_store(
        path,
        {
            MAIN: {"sessionId": "m1", "updatedAt": 10},
            cyrillic_a: {"sessionId": "l1", "updatedAt": 5, "label": "p\u0430ypal"},
            cyrillic_i: {"sessionId": "l2", "updatedAt": 4},
            russian: {"sessionId": "r1", "updatedAt": 3, "label": "\u043e\u0442\u0447\u0451\u0442"},
        },
    )
    app = make_app(tmp_path)
    async with app.run_test(size=(200, 30)) as pilot:
        screen = await started(pilot)
        key_column = screen.vm.column_index("key")
        width = screen.table.scrollable_content_region.width
        _, x, w = next(c for c in screen.table._layout(width) if c[0] == key_column)

        def key_cell(key: str) -> str:
            return _row_cells(screen, key)[0][x : x + w].rstrip()

        assert key_cell(MAIN) == "main"
        assert key_cell(cyrillic_a) == "m\\u0430in"
        assert key_cell(cyrillic_i) == "ma\\u0456n"
        assert key_cell(russian) == "explicit:\u043f\u0440\u0438\u0432\u0435\u0442"
        assert "p\\u0430ypal" in _row_cells(screen, cyrillic_a)[0]
        assert "\u043e\u0442\u0447\u0451\u0442" in _row_cells(screen, russian)[0]
        assert screen.table.move_cursor_to_key(cyrillic_a)
        await pilot.pause()
        assert "m\\u0430in" in screen.detail.text and "\u0430" not in screen.detail.text
