"""Live run state, /stop with verification, usage: real-shaped runs of the test gateway."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from openclaw_tui.store.gateway import GatewayStore, MultiGatewayStore
from openclaw_tui.store.runs import RunStatus, run_state
from tests.gateway.fake_runs import RunningFakeGateway, captured_usage
from tests.gateway.helpers import make_store

pytestmark = pytest.mark.anyio

KEY = "agent:main:main"


async def until(store, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait (on store events, not a timer) until ``predicate()`` holds."""
    sub = store.subscribe()

    async def scan() -> None:
        if predicate():
            return
        async for _event in sub:
            if predicate():
                return

    try:
        await asyncio.wait_for(scan(), timeout)
    finally:
        sub.close()


def state_of(store: GatewayStore, key: str = KEY):
    return run_state(store.get(key))


@pytest.mark.parametrize("flavor", ["7", "9"])
async def test_a_run_shows_running_live_then_done_with_its_cost(tmp_path, flavor):
    async with RunningFakeGateway(flavor=flavor) as gw:
        gw.put(KEY, label="Main")
        async with make_store(gw, tmp_path) as store:
            await store.wait_synced(5)
            assert not state_of(store) or not state_of(store).is_running
            assert "_run" not in store.get(KEY)  # an idle row carries nothing extra
            run_id = await gw.begin_run(KEY, "Say hello")
            await until(store, lambda: state_of(store) is not None and state_of(store).is_running)
            state = state_of(store)
            assert state.active_run_ids == (run_id,)
            assert state.started_at_ms is not None
            assert state.elapsed_ms(state.started_at_ms + 72_000) == 72_000
            await gw.stream(KEY, "Hello ")
            await gw.finish_run(KEY, input_tokens=15815, output_tokens=30)
            await until(store, lambda: state_of(store).status is RunStatus.DONE)
            await until(store, lambda: store.get(KEY).get("estimatedCostUsd") is not None)
            assert store.get(KEY)["estimatedCostUsd"] == pytest.approx(0.047895)
            assert not state_of(store).is_running
            assert gw.errors == []


async def test_9_6_keeps_the_run_id_after_the_first_snapshot_drops_it(tmp_path):
    async with RunningFakeGateway(flavor="9") as gw:
        gw.put(KEY, label="Main")
        async with make_store(gw, tmp_path) as store:
            await store.wait_synced(5)
            run_id = await gw.begin_run(KEY)
            # The later phase row of the same run has no activeRunIds at all.
            await until(store, lambda: "activeRunIds" not in store.get(KEY))
            state = state_of(store)
            assert state.is_running and state.active_run_ids == (run_id,)
            # A re-list (which omits the ids too) keeps them as well.
            await store.refresh()
            assert state_of(store).active_run_ids == (run_id,)


async def test_stop_with_an_answer_of_unknown_shape_waits_for_the_run_to_end(tmp_path):
    async with RunningFakeGateway(flavor="7", abort_payload=None) as gw:
        gw.put(KEY, label="Main")
        async with make_store(gw, tmp_path, admin_scope=True) as store:
            await store.wait_synced(5)
            await gw.begin_run(KEY)
            await until(store, lambda: state_of(store) is not None and state_of(store).is_running)
            result = await store.stop_run(KEY, timeout=5)
            # A null answer is no refusal: the gateway's own end event decides.
            assert result.outcome == "stopped", result
            assert not state_of(store).is_running


