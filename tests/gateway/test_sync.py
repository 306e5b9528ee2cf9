"""Listing, editing, live events, ordering, reconnects and liveness against the test gateway."""

from __future__ import annotations

import asyncio

import pytest

from openclaw_tui.store.events import (
    ConnectionState,
    EntryAdded,
    EntryChanged,
    EntryRemoved,
    StoreReloaded,
)
from openclaw_tui.store.gateway import (
    Backoff,
    GatewayFieldError,
    GatewayRequestError,
    GatewayUnsupportedError,
    MultiGatewayStore,
)
from openclaw_tui.store.semantics import apply_model_override
from tests.gateway.fake_gateway import FakeGateway, now_ms
from tests.gateway.helpers import drain, make_store, next_matching, replay

pytestmark = pytest.mark.anyio


def keyed(kind: type, key: str):
    return lambda e: isinstance(e, kind) and getattr(e, "key", None) == key


async def test_list_pages_through_every_session(tmp_path):
    async with FakeGateway() as gw:
        for i in range(2345):
            gw.sessions[f"agent:main:explicit:s{i}"] = {
                "sessionId": f"id-{i}",
                "updatedAt": 1_700_000_000_000 + i,
                "label": f"S{i}",
            }
        store = make_store(gw, tmp_path, page_size=1000)
        sub = store.subscribe()
        seen: list = []
        store.add_listener(seen.append)  # every event, before any subscriber coalescing
        async with store:
            await store.wait_synced(10)
            assert len(store.load()) == 2345
            assert [p["offset"] for p in gw.params_of("sessions.list")] == [0, 1000, 2000]
            assert store.get("agent:main:explicit:s7")["label"] == "S7"
            assert "key" not in store.get("agent:main:explicit:s7")
            # The newest page is shown first, before the rest is listed; the rest streams in
            # as each page arrives: every other row is one EntryAdded, none twice.
            reloads = [e for e in seen if isinstance(e, StoreReloaded)]
            assert len(reloads) == 1 and len(reloads[0].entries) == 1000
            assert "agent:main:explicit:s2344" in reloads[0].entries
            assert "agent:main:explicit:s0" not in reloads[0].entries
            added = [e.key for e in seen if isinstance(e, EntryAdded)]
            assert len(added) == len(set(added)) == 2345 - 1000
            assert set(added) == set(store.load()) - set(reloads[0].entries)
            assert replay(seen) == dict(store.load())
            # The state that came before the reload is re-sent after it.
            events = drain(sub)
            after = events[[type(e) for e in events].index(StoreReloaded) :]
            assert any(isinstance(e, ConnectionState) and e.state == "connected" for e in after)
            assert replay(events) == dict(store.load())  # what a subscriber shows


@pytest.mark.parametrize("flavor", ["7", "9"])
async def test_update_entry_sends_only_changed_allowed_fields(tmp_path, flavor):
    async with FakeGateway(flavor=flavor) as gw:
        gw.put("agent:main:main", label="Main", sendPolicy="allow")
        async with make_store(gw, tmp_path) as store:
            await store.wait_synced(5)
            sub = store.subscribe()
            row = await store.update_entry(
                "agent:main:main", lambda e: {**e, "label": "Renamed", "sendPolicy": None}
            )
            assert gw.params_of("sessions.patch") == [
                {"key": "agent:main:main", "label": "Renamed", "sendPolicy": None}
            ]
            assert row["label"] == "Renamed" and "sendPolicy" not in row
            assert gw.sessions["agent:main:main"]["label"] == "Renamed"
            fields: set[str] = set()
            while "label" not in fields or "sendPolicy" not in fields:
                changed = await next_matching(sub, keyed(EntryChanged, "agent:main:main"))
                fields |= changed.fields
            assert store.get("agent:main:main")["label"] == "Renamed"
            assert "sendPolicy" not in store.get("agent:main:main")
            # Nothing changed: nothing is sent.
            assert await store.update_entry("agent:main:main", {"label": "Renamed"}) is row
            assert await store.update_entry("agent:main:main", lambda e: None) is None
            assert len(gw.params_of("sessions.patch")) == 1
            assert await store.update_entry("agent:main:nope", {"label": "x"}) is None


