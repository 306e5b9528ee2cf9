"""Kept means kept.

An edit keeps a ``sessionId`` whatever it holds (only an absent one gets a new UUID; OpenClaw's
``patch ?? existing ?? uuid4()`` would replace a ``null`` too), and ``save()`` of what
``load()`` returned keeps the quarantined non-object entries that ``load()`` hides.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from openclaw_tui.store import SessionStore
from openclaw_tui.store.merge import merge_entry

pytestmark = pytest.mark.anyio

NOW = 1_790_000_000_000


def write_store(path: Path, entries: dict[str, Any]) -> None:
    path.write_text(json.dumps(entries, indent=2, ensure_ascii=False))


@pytest.mark.parametrize("session_id", [42, "", None, ["a"], {"id": "x"}, True])
async def test_an_edit_keeps_a_session_id_whatever_it_holds(tmp_path, session_id):
    path = tmp_path / "sessions.json"
    key = "agent:main:odd"
    write_store(path, {key: {"sessionId": session_id, "updatedAt": NOW, "label": "before"}})
    async with SessionStore(path) as store:
        after = await store.update_entry(key, {"label": "after"})
        assert after is not None
        assert "sessionId" in after and after["sessionId"] == session_id
        assert type(after["sessionId"]) is type(session_id)
    stored = json.loads(path.read_bytes())[key]
    assert stored["sessionId"] == session_id and stored["label"] == "after"


def test_merge_gives_a_new_uuid_only_to_an_absent_session_id():
    created = merge_entry(None, {"label": "new"})
    assert isinstance(created["sessionId"], str) and len(created["sessionId"]) == 36
    assert merge_entry({"sessionId": 7}, {"label": "x"})["sessionId"] == 7
    assert merge_entry({"sessionId": ""}, {"sessionId": None})["sessionId"] == ""
    assert merge_entry({"sessionId": "a"}, {"sessionId": "b"})["sessionId"] == "b"


async def test_save_of_load_keeps_the_hidden_non_object_entries_in_place(tmp_path):
    path = tmp_path / "sessions.json"
    entries: dict[str, Any] = {
        "agent:main:first": {"sessionId": "s1", "updatedAt": NOW},
        "agent:main:five": 5,
        "agent:main:second": {"sessionId": "s2", "updatedAt": NOW},
        "agent:main:list": [1, {"x": None}],
        "agent:main:null": None,
    }
    write_store(path, entries)
    async with SessionStore(path) as store:
        snapshot = dict(store.load())
        assert set(snapshot) == {"agent:main:first", "agent:main:second"}
        snapshot["agent:main:second"] = {**snapshot["agent:main:second"], "label": "saved"}
        await store.save(snapshot)
        assert set(store.load()) == {"agent:main:first", "agent:main:second"}
        assert {i.key for i in store.issues} >= {"agent:main:five", "agent:main:list"}
    stored = json.loads(path.read_bytes())
    assert list(stored) == list(entries)  # every entry, each where it was
    assert stored["agent:main:five"] == 5 and stored["agent:main:list"] == [1, {"x": None}]
    assert stored["agent:main:null"] is None
    assert stored["agent:main:second"]["label"] == "saved"


async def test_save_in_a_new_order_keeps_hidden_entries_beside_their_neighbours(tmp_path):
    path = tmp_path / "sessions.json"
    write_store(
        path,
        {
            "agent:main:a": {"sessionId": "a", "updatedAt": NOW},
            "agent:main:hidden": "text",
            "agent:main:b": {"sessionId": "b", "updatedAt": NOW},
        },
    )
    async with SessionStore(path) as store:
        snapshot = dict(store.load())
        await store.save(
            {"agent:main:b": snapshot["agent:main:b"], "agent:main:a": snapshot["agent:main:a"]}
        )
    stored = json.loads(path.read_bytes())
    assert list(stored) == ["agent:main:b", "agent:main:a", "agent:main:hidden"]
    assert stored["agent:main:hidden"] == "text"


async def test_save_naming_a_hidden_key_replaces_it_and_delete_removes_it(tmp_path):
    path = tmp_path / "sessions.json"
    write_store(
        path,
        {
            "agent:main:a": {"sessionId": "a", "updatedAt": NOW},
            "agent:main:bad": 5,
            "agent:main:x": 6,
        },
    )
    async with SessionStore(path) as store:
        await store.save(
            {**store.load(), "agent:main:bad": {"sessionId": "fixed", "updatedAt": NOW}}
        )
        assert store.get("agent:main:bad") is not None
        assert await store.delete_entry("agent:main:x")
    stored = json.loads(path.read_bytes())
    assert stored == {
        "agent:main:a": {"sessionId": "a", "updatedAt": NOW},
        "agent:main:bad": {"sessionId": "fixed", "updatedAt": NOW},
    }