@pytest.mark.parametrize("flavor", ["7", "9"])
async def test_stop_says_stopped_only_once_the_gateway_reports_the_run_ended(tmp_path, flavor):
    async with RunningFakeGateway(flavor=flavor) as gw:
        gw.put(KEY, label="Main")
        async with make_store(gw, tmp_path, admin_scope=True) as store:
            await store.wait_synced(5)
            run_id = await gw.begin_run(KEY)
            await gw.stream(KEY, "Hello from")
            await until(store, lambda: state_of(store) is not None and state_of(store).is_running)
            result = await store.stop_run(KEY, timeout=5)
            assert result.outcome == "stopped", result
            assert result.ok and result.run_id == run_id
            assert gw.params_of("sessions.abort") == [{"key": KEY}]
            state = state_of(store)
            assert state.status is RunStatus.KILLED and state.aborted
            if flavor == "7":
                # 7.35 still says hasActiveRun after the kill: the lifecycle end decides.
                await until(store, lambda: store.get(KEY).get("status") == "killed")
                assert store.get(KEY)["hasActiveRun"] is True
                assert not state_of(store).is_running


async def test_late_rows_neither_hide_a_started_run_nor_revive_a_stopped_one(tmp_path):
    # 9.6 delivers sessions.changed late: the agent/chat events alone must carry the run.
    async with RunningFakeGateway(flavor="9", hold_rows=True) as gw:
        gw.put(KEY, label="Main")
        async with make_store(gw, tmp_path, admin_scope=True) as store:
            await store.wait_synced(5)
            run_id = await gw.begin_run(KEY)
            await until(store, lambda: state_of(store) is not None and state_of(store).is_running)
            assert state_of(store).source == "event"
            assert state_of(store).active_run_ids == (run_id,)
            result = await store.stop_run(KEY, timeout=5)
            assert result.outcome == "stopped", result
            assert state_of(store).status is RunStatus.KILLED
            # Now the late rows arrive, the first ones still saying "running".
            changes = store._key_changes.get(KEY, 0)
            seen: list = []
            store.add_listener(seen.append)
            await gw.release_rows()
            await until(store, lambda: store._key_changes.get(KEY, 0) > changes)
            await until(store, lambda: store.get(KEY).get("status") == "killed")
            assert state_of(store).status is RunStatus.KILLED
            # Not even for one event did the stopped run look running again.
            after = [run_state(e.after) for e in seen if getattr(e, "key", None) == KEY]
            assert after and not any(s.is_running for s in after)


async def test_stop_of_a_run_that_does_not_end_reports_still_running(tmp_path):
    async with RunningFakeGateway(abort_behaviour="ignored") as gw:
        gw.put(KEY, label="Main")
        async with make_store(gw, tmp_path, admin_scope=True) as store:
            await store.wait_synced(5)
            await gw.begin_run(KEY)
            await until(store, lambda: state_of(store) is not None and state_of(store).is_running)
            result = await store.stop_run(KEY, timeout=0.3)
            assert result.outcome == "still-running"
            assert not result.ok and "still running" in result.message
            assert state_of(store).is_running


async def test_a_refused_stop_carries_the_gateways_own_message(tmp_path):
    async with RunningFakeGateway(flavor="9") as gw:
        gw.put(KEY, label="Main")
        async with make_store(gw, tmp_path, scopes=("operator.read",)) as store:
            await store.wait_synced(5)
            await gw.begin_run(KEY)
            result = await store.stop_run(KEY)
            assert result.outcome == "refused"
            assert result.gateway_message == "unauthorized"
            assert f"the gateway refused to stop {KEY}: unauthorized" in result.message
            assert result.fix is not None and "--admin-scope gw" in result.fix
            assert KEY in gw.runs  # nothing was stopped


async def test_stop_without_an_active_run(tmp_path):
    async with RunningFakeGateway() as gw:
        gw.put(KEY, label="Main")
        async with make_store(gw, tmp_path, admin_scope=True) as store:
            await store.wait_synced(5)
            result = await store.stop_run(KEY)
            assert result.outcome == "not-running" and result.ok


async def test_read_only_and_disconnected_stores_send_nothing(tmp_path):
    async with RunningFakeGateway() as gw:
        gw.put(KEY, label="Main")
        async with make_store(gw, tmp_path, read_only=True) as store:
            await store.wait_synced(5)
            result = await store.abort_run(KEY)
            assert result.outcome == "not-sent" and "read-only" in result.message
        store = make_store(gw, tmp_path)
        result = await store.abort_run(KEY)  # never opened
        assert result.outcome == "not-sent" and "not connected" in result.message
        assert gw.count("sessions.abort") == 0


