"""Which gateways to open, and where each one's token comes from.

Gateways come from repeatable ``--gateway`` flags and/or a config file.

``--gateway ws://host:18789`` or ``--gateway NAME=ws://host:18789``: the name defaults to
``host:port``. Names tag the rows of each gateway, so they must be unique and contain no ``/``.

The config file is TOML (``*.toml``) or JSON (anything else), with one table per gateway::

    # gateways.toml
    [[gateway]]
    name = "home"                     # required, unique
    url = "ws://127.0.0.1:18789"      # ws:// or wss://; port defaults to 18789
    token_env = "HOME_GATEWAY_TOKEN"  # read the shared token from this variable

    [[gateway]]
    name = "lab"
    url = "ws://10.0.0.5:18789"
    token = "..."                     # allowed only if the file is not readable by others (0600)

    # the same in JSON: {"gateway": [{"name": "home", "url": "...", "token_env": "..."}]}

A gateway's token is, in this order: ``token`` / ``token_env`` of its entry in the file, then the
variable named by ``--token-env NAME``, then ``OPENCLAW_GATEWAY_TOKEN``. A token is never taken from
the command line itself (it would show in ``ps`` and shell history). No token at all is fine when
this device already holds a device token issued by that gateway, or the gateway runs without auth.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import stat
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from openclaw_tui.store.gateway.errors import GatewayConfigError

DEFAULT_PORT = 18789
DEFAULT_TOKEN_ENV = "OPENCLAW_GATEWAY_TOKEN"
_ENTRY_FIELDS = frozenset({"name", "url", "token", "token_env"})


@dataclass(frozen=True)
class GatewayConfig:
    """One gateway to connect to. ``token`` never appears in ``repr`` or messages."""

    name: str
    url: str
    token: str | None = field(default=None, repr=False, compare=False)
    token_source: str = "none"  # where the token came from, for messages ("env FOO", "file …")

    @property
    def label(self) -> str:
        """How messages name this gateway."""
        return f"gateway {self.name} ({self.url})"

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    @property
    def is_loopback(self) -> bool:
        """Whether the gateway sees us as a local client (auto-pairing, device-token retry)."""
        host = self.host
        if host == "localhost":
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False

    @property
    def is_tls(self) -> bool:
        return self.url.startswith("wss://")


def normalize_url(text: str, *, where: str = "--gateway") -> str:
    """``ws[s]://host[:port][/path]`` with an explicit port; raises ``GatewayConfigError``."""
    raw = text.strip()
    if "://" not in raw:
        raw = "ws://" + raw
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError as exc:
        raise GatewayConfigError(
            where, f"{text!r} is not a valid gateway URL ({exc})", fix="use ws://host:18789"
        ) from None
    if parts.scheme not in ("ws", "wss"):
        raise GatewayConfigError(
            where,
            f"{text!r} is not a gateway URL: the scheme must be ws:// or wss://",
            fix="use ws://host:18789 (or wss:// when the gateway has TLS)",
        )
    if not parts.hostname:
        raise GatewayConfigError(where, f"{text!r} has no host", fix="use ws://host:18789")
    if parts.username is not None or parts.password is not None:
        raise GatewayConfigError(
            where,
            f"the gateway URL for {parts.hostname} carries credentials",
            fix="remove them from the URL; give the token with --token-env NAME or the config file",
        )
    if parts.query or parts.fragment:
        raise GatewayConfigError(
            where, f"{text!r} has a query or fragment", fix="use ws://host:18789"
        )
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme}://{host}:{port or DEFAULT_PORT}{parts.path or '/'}"


def _check_name(name: object, where: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise GatewayConfigError(where, "a gateway has no name", fix='add name = "..." to it')
    if len(name) > 64 or "/" in name or any(c.isspace() or not c.isprintable() for c in name):
        raise GatewayConfigError(
            where,
            f"gateway name {name!r} is not usable",
            fix="use up to 64 visible characters without '/' or spaces",
        )
    return name


def _env_token(environ: Mapping[str, str], variable: str, where: str, name: str) -> str:
    value = environ.get(variable)
    if not value:
        raise GatewayConfigError(
            where,
            f"the token for gateway {name} should come from ${variable}, which is not set",
            fix=f"export {variable}=<the gateway's token> before starting, or fix the name",
        )
    return value


def _fallback_token(
    environ: Mapping[str, str], token_env: str | None, name: str
) -> tuple[str | None, str]:
    if token_env:
        return _env_token(environ, token_env, "--token-env", name), f"env {token_env}"
    if environ.get(DEFAULT_TOKEN_ENV):
        return environ[DEFAULT_TOKEN_ENV], f"env {DEFAULT_TOKEN_ENV}"
    return None, "none"


def _read_config_file(path: Path) -> Any:
    try:
        data = path.read_bytes()
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise GatewayConfigError(
            path, "the gateway config file does not exist", fix="check the path"
        ) from None
    except OSError as exc:
        raise GatewayConfigError(
            path, f"cannot read the gateway config file ({exc.strerror})", fix="check its mode"
        ) from None
    try:
        if path.suffix.lower() == ".toml":
            parsed: Any = tomllib.loads(data.decode("utf-8"))
        else:
            parsed = json.loads(data)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, ValueError) as exc:
        kind = "TOML" if path.suffix.lower() == ".toml" else "JSON"
        raise GatewayConfigError(
            path, f"is not valid {kind}: {exc}", fix="fix the syntax at the place named"
        ) from None
    return parsed, mode


