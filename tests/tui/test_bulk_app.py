"""``/bulk`` and ``B`` in the app: the preview first, one confirmation (default No), then each
session's result live in the preview table; on a file store and on a gateway."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.widgets import Button, DataTable

from openclaw_tui.store.gateway import Backoff, GatewayConfig, GatewayStore
from openclaw_tui.tui.app import SessionBrowserApp
from openclaw_tui.tui.bulk_screen import BulkScreen
from openclaw_tui.tui.config import UserConfig
from openclaw_tui.tui.editing import EditingPanel
from openclaw_tui.tui.target import target_for_gateways
from tests.gateway.fake_gateway import FakeGateway
from tests.tui.helpers import FIXED_NOW, make_app, started, store_path, wait_until, write_json_store

pytestmark = pytest.mark.anyio
SIZE = (140, 34)
NOW_MS = int(FIXED_NOW * 1000)
DAY_MS = 86_400_000


def seed(tmp_path: Path) -> Path:
    path = store_path(tmp_path)
    write_json_store(
        path,
        {
            "agent:main:main": {"sessionId": "m1", "updatedAt": NOW_MS - 1000},
            "agent:main:cron:a": {"sessionId": "a1", "updatedAt": NOW_MS - 9 * DAY_MS},
            "agent:main:cron:b": {
                "sessionId": "b1",
                "updatedAt": NOW_MS - 8 * DAY_MS,
                "thinkingLevel": "low",
            },
            "agent:main:cron:new": {"sessionId": "n1", "updatedAt": NOW_MS - 1000},
        },
    )
    return path


def result_cells(screen: BulkScreen) -> dict[str, str]:
    table = screen.query_one(DataTable)
    return {line.key: str(table.get_cell_at((i, 4))) for i, line in enumerate(screen.lines)}


async def open_command(pilot, text: str) -> None:
    bar = pilot.app.screen.query_one("#command-input")
    if pilot.app.focused is not bar:
        await pilot.press("colon")
    bar.value = ""
    await pilot.press(*text, "enter")


async def open_preview(pilot, text: str) -> BulkScreen:
    await open_command(pilot, text)
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, BulkScreen), what="the preview")
    screen = pilot.app.screen
    assert isinstance(screen, BulkScreen)
    return screen


async def test_nothing_is_applied_without_yes(tmp_path: Path) -> None:
    path = seed(tmp_path)
    before = path.read_bytes()
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        main = await started(pilot)
        preview = await open_preview(pilot, "/bulk kind:cron updated:>7d -- /think high")
        assert [line.key for line in preview.lines] == ["agent:main:cron:a", "agent:main:cron:b"]
        assert [(ln.before, ln.after) for ln in preview.lines] == [
            ("thinking: inherit", "thinking: high"),
            ("thinking: low", "thinking: high"),
        ]
        assert preview.focused is preview.query_one("#bulk-cancel", Button)
        await pilot.press("enter")  # the default answer is No
        await wait_until(pilot, lambda: pilot.app.screen is main)
        panel = main.query_one(EditingPanel)
        await wait_until(pilot, lambda: panel.last_outcome is not None)
        assert panel.last_outcome == (False, "Not confirmed: nothing was changed.")
        bar = main.query_one("#command-input")
        assert bar.value == "/bulk kind:cron updated:>7d -- /think high"  # kept, to be changed
        assert path.read_bytes() == before
        await open_preview(pilot, "/bulk kind:cron -- delete")
        await pilot.press("escape")
        await wait_until(pilot, lambda: pilot.app.screen is main)
        assert path.read_bytes() == before


async def test_b_fills_in_the_filter_then_y_applies_and_shows_each_result(tmp_path: Path) -> None:
    path = seed(tmp_path)
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        main = await started(pilot)
        assert main.apply_filter("kind:cron updated:>7d")
        await wait_until(pilot, lambda: main.vm.row_count == 2)
        main.table.focus()
        await pilot.press("B")
        bar = main.query_one("#command-input")
        await wait_until(pilot, lambda: bar.value == "/bulk kind:cron updated:>7d -- ")
        await pilot.press(*"/think low", "enter")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, BulkScreen))
        preview = pilot.app.screen
        assert isinstance(preview, BulkScreen)
        await pilot.press("y")
        await wait_until(pilot, lambda: preview.state == "done", what="the results")
        cells = result_cells(preview)
        assert cells == {"agent:main:cron:a": "✓ applied", "agent:main:cron:b": "= unchanged"}
        assert "Done: 1 applied, 1 unchanged." in str(preview.query_one("#bulk-question").render())
        await pilot.press("escape")
        await wait_until(pilot, lambda: pilot.app.screen is main)
        panel = main.query_one(EditingPanel)
        await wait_until(pilot, lambda: panel.last_outcome is not None)
        assert panel.last_outcome == (True, "/bulk /think low: 1 applied, 1 unchanged.")
    on_disk = json.loads(path.read_text())
    assert on_disk["agent:main:cron:a"]["thinkingLevel"] == "low"
    assert "thinkingLevel" not in on_disk["agent:main:cron:new"]


async def test_marked_rows_are_what_b_and_bulk_act_on(tmp_path: Path) -> None:
    path = seed(tmp_path)
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        main = await started(pilot)
        # The table's filter shows every cron row; only two are marked.
        assert main.apply_filter("kind:cron")
        await wait_until(pilot, lambda: main.vm.row_count == 3)
        main.table.focus()
        for key in ("agent:main:cron:new", "agent:main:cron:a"):
            main.table.move_cursor_to_key(key)
            await pilot.press("space")
        await wait_until(pilot, lambda: len(main.marked_keys) == 2)
        await pilot.press("B")
        bar = main.query_one("#command-input")
        await wait_until(pilot, lambda: bar.value == "/bulk -- ")
        await pilot.press(*"/think high", "enter")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, BulkScreen))
        preview = pilot.app.screen
        assert isinstance(preview, BulkScreen)
        assert [line.key for line in preview.lines] == ["agent:main:cron:a", "agent:main:cron:new"]
        assert preview.summary.startswith("/think high on the 2 marked sessions: 2 will change")
        await pilot.press("y")
        await wait_until(pilot, lambda: preview.state == "done", what="the results")
        assert result_cells(preview) == {
            "agent:main:cron:a": "✓ applied",
            "agent:main:cron:new": "✓ applied",
        }
    on_disk = json.loads(path.read_text())
    assert on_disk["agent:main:cron:a"]["thinkingLevel"] == "high"
    assert on_disk["agent:main:cron:new"]["thinkingLevel"] == "high"
    assert on_disk["agent:main:cron:b"]["thinkingLevel"] == "low"  # in the filter, not marked


async def test_read_only_shows_a_dry_run(tmp_path: Path) -> None:
    path = seed(tmp_path)
    before = path.read_bytes()
    app = make_app(tmp_path, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        preview = await open_preview(pilot, "/bulk kind:cron -- /reset")
        assert len(preview.lines) == 3
        assert not preview.query("#bulk-apply")
        assert "dry run" in str(preview.query_one("#bulk-question").render())
        await pilot.press("y")  # nothing to confirm
        assert preview.state == "preview"
    assert path.read_bytes() == before


async def test_a_gateways_refusals_show_per_session(tmp_path: Path) -> None:
    async with FakeGateway(flavor="9", patch_many=True) as gw:
        for name in ("a", "b", "c"):
            gw.put(f"agent:main:cron:{name}")
        gw.refuse["agent:main:cron:b"] = 'session agent:main:cron:b is owned by plugin "codex"'

        def factory(target, read_only: bool, watch: bool):
            return GatewayStore(
                target.gateways[0],
                read_only=read_only,
                config_directory=tmp_path / "config",
                backoff=Backoff(0.02, 0.2),
            )

        config = GatewayConfig(name="lab", url=gw.url, token=gw.token, token_source="test")
        app = SessionBrowserApp(
            target_for_gateways([config], None),
            clock=lambda: FIXED_NOW,
            config=UserConfig(),
            store_factory=factory,
        )
        async with app.run_test(size=SIZE) as pilot:
            main = await started(pilot)
            await wait_until(pilot, lambda: main.vm.total_count == 3, timeout=10)
            preview = await open_preview(pilot, "/bulk kind:cron -- archive")
            assert {ln.after for ln in preview.lines} == {"archived: yes"}
            await pilot.press("y")
            await wait_until(pilot, lambda: preview.state == "done", timeout=10)
            cells = result_cells(preview)
            assert cells["agent:main:cron:a"] == cells["agent:main:cron:c"] == "✓ applied"
            assert cells["agent:main:cron:b"] == (
                '✗ refused: session agent:main:cron:b is owned by plugin "codex"'
            )
            assert gw.count("sessions.patchMany") == 1
            assert gw.sessions["agent:main:cron:a"]["archived"] is True
            # A gateway keeps its own maintenance: /cleanup says where to run it.
            await pilot.press("escape")
            await wait_until(pilot, lambda: pilot.app.screen is main)
            await open_command(pilot, "/cleanup")
            feedback = main.query_one("#command-feedback")
            await wait_until(pilot, lambda: "openclaw sessions cleanup" in str(feedback.render()))


async def test_a_big_preview_lists_refusals_first_and_applies_every_session(monkeypatch) -> None:
    from textual.app import App

    from openclaw_tui.store.bulk import EntryResult
    from openclaw_tui.tui import bulk_screen
    from openclaw_tui.tui.bulk_screen import Line

    monkeypatch.setattr(bulk_screen, "SHOWN_ROWS", 3)
    lines = [Line(f"k{i}", "a", "b", "change") for i in range(5)]
    lines.append(Line("bad", "a", "", "refused", "no"))
    applied: list[str] = []

    async def run(sink):
        results = []
        for line in lines:
            result = EntryResult(line.key, "refused" if line.key == "bad" else "applied")
            applied.append(line.key)
            sink(result)
            results.append(result)
        return results

    screen = BulkScreen("t", "summary", lines, run, question="Apply to 5 sessions?")
    async with App().run_test(size=SIZE) as pilot:
        await pilot.app.push_screen(screen)
        await pilot.pause()
        assert [line.key for line in screen.lines] == ["bad", "k0", "k1"]
        assert screen.query_one(DataTable).row_count == 3
        assert "shows 3 of 6 sessions" in screen.summary
        await pilot.press("y")
        await wait_until(pilot, lambda: screen.state == "done")
        assert applied == [line.key for line in lines]
        assert "Done: 5 applied, 1 refused." in str(screen.query_one("#bulk-question").render())


@pytest.mark.parametrize("scene", ["bulk", "cleanup"])
async def test_the_preview_reads_at_80x24(scene: str) -> None:
    """At 80x24 every column is on screen without scrolling sideways, the keys are shortened
    from the middle as in the table (so they stay apart), and a dozen rows show."""
    from tests.scenes import SCENES, scenes_lock

    with scenes_lock():
        app = SCENES[scene].setup()
        async with app.run_test(size=(80, 24)) as pilot:
            await SCENES[scene].run_before(pilot)
            preview = pilot.app.screen
            assert isinstance(preview, BulkScreen)
            table = preview.query_one(DataTable)
            assert table.virtual_size.width <= table.scrollable_content_region.width
            keys = [str(table.get_cell_at((i, 0))) for i in range(table.row_count)]
            assert len(set(keys)) == len(keys) == len(preview.lines)
            assert not any(key.startswith("agent:main:") for key in keys)
            assert table.size.height >= min(len(keys), 10) + 1  # the header, then the rows
            results = [str(table.get_cell_at((i, 4))) for i in range(table.row_count)]
            assert {"will change"} <= set(results)
            # The highlighted row's whole key and note are written out under the table.
            detail = str(preview.query_one("#bulk-detail").render())
            assert preview.lines[0].key in detail
            if scene == "bulk":
                assert str(table.columns[table.ordered_columns[1].key].label) == (
                    "Before (thinking)"
                )
                assert [str(table.get_cell_at((1, c))) for c in (1, 3)] == ["medium", "xhigh"]
