"""Big gateways: the mirror and the screen after bursts of changes, pipelined and streamed
listing, the multi-gateway view kept per event. Against the fake gateway over real WebSockets;
what is compared is always the gateway's own state (key and ``updatedAt`` of every session)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from openclaw_tui.store.events import EntryAdded, EntryChanged, Resync, StoreEvent, StoreReloaded
from openclaw_tui.store.gateway import GatewayStore, MultiGatewayStore
from openclaw_tui.store.subscription import Subscription
from tests.gateway.fake_gateway import FakeGateway, now_ms
from tests.gateway.helpers import make_store, next_matching, replay

pytestmark = pytest.mark.anyio

MARKER = "agent:main:explicit:marker"


def gateway_state(gw: FakeGateway) -> dict[str, Any]:
    return {key: entry["updatedAt"] for key, entry in gw.sessions.items()}


def mirror_state(rows: Any) -> dict[str, Any]:
    return {key: row.get("updatedAt") for key, row in rows.items()}


async def mark(
    gw: FakeGateway, sub: Subscription, store: Any, key: str = MARKER
) -> list[StoreEvent]:
    """Create a session last and read ``sub`` up to its arrival: everything before it is in."""
    gw.put(key, label=f"marker {now_ms()}")
    await gw.emit(gw.changed_payload(key, "create"))
    seen: list[StoreEvent] = []

    def arrived(event: StoreEvent) -> bool:
        if isinstance(event, EntryAdded):
            return event.key.endswith(key)
        if isinstance(event, StoreReloaded):
            return any(k.endswith(key) for k in event.entries)
        if isinstance(event, Resync):
            # Entry events are dropped while a Resync waits: the subscriber reads load() now.
            return any(k.endswith(key) for k in store.load())
        return False

    async def scan() -> None:
        async for event in sub:
            seen.append(event)
            if arrived(event):
                return

    await asyncio.wait_for(scan(), 20)
    return seen


def shown(events: list[StoreEvent], store: Any, view: dict[str, Any]) -> dict[str, Any]:
    """What a subscriber applying ``events`` shows; a Resync makes it load() (as the app)."""
    for event in events:
        view = dict(store.load()) if isinstance(event, Resync) else replay([event], view)
    return view


@pytest.mark.parametrize("flavor", ["7", "9"])
async def test_after_a_burst_the_mirror_and_a_slow_subscriber_equal_the_gateway(
    tmp_path: Path, flavor: str
):
    async with FakeGateway(flavor=flavor) as gw:
        gw.seed(3000, seed=1)
        async with make_store(gw, tmp_path, page_size=500) as store:
            await store.wait_synced(20)
            view = dict(store.load())
            # A small backlog: the subscriber falls behind, its backlog coalesces per key and
            # then turns into a Resync; what it shows must still end equal.
            sub = store.subscribe(max_backlog=64)
            changes = await gw.churn(20_000, 0.4, new_share=0.2, seed=2)
            assert changes > 1000
            events = await mark(gw, sub, store)
            assert mirror_state(store.load()) == gateway_state(gw)
            assert mirror_state(shown(events, store, view)) == gateway_state(gw)
            assert sub.coalesced > 0  # it really fell behind
            assert not gw.errors


async def test_every_change_is_published_in_order_to_a_subscriber_that_keeps_up(tmp_path: Path):
    async with FakeGateway(flavor="9") as gw:
        gw.seed(500, seed=3)
        async with make_store(gw, tmp_path) as store:
            await store.wait_synced(10)
            seen: list[StoreEvent] = []
            store.add_listener(seen.append)  # every event as published, before any coalescing
            sub = store.subscribe()
            changes = await gw.churn(5_000, 0.3, new_share=0.1, seed=4)
            await mark(gw, sub, store)
            # One event per change (none lost, none merged), each row's in the gateway's order.
            per_key: dict[str, list[float]] = {}
            for event in seen:
                if isinstance(event, EntryAdded):
                    per_key.setdefault(event.key, []).append(event.entry["updatedAt"])
                elif hasattr(event, "after"):
                    per_key.setdefault(event.key, []).append(event.after["updatedAt"])
            assert sum(len(v) for v in per_key.values()) == changes + 1  # and the marker
            assert all(times == sorted(times) for times in per_key.values())
            assert mirror_state(store.load()) == gateway_state(gw)


async def test_listing_is_pipelined_streamed_and_keeps_changes_made_while_it_runs(tmp_path: Path):
    async with FakeGateway(flavor="9") as gw:
        gw.seed(4000, seed=5)
        store = make_store(gw, tmp_path, page_size=400)
        log: list[tuple[str, Any]] = []
        reloads: list[int] = []

        def listen(event: StoreEvent) -> None:
            if isinstance(event, StoreReloaded):
                reloads.append(len(event.entries))
            elif isinstance(event, EntryAdded) and event.source == "external":
                log.append(("row", event.key))

        store.add_listener(listen)
        sub = store.subscribe()
        async with store:
            client = store.client
            assert client is not None
            request = client.request

            async def logged(method: str, params: Any = None, **kw: Any) -> Any:
                if method == "sessions.list":
                    log.append(("ask", params["offset"]))
                return await request(method, params, **kw)

            client.request = logged  # type: ignore[method-assign]
            churn = asyncio.ensure_future(gw.churn(3_000, 0.5, new_share=0.3, seed=6))
            await store.wait_synced(20)
            await churn
            await mark(gw, sub, store)
            assert mirror_state(store.load()) == gateway_state(gw)
        # Streamed: the view started from the first page alone; every later page came as rows.
        assert reloads[0] <= 400 + 200
        # Pipelined: page k+1 was asked for before any row of page k was applied.
        asks = [i for i, (kind, _) in enumerate(log) if kind == "ask"]
        offsets = [log[i][1] for i in asks]
        assert offsets[:3] == [0, 400, 800]
        first_row_after_second_page = next(
            i for i, (kind, _) in enumerate(log) if kind == "row" and i > asks[1]
        )
        assert asks[2] < first_row_after_second_page
        assert len(set(offsets)) == len(offsets)  # no page asked twice
        assert not gw.errors


async def test_multi_view_stays_equal_to_every_gateway_through_bursts_and_relists(
    tmp_path: Path,
):
    async with FakeGateway(flavor="9") as one, FakeGateway(flavor="7") as two:
        one.seed(800, seed=7)
        two.seed(800, seed=8)
        stores = [make_store(one, tmp_path, name="one"), make_store(two, tmp_path, name="two")]
        async with MultiGatewayStore(stores) as multi:
            await multi.wait_synced(20)
            sub = multi.subscribe()
            await asyncio.gather(
                one.churn(4_000, 0.3, new_share=0.2, seed=9),
                two.churn(4_000, 0.3, new_share=0.2, seed=10),
            )
            # A cleanup on one gateway (rows gone silently): a key-less event, a re-list.
            for key in list(one.sessions)[:50]:
                del one.sessions[key]
            await one.emit({"reason": "cleanup", "ts": now_ms()})
            await next_matching(sub, lambda e: getattr(e, "key", "").startswith("one/"))
            await stores[0].refresh()
            await mark(two, sub, multi)
            want = {f"one/{k}": v for k, v in gateway_state(one).items()}
            want.update({f"two/{k}": v for k, v in gateway_state(two).items()})
            assert mirror_state(multi.load()) == want


async def test_the_screen_equals_the_gateway_after_a_burst(tmp_path: Path):
    from openclaw_tui.tui.app import SessionBrowserApp
    from openclaw_tui.tui.config import UserConfig
    from openclaw_tui.tui.target import target_for_gateways
    from tests.tui.helpers import started, wait_until

    async with FakeGateway(flavor="9") as gw:
        gw.seed(2000, seed=11)
        config = make_store(gw, tmp_path).config

        def factory(target: Any, read_only: bool, watch: bool) -> GatewayStore:
            return make_store(gw, tmp_path, page_size=300)

        app = SessionBrowserApp(
            target_for_gateways([config], None), config=UserConfig(), store_factory=factory
        )
        async with app.run_test(size=(160, 30)) as pilot:
            screen = await started(pilot)
            await wait_until(pilot, lambda: screen.vm.total_count == 2000, timeout=20)
            await gw.churn(10_000, 0.5, new_share=0.2, seed=12)
            want = gateway_state(gw)

            def equal() -> bool:
                return mirror_state(screen.vm.entries) == want

            await wait_until(pilot, equal, timeout=20)
            # And in the order it is drawn: newest first.
            order = [want[screen.vm.row_at(i).key] for i in range(screen.vm.row_count)]
            assert order == sorted(want.values(), reverse=True)
            assert not gw.errors


async def test_one_gateways_reload_reaches_the_merged_view_as_its_rows_events(tmp_path: Path):
    async with FakeGateway() as one, FakeGateway() as two:
        one.seed(600, seed=13)
        two.seed(300, seed=14)
        stores = [make_store(one, tmp_path, name="one"), make_store(two, tmp_path, name="two")]
        async with MultiGatewayStore(stores) as multi:
            await multi.wait_synced(20)
            gateway_events: list[StoreEvent] = []
            stores[0].add_listener(gateway_events.append)
            sub = multi.subscribe()
            renamed = list(one.sessions)[:300]
            for n, key in enumerate(renamed):
                one.put(key, label=f"renamed {n}")  # silently: more than a re-list publishes
            await one.emit({"reason": "cleanup", "ts": now_ms()})
            await stores[0].refresh()
            events = await mark(one, sub, multi)
            # The gateway itself said it with one reload; the merged view with its rows only.
            assert any(isinstance(e, StoreReloaded) for e in gateway_events)
            assert not any(isinstance(e, StoreReloaded) for e in events)
            changed = {e.key for e in events if isinstance(e, EntryChanged)}
            assert changed == {f"one/{key}" for key in renamed}
            want = {f"one/{k}": v for k, v in gateway_state(one).items()}
            want.update({f"two/{k}": v for k, v in gateway_state(two).items()})
            assert mirror_state(multi.load()) == want


async def test_load_is_a_snapshot_that_changes_never_touch(tmp_path: Path):
    # The mirror changes in place; what load() handed out (to a thread, a bulk preview) stays.
    async with FakeGateway(flavor="9") as gw:
        gw.seed(300, seed=15)
        async with make_store(gw, tmp_path) as store:
            await store.wait_synced(10)
            before = store.load()
            held = dict(before)
            sub = store.subscribe()
            await gw.churn(3_000, 0.2, new_share=0.5, seed=16)
            await mark(gw, sub, store)
            assert dict(before) == held
            assert store.load() is store.load()  # no change since: the same copy
            assert mirror_state(store.load()) == gateway_state(gw) != mirror_state(held)
