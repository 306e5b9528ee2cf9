"""End to end in tmux: the real ``openclaw-tui`` on two real OpenClaw gateways at once.

Starts an OpenClaw 2026.7.35 gateway (``a``) and a 2026.9.6 gateway (``b``), isolated and offline
(``gateway_proc.Gateway``), seeds one session on each, and launches the installed ``openclaw-tui``
console script inside a private tmux server connected to both (a gateway config file naming a
token variable per gateway: the tokens travel in the environment, never on a command line). Then:

1. both gateways' rows are on screen (``capture-pane``, polled with a deadline);
2. an edit typed in the app on a row of gateway ``a`` (filter to the row, ``/label …``) lands in
   gateway ``a`` only, as ``openclaw gateway call sessions.list`` on each host shows;
3. a patch made on each gateway shows on screen; the time from the patch to the changed row on
   screen is measured by polling ``capture-pane`` tightly: from the start of
   ``openclaw gateway call sessions.patch`` (includes the CLI's Node start-up) and from the
   moment a ``sessions.patch`` frame is sent by another protocol client (the figure itself).

Prints PASS/FAIL lines and the figures; exit status 1 on any failure. Every process started here
(gateways, tmux server) is stopped in a ``finally``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from check_gateways import Report, Watcher, make_store, scratch
from gateway_proc import ROOT, Gateway, Unavailable, node_bin, run_main

from openclaw_tui.store.gateway import GatewayStore

MAIN = "agent:main:main"
WIDTH, HEIGHT = 200, 40
ROWS_TIMEOUT = 60.0
SCREEN_TIMEOUT = 15.0
APP = ROOT / ".venv" / "bin" / "openclaw-tui"


class Tmux:
    """A tmux server of our own (``-L``): its environment is ours, and killing it kills only it."""

    def __init__(self, folder: Path, env: dict[str, str]) -> None:
        self.socket = f"octui-e2e-{uuid.uuid4().hex[:8]}"
        self.session = "e2e"
        self.env = env
        self.conf = folder / "tmux.conf"
        # Keep the pane after the app exits, so a crash can still be read from the screen.
        self.conf.write_text("set -g remain-on-exit on\nset -g status off\n")
        self.started = False

    async def run(self, *args: str, timeout: float = 10) -> str:
        proc = await asyncio.create_subprocess_exec(
            "tmux",
            "-L",
            self.socket,
            "-f",
            str(self.conf),
            *args,
            env=self.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        try:
            out, _ = await asyncio.wait_for(proc.communicate(), timeout)
        except TimeoutError:
            proc.kill()
            await proc.wait()
            raise
        if proc.returncode:
            raise RuntimeError(f"tmux {args[0]} failed: {out.decode(errors='replace').strip()}")
        return out.decode("utf-8", "replace")

    async def start(self, command: str) -> None:
        self.started = True
        await self.run(
            "new-session", "-d", "-s", self.session, "-x", str(WIDTH), "-y", str(HEIGHT), command
        )

    async def screen(self) -> str:
        return await self.run("capture-pane", "-p", "-t", self.session)

    async def keys(self, *keys: str, literal: bool = False) -> None:
        await self.run("send-keys", "-t", self.session, *(["-l"] if literal else []), *keys)

    async def wait_for(self, needle: str, timeout: float = SCREEN_TIMEOUT) -> float:
        """Poll the pane until ``needle`` shows; the perf_counter time it was first seen."""
        deadline = time.perf_counter() + timeout
        while True:
            text = await self.screen()
            now = time.perf_counter()
            if needle in text:
                return now
            if now > deadline:
                raise AssertionError(f"{needle!r} not on screen after {timeout:.0f}s:\n{text}")

    async def stop(self) -> None:
        if self.started:
            with contextlib.suppress(Exception):
                await self.run("kill-server")


async def listed_labels(gw: Gateway) -> dict[str, Any]:
    """key -> label of every session, read on the gateway's host with its own CLI."""
    params = json.dumps({"limit": 1000, "includeGlobal": True, "includeUnknown": True})
    code, out = await gw.cli("gateway", "call", "sessions.list", "--params", params, "--json")
    if code != 0:
        raise AssertionError(f"openclaw gateway call sessions.list failed: {out.strip()[-300:]}")
    data = json.loads(out[out.index("{") :])
    return {row["key"]: row.get("label") for row in data.get("sessions", [])}


