"""The fleet views against the fake gateway (real WebSocket frames): the gateways panel (w) and
the attention view (!), with one healthy gateway, one waiting for pairing approval and one that
refuses this client's scopes."""

from __future__ import annotations

from pathlib import Path

import pytest

from openclaw_tui.store.gateway import Backoff, GatewayConfig, GatewayStore, MultiGatewayStore
from openclaw_tui.tui.app import SessionBrowserApp
from openclaw_tui.tui.attention import AttentionScreen
from openclaw_tui.tui.config import UserConfig
from openclaw_tui.tui.gateways import ALL_KEY, GatewaysScreen
from openclaw_tui.tui.target import StoreTarget, target_for_gateways
from tests.gateway.fake_gateway import FakeGateway
from tests.gateway.fake_runs import RunningFakeGateway
from tests.tui.helpers import started, wait_until

pytestmark = pytest.mark.anyio

NOW = 1_795_611_000_000
CLOCK_S = NOW / 1000 + 60


def config_of(gateway: FakeGateway, name: str) -> GatewayConfig:
    return GatewayConfig(name=name, url=gateway.url, token=gateway.token, token_source="test")


def app_for(tmp_path: Path, configs: list[GatewayConfig], **options) -> SessionBrowserApp:
    def factory(target: StoreTarget, read_only: bool, watch: bool):
        kwargs = {"config_directory": tmp_path / "config", "backoff": Backoff(0.02, 0.2)}
        if target.multi_gateway:
            return MultiGatewayStore(target.gateways, read_only=read_only, **kwargs)
        return GatewayStore(target.gateways[0], read_only=read_only, **kwargs)

    return SessionBrowserApp(
        target_for_gateways(configs, None),
        clock=lambda: CLOCK_S,
        config=UserConfig(),
        store_factory=factory,
        **options,
    )


def fill(lab: FakeGateway) -> None:
    lab.sessions["agent:main:main"] = {"sessionId": "m1", "updatedAt": NOW, "label": "Main"}
    lab.sessions["agent:main:cron:nightly"] = {
        "sessionId": "n1",
        "updatedAt": NOW - 300_000,
        "label": "Nightly",
        "status": "failed",
        "startedAt": NOW - 310_000,
        "endedAt": NOW - 300_000,
    }


async def test_gateways_panel_shows_each_state_and_scopes_the_table(tmp_path: Path):
    async with (
        FakeGateway() as lab,
        FakeGateway(require_pairing=True) as edge,
        FakeGateway(grant_scopes=()) as vault,
    ):
        fill(lab)
        configs = [config_of(lab, "lab"), config_of(edge, "edge"), config_of(vault, "vault")]
        app = app_for(tmp_path, configs)
        async with app.run_test(size=(160, 40)) as pilot:
            screen = await started(pilot)
            await wait_until(pilot, lambda: screen.vm.total_count == 2, timeout=10)

            def phases() -> dict[str, str]:
                return {s.name: s.phase for s in screen.gateway_statuses()}

            await wait_until(
                pilot,
                lambda: (
                    phases() == {"lab": "connected", "edge": "pairing", "vault": "refused-scope"}
                ),
                timeout=10,
            )
            await pilot.press("w")
            await wait_until(pilot, lambda: isinstance(app.screen, GatewaysScreen))
            panel = app.screen
            assert isinstance(panel, GatewaysScreen)
            await wait_until(
                pilot,
                lambda: next(s for s in panel.statuses if s.name == "lab").latency_ms is not None,
                timeout=10,
            )
            panel.refresh_data()
            await pilot.pause()
            assert panel.table.keys == [ALL_KEY, "lab", "edge", "vault"]
            lines = [panel.table.get_row(key) for key in panel.table.keys]
            plain = [" | ".join(str(getattr(c, "plain", c)) for c in row) for row in lines]
            assert "2026.7.35" in plain[1] and "connected" in plain[1] and " ms" in plain[1]
            assert "pairing required" in plain[2]
            assert "pairing required: device is not approved yet" in plain[2]
            assert "refused scope" in plain[3]
            assert "granted no read scope" in plain[3]
            assert "1 of 3 connected" in plain[0]

            # Enter on lab: the table shows lab's sessions only, and says so.
            panel.table.move_to("lab")
            await pilot.press("enter")
            await wait_until(pilot, lambda: not isinstance(app.screen, GatewaysScreen))
            await wait_until(pilot, lambda: screen.vm.filter_text == "gw:lab")
            assert screen.gateway_scope == "lab"
            assert "gateway lab" in screen.status.text
            assert screen.vm.row_count == 2
            # Back to all gateways from the panel.
            await pilot.press("w")
            await wait_until(pilot, lambda: isinstance(app.screen, GatewaysScreen))
            await pilot.press("a")
            await wait_until(pilot, lambda: screen.vm.filter_text == "")
            assert screen.gateway_scope is None
            assert lab.errors == [] and edge.errors == [] and vault.errors == []