async def test_a_failed_run_shows_failed_with_its_error(tmp_path):
    async with RunningFakeGateway(flavor="9") as gw:
        gw.put(KEY, label="Main")
        async with make_store(gw, tmp_path) as store:
            await store.wait_synced(5)
            await gw.begin_run(KEY)
            await gw.fail_run(KEY, "model endpoint returned 500")
            await until(store, lambda: state_of(store).status is RunStatus.FAILED)
            assert not state_of(store).is_running


async def test_streaming_moves_last_activity_and_run_fields_are_never_sent_back(tmp_path):
    async with RunningFakeGateway(flavor="7") as gw:
        gw.put(KEY, label="Main")
        async with make_store(gw, tmp_path) as store:
            await store.wait_synced(5)
            await gw.begin_run(KEY)
            await until(store, lambda: state_of(store) is not None and state_of(store).is_running)
            assert state_of(store).last_activity_ms is not None
            # An edit of the row (which carries the mirror's _run) sends only the edit.
            await store.update_entry(KEY, lambda e: {**e, "label": "Renamed"})
            assert gw.params_of("sessions.patch") == [{"key": KEY, "label": "Renamed"}]
            assert gw.errors == []


async def test_multi_gateway_stop_goes_to_the_gateway_its_key_names(tmp_path):
    async with RunningFakeGateway() as a, RunningFakeGateway(flavor="9") as b:
        a.put(KEY, label="A")
        b.put(KEY, label="B")
        stores = [
            make_store(a, tmp_path, name="a", admin_scope=True),
            make_store(b, tmp_path, name="b", admin_scope=True),
        ]
        async with MultiGatewayStore(stores) as multi:
            await multi.wait_synced(5)
            await b.begin_run(KEY)
            await until(multi, lambda: run_state(multi.get("b/" + KEY)).is_running)
            result = await multi.stop_run("b/" + KEY, timeout=5)
            assert result.outcome == "stopped" and result.key == "b/" + KEY
            assert a.count("sessions.abort") == 0 and b.count("sessions.abort") == 1


async def test_usage_report_says_when_the_gateway_offers_no_usage_method(tmp_path):
    async with RunningFakeGateway(flavor="9") as gw, make_store(gw, tmp_path) as store:
        await store.wait_synced(5)
        report = await store.usage_report()
        assert not report.offered and report.totals_from is None
        # The fake's refusal of a method it does not know, given back as the gateway said it.
        assert set(report.errors) == {"usage.cost", "sessions.usage"}


@pytest.mark.parametrize(
    ("version", "cost", "tokens"), [("2026.7.35", 0.128631, 42_805), ("2026.9.6", 0.096405, 32_063)]
)
async def test_usage_report_reads_the_real_answers_over_the_wire(tmp_path, version, cost, tokens):
    """The answers real gateways sent after two turns (tests/gateway/data), served by the fake:
    the totals of usage.cost (both turns, not the row's last call), the period, the session's
    own figures and the gateway's breakdown from sessions.usage."""
    gateway = RunningFakeGateway(flavor="9", usage=captured_usage(version))
    async with gateway as gw, make_store(gw, tmp_path) as store:
        await store.wait_synced(5)
        report = await store.usage_report()
    assert report.offered and not report.errors and report.totals_from == "usage.cost"
    assert report.total_cost_usd == pytest.approx(cost) and report.total_tokens == tokens
    assert report.period == "2026-11-04 to 2026-12-03"
    assert report.cache_status is None and report.missing_cost_entries == 0
    main = report.session_usage["agent:main:main"]
    assert main.cost_usd == pytest.approx(cost) and main.tokens == tokens and main.messages == 4
    assert [g.value for g in report.shares["model"]] == ["fakellm/fake-model"]
    assert [g.value for g in report.shares["agent"]] == ["main"]
    # 2026.9.6 names no channel for a chat.send session; 2026.7.35 says webchat.
    channels = [g.value for g in report.shares["channel"]]
    assert channels == (["webchat"] if version == "2026.7.35" else [])