async def test_unknown_fields_are_refused_before_anything_is_sent(tmp_path):
    async with FakeGateway() as gw:
        gw.put("agent:main:main", label="Main")
        async with make_store(gw, tmp_path) as store:
            await store.wait_synced(5)
            with pytest.raises(GatewayFieldError) as caught:
                await store.update_entry("agent:main:main", {"myCustomField": 1, "label": "x"})
            text = caught.value.describe()
            assert "sessions.patch cannot change myCustomField of agent:main:main" in text
            assert "gateway gw" in text and "thinkingLevel" in text  # lists what is accepted
            assert gw.count("sessions.patch") == 0


async def test_gateway_validation_errors_come_back_verbatim(tmp_path):
    async with FakeGateway() as gw:
        gw.put("agent:main:main", label="Main")
        gw.put("agent:main:cron:nightly", label="Nightly")
        async with make_store(gw, tmp_path) as store:
            await store.wait_synced(5)
            with pytest.raises(GatewayRequestError) as caught:
                await store.update_entry("agent:main:main", {"label": "Nightly"})
            assert caught.value.message == "label already in use: Nightly"
            assert store.get("agent:main:main")["label"] == "Main"
            assert store.health.error is caught.value


async def test_model_override_fields_become_one_model_param(tmp_path):
    async with FakeGateway(flavor="9") as gw:
        gw.put("agent:main:main", label="Main")
        async with make_store(gw, tmp_path) as store:
            await store.wait_synced(5)
            params = store.patch_params(
                "agent:main:main",
                store.get("agent:main:main"),
                {"providerOverride": "anthropic", "modelOverride": "claude-opus-4-5"},
            )
            assert params == {"key": "agent:main:main", "model": "anthropic/claude-opus-4-5"}
            # What the local model switch writes besides the override is derived by the gateway.
            local_switch = apply_model_override(
                dict(store.get("agent:main:main")),
                provider="anthropic",
                model="claude-opus-4-5",
                now_ms=now_ms(),
            )
            assert local_switch is not None
            assert store.patch_params(
                "agent:main:main", store.get("agent:main:main"), local_switch
            ) == {"key": "agent:main:main", "model": "anthropic/claude-opus-4-5"}
            archived = store.patch_params(
                "agent:main:main", store.get("agent:main:main"), {"archived": True}
            )
            assert archived["expectedSessionId"] == gw.sessions["agent:main:main"]["sessionId"]


async def test_create_reset_delete_map_to_their_methods(tmp_path):
    async with FakeGateway(grant_scopes=("operator.admin",)) as gw:
        gw.put("agent:main:main", label="Main")
        async with make_store(gw, tmp_path) as store:
            await store.wait_synced(5)
            sub = store.subscribe()
            key = await store.create_session(key="agent:main:explicit:made", label="Made")
            assert key == "agent:main:explicit:made"
            assert (await next_matching(sub, keyed(EntryAdded, key))).entry["label"] == "Made"
            old_id = store.get(key)["sessionId"]
            await store.reset_entry(key)
            await next_matching(
                sub,
                lambda e: keyed(EntryChanged, key)(e) and e.after["sessionId"] != old_id,
            )
            assert await store.delete_entry(key) is True
            assert store.get(key) is None
            assert await store.delete_entry(key) is False
            with pytest.raises(GatewayRequestError) as caught:
                await store.delete_entry("agent:main:main")
            assert caught.value.message == "Cannot delete the main session (agent:main:main)."


async def test_update_diffs_the_mutated_copy_and_save_is_refused(tmp_path):
    async with FakeGateway(grant_scopes=("operator.admin",)) as gw:
        gw.put("agent:main:a", label="A")
        gw.put("agent:main:b", label="B")
        async with make_store(gw, tmp_path) as store:
            await store.wait_synced(5)

            def mutate(entries):
                entries["agent:main:a"]["label"] = "A2"
                del entries["agent:main:b"]
                entries["agent:main:c"] = {"label": "C"}
                return "done"

            assert await store.update(mutate) == "done"
            assert gw.sessions["agent:main:a"]["label"] == "A2"
            assert "agent:main:b" not in gw.sessions
            assert gw.sessions["agent:main:c"]["label"] == "C"
            with pytest.raises(GatewayUnsupportedError) as caught:
                await store.save({})
            assert "openclaw sessions cleanup" in caught.value.describe()
            assert await store.recover() is None