async def screen_latency(tmux: Tmux, value: str, started: float) -> float:
    seen = await tmux.wait_for(value)
    return (seen - started) * 1000


async def check(report: Report, samples: int, cli_samples: int) -> None:
    if shutil.which("tmux") is None:
        report.fail("tmux", "not installed: run `make system-deps`")
        return
    if not APP.exists():
        report.fail("openclaw-tui", f"{APP} is missing: run `make install`")
        return
    tag = uuid.uuid4().hex[:6]
    tmp = scratch("octui-e2e-")
    async with contextlib.AsyncExitStack() as stack:
        gw_a, gw_b = Gateway("2026.7.35"), Gateway("2026.9.6")
        # Start both at once; each is stopped by the exit stack whatever happens next (a gateway
        # that fails to start stops itself; the other one still finishes entering the stack).
        entered = await asyncio.gather(
            stack.enter_async_context(gw_a), stack.enter_async_context(gw_b), return_exceptions=True
        )
        for result in entered:
            if isinstance(result, BaseException):
                raise result
        report.ok(
            "two gateways started", f"a = 2026.7.35 on {gw_a.url}, b = 2026.9.6 on {gw_b.url}"
        )

        seeders: dict[str, GatewayStore] = {}
        labels = {"a": f"a-seed-{tag}", "b": f"b-seed-{tag}"}
        for name, gw in (("a", gw_a), ("b", gw_b)):
            seeder = make_store(gw, tmp / f"seeder-{name}", f"seeder-{name}")
            await stack.enter_async_context(seeder)
            await seeder.wait_synced(30)
            await seeder.update_entry(MAIN, {"label": labels[name]}, create=True)
            seeders[name] = seeder

        config = tmp / "gateways.json"
        config.write_text(
            json.dumps(
                {
                    "gateway": [
                        {"name": "a", "url": gw_a.url, "token_env": "E2E_TOKEN_A"},
                        {"name": "b", "url": gw_b.url, "token_env": "E2E_TOKEN_B"},
                    ]
                }
            )
        )
        home = tmp / "home"
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
            # The tokens reach the app through the tmux server's environment only.
            "E2E_TOKEN_A": gw_a.token,
            "E2E_TOKEN_B": gw_b.token,
        }
        tmux = Tmux(tmp, env)
        stack.push_async_callback(tmux.stop)
        started = time.perf_counter()
        await tmux.start(f"{APP} --gateway-config {config}")

        # 1. Both gateways' rows on screen.
        try:
            seen_a = await tmux.wait_for(labels["a"], ROWS_TIMEOUT)
            seen_b = await tmux.wait_for(labels["b"], ROWS_TIMEOUT)
        except AssertionError as exc:
            report.fail("both gateways' rows on screen", str(exc)[-2000:])
            return
        first = max(seen_a, seen_b) - started
        report.ok("both gateways' rows on screen", f"{first:.1f}s after launching openclaw-tui")
        screen = await tmux.screen()
        status = next((line for line in screen.splitlines() if "sessions" in line), "")
        if "a connected" in screen and "b connected" in screen:
            report.ok("status bar shows both connections", status.strip()[:190])
        else:
            report.fail("status bar shows both connections", status.strip()[:190])

        # 2. An edit typed in the app on gateway a's row lands in gateway a only: filter down to
        # that row (the cursor goes to it), then type the slash command.
        new_label = f"e2e-a-{tag}"
        await tmux.keys("f")
        # The key names the gateway (a/…): the filter keeps gateway a's row whatever its label.
        await tmux.keys(f"a/{MAIN}", literal=True)
        await tmux.keys("Enter")
        await tmux.wait_for("1/2 sessions")
        await tmux.keys("/")
        await tmux.keys(f"label {new_label}", literal=True)
        await tmux.keys("Enter")
        try:
            await tmux.wait_for(f'Label set to "{new_label}"')
            await tmux.wait_for(f"{new_label} ")
        except AssertionError as exc:
            report.fail("/label typed in the app", str(exc)[-2000:])
            return
        on_a, on_b = await asyncio.gather(listed_labels(gw_a), listed_labels(gw_b))
        if on_a.get(MAIN) == new_label and on_b.get(MAIN) == labels["b"]:
            report.ok(
                "an edit in the app landed in gateway a only",
                f"a: {MAIN} label {on_a.get(MAIN)!r}; b: {MAIN} label {on_b.get(MAIN)!r} "
                "(openclaw gateway call sessions.list on each host)",
            )
        else:
            report.fail("an edit in the app landed in gateway a only", f"a: {on_a}; b: {on_b}")
        if new_label in json.dumps(on_b):
            report.fail("gateway b untouched", f"b lists {on_b}")
        await tmux.keys("Escape")  # clear the filter: both rows again
        await tmux.wait_for(labels["b"])

        # 3. Patch on the gateway -> row changed on screen.
        for name, gw in (("a", gw_a), ("b", gw_b)):
            version = gw.version
            cli_ms: list[float] = []
            for i in range(cli_samples):
                value = f"cli{name}{i}-{tag}"
                params = json.dumps({"key": MAIN, "label": value})
                t0 = time.perf_counter()
                cli = asyncio.create_task(
                    gw.cli("gateway", "call", "sessions.patch", "--params", params, "--json")
                )
                try:
                    cli_ms.append(await screen_latency(tmux, value, t0))
                except AssertionError as exc:
                    report.fail(f"{name} ({version}): CLI patch on screen", str(exc)[-1500:])
                code, out = await cli
                if code != 0:
                    report.fail(f"{name} ({version}): openclaw gateway call", out.strip()[-300:])
            if cli_ms:
                report.ok(
                    f"{name} ({version}): `openclaw gateway call sessions.patch` changed the row "
                    "on screen",
                    f"{len(cli_ms)} of {cli_samples} samples",
                )
                report.figure(
                    f"{version} CLI start -> row on screen, incl. Node start-up "
                    f"(ms, n={len(cli_ms)})",
                    {"median": round(statistics.median(cli_ms)), "max": round(max(cli_ms))},
                )
            client = seeders[name].client
            assert client is not None
            # The sender's own connection also gets the event: when it arrives splits the
            # figure into the gateway's share and the app's (event -> store -> table -> tmux).
            watcher = Watcher(seeders[name])
            ms: list[float] = []
            app_ms: list[float] = []
            for i in range(samples):
                value = f"ws{name}{i}-{tag}"
                arrived = watcher.expect(MAIN, lambda r, v=value: r.get("label") == v)
                t0 = time.perf_counter()
                sent = asyncio.create_task(
                    client.request("sessions.patch", {"key": MAIN, "label": value})
                )
                try:
                    ms.append(await screen_latency(tmux, value, t0))
                    app_ms.append(ms[-1] - (await asyncio.wait_for(arrived, 5) - t0) * 1000)
                except (AssertionError, TimeoutError) as exc:
                    report.fail(f"{name} ({version}): patch sample {i} on screen", str(exc)[-1500:])
                await sent
            if ms:
                report.figure(
                    f"{version} sessions.patch sent -> row changed on screen (ms, n={len(ms)})",
                    {
                        "median": round(statistics.median(ms), 1),
                        "min": round(min(ms), 1),
                        "max": round(max(ms), 1),
                    },
                )
            if app_ms:
                report.figure(
                    f"{version} of which event at a protocol client -> row on screen "
                    f"(ms, n={len(app_ms)})",
                    {"median": round(statistics.median(app_ms), 1), "max": round(max(app_ms), 1)},
                )
        screen = await tmux.screen()
        if "Traceback" in screen:
            report.fail("no traceback on screen", screen[-1500:])
        await tmux.keys("q")


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, default=7)
    parser.add_argument("--cli-samples", type=int, default=3)
    args = parser.parse_args()
    report = Report()
    try:
        node_bin()
    except Unavailable as exc:
        print(f"interop/gateway e2e: {exc}", file=sys.stderr)
        return 2
    print("-- openclaw-tui in tmux on OpenClaw 2026.7.35 (a) + 2026.9.6 (b)", flush=True)
    try:
        await check(report, args.samples, args.cli_samples)
    except Unavailable as exc:
        report.fail("tmux end-to-end", str(exc))
    except Exception as exc:  # report, never a traceback
        report.fail("tmux end-to-end", f"{type(exc).__name__}: {exc}"[-2000:])
    finally:
        from check_gateways import SCRATCH

        for path in SCRATCH:
            shutil.rmtree(path, ignore_errors=True)
    print(f"tui e2e: {'PASS' if report.failures == 0 else 'FAIL'} ({report.failures} failed)")
    return 0 if report.failures == 0 else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(run_main(main))
