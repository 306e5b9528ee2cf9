"""Issue #10 items 11-12: everything a gateway sends is bounded, retried with backoff, and said.

Each test makes the fake gateway misbehave the way a broken or hostile one did and waits on
the store's ``ConnectionState`` events (no sleeps); the bounds are configured small.
"""

from __future__ import annotations

import pytest

from openclaw_tui.store.events import ConnectionState
from openclaw_tui.store.gateway.client import MIN_TICK_MS
from tests.gateway.fake_gateway import FakeGateway
from tests.gateway.helpers import make_store, next_matching

pytestmark = pytest.mark.anyio


def state(name: str, text: str = ""):
    return lambda e: isinstance(e, ConnectionState) and e.state == name and text in e.detail


# -- item 11: frame size ----------------------------------------------------------------------


async def test_a_frame_over_the_limit_closes_the_connection_and_says_why(tmp_path):
    async with FakeGateway() as gw:
        gw.put("agent:main:main", label="Main")
        gw.put("agent:main:explicit:huge", label="x" * 300_000)
        store = make_store(gw, tmp_path, max_frame_bytes=100_000)
        sub = store.subscribe()
        async with store:
            lost = await next_matching(sub, state("disconnected", "larger than"))
            assert "gateway gw (ws://127.0.0.1:" in lost.detail
            assert "frame larger than the 100,000 bytes limit" in lost.detail
            assert "max_frame_mb" in lost.detail and lost.extra["retry_in"] > 0
            assert store.get("agent:main:explicit:huge") is None
            # Once the gateway's frames fit again, the same store connects and lists.
            gw.sessions.pop("agent:main:explicit:huge")
            await store.wait_synced(5)
            assert store.get("agent:main:main")["label"] == "Main"


async def test_the_default_frame_limit_is_well_above_a_large_real_list_page(tmp_path):
    async with FakeGateway() as gw:
        # ~3 MB: more than a 1,000-row page of a real gateway (README, "Remote gateways").
        for i in range(1000):
            gw.put(f"agent:main:explicit:s{i}", label=f"S{i} " + "y" * 3000)
        store = make_store(gw, tmp_path)
        async with store:
            await store.wait_synced(10)
            assert len(store.load()) == 1000
            assert gw.connects == 1
            assert store._client is not None and store._client.max_frame_bytes == 64 * 2**20


# -- item 12: listing ---------------------------------------------------------------------------


async def test_a_gateway_paging_without_end_is_stopped_at_the_bound_and_retried(tmp_path):
    async with FakeGateway(endless_list=True) as gw:
        for i in range(30):
            gw.put(f"agent:main:explicit:s{i}", label=f"S{i}")
        store = make_store(gw, tmp_path, page_size=10, max_list_pages=5)
        sub = store.subscribe()
        async with store:
            note = await next_matching(sub, state("connected", "after 5 pages"))
            assert "cannot list sessions" in note.detail and "retrying in" in note.detail
            assert "sessions.list still answered hasMore after 5 pages (30 sessions)" in (
                note.detail
            )
            await gw.wait_for(lambda: gw.count("sessions.list") >= 6)
            offsets = [p["offset"] for p in gw.params_of("sessions.list")]
            assert offsets[:6] == [0, 10, 20, 30, 40, 0]  # stopped at 5, then a fresh listing
            assert len(store.load()) == 30  # the rows it listed are shown
            gw.endless_list = False
            await store.wait_synced(5)


async def test_a_list_never_answered_is_not_connected_with_an_empty_view(tmp_path):
    async with FakeGateway(mute={"sessions.list"}) as gw:
        gw.put("agent:main:main", label="Main")
        store = make_store(gw, tmp_path, list_timeout=0.2)
        sub = store.subscribe()
        async with store:
            first = await next_matching(sub, state("disconnected", "no answer to sessions.list"))
            assert "within 0.2s" in first.detail and "reconnecting in" in first.detail
            second = await next_matching(sub, state("disconnected", "no answer to sessions.list"))
            assert second.extra["retry_in"] > first.extra["retry_in"]  # backs off
            assert gw.connects >= 2
            gw.mute.clear()
            await store.wait_synced(5)
            assert store.get("agent:main:main")["label"] == "Main"


# -- item 12: handshake --------------------------------------------------------------------------


async def test_a_handshake_answered_only_with_unrelated_frames_hits_its_deadline(tmp_path):
    async with FakeGateway(connect_noise=True) as gw:
        gw.put("agent:main:main", label="Main")
        store = make_store(gw, tmp_path, handshake_timeout=0.3)
        sub = store.subscribe()
        async with store:
            lost = await next_matching(sub, state("disconnected", "no answer to connect"))
            assert "within 0.3s" in lost.detail and "other frames came" in lost.detail
            assert "retrying in" in lost.detail and store.state.state != "failed"
            gw.connect_noise = False
            await store.wait_synced(5)


async def test_one_non_json_frame_before_the_challenge_is_skipped(tmp_path):
    async with FakeGateway(junk_before_challenge=["not json at all"]) as gw:
        gw.put("agent:main:main", label="Main")
        async with make_store(gw, tmp_path) as store:
            await store.wait_synced(5)
            assert store.get("agent:main:main")["label"] == "Main"
            assert len(gw.connect_attempts) == 1 and gw.errors == []


async def test_endless_junk_before_the_challenge_is_bounded_and_retried_not_fatal(tmp_path):
    async with FakeGateway(junk_before_challenge=["{}"] * 20) as gw:
        store = make_store(gw, tmp_path)
        sub = store.subscribe()
        async with store:
            lost = await next_matching(sub, state("disconnected", "without the connect.challenge"))
            assert "sent 17 frames" in lost.detail and "retrying in" in lost.detail
            gw.junk_before_challenge = []
            await store.wait_synced(5)
            assert store.state.state == "connected"


# -- item 12: tick interval ----------------------------------------------------------------------


async def test_an_absurd_tick_interval_is_clamped_to_the_floor(tmp_path):
    async with FakeGateway(policy_tick_ms=1) as gw:
        store = make_store(gw, tmp_path, min_tick_interval_ms=None)  # the default floor
        sub = store.subscribe()
        async with store:
            await store.wait_synced(5)
            connected = await next_matching(sub, state("connected"))
            assert connected.extra["tick_ms"] == MIN_TICK_MS
            assert gw.connects == 1


async def test_a_connection_lost_to_tick_silence_again_and_again_backs_off(tmp_path):
    # The gateway announces 1 ms but ticks every 30 s: each connection dies of "silence".
    async with FakeGateway(policy_tick_ms=1) as gw:
        store = make_store(gw, tmp_path, min_tick_interval_ms=50)
        sub = store.subscribe()
        async with store:
            delays = []
            while len(delays) < 3:
                lost = await next_matching(sub, state("disconnected", "no tick"))
                assert "no tick from the gateway for 0.1s" in lost.detail
                delays.append(lost.extra["retry_in"])
            assert delays == [0.02, 0.04, 0.08]
