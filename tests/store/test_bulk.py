"""A file store acts on many sessions in one group commit, each session with its own result."""

from __future__ import annotations

import json

import pytest

from openclaw_tui.store import SessionStore
from openclaw_tui.store.bulk import EntryResult

pytestmark = pytest.mark.anyio


class Refused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def entries(n: int) -> dict[str, dict]:
    return {
        f"agent:main:cron:c{i}": {"sessionId": f"id-{i}", "updatedAt": 1_700_000_000_000 + i}
        for i in range(n)
    }


async def test_update_entries_is_one_commit_with_a_result_per_session(tmp_path):
    path = tmp_path / "sessions.json"
    data = entries(50)
    data["agent:main:cron:c3"]["sendPolicy"] = "deny"
    data["agent:main:bad"] = "not an object"  # kept untouched, never written
    path.write_text(json.dumps(data))

    def deny(entry):
        if entry.get("label") == "refuse me":
            raise Refused("this one is refused")
        return None if entry.get("sendPolicy") == "deny" else {"sendPolicy": "deny"}

    async with SessionStore(path) as store:
        await store.update_entry("agent:main:cron:c4", {"label": "refuse me"})
        writes = store.stats["writes"]
        seen: list[EntryResult] = []
        keys = [*data, "agent:main:gone"]
        results = await store.update_entries(dict.fromkeys(keys, deny), on_result=seen.append)
        assert store.stats["writes"] == writes + 1  # 46 changed sessions, one commit
        outcome = {r.key: r.outcome for r in results}
        assert outcome["agent:main:cron:c3"] == "unchanged"
        assert outcome["agent:main:gone"] == "missing"
        assert outcome["agent:main:bad"] == "refused"
        refused = next(r for r in results if r.key == "agent:main:cron:c4")
        assert (refused.outcome, refused.message) == ("refused", "this one is refused")
        assert isinstance(refused.error, Refused)
        assert sum(1 for o in outcome.values() if o == "applied") == 48
        assert [r.key for r in results] == keys
        assert sorted(r.key for r in seen) == sorted(keys)
    on_disk = json.loads(path.read_text())
    assert on_disk["agent:main:cron:c0"]["sendPolicy"] == "deny"
    assert "sendPolicy" not in on_disk["agent:main:cron:c4"]
    assert on_disk["agent:main:bad"] == "not an object"


async def test_delete_and_reset_entries_are_one_commit_each(tmp_path):
    path = tmp_path / "sessions.json"
    path.write_text(json.dumps(entries(10)))
    async with SessionStore(path) as store:
        writes = store.stats["writes"]
        deleted = await store.delete_entries(
            ["agent:main:cron:c0", "agent:main:cron:c1", "agent:main:nope"]
        )
        assert [r.outcome for r in deleted] == ["applied", "applied", "missing"]
        assert store.stats["writes"] == writes + 1
        ids = iter(["new-a", "new-b"])
        reset = await store.reset_entries(
            ["agent:main:cron:c2", "agent:main:cron:c3"], new_session_id=lambda: next(ids), now_ms=5
        )
        assert [r.outcome for r in reset] == ["applied", "applied"]
        assert store.stats["writes"] == writes + 2
        assert store.get("agent:main:cron:c2")["sessionId"] == "new-a"
        assert store.get("agent:main:cron:c3")["sessionId"] == "new-b"
    assert set(json.loads(path.read_text())) == {f"agent:main:cron:c{i}" for i in range(2, 10)}
