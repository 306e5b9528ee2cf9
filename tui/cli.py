"""``openclaw-tui``: parse the command line, pick the store, run the app.

Every usage problem is one line on stderr and exit code 2; never a traceback.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

# Only what finds the store is imported before main() has started its scan (start_scan): the
# store's modules imported here are lean on purpose, and the rest of the app (Textual, pydantic,
# the store's parse; ~0.5 s of CPU) is imported after, while the scan runs on another core.
from openclaw_tui.store.backends.scan_process import DEFAULT_MAX_BYTES as DEFAULT_PEEK_MAX_BYTES
from openclaw_tui.store.backends.scan_process import ScanProcess
from openclaw_tui.store.gateway.options import (
    ADMIN_SCOPE_FLAG,
    ADMIN_SCOPE_SETTING,
    ALL_GATEWAYS,
    DEFAULT_TOKEN_ENV,
)
from openclaw_tui.store.keys import normalize_agent_id
from openclaw_tui.store.paths import resolve_state_dir
from openclaw_tui.store.runs import DEFAULT_STALL_SECONDS
from openclaw_tui.tui.target import (
    StoreTarget,
    target_for_agent,
    target_for_gateways,
    target_for_path,
)

if TYPE_CHECKING:
    from openclaw_tui.store.gateway import GatewayConfig
    from openclaw_tui.tui.app import StoreFactory

PROG = "openclaw-tui"
EXIT_USAGE = 2


class UsageError(Exception):
    """A problem with the command line; the message is shown as one line."""


def add_gateway_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--gateway``, ``--gateway-config``, ``--token-env``, ``--allow-insecure-token`` and
    ``--admin-scope``."""
    parser.add_argument(
        "--gateway",
        action="append",
        default=[],
        metavar="[NAME=]URL",
        help="an OpenClaw gateway to show, e.g. ws://127.0.0.1:18789 (repeatable)",
    )
    parser.add_argument(
        "--gateway-config",
        metavar="FILE",
        default=None,
        help="TOML/JSON file listing gateways by name (see store.gateway.config)",
    )
    parser.add_argument(
        "--token-env",
        action="append",
        default=[],
        metavar="[NAME=]VARIABLE",
        help="read gateway NAME's token from this environment variable (repeatable, one per "
        "gateway); a bare VARIABLE only with a single gateway "
        f"(default {DEFAULT_TOKEN_ENV}, also single-gateway only)",
    )
    parser.add_argument(
        "--allow-insecure-token",
        action="store_true",
        help="send tokens over plain ws:// to non-loopback hosts too (readable on the network; "
        "prefer wss:// or an SSH tunnel)",
    )
    parser.add_argument(
        ADMIN_SCOPE_FLAG,
        action="append",
        nargs="?",
        const=ALL_GATEWAYS,
        default=[],
        metavar="NAME",
        help="also ask gateway NAME for the operator.admin scope, which /stop, /reset and "
        "(2026.7.35) /think and /model need (repeatable; alone: every gateway given). A device "
        "paired without it needs `openclaw devices approve <requestId>` on the gateway host; "
        f"the config file's setting is {ADMIN_SCOPE_SETTING} = true",
    )


def gateways_from_args(
    args: argparse.Namespace, environ: Mapping[str, str] | None = None
) -> list[GatewayConfig]:
    """``parse_gateway_args`` for a namespace built by ``add_gateway_arguments``."""
    from openclaw_tui.store.gateway import parse_gateway_args

    return parse_gateway_args(
        args.gateway or (),
        token_env=args.token_env or (),
        config_path=args.gateway_config,
        environ=environ,
        allow_insecure_token=bool(getattr(args, "allow_insecure_token", False)),
        admin_scope=getattr(args, "admin_scope", None) or (),
    )


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see {PROG} --help)")


def version() -> str:
    import openclaw_tui

    return openclaw_tui.__version__


class _VersionAction(argparse.Action):
    """``--version``: argparse's own action, but the version is read only when asked for (from
    the package metadata, ~0.05 s: not on every start)."""

    def __init__(self, option_strings: Sequence[str], dest: str, help: str | None = None) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=help)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> NoReturn:
        print(f"{PROG} {version()}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description=(
            "Watch OpenClaw sessions live and edit their overrides safely. "
            "Without options it opens the store of agent 'main' under OPENCLAW_STATE_DIR "
            "(or ~/.openclaw)."
        ),
        epilog=(
            "Keys: ? or F1 for help, ctrl+p for the command palette, q to quit. "
            "Keymap: ~/.config/openclaw-tui/config.toml [keymap] or OPENCLAW_TUI_KEYMAP."
        ),
    )
    parser.add_argument("--agent", metavar="ID", help="show this agent's store (default: main)")
    parser.add_argument(
        "--store",
        metavar="PATH",
        help="open this store: a sessions.json, an openclaw-agent.sqlite, or a directory "
        "holding one",
    )
    parser.add_argument(
        "--state-dir",
        metavar="DIR",
        help="OpenClaw state directory (default: $OPENCLAW_STATE_DIR or ~/.openclaw)",
    )
    parser.add_argument(
        "--read-only", action="store_true", help="never write: browsing only, edits refused"
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="a throw-away store of ~2,000 sessions with a simulated gateway writing to it",
    )
    parser.add_argument(
        "--max-store-mb",
        metavar="MB",
        type=_store_mb,
        help="refuse a store larger than this many MiB, and any write that would make it so "
        "(default: 512)",
    )
    parser.add_argument(
        "--stalled-after",
        metavar="MINUTES",
        type=_minutes,
        help="flag a run 'stalled' once it has run this long with no sign of activity "
        f"(default: config.toml's stalled_after_minutes, else {DEFAULT_STALL_SECONDS / 60:g})",
    )
    add_gateway_arguments(parser)
    parser.add_argument(
        "--version", action=_VersionAction, help="show program's version number and exit"
    )
    return parser


