"""Slash commands on gateway rows: /reset is the gateway's sessions.reset and /new its
sessions.create (never the local reset patch), and every refusal is an inline Outcome carrying
the gateway's own message (against the fake gateway, which enforces the observed scope rules)."""

from __future__ import annotations

from pathlib import Path

import pytest

from openclaw_tui.store.events import EntryChanged
from openclaw_tui.store.gateway import MultiGatewayStore
from openclaw_tui.tui import slash
from tests.gateway.fake_gateway import FakeGateway
from tests.gateway.helpers import make_store, next_matching

pytestmark = pytest.mark.anyio

NOW = 1_795_611_000_000
MAIN = "agent:main:main"
ADMIN = ("operator.read", "operator.write", "operator.admin")


def seed(gw: FakeGateway, label: str) -> None:
    gw.sessions[MAIN] = {"sessionId": "s-1", "updatedAt": NOW, "label": label, "totalTokens": 42}


@pytest.mark.parametrize("flavor", ["7", "9"])
async def test_reset_calls_the_gateways_reset_after_confirmation(tmp_path: Path, flavor: str):
    async with FakeGateway(flavor=flavor) as gw:
        seed(gw, "Main")
        async with make_store(gw, tmp_path, scopes=ADMIN) as store:
            await store.wait_synced(5)
            sub = store.subscribe()
            asked = await slash.execute("/reset", store, MAIN)
            assert asked.needs_confirmation and not asked.ok
            assert "sessions.reset" in asked.message
            assert gw.count("sessions.reset") == 0

            done = await slash.execute("/reset", store, MAIN, confirmed=True)
            assert done.ok, done.message
            assert done.message == "✅ Session reset."
            assert gw.count("sessions.reset") == 1
            assert gw.params_of("sessions.reset") == [{"key": MAIN}]
            assert gw.count("sessions.patch") == 0  # no local reset patch
            new_id = gw.sessions[MAIN]["sessionId"]
            assert new_id != "s-1"
            # The gateway's change arrives as an event and updates the mirror.
            await next_matching(
                sub,
                lambda e: isinstance(e, EntryChanged) and e.after.get("sessionId") == new_id,
            )
            assert (store.get(MAIN) or {}).get("sessionId") == new_id
            assert gw.errors == []


async def test_reset_without_admin_scope_is_refused_inline_with_the_gateways_message(
    tmp_path: Path,
):
    async with FakeGateway() as gw:
        seed(gw, "Main")
        async with make_store(gw, tmp_path) as store:  # operator.read + operator.write
            await store.wait_synced(5)
            outcome = await slash.execute("/reset", store, MAIN, confirmed=True)
            assert not outcome.ok
            assert outcome.message.startswith("Not reset: gateway gw (ws://127.0.0.1:")
            assert "missing scope: operator.admin" in outcome.message
            # The fix: the opt-in that asks for the scope, then the approval on the host.
            assert "admin_scope = true for gateway gw" in outcome.message
            assert "--admin-scope gw" in outcome.message
            assert "openclaw devices approve" in outcome.message
            assert gw.sessions[MAIN]["sessionId"] == "s-1"
            assert gw.count("sessions.patch") == 0


async def test_new_creates_a_session_on_the_rows_gateway_only(tmp_path: Path):
    async with FakeGateway() as home, FakeGateway(flavor="9") as work:
        seed(home, "Home")
        seed(work, "Work")
        stores = [
            make_store(home, tmp_path / "h", name="home"),
            make_store(work, tmp_path / "w", name="work"),
        ]
        async with MultiGatewayStore(stores) as multi:
            await multi.wait_synced(5)
            outcome = await slash.execute("/new", multi, f"work/{MAIN}")
            assert outcome.ok, outcome.message
            assert not outcome.needs_confirmation
            [new_key] = outcome.keys
            assert new_key.startswith("work/agent:main:dashboard:")
            assert outcome.message == f"✅ New session started. ({new_key})"
            assert work.count("sessions.create") == 1 and home.count("sessions.create") == 0
            assert len(work.sessions) == 2 and len(home.sessions) == 1
            assert multi.get(new_key) is not None
            # The row it was typed on is untouched: no reset patch, no reset.
            assert work.sessions[MAIN]["sessionId"] == "s-1"
            assert work.count("sessions.patch") == work.count("sessions.reset") == 0


async def test_new_with_a_model_reports_the_gateways_refusal_of_the_model(tmp_path: Path):
    async with FakeGateway() as gw:  # 2026.7.35: a model patch needs operator.admin
        seed(gw, "Main")
        async with make_store(gw, tmp_path) as store:
            await store.wait_synced(5)
            outcome = await slash.execute("/new openai/gpt-5.5", store, MAIN)
            assert not outcome.ok
            assert gw.count("sessions.create") == 1
            assert "✅ New session started." in outcome.message
            assert "Model not set" in outcome.message
            assert "missing scope: operator.admin" in outcome.message


async def test_gateway_refusals_of_edits_are_inline_outcomes(tmp_path: Path):
    async with FakeGateway() as gw:
        seed(gw, "Main")
        gw.sessions["agent:main:other"] = {"sessionId": "s-2", "updatedAt": NOW, "label": "Taken"}
        store = make_store(gw, tmp_path)
        async with store:
            await store.wait_synced(5)
            # GatewayRequestError: the gateway's own text.
            taken = await slash.execute("/label Taken", store, MAIN)
            assert not taken.ok and "label already in use: Taken" in taken.message
            # GatewayScopeError on a patch.
            think = await slash.execute("/think high", store, MAIN)
            assert not think.ok and "missing scope: operator.admin" in think.message
            # GatewayFieldError: refused before anything is sent.
            sent = gw.count("sessions.patch")
            queue = await slash.execute("/queue steer", store, MAIN)
            assert not queue.ok and "sessions.patch cannot change queueMode" in queue.message
            assert gw.count("sessions.patch") == sent
        # GatewayUnavailableError: the connection is closed.
        closed = await slash.execute("/new", store, MAIN)
        assert not closed.ok
        assert "No new session: gateway gw" in closed.message
        reset = await slash.execute("/reset", store, MAIN, confirmed=True)
        assert not reset.ok and reset.message.startswith("Not reset: gateway gw")
        assert gw.sessions[MAIN]["label"] == "Main"
        assert gw.errors == []


async def test_new_on_several_rows_creates_one_session_per_gateway(tmp_path: Path):
    async with FakeGateway() as home, FakeGateway() as work:
        seed(home, "Home")
        seed(work, "Work")
        work.sessions["agent:main:other"] = {"sessionId": "s-2", "updatedAt": NOW}
        stores = [
            make_store(home, tmp_path / "h", name="home"),
            make_store(work, tmp_path / "w", name="work"),
        ]
        async with MultiGatewayStore(stores) as multi:
            await multi.wait_synced(5)
            rows = [f"work/{MAIN}", "work/agent:main:other", f"home/{MAIN}"]
            outcome = await slash.execute("/new", multi, rows)
            assert outcome.ok, outcome.message
            assert work.count("sessions.create") == 1 and home.count("sessions.create") == 1
            assert [key.partition("/")[0] for key in outcome.keys] == ["work", "home"]
            assert outcome.message.splitlines() == [
                f"✅ New session started. ({key})" for key in outcome.keys
            ]