def fill_runs(lab: RunningFakeGateway) -> None:
    fill(lab)
    lab.sessions["agent:main:telegram:dm:42"] = {
        "sessionId": "s1",
        "updatedAt": NOW - 20 * 60_000,
        "label": "Stuck",
        "hasActiveRun": True,
        "status": "running",
        "startedAt": NOW - 30 * 60_000,
    }
    lab.sessions["agent:main:slack:channel:c1"] = {
        "sessionId": "a1",
        "updatedAt": NOW - 60_000,
        "label": "Stopped",
        "status": "killed",
        "abortedLastRun": True,
        "startedAt": NOW - 120_000,
        "endedAt": NOW - 60_000,
    }


async def test_attention_ranks_gateway_problems_stalls_refusals_failures_and_aborts(
    tmp_path: Path,
):
    async with (
        RunningFakeGateway() as lab,
        FakeGateway(require_pairing=True) as edge,
        FakeGateway(grant_scopes=()) as vault,
    ):
        fill_runs(lab)
        configs = [config_of(lab, "lab"), config_of(edge, "edge"), config_of(vault, "vault")]
        app = app_for(tmp_path, configs)
        async with app.run_test(size=(160, 40)) as pilot:
            screen = await started(pilot)
            await wait_until(pilot, lambda: screen.vm.total_count == 4, timeout=10)
            await wait_until(
                pilot,
                lambda: (
                    {i.reason for i in screen.attention_items()} >= {"pairing", "refused-scope"}
                ),
                timeout=10,
            )
            # A write the gateway refuses (7.35: thinkingLevel needs operator.admin).
            screen.jump_to("lab/agent:main:main")
            await pilot.press("slash", *"think high", "enter")
            await wait_until(pilot, lambda: "lab/agent:main:main" in screen.refusals, timeout=10)
            await pilot.press("escape")  # the bar keeps a refused command for fixing: close it
            await wait_until(pilot, lambda: screen.table.has_focus)

            await pilot.press("exclamation_mark")
            await wait_until(pilot, lambda: isinstance(app.screen, AttentionScreen))
            view = app.screen
            assert isinstance(view, AttentionScreen)
            reasons = [(i.reason, i.gateway, i.key) for i in view.items]
            assert reasons == [
                ("refused-scope", "vault", None),
                ("pairing", "edge", None),
                ("stalled", "lab", "lab/agent:main:telegram:dm:42"),
                ("refused", "lab", "lab/agent:main:main"),
                ("failed", "lab", "lab/agent:main:cron:nightly"),
                ("aborted", "lab", "lab/agent:main:slack:channel:c1"),
            ]
            refused = next(i for i in view.items if i.reason == "refused")
            assert "missing scope: operator.admin" in refused.detail
            assert "/think high" in refused.detail

            # Live: a run starts and fails on the gateway while the view is open.
            await lab.begin_run("agent:main:main")
            await lab.fail_run("agent:main:main", error="model endpoint returned 500")
            await wait_until(
                pilot,
                lambda: (
                    ("failed", "lab/agent:main:main") in {(i.reason, i.key) for i in view.items}
                ),
                timeout=10,
            )

            # x stops the highlighted session's run on its own gateway.
            view.table.move_to("lab/agent:main:telegram:dm:42\x00stalled")
            await pilot.press("x")
            await wait_until(pilot, lambda: lab.count("sessions.abort") == 1, timeout=10)
            await wait_until(pilot, lambda: view.feedback is not None, timeout=15)

            # Enter jumps to the row in the table.
            view.table.move_to("lab/agent:main:cron:nightly\x00failed")
            await pilot.press("enter")
            await wait_until(pilot, lambda: not isinstance(app.screen, AttentionScreen))
            assert screen.current_key == "lab/agent:main:cron:nightly"
            assert edge.count("sessions.abort") == 0


