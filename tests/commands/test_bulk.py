"""``/bulk``: the request, the preview (before -> after, nothing written) and applying it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from openclaw_tui.store import SessionStore, fields
from openclaw_tui.tui.slash import SlashError, execute
from openclaw_tui.tui.slash.bulk import (
    FIELD_PLANNERS,
    BulkRequest,
    apply,
    bulk_prefill,
    parse_bulk,
    preview,
    result_counts,
)

NOW = 1_800_000_000.0
DAY_MS = 86_400_000


def entries() -> dict[str, dict]:
    now_ms = int(NOW * 1000)
    return {
        "agent:main:main": {
            "sessionId": "m" * 36,
            "updatedAt": now_ms - 1000,
            "thinkingLevel": "high",
        },
        "agent:main:cron:old": {"sessionId": "a" * 36, "updatedAt": now_ms - 9 * DAY_MS},
        "agent:main:cron:older": {
            "sessionId": "b" * 36,
            "updatedAt": now_ms - 30 * DAY_MS,
            "thinkingLevel": "low",
        },
        "agent:main:cron:fresh": {"sessionId": "c" * 36, "updatedAt": now_ms - 1000},
        "agent:main:cron:gpt41": {
            "sessionId": "d" * 36,
            "updatedAt": now_ms - 8 * DAY_MS,
            "providerOverride": "openai",
            "modelOverride": "gpt-4.1",
        },
    }


def store_at(tmp_path: Path) -> SessionStore:
    path = tmp_path / "sessions.json"
    path.write_text(json.dumps(entries()))
    return SessionStore(path)


def request(text: str, current: str = "") -> BulkRequest:
    parsed = parse_bulk(text, current_filter=current)
    assert isinstance(parsed, BulkRequest), parsed
    return parsed


def test_every_editable_field_has_a_bulk_command() -> None:
    assert {spec.command for spec in fields.FIELDS} <= set(FIELD_PLANNERS)


@pytest.mark.parametrize(
    ("text", "fix"),
    [
        ("kind:cron /think low", "needs a command after --"),
        ("kind:cron --", "needs a command after --"),
        ("updated:>7x -- /think low", "units s m h d w"),
        ("-- /status", "/status is not a bulk command"),
        ("-- /think", "needs a value to set: /think"),
        ("-- /think banana", 'Unrecognized thinking level "banana"'),
        ("-- /reset now", 'Unexpected argument "now"'),
        ("-- /frobnicate", 'Unknown command "/frobnicate"'),
    ],
)
def test_a_bad_request_says_the_fix(text: str, fix: str) -> None:
    parsed = parse_bulk(text)
    assert isinstance(parsed, SlashError)
    assert fix in parsed.message


def test_no_filter_means_the_tables_current_one() -> None:
    assert request("-- /think low", current="kind:cron").filter_text == "kind:cron"
    assert request("gw:lab -- delete", current="kind:cron").filter_text == "gw:lab"
    assert bulk_prefill("kind:cron updated:>7d") == "/bulk kind:cron updated:>7d -- "
    assert bulk_prefill("") == "/bulk -- "


@pytest.mark.anyio
async def test_the_preview_says_before_and_after_and_writes_nothing(tmp_path: Path) -> None:
    async with store_at(tmp_path) as store:
        before = json.loads((tmp_path / "sessions.json").read_text())
        generation = store.generation
        shown = preview(request("kind:cron updated:>7d -- /think low"), store, NOW)
        assert store.generation == generation
        assert json.loads((tmp_path / "sessions.json").read_text()) == before
        rows = {row.key: row for row in shown.rows}
        assert set(rows) == {
            "agent:main:cron:old",
            "agent:main:cron:older",
            "agent:main:cron:gpt41",
        }
        assert (rows["agent:main:cron:old"].before, rows["agent:main:cron:old"].after) == (
            "thinking: inherit",
            "thinking: low",
        )
        assert rows["agent:main:cron:old"].status == "change"
        assert rows["agent:main:cron:older"].status == "unchanged"
        assert shown.counts == {"change": 2, "unchanged": 1, "refused": 0}
        assert shown.summary() == (
            "/think low on 3 of 5 sessions matching kind:cron updated:>7d: "
            "2 will change, 1 unchanged"
        )
        # A level the session's model does not have is refused in the preview, by OpenClaw's rule.
        high = {r.key: r for r in preview(request("kind:cron -- /think xhigh"), store, NOW).rows}
        assert high["agent:main:cron:gpt41"].status == "refused"
        assert "not supported for openai/gpt-4.1" in high["agent:main:cron:gpt41"].note


def marked_request(text: str, marked: tuple[str, ...], current: str = "") -> BulkRequest:
    parsed = parse_bulk(text, current_filter=current, marked_keys=marked)
    assert isinstance(parsed, BulkRequest), parsed
    return parsed


@pytest.mark.anyio
async def test_marked_rows_are_what_bulk_acts_on(tmp_path: Path) -> None:
    marked = ("agent:main:main", "agent:main:cron:fresh", "agent:main:cron:old")
    async with store_at(tmp_path) as store:
        # No filter: the marked rows, all of them, not the table's filter (which may hide some).
        request_ = marked_request("-- /think low", marked, current="kind:cron")
        assert request_.filter_text == ""
        shown = preview(request_, store, NOW)
        assert sorted(row.key for row in shown.rows) == sorted(marked)
        assert shown.summary() == "/think low on the 3 marked sessions: 3 will change"
        # A filter narrows the marked rows; it never reaches an unmarked one.
        narrowed = preview(marked_request("kind:cron -- /think low", marked), store, NOW)
        assert [row.key for row in narrowed.rows] == [
            "agent:main:cron:fresh",
            "agent:main:cron:old",
        ]
        assert narrowed.summary() == (
            "/think low on 2 of the 3 marked sessions matching kind:cron: 2 will change"
        )
        # A marked row deleted meanwhile is said, not acted on.
        await store.delete_entry("agent:main:cron:old")
        later = preview(marked_request("-- delete", marked), store, NOW)
        assert [row.key for row in later.rows] == ["agent:main:cron:fresh", "agent:main:main"]
        assert later.summary() == (
            "delete on 2 of the 3 marked sessions: 2 will change, 1 marked no longer in the store"
        )
        results = await apply(later, store)
        assert sorted((r.key, r.outcome) for r in results) == [
            ("agent:main:cron:fresh", "applied"),
            ("agent:main:main", "applied"),
        ]
        assert set(store.load()) == {"agent:main:cron:older", "agent:main:cron:gpt41"}
    # With marks, B leaves the filter out: the command acts on the marked rows.
    assert bulk_prefill("kind:cron", marked=2) == "/bulk -- "


@pytest.mark.anyio
async def test_model_reset_delete_and_archive_previews(tmp_path: Path) -> None:
    async with store_at(tmp_path) as store:
        model = {
            r.key: r for r in preview(request("kind:cron -- /model gpt-mini"), store, NOW).rows
        }
        assert (model["agent:main:cron:gpt41"].before, model["agent:main:cron:gpt41"].after) == (
            "model: openai/gpt-4.1",
            "model: openai/gpt-5-mini",
        )
        reset = preview(request("kind:cron updated:>20d -- /reset"), store, NOW).rows
        assert [(r.key, r.before, r.after) for r in reset] == [
            ("agent:main:cron:older", "id bbbbbbbb", "new id, tokens cleared")
        ]
        delete = preview(request("updated:<1h -- delete"), store, NOW).rows
        assert {r.after for r in delete} == {"deleted (transcript kept)"}
        archive = preview(request("kind:cron -- archive"), store, NOW)
        assert archive.counts["refused"] == 4
        assert "a file store has no archive" in archive.rows[0].note


@pytest.mark.anyio
async def test_apply_reports_each_session_and_computes_from_the_current_entry(tmp_path: Path):
    async with store_at(tmp_path) as store:
        shown = preview(request("kind:cron updated:>7d -- /think low"), store, NOW)
        # Someone else sets one of them meanwhile: the edit is then not needed any more.
        await store.update_entry("agent:main:cron:old", {"thinkingLevel": "low"})
        writes = store.stats["writes"]
        seen: list = []
        results = await apply(shown, store, on_result=seen.append)
        assert store.stats["writes"] == writes + 1
        outcome = {r.key: r.outcome for r in results}
        assert outcome == {
            "agent:main:cron:older": "unchanged",
            "agent:main:cron:old": "unchanged",
            "agent:main:cron:gpt41": "applied",
        }
        assert len(seen) == 3
        assert result_counts(results) == "1 applied, 2 unchanged"
        assert store.get("agent:main:cron:gpt41")["thinkingLevel"] == "low"
        deleted = await apply(preview(request("updated:>20d -- delete"), store, NOW), store)
        assert [(r.key, r.outcome) for r in deleted] == [("agent:main:cron:older", "applied")]
        assert store.get("agent:main:cron:older") is None


@pytest.mark.anyio
async def test_execute_never_applies_bulk_without_the_preview(tmp_path: Path) -> None:
    async with store_at(tmp_path) as store:
        generation = store.generation
        outcome = await execute("/bulk kind:cron -- delete", store, None)
        assert not outcome.ok and "previews" in outcome.message
        assert store.generation == generation
        bad = await execute("/bulk kind:cron", store, None)
        assert "needs a command after --" in bad.message