def load_gateway_config(
    path: str | Path,
    *,
    environ: Mapping[str, str] | None = None,
    token_env: str | None = None,
) -> list[GatewayConfig]:
    """The gateways listed in a TOML/JSON config file (format in the module docstring)."""
    env = os.environ if environ is None else environ
    file = Path(path).expanduser()
    parsed, mode = _read_config_file(file)
    if not isinstance(parsed, dict):
        raise GatewayConfigError(file, "must be a table/object", fix="use [[gateway]] tables")
    entries = parsed.get("gateway", parsed.get("gateways"))
    if not isinstance(entries, list) or not entries:
        raise GatewayConfigError(
            file,
            "lists no gateways",
            fix='add [[gateway]] tables with name and url (JSON: {"gateway": [...]})',
        )
    result: list[GatewayConfig] = []
    for index, entry in enumerate(entries, start=1):
        where = f"{file} (gateway #{index})"
        if not isinstance(entry, dict):
            raise GatewayConfigError(where, "is not a table", fix="use name = ..., url = ...")
        unknown = sorted(set(entry) - _ENTRY_FIELDS)
        if unknown:
            raise GatewayConfigError(
                where,
                f"has unknown setting(s) {', '.join(unknown)}",
                fix="allowed: name, url, token, token_env",
            )
        name = _check_name(entry.get("name"), where)
        if not isinstance(entry.get("url"), str):
            raise GatewayConfigError(where, f"gateway {name} has no url", fix='add url = "ws://…"')
        url = normalize_url(entry["url"], where=where)
        if "token" in entry and "token_env" in entry:
            raise GatewayConfigError(
                where, f"gateway {name} sets both token and token_env", fix="keep one of them"
            )
        token: str | None
        if "token" in entry:
            if not isinstance(entry["token"], str) or not entry["token"]:
                raise GatewayConfigError(where, f"gateway {name}: token must be a non-empty string")
            if mode & (stat.S_IRWXG | stat.S_IRWXO):
                raise GatewayConfigError(
                    file,
                    f"holds the token of gateway {name} but is readable by others",
                    fix=f"run: chmod 600 {file} (or use token_env instead)",
                )
            token, source = entry["token"], f"file {file}"
        elif "token_env" in entry:
            variable = entry["token_env"]
            if not isinstance(variable, str) or not variable:
                raise GatewayConfigError(where, f"gateway {name}: token_env must name a variable")
            token, source = _env_token(env, variable, where, name), f"env {variable}"
        else:
            token, source = _fallback_token(env, token_env, name)
        result.append(GatewayConfig(name=name, url=url, token=token, token_source=source))
    return _check_unique(result, str(file))


def _check_unique(gateways: list[GatewayConfig], where: str) -> list[GatewayConfig]:
    names: set[str] = set()
    urls: set[str] = set()
    for gateway in gateways:
        if gateway.url in urls:
            raise GatewayConfigError(
                where, f"{gateway.url} is listed twice", fix="list each gateway once"
            )
        if gateway.name in names:
            raise GatewayConfigError(
                where, f"two gateways are named {gateway.name}", fix="give each a unique name"
            )
        names.add(gateway.name)
        urls.add(gateway.url)
    return gateways


def parse_gateway_args(
    gateways: Sequence[str] = (),
    *,
    token_env: str | None = None,
    config_path: str | Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> list[GatewayConfig]:
    """Gateways from ``--gateway`` values (``URL`` or ``NAME=URL``) plus an optional config file.

    Raises ``GatewayConfigError`` with a message naming the flag/file and the fix.
    """
    env = os.environ if environ is None else environ
    result: list[GatewayConfig] = []
    if config_path is not None:
        result.extend(load_gateway_config(config_path, environ=env, token_env=token_env))
    for value in gateways:
        name: str | None = None
        url_text = value
        head, sep, tail = value.partition("=")
        if sep and "://" not in head:
            name, url_text = head, tail
        url = normalize_url(url_text)
        if name is None:
            name = url.split("://", 1)[1].rstrip("/").split("/", 1)[0]
        name = _check_name(name, "--gateway")
        token, source = _fallback_token(env, token_env, name)
        result.append(GatewayConfig(name=name, url=url, token=token, token_source=source))
    if token_env and not result:
        raise GatewayConfigError(
            "--token-env", "was given without any gateway", fix="add --gateway ws://host:18789"
        )
    return _check_unique(result, "--gateway")


def add_gateway_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--gateway``, ``--gateway-config`` and ``--token-env`` to an argparse parser."""
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
        metavar="NAME",
        default=None,
        help=f"read the gateway token from this environment variable (default {DEFAULT_TOKEN_ENV})",
    )


def gateways_from_args(
    args: argparse.Namespace, environ: Mapping[str, str] | None = None
) -> list[GatewayConfig]:
    """``parse_gateway_args`` for a namespace built by ``add_gateway_arguments``."""
    return parse_gateway_args(
        args.gateway or (),
        token_env=args.token_env,
        config_path=args.gateway_config,
        environ=environ,
    )