async def test_a_file_store_is_its_one_gateway_and_the_attention_view_is_live(tmp_path: Path):
    """A sessions.json on disk: the panel shows it as "local"; a run that fails in the file
    (another process writes it) appears in the open attention view; read-only refusals too."""
    from openclaw_tui.store.fleet import LOCAL_NAME
    from tests.tui.helpers import FIXED_NOW, make_app, store_path, write_json_store

    now = int(FIXED_NOW * 1000)
    path = store_path(tmp_path)
    entries = {
        "agent:main:main": {"sessionId": "m", "updatedAt": now - 60_000, "label": "Main"},
        "agent:main:cron:digest": {
            "sessionId": "d",
            "updatedAt": now - 30 * 60_000,
            "status": "running",
            "startedAt": now - 40 * 60_000,
        },
    }
    write_json_store(path, entries)
    app = make_app(tmp_path, config=UserConfig())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await started(pilot)
        await wait_until(pilot, lambda: screen.vm.total_count == 2)
        [local] = screen.gateway_statuses()
        assert (local.name, local.phase, local.sessions, local.running) == (
            LOCAL_NAME,
            "open",
            2,
            1,
        )
        assert not screen.scopable

        await pilot.press("exclamation_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, AttentionScreen))
        view = app.screen
        assert isinstance(view, AttentionScreen)
        assert [(i.reason, i.gateway, i.key) for i in view.items] == [
            ("stalled", LOCAL_NAME, "agent:main:cron:digest")
        ]
        before = view.refreshes
        # Another process records a failed run: the view shows it without a key press.
        entries["agent:main:main"] = {
            **entries["agent:main:main"],
            "status": "failed",
            "startedAt": now - 50_000,
            "endedAt": now - 40_000,
            "updatedAt": now - 40_000,
        }
        write_json_store(path, entries)
        await wait_until(
            pilot,
            lambda: ("failed", "agent:main:main") in {(i.reason, i.key) for i in view.items},
            timeout=10,
        )
        assert view.refreshes > before
        assert [i.reason for i in view.items] == ["stalled", "failed"]
        # /stop on a file store says how to reach the gateway; nothing is recorded as refused.
        view.table.move_to("agent:main:cron:digest\x00stalled")
        await pilot.press("x")
        await wait_until(pilot, lambda: view.feedback is not None, timeout=10)
        ok, message = view.feedback or (True, "")
        assert not ok and "--gateway" in message
        assert screen.refusals == {}


async def test_attention_keys_open_the_transcript_and_reset_after_confirming(
    tmp_path: Path, monkeypatch
):
    """On a file store: v opens the highlighted session's transcript over the view, r asks
    first, then resets the session (a new sessionId); the palette offers both views. The reset
    is built as a command, not printed and parsed back (only the command bar parses text)."""
    import importlib

    import openclaw_tui.tui.slash as slash_package

    # The package's ``execute`` is the function; the module is looked up by its name.
    slash_execute = importlib.import_module("openclaw_tui.tui.slash.execute")

    def no_parsing(text):
        raise AssertionError(f"{text!r} was parsed: a built command was expected")

    monkeypatch.setattr(slash_package, "parse", no_parsing)
    monkeypatch.setattr(slash_execute, "parse", no_parsing)
    from openclaw_tui.tui.transcript_screen import TranscriptScreen
    from openclaw_tui.widgets.confirm import ConfirmScreen
    from tests.tui.helpers import FIXED_NOW, make_app, store_path, write_json_store

    now = int(FIXED_NOW * 1000)
    path = store_path(tmp_path)
    write_json_store(
        path,
        {
            "agent:main:cron:digest": {
                "sessionId": "old-id",
                "updatedAt": now - 60_000,
                "status": "failed",
                "startedAt": now - 90_000,
                "endedAt": now - 60_000,
            }
        },
    )
    app = make_app(tmp_path, config=UserConfig())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await started(pilot)
        await wait_until(pilot, lambda: screen.vm.total_count == 1)
        titles = [c.title for c in app.get_system_commands(screen)]
        assert any(t.startswith("Gateways:") for t in titles)
        assert any(t.startswith("Attention:") for t in titles)

        await pilot.press("exclamation_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, AttentionScreen))
        view = app.screen
        assert isinstance(view, AttentionScreen)
        await pilot.press("v")
        await wait_until(pilot, lambda: isinstance(app.screen, TranscriptScreen))
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is view)

        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), timeout=10)
        await pilot.press("y")
        await wait_until(pilot, lambda: view.feedback is not None, timeout=10)
        assert view.feedback is not None and view.feedback[0], view.feedback
        await wait_until(
            pilot,
            lambda: screen.vm.entries["agent:main:cron:digest"].get("sessionId") != "old-id",
            timeout=10,
        )


