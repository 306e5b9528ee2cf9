"""The cleanup preview of a file store and applying it: what session.maintenance would prune or
cap, the bytes freed, transcripts archived as OpenClaw names them, never deleted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from openclaw_tui.store import SessionStore
from openclaw_tui.store.cleanup import (
    MaintenanceSource,
    apply_cleanup,
    archive_stamp,
    json5_to_json,
    load_maintenance,
    plan_cleanup,
)
from openclaw_tui.store.maintenance import DAY_MS, MaintenanceConfig

NOW_MS = 1_776_507_753_123  # 2026-04-18T10:22:33.123Z


def test_archive_names_follow_openclaw() -> None:
    assert archive_stamp(NOW_MS) == "2026-04-18T10-22-33.123Z"


def test_json5_config_is_read() -> None:
    text = """{
      // OpenClaw's config is JSON5
      session: { maintenance: { mode: 'enforce', pruneAfter: "7d", maxEntries: 3, }, },
      /* a block comment */ 'quoted': "it's \\"fine\\"",
    }"""
    data = json.loads(json5_to_json(text))
    assert data["session"]["maintenance"] == {
        "mode": "enforce",
        "pruneAfter": "7d",
        "maxEntries": 3,
    }
    assert data["quoted"] == 'it\'s "fine"'
    assert json5_to_json('{"a": [1, 2], "b": "x // not a comment"}') == (
        '{"a": [1, 2], "b": "x // not a comment"}'
    )


def store_dir(tmp_path: Path) -> Path:
    sessions = tmp_path / "state" / "agents" / "main" / "sessions"
    sessions.mkdir(parents=True)
    return sessions


def test_the_configured_maintenance_or_the_defaults(tmp_path: Path) -> None:
    sessions = store_dir(tmp_path)
    path = sessions / "sessions.json"
    env: dict[str, str] = {}
    source = load_maintenance(path, env)
    assert isinstance(source, MaintenanceSource)
    assert source.config == MaintenanceConfig() and "OpenClaw's defaults" in source.origin
    config = tmp_path / "state" / "openclaw.json"
    config.write_text("{session: {maintenance: {pruneAfter: '7d', maxEntries: 3}}}")
    source = load_maintenance(path, env)
    assert isinstance(source, MaintenanceSource)
    assert (source.config.prune_after_ms, source.config.max_entries) == (7 * DAY_MS, 3)
    config.write_text("{session: {maintenance: {maxEntries: 'lots'}}}")
    problem = load_maintenance(path, env)
    assert isinstance(problem, str) and "maxEntries must be an integer" in problem
    assert str(config) in problem
    config.write_text("{session: ")
    problem = load_maintenance(path, env)
    assert isinstance(problem, str) and "not valid JSON5" in problem
    other = tmp_path / "elsewhere.json"
    other.write_text('{"session": {"maintenance": {"maxEntries": 9}}}')
    source = load_maintenance(path, {"OPENCLAW_CONFIG_PATH": str(other)})
    assert isinstance(source, MaintenanceSource) and source.config.max_entries == 9


def seed(sessions: Path) -> Path:
    day = DAY_MS
    entries = {
        "agent:main:main": {"sessionId": "main-id", "updatedAt": NOW_MS - 40 * day},
        "agent:main:cron:old": {"sessionId": "old-id", "updatedAt": NOW_MS - 40 * day},
        "agent:main:cron:shared": {"sessionId": "kept-id", "updatedAt": NOW_MS - 50 * day},
        "agent:main:cron:kept": {"sessionId": "kept-id", "updatedAt": NOW_MS - day},
        "agent:main:cron:outside": {
            "sessionId": "out-id",
            "updatedAt": NOW_MS - 45 * day,
            "sessionFile": "../../../../victim.jsonl",
        },
        "agent:main:telegram:group:-100": {"sessionId": "g-id", "updatedAt": NOW_MS - 90 * day},
        "agent:main:cron:b1": {"sessionId": "b1", "updatedAt": NOW_MS - 3 * day},
        "agent:main:cron:b2": {"sessionId": "b2", "updatedAt": NOW_MS - 2 * day},
    }
    for session_id in ("main-id", "old-id", "kept-id", "g-id", "b1", "b2"):
        (sessions / f"{session_id}.jsonl").write_text('{"type":"session"}\n' * 10)
    (sessions.parents[3] / "victim.jsonl").write_text("not ours\n")
    path = sessions / "sessions.json"
    path.write_text(json.dumps(entries, indent=2))
    return path


SOURCE = MaintenanceSource(MaintenanceConfig(prune_after_ms=30 * DAY_MS, max_entries=3), "test")


def files_of(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.mark.anyio
async def test_preview_writes_nothing_and_apply_archives_every_transcript(tmp_path: Path) -> None:
    sessions = store_dir(tmp_path)
    path = seed(sessions)
    before_files = files_of(tmp_path)
    async with SessionStore(path) as store:
        plan = plan_cleanup(
            path, store.load(), SOURCE, now_ms=NOW_MS, store_bytes=path.stat().st_size
        )
        assert files_of(tmp_path) == before_files  # the preview changes nothing
        actions = {e.key: e.action for e in plan.evictions}
        # Stale unprotected entries are pruned (the group is protected, the main key is not
        # in the seed's rules), then the rest is capped to maxEntries, oldest first.
        assert actions == {
            "agent:main:main": "prune-stale",
            "agent:main:cron:old": "prune-stale",
            "agent:main:cron:shared": "prune-stale",
            "agent:main:cron:outside": "prune-stale",
            "agent:main:cron:b1": "cap-overflow",
        }
        by_key = {e.key: e for e in plan.evictions}
        assert by_key["agent:main:cron:old"].archive_name == (
            "old-id.jsonl.deleted.2026-04-18T10-22-33.123Z"
        )
        assert by_key["agent:main:cron:shared"].transcript is None  # a kept entry uses it
        assert by_key["agent:main:cron:outside"].transcript is None  # never outside the dir
        assert plan.freed_bytes == sum(e.bytes for e in plan.evictions) > 0
        summary = plan.summary()
        assert "Entries: 8 -> 3 (remove 5: 4 prune-stale, 1 cap-overflow)" in summary
        assert "3 transcripts" in summary and "<file>.deleted.2026-04-18T10-22-33.123Z" in summary

        # Meanwhile another program writes to one of them: that one is kept.
        await store.update_entry("agent:main:cron:b1", {"label": "busy"})
        seen: list = []
        results = await apply_cleanup(plan, store, on_result=seen.append)
        outcome = {r.key: (r.outcome, r.message) for r in results}
        assert outcome["agent:main:cron:b1"] == ("unchanged", "kept: it changed since the preview")
        assert outcome["agent:main:cron:old"] == (
            "applied",
            "transcript archived as old-id.jsonl.deleted.2026-04-18T10-22-33.123Z",
        )
        assert outcome["agent:main:cron:shared"] == ("applied", "")
        assert len(seen) == 5
        assert set(store.load()) == {
            "agent:main:cron:kept",
            "agent:main:telegram:group:-100",
            "agent:main:cron:b1",
            "agent:main:cron:b2",
        }
    after = files_of(tmp_path)
    # No transcript deleted, nothing outside the store's directory touched.
    transcripts = lambda files: sorted(v for k, v in files.items() if ".jsonl" in k)  # noqa: E731
    assert transcripts(after) == transcripts(before_files)
    assert after["victim.jsonl"] == b"not ours\n"
    assert "state/agents/main/sessions/old-id.jsonl" not in after
    assert "state/agents/main/sessions/main-id.jsonl.deleted.2026-04-18T10-22-33.123Z" in after
    assert "state/agents/main/sessions/kept-id.jsonl" in after
    assert "state/agents/main/sessions/b1.jsonl" in after