@pytest.mark.parametrize("flavor", ["7", "9"])
async def test_changes_by_others_arrive_as_typed_events(tmp_path, flavor):
    async with FakeGateway(flavor=flavor) as gw:
        gw.put("agent:main:main", label="Main", thinkingLevel="high")
        async with make_store(gw, tmp_path) as store:
            await store.wait_synced(5)
            sub = store.subscribe()
            gw.put("agent:main:main", label="Other")
            gw.sessions["agent:main:main"].pop("thinkingLevel")
            await gw.emit(gw.changed_payload("agent:main:main", "patch"))
            changed = await next_matching(sub, keyed(EntryChanged, "agent:main:main"))
            assert changed.source == "external"
            assert {"label", "thinkingLevel", "updatedAt"} <= changed.fields
            assert changed.after["label"] == "Other" and "thinkingLevel" not in changed.after
            assert changed.before["thinkingLevel"] == "high"
            gw.put("agent:main:new", label="New")
            await gw.emit(gw.changed_payload("agent:main:new", "create"))
            added = await next_matching(sub, keyed(EntryAdded, "agent:main:new"))
            assert added.entry["label"] == "New"
            del gw.sessions["agent:main:new"]
            await gw.emit({"sessionKey": "agent:main:new", "reason": "delete", "ts": now_ms()})
            removed = await next_matching(sub, keyed(EntryRemoved, "agent:main:new"))
            assert removed.before["label"] == "New"
            assert store.get("agent:main:new") is None


async def test_keyless_events_trigger_a_relist(tmp_path):
    async with FakeGateway() as gw:
        gw.put("agent:main:a", label="A")
        gw.put("agent:main:b", label="B")
        async with make_store(gw, tmp_path) as store:
            await store.wait_synced(5)
            sub = store.subscribe()
            lists = gw.count("sessions.list")
            del gw.sessions["agent:main:b"]  # a cleanup pruned it, silently
            gw.put("agent:main:a", label="A2")
            await gw.emit({"reason": "cleanup", "ts": now_ms()})
            first = await next_matching(sub, lambda e: isinstance(e, EntryChanged | EntryRemoved))
            second = await next_matching(sub, lambda e: isinstance(e, EntryChanged | EntryRemoved))
            seen = {(type(e).__name__, e.key, e.source) for e in (first, second)}
            assert seen == {
                ("EntryRemoved", "agent:main:b", "external"),
                ("EntryChanged", "agent:main:a", "external"),
            }
            assert gw.count("sessions.list") == lists + 1
            assert set(store.load()) == {"agent:main:a"}


@pytest.mark.parametrize("flavor", ["7", "9"])
async def test_late_and_out_of_order_events_never_roll_a_row_back(tmp_path, flavor):
    async with FakeGateway(flavor=flavor) as gw:
        gw.put("agent:main:main", label="v1")
        async with make_store(gw, tmp_path) as store:
            await store.wait_synced(5)
            sub = store.subscribe()
            old = gw.changed_payload("agent:main:main", "patch")  # a v1 event, delivered late
            gw.put("agent:main:main", label="v2")
            new = gw.changed_payload("agent:main:main", "patch")
            await gw.emit(new)
            await gw.emit(old)
            gw.put("agent:main:main", label="v3")
            await gw.emit(gw.changed_payload("agent:main:main", "patch"))  # a marker
            await next_matching(
                sub, lambda e: isinstance(e, EntryChanged) and e.after["label"] == "v3"
            )
            labels = [e.after["label"] for e in drain(sub) if isinstance(e, EntryChanged)]
            assert "v1" not in labels
            assert store.get("agent:main:main")["label"] == "v3"
            assert store.stats["stale_events"] >= 1


async def test_a_late_upsert_cannot_resurrect_a_deleted_row(tmp_path):
    async with FakeGateway() as gw:
        gw.put("agent:main:x", label="X")
        async with make_store(gw, tmp_path) as store:
            await store.wait_synced(5)
            sub = store.subscribe()
            late = gw.changed_payload("agent:main:x", "patch")
            del gw.sessions["agent:main:x"]
            await gw.emit({"sessionKey": "agent:main:x", "reason": "delete", "ts": now_ms() + 1})
            await gw.emit(late)
            gw.put("agent:main:marker", label="M")
            await gw.emit(gw.changed_payload("agent:main:marker", "create"))
            await next_matching(sub, keyed(EntryAdded, "agent:main:marker"))
            assert store.get("agent:main:x") is None


