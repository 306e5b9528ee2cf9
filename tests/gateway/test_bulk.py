"""Many sessions at once against the test gateway: ``sessions.patchMany`` when the gateway's
hello offers it (one request per batch), bounded concurrency when not, and every session's
own result (applied, unchanged, refused with the gateway's message, missing)."""

from __future__ import annotations

import asyncio

import pytest

from openclaw_tui.store.bulk import BULK_CONCURRENCY, PATCH_MANY_LIMIT, EntryResult
from openclaw_tui.store.gateway import MultiGatewayStore
from tests.gateway.fake_gateway import FakeGateway
from tests.gateway.helpers import make_store

pytestmark = pytest.mark.anyio


def deny(entry):
    return None if entry.get("sendPolicy") == "deny" else {"sendPolicy": "deny"}


def by_key(results: list[EntryResult]) -> dict[str, tuple[str, str]]:
    return {r.key: (r.outcome, r.message) for r in results}


@pytest.mark.parametrize("flavor", ["7", "9"])
async def test_patch_many_sends_one_request_per_batch(tmp_path, flavor):
    async with FakeGateway(flavor=flavor, patch_many=True) as gw:
        keys = [f"agent:main:cron:c{i:03}" for i in range(PATCH_MANY_LIMIT + 20)]
        for key in keys:
            gw.put(key)
        gw.put("agent:main:cron:already", sendPolicy="deny")
        gw.refuse["agent:main:cron:c007"] = 'session agent:main:cron:c007 is owned by plugin "x"'
        async with make_store(gw, tmp_path) as store:
            await store.wait_synced(5)
            assert store.offers_patch_many
            seen: list[EntryResult] = []
            targets = [*keys, "agent:main:cron:already", "agent:main:cron:gone"]
            results = await store.update_entries(
                dict.fromkeys(targets, deny), on_result=seen.append
            )
            assert gw.count("sessions.patch") == 0
            batches = gw.params_of("sessions.patchMany")
            assert sorted(len(b["targets"]) for b in batches) == [20, PATCH_MANY_LIMIT]
            assert all(b["patch"] == {"sendPolicy": "deny"} for b in batches)
            outcome = by_key(results)
            assert outcome["agent:main:cron:c007"] == (
                "refused",
                'session agent:main:cron:c007 is owned by plugin "x"',
            )
            assert outcome["agent:main:cron:already"] == ("unchanged", "")
            assert outcome["agent:main:cron:gone"] == ("missing", "")
            applied = [k for k, (o, _m) in outcome.items() if o == "applied"]
            assert len(applied) == len(keys) - 1
            assert all(gw.sessions[k]["sendPolicy"] == "deny" for k in applied)
            assert "sendPolicy" not in gw.sessions["agent:main:cron:c007"]
            assert store.get(applied[0])["sendPolicy"] == "deny"  # the mirror follows at once
            assert [r.key for r in results] == targets  # in the order asked
            assert sorted(r.key for r in seen) == sorted(targets)  # each reported once


async def test_archive_by_patch_many_names_each_incarnation(tmp_path):
    async with FakeGateway(flavor="9", patch_many=True) as gw:
        gw.put("agent:main:cron:a")
        gw.put("agent:main:cron:b")
        async with make_store(gw, tmp_path) as store:
            await store.wait_synced(5)
            results = await store.update_entries(
                {key: {"archived": True} for key in ["agent:main:cron:a", "agent:main:cron:b"]}
            )
            assert {r.outcome for r in results} == {"applied"}
            (batch,) = gw.params_of("sessions.patchMany")
            assert batch["patch"] == {"archived": True}
            assert batch["targets"] == [
                {"key": k, "expectedSessionId": gw.sessions[k]["sessionId"]}
                for k in ("agent:main:cron:a", "agent:main:cron:b")
            ]
            assert all(
                gw.sessions[k]["archived"] for k in ("agent:main:cron:a", "agent:main:cron:b")
            )


async def test_without_patch_many_requests_are_bounded(tmp_path):
    async with FakeGateway() as gw:
        keys = [f"agent:main:cron:c{i:02}" for i in range(30)]
        for key in keys:
            gw.put(key)
        gw.put("agent:main:main", label="Main")
        async with make_store(gw, tmp_path) as store:
            await store.wait_synced(5)
            assert not store.offers_patch_many
            gw.hold.add("sessions.patch")
            task = asyncio.create_task(store.update_entries(dict.fromkeys(keys, deny)))
            await gw.wait_for(lambda: gw.in_flight == BULK_CONCURRENCY)
            # Everything the client sent before this answer has been read by the gateway: an
            # unbounded client would have had all 30 patches in flight by now.
            gw.hold.discard("sessions.patch")
            await store.client.request("sessions.describe", {"key": "agent:main:main"})
            assert gw.in_flight == BULK_CONCURRENCY
            gw.release.set()
            results = await asyncio.wait_for(task, 10)
            assert gw.max_in_flight == BULK_CONCURRENCY
            assert gw.count("sessions.patch") == 30 and gw.count("sessions.patchMany") == 0
            assert {r.outcome for r in results} == {"applied"}