def _positive_number(text: str, refusal: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(refusal)
    return value


def _minutes(text: str) -> float:
    return _positive_number(
        text, f"--stalled-after takes a number of minutes above 0, e.g. 10 (not {text!r})"
    )


def _store_mb(text: str) -> float:
    return _positive_number(text, f"{text!r} is not a positive number of MiB")


def store_factory_for(args: argparse.Namespace) -> StoreFactory | None:
    """The app's store factory with the options' size limit; None for the app's default."""
    if getattr(args, "max_store_mb", None) is None:
        return None
    from functools import partial

    from openclaw_tui.tui.app import default_store_factory

    return partial(default_store_factory, max_bytes=int(args.max_store_mb * 2**20))


def resolve_target(args: argparse.Namespace, env: dict[str, str]) -> StoreTarget:
    """The store to show, from the options (raises ``UsageError`` for bad combinations)."""
    if args.demo and (args.store or args.state_dir or args.agent):
        raise UsageError("--demo makes its own store; drop --store, --state-dir and --agent")
    if args.gateway or args.gateway_config:
        if args.demo or args.store or args.agent:
            raise UsageError("--gateway shows a gateway's sessions; drop --store, --agent, --demo")
        from openclaw_tui.store.gateway import GatewayConfigError

        try:
            configs = gateways_from_args(args, env)
        except GatewayConfigError as exc:
            raise UsageError(exc.describe()) from None
        return target_for_gateways(configs, None)
    if args.store and args.agent:
        raise UsageError("--store and --agent both pick a store; use one of them")
    state_dir = (
        Path(os.path.expanduser(args.state_dir)).absolute()
        if args.state_dir
        else resolve_state_dir(env)
    )
    if state_dir.exists() and not state_dir.is_dir():
        raise UsageError(f"--state-dir {state_dir} is a file, not a directory")
    if args.store:
        path = Path(os.path.expanduser(args.store)).absolute()
        target = target_for_path(path)
        return StoreTarget(
            target.path,
            target.kind,
            None,
            state_dir,
            target.notes,
            target.looked_at,
        )
    agent = args.agent if args.agent is not None else "main"
    normalized = normalize_agent_id(agent)
    if agent.strip().lower() != normalized:
        raise UsageError(
            f"--agent {agent!r} is not a valid agent id (letters, digits, _ and -, "
            f"at most 64); did you mean {normalized!r}?"
        )
    return target_for_agent(normalized, state_dir)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        target = resolve_target(args, dict(os.environ))
    except UsageError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        print(f"{PROG}: error: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    scan = None if args.demo else start_scan(target)
    try:
        return run_app(
            target,
            read_only=args.read_only,
            demo=args.demo,
            store_factory=store_factory_for(args),
            stall_seconds=args.stalled_after * 60 if args.stalled_after is not None else None,
            scan=scan,
        )
    finally:
        if scan is not None:
            scan.close()  # a no-op once the app has taken it


def start_scan(target: StoreTarget) -> ScanProcess | None:
    """The byte scan of a big ``sessions.json`` target, started now, in a process of its own
    (``store/backends/scan_process.py``), for the app to take when it shows the store: started
    here, before the app's imports, it runs on another core while they are done. None for any
    other target or a file not worth it; then the app does without."""
    if target.kind != "json" or target.gateways:
        return None
    # The limit the app's peek applies (json_file.peek_indexed's default), not the store's
    # --max-store-mb: a file the app would not peek at is not scanned early either.
    return ScanProcess.start(target.path, DEFAULT_PEEK_MAX_BYTES)


def run_app(
    target: StoreTarget,
    *,
    read_only: bool,
    demo: bool,
    store_factory: StoreFactory | None = None,
    stall_seconds: float | None = None,
    scan: ScanProcess | None = None,
) -> int:
    # Textual is imported only now: --help and --version stay instant, and a big store's scan
    # (``scan``, from start_scan) runs meanwhile.
    from openclaw_tui.tui.app import SessionBrowserApp
    from openclaw_tui.tui.config import load_config

    gateway = None
    state_dir = None
    if demo:
        from openclaw_tui.tui.demo import DemoGateway, prepare_state_dir

        state_dir = prepare_state_dir()
        target = target_for_agent("main", state_dir)
        gateway = DemoGateway(state_dir)
    app = SessionBrowserApp(
        target,
        read_only=read_only,
        config=load_config(),
        demo=gateway,
        store_factory=store_factory,
        stall_seconds=stall_seconds,
        scan=scan,
    )
    try:
        app.run()
    finally:
        if state_dir is not None:
            from openclaw_tui.tui.demo import remove_state_dir

            remove_state_dir(state_dir)
    return app.return_code or 0


if __name__ == "__main__":
    sys.exit(main())