async def test_a_delete_for_an_older_incarnation_is_ignored(tmp_path):
    async with FakeGateway(flavor="9") as gw:
        gw.put("agent:main:x", label="X")
        async with make_store(gw, tmp_path) as store:
            await store.wait_synced(5)
            sub = store.subscribe()
            await gw.emit(
                {"sessionKey": "agent:main:x", "sessionId": "an-older-id", "reason": "delete"}
            )
            gw.put("agent:main:marker", label="M")
            await gw.emit(gw.changed_payload("agent:main:marker", "create"))
            await next_matching(sub, keyed(EntryAdded, "agent:main:marker"))
            assert store.get("agent:main:x")["label"] == "X"


async def test_an_overloaded_gateway_is_listed_again_until_it_answers(tmp_path):
    async with FakeGateway() as gw:
        gw.put("agent:main:a", label="A")
        gw.overloaded_lists = 1
        async with make_store(gw, tmp_path) as store:
            sub = store.subscribe()
            note = await next_matching(
                sub, lambda e: isinstance(e, ConnectionState) and "worker task" in e.detail
            )
            assert "cannot list sessions" in note.detail
            await store.wait_synced(10)  # the retry after 1 s succeeded
            assert store.get("agent:main:a")["label"] == "A"
            assert gw.count("sessions.list") == 2
            assert store.health.error is None


def test_backoff_doubles_from_one_second_to_thirty_and_resets():
    backoff = Backoff()
    assert [backoff.next() for _ in range(8)] == [1, 2, 4, 8, 16, 30, 30, 30]
    backoff.reset()
    assert backoff.next() == 1


async def test_reconnects_with_backoff_then_relists_what_changed_meanwhile(tmp_path):
    async with FakeGateway() as gw:
        gw.put("agent:main:a", label="A")
        store = make_store(gw, tmp_path, backoff=Backoff(0.05, 0.4))
        async with store:
            await store.wait_synced(5)
            sub = store.subscribe()
            gw.put("agent:main:a", label="changed while away")
            await gw.drop_all()
            lost = await next_matching(
                sub, lambda e: isinstance(e, ConnectionState) and e.state == "disconnected"
            )
            assert lost.extra["retry_in"] == 0.05 and "reconnecting in" in lost.detail
            changed = await next_matching(sub, keyed(EntryChanged, "agent:main:a"))
            assert changed.after["label"] == "changed while away"
            assert gw.connects == 2 and gw.count("sessions.subscribe") == 2
            assert store.state.state == "connected"
            # While the gateway is down, delays grow: 0.05, 0.1, 0.2, 0.4, 0.4 ...
            port = gw.url
            gw._server.close()
            await gw.drop_all()
            delays = []
            while len(delays) < 4:
                event = await next_matching(
                    sub, lambda e: isinstance(e, ConnectionState) and e.state == "disconnected"
                )
                delays.append(event.extra["retry_in"])
            assert delays == [0.05, 0.1, 0.2, 0.4]
            assert port in store.state.detail or "connection refused" in store.state.detail


async def test_silence_longer_than_two_ticks_is_detected_and_reconnected(tmp_path):
    async with FakeGateway(tick_ms=100) as gw, make_store(gw, tmp_path) as store:
        await store.wait_synced(5)
        sub = store.subscribe()
        gw.silent = True  # the link is dead: no ticks, no answers, no close
        lost = await next_matching(
            sub, lambda e: isinstance(e, ConnectionState) and e.state == "disconnected"
        )
        assert "no tick from the gateway for 0.2s" in lost.detail
        gw.silent = False
        await gw.wait_for(lambda: gw.connects == 2)
        await next_matching(
            sub, lambda e: isinstance(e, ConnectionState) and e.state == "connected"
        )


async def test_ticks_keep_a_quiet_connection_alive(tmp_path):
    async with FakeGateway(tick_ms=50) as gw, make_store(gw, tmp_path) as store:
        await store.wait_synced(5)
        connects = gw.connects
        ticks = gw.ticks_sent
        # Ten tick intervals with no traffic but ticks (2x tick would be the limit).
        await gw.wait_for(lambda: gw.ticks_sent >= ticks + 10)
        assert gw.connects == connects and store.state.state == "connected"


