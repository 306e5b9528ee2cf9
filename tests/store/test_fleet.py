"""store/fleet.py: gateway phases from connection states, and the attention ranking."""

from __future__ import annotations

from openclaw_tui.store.events import ConnectionState
from openclaw_tui.store.fleet import (
    GatewayStatus,
    Refusal,
    attention,
    file_status,
    phase_of,
    problem_of,
    with_running,
)

NOW = 1_795_611_000_000
MIN = 60_000


class _Error(Exception):
    message = "unauthorized: gateway token mismatch"


def test_phases_name_what_the_connection_does():
    assert phase_of(ConnectionState("connected", "connected to OpenClaw 2026.9.6")) == "connected"
    assert phase_of(ConnectionState("connecting", "connecting to ws://x/")) == "connecting"
    retry = ConnectionState("disconnected", "closed; reconnecting in 2s", {"retry_in": 2.0})
    assert phase_of(retry) == "connecting"
    assert phase_of(ConnectionState("pairing", "pairing required")) == "pairing"
    assert phase_of(ConnectionState("failed", "x", {"error": _Error()})) == "error"
    assert phase_of(ConnectionState("failed", "x"), scope_refused=True) == "refused-scope"
    listing = ConnectionState("connected", "cannot list sessions: missing scope: operator.read")
    assert phase_of(listing) == "error"
    assert phase_of(listing, scope_refused=True) == "refused-scope"


def test_the_problem_is_the_gateways_own_words():
    failed = ConnectionState("failed", "gateway a (ws://x/): long form", {"error": _Error()})
    assert problem_of(failed) == "unauthorized: gateway token mismatch"
    assert problem_of(ConnectionState("connected", "connected to OpenClaw 2026.7.35")) is None
    assert problem_of(ConnectionState("connecting", "connecting to ws://x/")) is None


def test_running_counts_per_gateway_and_a_single_store_takes_every_key():
    statuses = [GatewayStatus("a", "ws://a/", "connected"), GatewayStatus("b", "ws://b/", "error")]
    counted = with_running(statuses, ["a/k1", "a/k2", "b/k3"], lambda k: k.split("/")[0])
    assert [(s.name, s.running) for s in counted] == [("a", 2), ("b", 1)]
    [local] = with_running([file_status("/x/sessions.json", 3, None)], ["k1", "k2"], str)
    assert (local.name, local.phase, local.running, local.sessions) == ("local", "open", 2, 3)


def test_attention_is_ranked_by_severity_then_recency():
    entries = {
        "a/old-fail": {"status": "failed", "startedAt": NOW - 90 * MIN, "endedAt": NOW - 80 * MIN},
        "a/new-fail": {"status": "failed", "startedAt": NOW - 9 * MIN, "endedAt": NOW - 8 * MIN},
        "a/aborted": {"status": "killed", "abortedLastRun": True, "endedAt": NOW - MIN},
        "a/stuck": {"status": "running", "startedAt": NOW - 30 * MIN, "updatedAt": NOW - 20 * MIN},
        "a/busy": {"status": "running", "startedAt": NOW - 2 * MIN, "updatedAt": NOW - MIN},
        "a/fine": {"status": "done", "endedAt": NOW - MIN},
        "b/refused": {"updatedAt": NOW},
    }
    statuses = [
        GatewayStatus("a", "ws://a/", "connected"),
        GatewayStatus(
            "b",
            "ws://b/",
            "pairing",
            last_error="pairing required",
            approve_command="openclaw devices approve r1",
        ),
    ]
    items = attention(
        entries,
        entries.keys(),
        now_ms=NOW,
        limit_ms=10 * MIN,
        gateway_of=lambda k: k.split("/")[0],
        statuses=statuses,
        refusals={
            "b/refused": Refusal("missing scope: operator.admin", NOW - MIN, "/think high"),
            "gone": Refusal("x", NOW, ""),
        },
    )
    assert [(i.reason, i.key) for i in items] == [
        ("pairing", None),
        ("stalled", "a/stuck"),
        ("refused", "b/refused"),
        ("failed", "a/new-fail"),
        ("failed", "a/old-fail"),
        ("aborted", "a/aborted"),
    ]
    assert "openclaw devices approve r1" in items[0].detail
    assert items[1].detail == "silent 20m00s"
    assert items[2].detail == "/think high: missing scope: operator.admin"


def test_the_cache_reads_a_new_entry_version_and_forgets_gone_sessions():
    from openclaw_tui.store.fleet import RunStateCache

    cache = RunStateCache()
    failed = {"status": "failed", "startedAt": NOW - 2 * MIN, "endedAt": NOW - MIN}
    entries = {"a/x": failed}

    def run() -> list[tuple[str, str | None]]:
        items = attention(
            entries, entries.keys(), now_ms=NOW, limit_ms=10 * MIN, gateway_of=lambda k: "a",
            cache=cache,
        )  # fmt: skip
        return [(i.reason, i.key) for i in items]

    assert run() == [("failed", "a/x")]
    assert run() == [("failed", "a/x")]  # the same entry: the same answer from the cache
    entries["a/x"] = {**failed, "status": "done"}  # a new version of the entry
    assert run() == []
    # A running session's stall depends on the clock, never cached as an answer.
    entries["a/x"] = {"status": "running", "startedAt": NOW - 5 * MIN, "updatedAt": NOW - 5 * MIN}
    assert run() == []
    late = attention(
        entries, entries.keys(), now_ms=NOW + 20 * MIN, limit_ms=10 * MIN,
        gateway_of=lambda k: "a", cache=cache,
    )  # fmt: skip
    assert [i.reason for i in late] == ["stalled"]
    del entries["a/x"]
    assert run() == [] and cache._held == {} and cache._items == {}
