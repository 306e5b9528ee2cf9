"""``/cleanup`` in the app: session.maintenance previewed for a file store, applied after y,
transcripts archived; a gateway is pointed to its host's own cleanup."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from openclaw_tui.tui.bulk_screen import BulkScreen
from openclaw_tui.tui.editing import EditingPanel
from tests.tui.helpers import FIXED_NOW, make_app, started, store_path, wait_until, write_json_store

pytestmark = pytest.mark.anyio
NOW_MS = int(FIXED_NOW * 1000)
DAY_MS = 86_400_000


def seed(tmp_path: Path) -> Path:
    path = store_path(tmp_path)
    write_json_store(
        path,
        {
            "agent:main:main": {"sessionId": "main-id", "updatedAt": NOW_MS - 1000},
            "agent:main:cron:stale": {"sessionId": "stale-id", "updatedAt": NOW_MS - 9 * DAY_MS},
            "agent:main:cron:fresh": {"sessionId": "fresh-id", "updatedAt": NOW_MS - DAY_MS},
        },
    )
    for session_id in ("main-id", "stale-id", "fresh-id"):
        (path.parent / f"{session_id}.jsonl").write_text('{"type":"session"}\n')
    (tmp_path / "openclaw.json").write_text(
        "{\n  // as an operator writes it\n  session: { maintenance: { pruneAfter: '7d' } },\n}\n"
    )
    return path


async def test_cleanup_previews_then_applies_and_archives(tmp_path: Path) -> None:
    path = seed(tmp_path)
    app = make_app(tmp_path)
    async with app.run_test(size=(140, 34)) as pilot:
        main = await started(pilot)
        await pilot.press("colon")
        await pilot.press(*"/cleanup", "enter")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, BulkScreen))
        preview = pilot.app.screen
        assert isinstance(preview, BulkScreen)
        assert [line.key for line in preview.lines] == ["agent:main:cron:stale"]
        assert preview.lines[0].after == "prune-stale"
        assert preview.lines[0].note == (
            "transcript archived as stale-id.jsonl.deleted.2026-11-25T13-06-40.000Z"
        )
        assert "pruneAfter 7d" in preview.summary
        assert str(tmp_path / "openclaw.json") in preview.summary
        assert (path.parent / "stale-id.jsonl").exists()  # nothing before the answer
        await pilot.press("y")
        await wait_until(pilot, lambda: preview.state == "done")
        await pilot.press("escape")
        panel = main.query_one(EditingPanel)
        await wait_until(pilot, lambda: panel.last_outcome is not None)
        assert panel.last_outcome == (True, "/cleanup: 1 applied.")
    assert set(json.loads(path.read_text())) == {"agent:main:main", "agent:main:cron:fresh"}
    assert not (path.parent / "stale-id.jsonl").exists()
    assert (path.parent / "stale-id.jsonl.deleted.2026-11-25T13-06-40.000Z").exists()


async def test_a_broken_config_is_named_and_nothing_happens(tmp_path: Path) -> None:
    path = seed(tmp_path)
    (tmp_path / "openclaw.json").write_text("{ session: ")
    before = path.read_bytes()
    app = make_app(tmp_path)
    async with app.run_test(size=(140, 34)) as pilot:
        main = await started(pilot)
        await pilot.press("colon")
        await pilot.press(*"/cleanup", "enter")
        panel = main.query_one(EditingPanel)
        bar = main.query_one("#command-feedback")
        await wait_until(pilot, lambda: "not valid JSON5" in str(bar.render()))
        assert not isinstance(pilot.app.screen, BulkScreen)
        del panel
    assert path.read_bytes() == before
