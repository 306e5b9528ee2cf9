"""OpenClaw's state dir and store discovery (openclaw-sessions.md §5)."""

from __future__ import annotations

from pathlib import Path

from openclaw_tui.store.paths import (
    find_store,
    json_store_path,
    list_agents,
    resolve_state_dir,
    sqlite_store_path,
)


def test_state_dir_env_precedence(tmp_path):
    home = str(tmp_path)
    assert resolve_state_dir({"HOME": home}) == tmp_path / ".openclaw"
    assert resolve_state_dir({"HOME": home, "OPENCLAW_STATE_DIR": "/x/y"}) == Path("/x/y")
    assert resolve_state_dir({"HOME": home, "CLAWDBOT_STATE_DIR": "/legacy"}) == Path("/legacy")
    both = {"HOME": home, "OPENCLAW_STATE_DIR": "/new", "CLAWDBOT_STATE_DIR": "/old"}
    assert resolve_state_dir(both) == Path("/new")
    assert resolve_state_dir({"HOME": home, "OPENCLAW_STATE_DIR": "~/s"}) == tmp_path / "s"
    other_home = tmp_path / "oc-home"
    env = {"HOME": home, "OPENCLAW_HOME": str(other_home)}
    assert resolve_state_dir(env) == other_home / ".openclaw"


def test_legacy_state_dir_only_when_openclaw_dir_is_absent(tmp_path):
    (tmp_path / ".clawdbot").mkdir()
    assert resolve_state_dir({"HOME": str(tmp_path)}) == tmp_path / ".clawdbot"
    (tmp_path / ".openclaw").mkdir()
    assert resolve_state_dir({"HOME": str(tmp_path)}) == tmp_path / ".openclaw"


def test_store_paths_and_discovery(tmp_path):
    assert json_store_path("main", tmp_path) == (
        tmp_path / "agents" / "main" / "sessions" / "sessions.json"
    )
    assert sqlite_store_path("main", tmp_path) == (
        tmp_path / "agents" / "main" / "agent" / "openclaw-agent.sqlite"
    )
    assert find_store("main", tmp_path).kind == "missing"
    json_path = json_store_path("main", tmp_path)
    json_path.parent.mkdir(parents=True)
    json_path.write_text("{}")
    assert find_store("main", tmp_path).kind == "json"
    sqlite_path = sqlite_store_path("main", tmp_path)
    sqlite_path.parent.mkdir(parents=True)
    sqlite_path.write_bytes(b"SQLite format 3\x00")
    both = find_store("main", tmp_path)
    assert both.kind == "sqlite" and both.path == sqlite_path
    assert both.also_found == [json_path]
    other = json_store_path("work", tmp_path)
    other.parent.mkdir(parents=True)
    other.write_text("{}")
    (tmp_path / "agents" / "empty").mkdir()
    assert [loc.agent_id for loc in list_agents(tmp_path)] == ["main", "work"]
    assert list_agents(tmp_path / "nowhere") == []