async def test_a_gateway_that_goes_away_is_unreachable_until_it_is_back(tmp_path: Path):
    async with FakeGateway() as home, RunningFakeGateway() as lab:
        fill(lab)
        home.sessions["agent:main:main"] = {"sessionId": "h", "updatedAt": NOW, "label": "Home"}
        app = app_for(tmp_path, [config_of(home, "home"), config_of(lab, "lab")])
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await started(pilot)
            await wait_until(pilot, lambda: screen.vm.total_count == 3, timeout=10)
            assert screen.attention_items()[0].reason == "failed"  # no gateway problem yet
            await lab.__aexit__(None, None, None)  # the host goes away: connections refused
            await lab.drop_all()

            def lab_status():
                return next(s for s in screen.gateway_statuses() if s.name == "lab")

            await wait_until(pilot, lambda: lab_status().down_since_ms is not None, timeout=10)
            status = lab_status()
            assert status.phase == "connecting" and status.problem
            first = screen.attention_items()[0]
            assert (first.reason, first.gateway, first.key) == ("unreachable", "lab", None)
            assert first.detail.startswith("reconnecting: ")
            home_status = next(s for s in screen.gateway_statuses() if s.name == "home")
            assert home_status.phase == "connected" and not home_status.problem


async def test_an_acknowledged_item_stays_hidden_until_it_recurs(tmp_path: Path):
    from tests.tui.helpers import FIXED_NOW, make_app, store_path, write_json_store

    now = int(FIXED_NOW * 1000)
    path = store_path(tmp_path)
    failed = {
        "sessionId": "c",
        "updatedAt": now - 60_000,
        "status": "failed",
        "startedAt": now - 90_000,
        "endedAt": now - 60_000,
    }
    write_json_store(path, {"agent:main:cron:digest": failed})
    app = make_app(tmp_path, config=UserConfig())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await started(pilot)
        await wait_until(pilot, lambda: screen.vm.total_count == 1)
        await pilot.press("exclamation_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, AttentionScreen))
        view = app.screen
        assert isinstance(view, AttentionScreen)
        assert [i.reason for i in view.items] == ["failed"]
        await pilot.press("a")
        assert view.items == [] and len(screen.acknowledged) == 1
        await pilot.press("A")  # shows them again
        assert [i.reason for i in view.items] == ["failed"]
        await pilot.press("a")
        # It fails again (another run): a new problem, listed again.
        write_json_store(
            path,
            {
                "agent:main:cron:digest": {
                    **failed,
                    "startedAt": now - 20_000,
                    "endedAt": now - 10_000,
                    "updatedAt": now - 10_000,
                }
            },
        )
        await wait_until(pilot, lambda: [i.reason for i in view.items] == ["failed"], timeout=10)
        assert screen.acknowledged == set()  # the old one is forgotten
