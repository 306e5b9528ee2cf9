"""Real turns on real OpenClaw gateways, checked with our own store client (``make interop``).

For each release (2026.7.35, 2026.9.6): the project's fake model endpoint
(``interop/fake_model.py``, 127.0.0.1 only) and an isolated gateway configured with it as its
only model provider. Over the gateway protocol (``chat.send``, as the reference describes) we send

1. normal turns: the row's run state (``store.runs.run_state``) goes ``running`` and back,
   and ``open_transcript`` streams the reply (a partial item) then shows it committed;
2. a tool turn: the transcript shows the ``read`` call with its arguments, then the reply;
3. a slow turn: a read+write device's ``/stop`` is refused naming the ``admin_scope`` opt-in;
   opted in, that device works on with read+write until ``openclaw devices approve <id>`` runs
   on the host, then takes ``operator.admin`` up; ``stop_run`` says ``stopped``, the row leaves
   ``running`` and the fake endpoint records that the gateway closed the model stream;
4. the real app in tmux on the same gateway: ``running`` in the Run column within 2 s of a send,
   a reply and a streaming slow reply in the transcript view (``v``), ``/stop`` typed in the app.

Measured per release: send -> ``running`` visible in the store, send -> first streamed delta in
the transcript (first turn after start, and warm turns).

Isolation: when run as root with iproute2, the whole check (fake endpoint, gateways, client)
re-runs itself inside a network namespace of its own holding only ``lo``: nothing can leave the
machine. Otherwise it runs on the host's loopback and says so.

Usage: python interop/gateway/check_turns.py [--versions 2026.7.35,2026.9.6] [--samples 3]
       [--json results.json]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from check_gateways import SCRATCH, Report, Watcher, make_store, scratch
from check_tui_e2e import APP, Tmux
from gateway_proc import ROOT, Gateway, Namespace, Unavailable, node_bin, run_main

sys.path.insert(0, str(ROOT))
from interop.fake_model import (
    SLOW_WORD,
    TOOL_ARGS,
    TOOL_NAME,
    TOOL_WORD,
    FakeModel,
    reply_text,
)
from openclaw_tui.store.gateway import GatewayConfig, GatewayStore
from openclaw_tui.store.runs import run_state
from openclaw_tui.store.transcript_model import TranscriptItem, merge_items

MAIN = "agent:main:main"
VERSIONS = ("2026.7.35", "2026.9.6")
TURN_TIMEOUT = 60.0
INSIDE_ENV = "INTEROP_TURNS_IN_NETNS"
SCOPES = ("operator.read", "operator.write", "operator.admin")


def gateway_config(fake: FakeModel, folder: Path) -> dict[str, Any]:
    """openclaw.json with the fake endpoint as the only provider (keys as in the reference)."""
    return {
        "agents": {
            "defaults": {
                "model": {"primary": "fakellm/fake-model"},
                "utilityModel": "",
                "timeoutSeconds": 120,
                "workspace": str(folder / "workspace"),
            }
        },
        "logging": {"file": str(folder / "openclaw.log")},
        "models": {
            "mode": "merge",
            "providers": {
                "fakellm": {
                    "baseUrl": fake.base_url,
                    "apiKey": "sk-fake-local",
                    "api": "openai-completions",
                    "timeoutSeconds": 120,
                    "models": [
                        {
                            "id": "fake-model",
                            "name": "Fake Model",
                            "reasoning": False,
                            "input": ["text"],
                            "cost": {"input": 3, "output": 15, "cacheRead": 0, "cacheWrite": 0},
                            "contextWindow": 128000,
                            "maxTokens": 4096,
                        }
                    ],
                }
            },
        },
    }


class Follower:
    """``open_transcript(key)`` followed in the background; when each kind of item arrived."""

    def __init__(self, store: GatewayStore, key: str) -> None:
        self.source = store.open_transcript(key)
        self.items: list[TranscriptItem] = []
        self.changed = asyncio.Condition()
        self.first_partial: dict[str, float] = {}  # message_id "run:<runId>" -> first seen
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        page = await self.source.tail(50)
        if hasattr(page, "items"):
            self.items.extend(page.items)
        self.task = asyncio.create_task(self._follow())

    async def _follow(self) -> None:
        async for update in self.source.follow():
            now = time.perf_counter()
            if update.reset:
                self.items.clear()
            for item in update.items:
                if item.partial and item.message_id is not None:
                    self.first_partial.setdefault(item.message_id, now)
            merge_items(self.items, update.items)
            async with self.changed:
                self.changed.notify_all()

    def first_delta(self, run_id: str) -> float | None:
        """When the first streamed piece of that run's reply arrived."""
        return self.first_partial.get(f"run:{run_id}")

    async def wait_for(self, predicate: Any, timeout: float = TURN_TIMEOUT) -> bool:
        async with self.changed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self.changed.wait_for(lambda: any(predicate(i) for i in self.items)), timeout
                )
        return any(predicate(i) for i in self.items)

    async def close(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(BaseException):
                await self.task
        await self.source.close()


def running(row: Any) -> bool:
    state = run_state(row)
    return state is not None and state.is_running


def running_since(wall_ms: float, run_id: str | None = None) -> Any:
    """Running a run that started at or after ``wall_ms``, or naming ``run_id`` (the send's)
    among its active runs: 7.35 sends the previous run's row with ``hasActiveRun: true``
    ~0.1-0.5 s after it ended, which reads as running, and must not count as the new turn's
    start; its row right after the send (~20-50 ms) names the new run in ``activeRunIds``
    before the run has a ``startedAt``, and that one is the new turn."""

    def predicate(row: Any) -> bool:
        state = run_state(row)
        if state is None or not state.is_running:
            return False
        if run_id is not None and run_id in state.active_run_ids:
            return True
        started = state.started_at_ms
        return started is not None and started >= wall_ms - 5

    return predicate


def idle(row: Any) -> bool:
    state = run_state(row)
    return state is not None and not state.is_running


async def send(store: GatewayStore, text: str, key: str | None = None) -> tuple[float, str]:
    """``chat.send`` (``key``: its idempotency key, which both releases take as the run id);
    (perf_counter when the request left, run id)."""
    client = store.client
    assert client is not None
    key = key or str(uuid.uuid4())
    t0 = time.perf_counter()
    answer = await client.request(
        "chat.send", {"sessionKey": MAIN, "message": text, "idempotencyKey": key}
    )
    run_id = answer.get("runId") if isinstance(answer, dict) else None
    return t0, str(run_id or key)


async def timed(future: asyncio.Future[float], t0: float, timeout: float = TURN_TIMEOUT) -> float:
    """ms from t0 to when ``future`` (a Watcher expectation) was met; raises TimeoutError."""
    return (await asyncio.wait_for(asyncio.shield(future), timeout) - t0) * 1000


async def check_version(version: str, report: Report, samples: int, app: bool) -> None:
    tag = f"{version}"
    tmp = scratch(f"octui-turns-{version}-")
    async with contextlib.AsyncExitStack() as stack:
        fake = await stack.enter_async_context(FakeModel(interval=0.05, slow_interval=0.2))
        gw = await stack.enter_async_context(
            Gateway(version, config=gateway_config(fake, tmp / "gw"))
        )
        report.ok(f"{tag}: gateway started with the fake model", f"{gw.started_s:.1f}s")
        store = make_store(gw, tmp / "client", "turns", scopes=SCOPES)
        await stack.enter_async_context(store)
        await store.wait_synced(30)
        watcher = Watcher(store)
        follower = Follower(store, MAIN)
        stack.push_async_callback(follower.close)
        await follower.start()

        # 1. Normal turns: running and back, reply streamed then committed.
        to_running: list[float] = []
        to_delta: list[float] = []
        unstreamed = 0
        for i in range(samples + 1):
            sent_id = str(uuid.uuid4())
            became_running = watcher.expect(MAIN, running_since(time.time() * 1000, sent_id))
            ref = f"ref-{uuid.uuid4().hex[:8]}"
            reply = reply_text("normal", ref)
            t0, run_id = await send(store, f"turn {i}: say hello {ref}", sent_id)
            try:
                ms_running = await timed(became_running, t0)
            except TimeoutError:
                report.fail(f"{tag}: turn {i} row shows running", f"row: {store.get(MAIN)}")
                return
            committed = await follower.wait_for(
                lambda it, r=reply: it.kind == "assistant" and not it.partial and it.text == r
            )
            # After this turn's reply is committed (an earlier turn's row state may linger).
            try:
                await timed(watcher.expect(MAIN, idle), t0)
            except TimeoutError:
                report.fail(f"{tag}: turn {i} row back from running", f"row: {store.get(MAIN)}")
                return
            if not committed:
                report.fail(
                    f"{tag}: turn {i} reply committed in the transcript",
                    f"items: {[(x.kind, x.text[:60], x.partial) for x in follower.items[-4:]]}",
                )
                return
            # A short reply may reach the client as its committed message alone (7.35 throttles
            # chat deltas); the slow turn below must stream.
            first = follower.first_delta(run_id)
            if first is None:
                unstreamed += 1
                continue
            ms_delta = (first - t0) * 1000
            if i == 0:
                report.figure(
                    f"{version} first turn after start: send -> running / first delta (ms)",
                    {"running": round(ms_running), "first_delta": round(ms_delta)},
                )
            else:
                to_running.append(ms_running)
                to_delta.append(ms_delta)
        report.ok(
            f"{tag}: {samples + 1} normal turns went running and back, reply committed in "
            "open_transcript",
            f"{samples + 1 - unstreamed} of them streamed as partial items first",
        )
        if to_running:
            report.figure(
                f"{version} warm turn send -> running in the store (ms, n={len(to_running)})",
                {"median": round(statistics.median(to_running)), "max": round(max(to_running))},
            )
        if to_delta:
            report.figure(
                f"{version} warm turn send -> first streamed delta in the transcript "
                f"(ms, n={len(to_delta)})",
                {"median": round(statistics.median(to_delta)), "max": round(max(to_delta))},
            )

        # 2. A tool turn.
        tool_running = watcher.expect(MAIN, running_since(time.time() * 1000))
        ref = f"ref-{uuid.uuid4().hex[:8]}"
        t0, _ = await send(store, f"please {TOOL_WORD} and tell me {ref}")
        with contextlib.suppress(TimeoutError):
            await timed(tool_running, t0)
        call = await follower.wait_for(
            lambda it: it.kind == "tool_call" and it.tool_name == TOOL_NAME
        )
        reply = await follower.wait_for(
            lambda it: (
                it.kind == "assistant"
                and not it.partial
                and it.text == reply_text("tool-reply", ref)
            )
        )
        args = next((x.tool_args for x in follower.items if x.kind == "tool_call"), None)
        modes = [r.mode for r in fake.requests]
        if call and reply and args == TOOL_ARGS and modes[-2:] == ["tool-call", "tool-reply"]:
            report.ok(
                f"{tag}: tool turn: transcript shows {TOOL_NAME}({json.dumps(args)}) and the reply",
                "the gateway called the model again with the tool result",
            )
        else:
            report.fail(
                f"{tag}: tool turn in the transcript",
                f"call {call} args {args!r} reply {reply}; model requests {modes}; items "
                f"{[(x.kind, x.tool_name, x.text[:40]) for x in follower.items[-6:]]}",
            )
        await timed(watcher.expect(MAIN, idle), t0)

        # 3. A slow turn, stopped.
        became_running = watcher.expect(MAIN, running_since(time.time() * 1000))
        t0, run_id = await send(store, f"{SLOW_WORD}: count slowly")
        ms_running = await timed(became_running, t0)
        slow = await fake.wait_for(lambda r: r.mode == "slow" and r.chunks >= 3, TURN_TIMEOUT)
        streamed = await follower.wait_for(lambda it: it.partial and "slow2" in it.text, 15)
        if slow is None or not streamed:
            report.fail(f"{tag}: slow turn streams", f"model request {slow}")
            return
        first = follower.first_delta(run_id)
        ms_delta = (first - t0) * 1000 if first is not None else float("nan")
        report.figure(
            f"{version} slow turn send -> running / first delta (ms)",
            # No partial seen (the gateway coalesced the first pieces away): said as None.
            {
                "running": round(ms_running),
                "first_delta": None if first is None else round(ms_delta),
            },
        )
        await check_admin_scope(version, report, gw, tmp)
        t_stop = time.perf_counter()
        result = await store.stop_run(MAIN, timeout=15)
        stop_ms = (time.perf_counter() - t_stop) * 1000
        closed = await fake.wait_for(lambda r: r is slow and r.outcome is not None, 15)
        row = store.get(MAIN)
        if result.outcome == "stopped" and not running(row):
            report.ok(f"{tag}: stop_run on the slow turn", f"{result.message} in {stop_ms:.0f} ms")
        else:
            report.fail(
                f"{tag}: stop_run on the slow turn", f"{result.outcome}: {result.message}; {row}"
            )
        if closed is not None and closed.outcome == "client-closed":
            assert closed.ended is not None
            report.ok(
                f"{tag}: the model endpoint saw its stream closed",
                f"after {closed.chunks} of 300 tokens, {(closed.ended - t_stop) * 1000:.0f} ms "
                "after stop_run was called",
            )
        else:
            report.fail(
                f"{tag}: the model endpoint saw its stream closed",
                f"request {closed}",
            )
        state = run_state(store.get(MAIN))
        report.figure(
            f"{version} after /stop: run state",
            {"status": state.status.value if state and state.status else None,
             "aborted": state.aborted if state else None},
        )  # fmt: skip
        if app:
            await check_app(version, report, gw, store, fake, follower, tmp, samples)


async def check_admin_scope(version: str, report: Report, gw: Gateway, tmp: Path) -> None:
    """During the slow run: a read+write device's /stop is refused, naming the opt-in; opted in,
    the same device works on with read+write and names the approve command; running that
    command on the host makes it take operator.admin up by itself."""
    config = GatewayConfig(name="rw", url=gw.url, token=gw.token, token_source="interop")
    folder = tmp / "rw-device"
    async with GatewayStore(config, config_directory=folder) as plain:
        await plain.wait_synced(30)
        refused = await plain.abort_run(MAIN)
    fix = refused.fix or ""
    if refused.outcome == "refused" and "--admin-scope rw" in fix and "admin_scope" in fix:
        report.ok(
            f"{version}: /stop without operator.admin is refused, naming the opt-in",
            f"gateway said {refused.gateway_message!r}",
        )
    else:
        report.fail(f"{version}: /stop without operator.admin", f"{refused}")
        return
    store = GatewayStore(
        replace(config, admin_scope=True), config_directory=folder, upgrade_retry=0.5
    )
    async with store:
        await store.wait_synced(30)
        command = store.state.extra.get("upgrade_command")
        if "operator.admin" in store.scopes and not command:
            # 2026.9.6 approves a scope upgrade silently for a local client that authenticates
            # with the shared token (shouldAllowSilentLocalPairing: reason "scope-upgrade" and
            # authMethod "token"): there is nothing to approve, and /stop works at once.
            report.ok(
                f"{version}: scope upgrade approved silently by the gateway (local, shared token)",
                f"{store.state.detail}; scopes {sorted(store.scopes)}",
            )
            return
        if not command:
            report.fail(
                f"{version}: scope upgrade waits for approval",
                f"{store.state.detail}; scopes {sorted(store.scopes)}",
            )
            return
        report.ok(
            f"{version}: scope upgrade: works on with read+write meanwhile", store.state.detail
        )
        code, out = await gw.cli(*str(command).split()[1:])
        approved = time.perf_counter()
        deadline = approved + 30
        while "operator.admin" not in store.scopes and time.perf_counter() < deadline:
            await asyncio.sleep(0.1)
        if code == 0 and "operator.admin" in store.scopes:
            report.ok(
                f"{version}: `{command}` on the host; the client took operator.admin up",
                f"{(time.perf_counter() - approved) * 1000:.0f} ms after the command returned",
            )
        else:
            report.fail(f"{version}: scope upgrade after `{command}`", f"{code} {out[-300:]}")


async def screen_row(tmux: Tmux, label: str, pattern: re.Pattern[str], timeout: float) -> float:
    """Poll the pane until the row holding ``label`` matches ``pattern``; when it was seen."""
    deadline = time.perf_counter() + timeout
    while True:
        text = await tmux.screen()
        now = time.perf_counter()
        if any(label in line and pattern.search(line) for line in text.splitlines()):
            return now
        if now > deadline:
            raise AssertionError(f"{pattern.pattern!r} not on the row {label!r}:\n{text}")


async def check_app(
    version: str,
    report: Report,
    gw: Gateway,
    store: GatewayStore,
    fake: FakeModel,
    follower: Follower,
    tmp: Path,
    samples: int,
) -> None:
    """The real app in tmux on this gateway: ``running`` on screen after a send; /stop typed."""
    if shutil.which("tmux") is None or not APP.exists():
        report.fail(f"{version}: app in tmux", f"needs tmux and {APP} (make install)")
        return
    label = f"turns-{uuid.uuid4().hex[:6]}"
    await store.update_entry(MAIN, {"label": label})
    config = tmp / "gateways.json"
    config.write_text(
        # /stop needs operator.admin: opted in (a fresh loopback device pairs with it silently).
        json.dumps(
            {
                "gateway": [
                    {"name": "g", "url": gw.url, "token_env": "TURNS_TOKEN", "admin_scope": True}
                ]
            }
        )
    )
    home = tmp / "app-home"
    home.mkdir()
    env = {
        "PATH": f"{APP.parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "OPENCLAW_TUI_CONFIG": str(tmp / "no-config.toml"),
        "OPENCLAW_TUI_KEYMAP": "",
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "TMUX_TMPDIR": str(tmp),
        "TURNS_TOKEN": gw.token,  # through the tmux server's environment only
    }
    tmux = Tmux(tmp, env)
    try:
        await tmux.start(f"{APP} --gateway-config {config}")
        try:
            await tmux.wait_for(label, 60)
        except AssertionError as exc:
            report.fail(f"{version}: app shows the session", str(exc)[-1500:])
            return
        run_word = re.compile(r"\brunning\b")
        ms: list[float] = []
        store_ms: list[float] = []
        watcher = Watcher(store)
        for i in range(samples):
            sent_id = str(uuid.uuid4())
            in_store = watcher.expect(MAIN, running_since(time.time() * 1000, sent_id))
            ref = f"ref-{uuid.uuid4().hex[:8]}"
            t0, _ = await send(store, f"app turn {i}: say hello {ref}", sent_id)
            try:
                ms.append((await screen_row(tmux, label, run_word, 30) - t0) * 1000)
            except AssertionError as exc:
                report.fail(f"{version}: app shows running", str(exc)[-1500:])
                return
            # The same moment in our own (sending) store: splits the gateway's share from the app's.
            store_ms.append(await timed(in_store, t0))
            reply = reply_text("normal", ref)
            await follower.wait_for(lambda it, r=reply: not it.partial and it.text == r)
            await timed(watcher.expect(MAIN, idle), t0)
            await screen_row(tmux, label, re.compile(r"\bdone\b"), 30)
        worst = max(ms)
        verdict = report.ok if worst <= 2000 else report.fail
        verdict(
            f"{version}: the app shows running within 2 s of the send",
            f"send -> running on screen: median {statistics.median(ms):.0f} ms, "
            f"max {worst:.0f} ms (n={len(ms)}); in our sending store: median "
            f"{statistics.median(store_ms):.0f} ms",
        )
        report.figure(
            f"{version} send -> running on screen in the app (ms, n={len(ms)})",
            {"median": round(statistics.median(ms)), "max": round(worst)},
        )

        # The transcript view (v): a turn's reply appears there; the slow reply streams in.
        await tmux.keys("v")
        ref = f"ref-{uuid.uuid4().hex[:8]}"
        try:
            await tmux.wait_for("app turn", 15)  # the history of the turns above
            t0, _ = await send(store, f"app view turn: say hello {ref}")
            seen = await tmux.wait_for(ref + ")", TURN_TIMEOUT)
            report.ok(
                f"{version}: the transcript view shows the reply",
                f"send -> reply on screen {(seen - t0) * 1000:.0f} ms",
            )
            report.figure(
                f"{version} send -> reply in the transcript view (ms)", round((seen - t0) * 1000)
            )
            await timed(watcher.expect(MAIN, idle), t0)
            count = len(fake.requests)
            t0, _ = await send(store, f"{SLOW_WORD}: count slowly in the app")
            # The slow turn stopped above reached slow2: slow4 and slow8 are this turn's.
            first = await tmux.wait_for("slow4", TURN_TIMEOUT)
            later = await tmux.wait_for("slow8", 15)
            report.ok(
                f"{version}: the slow reply streams in the transcript view",
                f"send -> 'slow4' on screen {(first - t0) * 1000:.0f} ms, 'slow8' "
                f"{(later - first) * 1000:.0f} ms later",
            )
            report.figure(
                f"{version} send -> 5th streamed token in the transcript view (ms)",
                round((first - t0) * 1000),
            )
        except AssertionError as exc:
            report.fail(f"{version}: the transcript view", str(exc)[-1500:])
            return
        await tmux.keys("Escape")
        await screen_row(tmux, label, run_word, 15)
        slow = await fake.wait_for(
            lambda r: r.number > count and r.mode == "slow" and r.chunks >= 3, TURN_TIMEOUT
        )
        # The gateway holds this one session, so the cursor is on its row.
        await tmux.keys("/")
        await tmux.keys("stop", literal=True)
        t_stop = time.perf_counter()
        await tmux.keys("Enter")
        try:
            seen = await tmux.wait_for("⏹ stopped", 20)
        except AssertionError as exc:
            lines = [ln.strip() for ln in str(exc).splitlines() if "stop" in ln.lower()]
            report.fail(
                f"{version}: /stop typed in the app",
                " | ".join(lines[-3:]) or str(exc)[-1500:],
            )
            return
        closed = await fake.wait_for(lambda r: r is slow and r.outcome is not None, 15)
        if slow is not None and closed is not None and closed.outcome == "client-closed":
            report.ok(
                f"{version}: /stop typed in the app ended the run; the model saw its stream closed",
                f"'stopped' on screen {(seen - t_stop) * 1000:.0f} ms after Enter",
            )
        else:
            report.fail(f"{version}: /stop in the app closed the model stream", f"{closed}")
        screen = await tmux.screen()
        if "Traceback" in screen:
            report.fail(f"{version}: no traceback on screen", screen[-1500:])
        await tmux.keys("q")
    finally:
        await tmux.stop()


def in_namespace(argv: list[str], script: str = __file__) -> int | None:
    """Re-run ``script`` (this one by default) inside a loopback-only network namespace; None
    when not possible."""
    if os.environ.get(INSIDE_ENV):
        return None
    why = Namespace.check()
    if why is not None:
        print(f"  NOTE  not in a network namespace ({why}): running on the host's loopback")
        return None
    name = f"octui-turns-{uuid.uuid4().hex[:6]}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        subprocess.run(["ip", "netns", "exec", name, "ip", "link", "set", "lo", "up"], check=True)
        print(f"  NOTE  running inside network namespace {name} (only lo: offline)", flush=True)
        env = {**os.environ, INSIDE_ENV: name}
        return subprocess.run(
            ["ip", "netns", "exec", name, sys.executable, script, *argv], env=env, check=False
        ).returncode
    finally:
        subprocess.run(["ip", "netns", "del", name], check=False)


async def main(args: argparse.Namespace) -> int:
    report = Report()
    try:
        node_bin()
    except Unavailable as exc:
        print(f"interop/gateway turns: {exc}", file=sys.stderr)
        return 2
    for version in args.versions.split(","):
        print(f"-- real turns on OpenClaw {version} (fake model endpoint on 127.0.0.1)", flush=True)
        try:
            await check_version(version, report, args.samples, not args.no_app)
        except Unavailable as exc:
            report.fail(f"{version}: real turns", str(exc))
        except Exception as exc:  # report, never a traceback
            report.fail(f"{version}: real turns", f"{type(exc).__name__}: {exc}"[-2000:])
    for path in SCRATCH:
        shutil.rmtree(path, ignore_errors=True)
    if args.json:
        Path(args.json).write_text(
            json.dumps({"results": report.results, "figures": report.figures}, indent=2)
        )
    print(f"real turns: {'PASS' if report.failures == 0 else 'FAIL'} ({report.failures} failed)")
    return 0 if report.failures == 0 else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--versions", default=",".join(VERSIONS))
    parser.add_argument("--samples", type=int, default=3)
    parser.add_argument("--json", default="")
    parser.add_argument("--no-app", action="store_true", help="skip the app-in-tmux part")
    parsed = parser.parse_args()
    code = in_namespace(sys.argv[1:])
    sys.exit(code if code is not None else run_main(lambda: main(parsed)))