async def test_refusals_carry_the_gateways_message(tmp_path):
    async with FakeGateway(grant_scopes=("operator.admin",)) as gw:
        gw.put("agent:main:cron:a")
        gw.put("agent:main:cron:b")
        gw.put("agent:main:main", label="Main")
        async with make_store(gw, tmp_path) as store:
            await store.wait_synced(5)
            # Labels are unique per gateway: the second of two sessions given one is refused.
            results = await store.update_entries(
                {key: {"label": "Main"} for key in ["agent:main:cron:a", "agent:main:cron:b"]}
            )
            assert {r.message for r in results} == {"label already in use: Main"}
            assert {r.outcome for r in results} == {"refused"}
            deleted = by_key(
                await store.delete_entries(["agent:main:main", "agent:main:cron:a", "x"])
            )
            assert deleted == {
                "agent:main:main": ("refused", "Cannot delete the main session (agent:main:main)."),
                "agent:main:cron:a": ("applied", ""),
                "x": ("missing", ""),
            }
            gw.refuse["agent:main:cron:b"] = "reset refused for test"
            reset = by_key(await store.reset_entries(["agent:main:cron:b", "agent:main:main"]))
            assert reset == {
                "agent:main:cron:b": ("refused", "reset refused for test"),
                "agent:main:main": ("applied", ""),
            }


async def test_several_gateways_each_batch_their_own_way(tmp_path):
    async with FakeGateway(patch_many=True, flavor="9") as lab, FakeGateway() as home:
        for gw in (lab, home):
            gw.put("agent:main:cron:a")
            gw.put("agent:main:cron:b")
        multi = MultiGatewayStore(
            [make_store(lab, tmp_path, name="lab"), make_store(home, tmp_path, name="home")]
        )
        async with multi:
            await multi.wait_synced(5)
            seen: list[str] = []
            keys = [f"{g}/agent:main:cron:{k}" for g in ("lab", "home") for k in "ab"]
            results = await multi.update_entries(
                dict.fromkeys([*keys, "nowhere/agent:main:x"], deny),
                on_result=lambda r: seen.append(r.key),
            )
            assert lab.count("sessions.patchMany") == 1 and lab.count("sessions.patch") == 0
            assert home.count("sessions.patch") == 2
            outcome = by_key(results)
            assert all(outcome[k] == ("applied", "") for k in keys)
            assert outcome["nowhere/agent:main:x"][0] == "refused"
            assert "nowhere" in outcome["nowhere/agent:main:x"][1]
            assert sorted(seen) == sorted([*keys, "nowhere/agent:main:x"])
            assert multi.get("home/agent:main:cron:a")["sendPolicy"] == "deny"


async def test_a_gateway_without_archived_says_so_in_the_preview(tmp_path, monkeypatch):
    from openclaw_tui.store.gateway import gateway_store
    from openclaw_tui.tui.slash.bulk import BulkRequest, parse_bulk, preview

    async with FakeGateway() as gw:
        gw.put("agent:main:cron:a")
        async with make_store(gw, tmp_path, name="old") as store:
            await store.wait_synced(5)
            assert store.archive_refusal("agent:main:cron:a") is None  # 2026.7 takes archived
            monkeypatch.setattr(gateway_store, "patch_fields_for", lambda _v: frozenset({"label"}))
            request = parse_bulk("kind:cron -- archive")
            assert isinstance(request, BulkRequest)
            (row,) = preview(request, store, 0).rows
            assert row.status == "refused"
            assert row.note == "gateway old (2026.7.35) does not support archived"
            assert gw.count("sessions.patch") == 0


async def test_a_gateways_reset_and_delete_previews_say_what_the_gateway_does(tmp_path):
    """The preview asks the store what a reset and a delete do (its declared policy), not
    whether it is a gateway; /cleanup is refused by the store's own declaration too."""
    from openclaw_tui.tui.slash.bulk import BulkRequest, parse_bulk, preview

    async with FakeGateway() as gw:
        gw.put("agent:main:cron:a")
        async with make_store(gw, tmp_path, name="home") as store:
            await store.wait_synced(5)
            rows = {}
            for command in ("/reset", "delete"):
                request = parse_bulk(f"kind:cron -- {command}")
                assert isinstance(request, BulkRequest)
                (rows[command],) = preview(request, store, 0).rows
            assert rows["/reset"].after == "reset by the gateway"
            assert rows["delete"].after == "deleted (the gateway's own delete)"
            assert "openclaw sessions cleanup" in (store.maintenance_refusal or "")
            multi = MultiGatewayStore([store])
            assert multi.maintenance_refusal == store.maintenance_refusal
            assert multi.delete_effect == store.delete_effect