async def test_two_gateways_in_one_view_never_collide_and_edits_go_to_the_right_one(tmp_path):
    async with FakeGateway() as one, FakeGateway(flavor="9") as two:
        one.put("agent:main:main", label="One")
        two.put("agent:main:main", label="Two")
        multi = MultiGatewayStore(
            [make_store(one, tmp_path, name="home"), make_store(two, tmp_path, name="lab")]
        )
        sub = multi.subscribe()
        async with multi:
            await multi.wait_synced(5)
            rows = multi.load()
            assert rows["home/agent:main:main"]["label"] == "One"
            assert rows["lab/agent:main:main"]["label"] == "Two"
            assert multi.gateway_of("lab/agent:main:main") == "lab"
            await multi.update_entry("lab/agent:main:main", {"label": "Two edited"})
            assert two.sessions["agent:main:main"]["label"] == "Two edited"
            assert one.sessions["agent:main:main"]["label"] == "One"
            assert one.count("sessions.patch") == 0
            changed = await next_matching(sub, keyed(EntryChanged, "lab/agent:main:main"))
            assert changed.after["label"] == "Two edited"
            assert multi.get("lab/agent:main:main")["label"] == "Two edited"
            assert {n: s.state for n, s in multi.states.items()} == {
                "home": "connected",
                "lab": "connected",
            }
            with pytest.raises(Exception, match="no gateway named nope"):
                await multi.update_entry("nope/agent:main:main", {"label": "x"})


async def test_one_failing_gateway_does_not_hide_the_others(tmp_path):
    async with FakeGateway() as good, FakeGateway() as bad:
        good.put("agent:main:main", label="Good")
        multi = MultiGatewayStore(
            [
                make_store(good, tmp_path, name="good"),
                make_store(bad, tmp_path, name="bad", token="not-the-token"),
            ]
        )
        sub = multi.subscribe()
        async with multi:
            await multi.stores["good"].wait_synced(5)
            failed = await next_matching(
                sub, lambda e: isinstance(e, ConnectionState) and e.state == "failed"
            )
            assert failed.extra["gateway"] == "bad" and "gateway bad" in failed.detail
            assert multi.states["good"].state == "connected"
            assert list(multi.load()) == ["good/agent:main:main"]
            assert multi.health.error is not None and "gateway bad" in multi.health.message


@pytest.mark.parametrize("flavor", ["7", "9"])
async def test_sessions_a_write_evicted_without_an_event_leave_the_view(tmp_path, flavor):
    # OpenClaw 2026.7.35 runs its session maintenance on each write and removes what it prunes
    # with no event: only the written key's sessions.changed arrives (interop, issue #14).
    async with FakeGateway(flavor=flavor) as gw:
        for name in ("a", "b", "c"):
            gw.put(f"agent:main:{name}", label=name.upper())
        async with make_store(gw, tmp_path, recount_quiet=0.05) as store:
            await store.wait_synced(5)
            sub = store.subscribe()
            gw.put("agent:main:a", label="A2")
            del gw.sessions["agent:main:b"]  # evicted by the write, silently
            await gw.emit(gw.changed_payload("agent:main:a", "patch"))
            removed = await next_matching(sub, keyed(EntryRemoved, "agent:main:b"))
            assert removed.before["label"] == "B"
            assert set(store.load()) == {"agent:main:a", "agent:main:c"}
            assert store.get("agent:main:a")["label"] == "A2"
            assert store.stats["recount_relists"] == 1
            # The count check is one 1-row page; the re-list only when it differs (twice).
            checks = [p for p in gw.params_of("sessions.list") if p["limit"] == 1]
            assert len(checks) == 2


async def test_a_count_that_matches_costs_one_small_request_and_no_relist(tmp_path):
    async with FakeGateway() as gw:
        for name in ("a", "b"):
            gw.put(f"agent:main:{name}", label=name.upper())
        async with make_store(gw, tmp_path, recount_quiet=0.05) as store:
            await store.wait_synced(5)
            sub = store.subscribe()
            for n in range(5):  # a burst of writes: one check once it settles
                gw.put("agent:main:a", label=f"A{n}")
                await gw.emit(gw.changed_payload("agent:main:a", "patch"))
            gw.put("agent:main:new", label="N")
            await gw.emit(gw.changed_payload("agent:main:new", "create"))
            await next_matching(sub, keyed(EntryAdded, "agent:main:new"))
            await gw.wait_for(lambda: gw.count("sessions.list") == 2)
            # The check's answer read and judged (its task ends there).
            await asyncio.wait_for(store._recount_task, 5)
            assert store.stats["recounts"] == 1
            assert store.stats["recount_relists"] == 0
            assert [p["limit"] for p in gw.params_of("sessions.list")] == [1000, 1]