async def test_multi_gateway_usage_merges_each_gateways_answer_and_names_it(tmp_path):
    async with (
        RunningFakeGateway(usage=captured_usage("2026.7.35")) as a,
        RunningFakeGateway(flavor="9") as b,
    ):
        stores = [make_store(a, tmp_path, name="a"), make_store(b, tmp_path, name="b")]
        async with MultiGatewayStore(stores) as multi:
            await multi.wait_synced(5)
            report = await multi.usage_report()
            assert report.totals_from == "a/usage.cost"
            assert (report.total_cost_usd, report.total_tokens) == (0.128631, 42_805)
            assert set(report.parts) == {"a", "b"} and not report.parts["b"].offered
            assert "b/usage.cost" in report.errors
            assert set(report.session_usage) == {"a/agent:main:main"}
            assert report.period == "2026-11-04 to 2026-12-03"


async def test_7_35_second_run_is_running_from_its_own_start_despite_the_lingering_status(tmp_path):
    async with RunningFakeGateway(flavor="7") as gw:
        gw.put(KEY, label="Main")
        async with make_store(gw, tmp_path) as store:
            await store.wait_synced(5)
            await gw.begin_run(KEY, "one")
            await gw.finish_run(KEY)
            await until(store, lambda: state_of(store).status is RunStatus.DONE)
            first_start = state_of(store).started_at_ms
            seen: list = []
            store.add_listener(seen.append)
            second = await gw.begin_run(KEY, "two")
            await until(store, lambda: state_of(store).active_run_ids == (second,))
            # The phase-start row still said status "done" (the previous run's), hasActiveRun
            # true: never shown as done, and the elapsed time counts from the new start.
            states = [run_state(e.after) for e in seen if getattr(e, "key", None) == KEY]
            assert states and all(s.is_running for s in states)
            assert store.get(KEY)["status"] == "done"  # what the gateway row itself says
            assert state_of(store).started_at_ms == gw.runs[KEY].started_at
            assert state_of(store).started_at_ms >= first_start


async def test_7_35_an_ended_runs_row_re_sent_with_hasActiveRun_stays_ended(tmp_path):
    # As a real 2026.7.35 gateway did: the end row keeps hasActiveRun:true, a later row clears
    # it, then the end row (same updatedAt, no run ids) comes again. It must not read "running".
    async with RunningFakeGateway(flavor="7") as gw:
        gw.put(KEY, label="Main")
        async with make_store(gw, tmp_path) as store:
            await store.wait_synced(5)
            await gw.begin_run(KEY)
            await until(store, lambda: state_of(store) is not None and state_of(store).is_running)
            await gw.stream(KEY, "Hello")
            await gw.finish_run(KEY)
            await until(store, lambda: store.get(KEY).get("status") == "done")
            assert store.get(KEY)["hasActiveRun"] is True
            assert state_of(store).status is RunStatus.DONE
            end_row = gw.changed_payload(KEY, "patch")
            gw.settle(KEY)
            await gw.resend_row(KEY)
            await until(store, lambda: store.get(KEY)["hasActiveRun"] is False)
            await gw.resend_row(KEY, **{k: end_row[k] for k in ("hasActiveRun", "updatedAt")})
            await until(store, lambda: store.get(KEY)["hasActiveRun"] is True)
            state = state_of(store)
            assert state.status is RunStatus.DONE and not state.is_running
            # A new run after it is running at once (its lifecycle start and its run id).
            run_id = await gw.begin_run(KEY)
            await until(store, lambda: state_of(store).is_running)
            assert state_of(store).active_run_ids == (run_id,)
