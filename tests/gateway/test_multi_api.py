"""``MultiGatewayStore`` keeps the whole ``SessionStoreAPI``: refresh and read_only too."""

from __future__ import annotations

import pytest

from openclaw_tui.store.gateway import MultiGatewayStore
from tests.gateway.fake_gateway import FakeGateway
from tests.gateway.helpers import make_store

pytestmark = pytest.mark.anyio


async def test_refresh_relists_every_gateway_and_shows_what_changed(tmp_path):
    async with FakeGateway() as one, FakeGateway(flavor="9") as two:
        multi = MultiGatewayStore(
            [make_store(one, tmp_path, name="home"), make_store(two, tmp_path, name="lab")]
        )
        async with multi:
            await multi.wait_synced(5)
            lists = (one.count("sessions.list"), two.count("sessions.list"))
            # Changed behind the store's back (no event): only a re-list can show it.
            two.put("agent:main:quiet", label="Quiet")
            await multi.refresh()
            assert one.count("sessions.list") > lists[0]
            assert two.count("sessions.list") > lists[1]
            assert multi.get("lab/agent:main:quiet")["label"] == "Quiet"


async def test_read_only_only_when_every_gateway_is(tmp_path):
    async with FakeGateway() as one, FakeGateway() as two:
        both = MultiGatewayStore(
            [
                make_store(one, tmp_path, name="a", read_only=True),
                make_store(two, tmp_path, name="b", read_only=True),
            ]
        )
        mixed = MultiGatewayStore(
            [
                make_store(one, tmp_path, name="a", read_only=True),
                make_store(two, tmp_path, name="b"),
            ]
        )
        assert both.read_only is True
        assert mixed.read_only is False
