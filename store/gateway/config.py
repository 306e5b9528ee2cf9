"""Which gateways to open, and where each one's token comes from.

Gateways come from repeatable ``--gateway`` flags and/or a config file.

``--gateway ws://host:18789`` or ``--gateway NAME=ws://host:18789``: the name defaults to
``host:port``. Names tag the rows of each gateway, so they must be unique and contain no ``/``.

The config file is TOML (``*.toml``) or JSON (anything else), with one table per gateway, whose
settings are the fields of ``GatewayEntry`` (validated by it, each documented there); anything
else in the file is an error naming the file, the setting and the fix::

    # gateways.toml
    [[gateway]]
    name = "home"                     # required, unique
    url = "ws://127.0.0.1:18789"      # ws:// or wss://; port defaults to 18789
    token_env = "HOME_GATEWAY_TOKEN"  # read the shared token from this variable

    [[gateway]]
    name = "lab"
    url = "wss://lab.example:443"
    token = "..."                     # allowed only if the file is not readable by others (0600)
    max_frame_mb = 64                 # largest frame accepted from this gateway (default 64)
    admin_scope = true                # also ask for operator.admin (/stop, /reset; see below)

    [[gateway]]
    name = "bench"
    url = "ws://10.0.0.9:18789"       # plain ws:// to a non-loopback host ...
    token_env = "BENCH_TOKEN"
    allow_insecure_token = true       # ... carries the token only with this explicit opt-in

    # the same in JSON: {"gateway": [{"name": "home", "url": "...", "token_env": "..."}]}

A token belongs to one gateway. A gateway's token is, in this order: ``--token-env NAME=VARIABLE``
(repeatable, one per gateway), ``token`` / ``token_env`` of its entry in the file, then an unnamed
``--token-env VARIABLE``, then ``OPENCLAW_GATEWAY_TOKEN``. The last two name no gateway, so they are
used only when exactly one gateway is given; with several they are refused with a message saying
how to name them, instead of sending one secret to every gateway. A token is never taken from the
command line itself (it would show in ``ps`` and shell history). No token at all is fine when this
device already holds a device token issued by that gateway, or the gateway runs without auth.

A token is sent in clear over ``ws://``, so it goes only to a loopback host (127.0.0.0/8, ::1,
``localhost``) or over ``wss://``; a plain ``ws://`` gateway elsewhere with a token is refused
unless the operator opts in (``--allow-insecure-token``, or ``allow_insecure_token = true`` for
that gateway in the file). The client applies the same rule to device tokens when it connects.

Scopes: a connection asks for ``operator.read`` and ``operator.write``. Stopping a run
(``sessions.abort``), ``sessions.reset`` and, on 2026.7.35, ``thinkingLevel``/``model`` patches
need ``operator.admin``, which is opt-in per gateway: ``admin_scope = true`` in its entry, or
``--admin-scope NAME`` (a bare ``--admin-scope`` opts in every gateway given). A device paired
with fewer scopes is refused until an admin approves the wider set on the gateway host
(``openclaw devices approve <requestId>``, the id shown in the status bar); meanwhile the
connection keeps working with the scopes already approved, and takes up the new ones by itself
once approved (``store.gateway.client``).
"""

from __future__ import annotations

import ipaddress
import json
import os
import stat
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, ValidationError

from openclaw_tui.store.gateway.errors import GatewayConfigError
from openclaw_tui.store.gateway.options import (
    ADMIN_SCOPE_FLAG,
    ALL_GATEWAYS,
    DEFAULT_TOKEN_ENV,
)

DEFAULT_PORT = 18789
# The gateway itself caps what it accepts at policy.maxPayload (25 MiB) and buffers at most
# maxBufferedBytes (50 MiB); a 1,000-row sessions.list page is about 2-3 MB. 64 MiB leaves room
# for transcripts while bounding what one frame can cost us (unbounded, one 1.5 GB frame took the
# client to 3 GB RSS).
DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024
OPERATOR_SCOPES: tuple[str, ...] = ("operator.read", "operator.write")
ADMIN_SCOPE = "operator.admin"


class GatewayEntry(BaseModel):
    """One ``[[gateway]]`` table of the config file (the format in the module docstring).

    Types only: what the values mean (a usable name, a gateway URL, where the token may come
    from) is checked after, with messages naming the gateway and the fix.
    """

    # strict: "true" is not a boolean and 3 is not a name; the docstrings are descriptions.
    model_config = ConfigDict(extra="forbid", strict=True, use_attribute_docstrings=True)

    name: str
    """Required, unique: tags this gateway's rows (``<name>/<session key>``); up to 64 visible
    characters, no ``/`` or spaces."""
    url: str
    """``ws://host[:port]`` or ``wss://host[:port]``; the port defaults to 18789."""
    token: str | None = None
    """The gateway's shared token, in the file itself: only if the file is mode 0600."""
    token_env: str | None = None
    """The environment variable holding the gateway's shared token (instead of ``token``)."""
    allow_insecure_token: bool = False
    """Send the token over plain ``ws://`` to a host that is not loopback (readable on the
    network; prefer ``wss://`` or an SSH tunnel)."""
    max_frame_mb: float = DEFAULT_MAX_FRAME_BYTES / (1024 * 1024)
    """The largest frame accepted from this gateway, in MiB (default 64)."""
    admin_scope: bool = False
    """Also ask for ``operator.admin``: /stop (``sessions.abort``), /reset and, on 2026.7.35,
    /think and /model need it. A device paired without it waits for an admin to approve the
    wider scope on the gateway host (``openclaw devices approve <requestId>``); until then it
    works with the scopes already approved."""


_ENTRY_FIELDS = frozenset(GatewayEntry.model_fields)
_MUST_BE: dict[str, tuple[str, str]] = {
    "name": ("must be text", 'use name = "home"'),
    "url": ("must be text", 'use url = "ws://host:18789"'),
    "token": ("must be a non-empty string", 'use token = "…", or token_env = "VARIABLE"'),
    "token_env": ("must name a variable", 'use token_env = "VARIABLE"'),
    "allow_insecure_token": ("must be true or false", "use allow_insecure_token = true"),
    "max_frame_mb": ("must be a positive number of MiB", "e.g. max_frame_mb = 64"),
    "admin_scope": ("must be true or false", "use admin_scope = true"),
}
"""What each setting must be and how to write it, for a value of the wrong type."""


@dataclass(frozen=True)
class GatewayConfig:
    """One gateway to connect to. ``token`` never appears in ``repr`` or messages."""

    name: str
    url: str
    token: str | None = field(default=None, repr=False, compare=False)
    token_source: str = "none"  # where the token came from, for messages ("env FOO", "file …")
    allow_insecure_token: bool = False  # operator opted in to tokens over ws:// to other hosts
    max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES
    admin_scope: bool = False  # operator opted in to ask for operator.admin (see module doc)

    @property
    def scopes(self) -> tuple[str, ...]:
        """The scopes a connection to this gateway asks for."""
        return (*OPERATOR_SCOPES, ADMIN_SCOPE) if self.admin_scope else OPERATOR_SCOPES

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
        return self.url[:6].lower() == "wss://"  # URL schemes are case-insensitive

    @property
    def token_transport_ok(self) -> bool:
        """Whether a token may be sent to this gateway: loopback, TLS, or the operator's opt-in."""
        return self.is_loopback or self.is_tls or self.allow_insecure_token


def insecure_token_refusal(config: GatewayConfig, what: str) -> tuple[str, str]:
    """Message and fix for a token that would cross the network in clear (``ws://``)."""
    message = (
        f"refusing to send {what} over plain ws:// to {config.host}, which is not a loopback "
        "address: anyone on the path could read it"
    )
    fix = (
        "use wss:// (configure gateway.tls on its host), or an SSH tunnel to its loopback port "
        "(ssh -N -L 18789:127.0.0.1:18789 HOST, then --gateway ws://127.0.0.1:18789); to send it "
        "in clear anyway, opt in with --allow-insecure-token or allow_insecure_token = true for "
        "this gateway in the config file"
    )
    return message, fix


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
    # A merged view names its rows "<gateway>/<session key>" and OpenClaw keys start with
    # "agent:", "cron:", ...: a name with '/' or ':' would make the split ambiguous.
    if (
        len(name) > 64
        or "/" in name
        or ":" in name
        or any(c.isspace() or not c.isprintable() for c in name)
    ):
        raise GatewayConfigError(
            where,
            f"gateway name {name!r} is not usable",
            fix="use up to 64 visible characters without '/', ':' or spaces",
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


def _split_token_env(values: Sequence[str]) -> tuple[dict[str, str], str | None]:
    """``--token-env`` values: ``NAME=VARIABLE`` per gateway, and at most one bare ``VARIABLE``."""
    named: dict[str, str] = {}
    unnamed: str | None = None
    for value in values:
        name, sep, variable = value.partition("=")
        if not sep:
            if unnamed is not None and unnamed != value:
                raise GatewayConfigError(
                    "--token-env",
                    f"names two variables ({unnamed}, {value}) without saying which gateway "
                    "each belongs to",
                    fix="name the gateway: --token-env NAME=VARIABLE, once per gateway",
                )
            unnamed = value
            continue
        if not name or not variable:
            raise GatewayConfigError(
                "--token-env",
                f"{value!r} is not NAME=VARIABLE",
                fix="use --token-env GATEWAY=VARIABLE, e.g. --token-env lab=LAB_GATEWAY_TOKEN",
            )
        if name in named and named[name] != variable:
            raise GatewayConfigError(
                "--token-env",
                f"gives gateway {name} two variables ({named[name]}, {variable})",
                fix="keep one --token-env per gateway",
            )
        named[name] = variable
    return named, unnamed


def _assign_tokens(
    gateways: list[GatewayConfig],
    explicit: set[str],
    token_env: str | Sequence[str] | None,
    environ: Mapping[str, str],
    allow_insecure_token: bool,
) -> list[GatewayConfig]:
    """Give each gateway its own token (see the module docstring for the order).

    ``explicit`` names the gateways whose config-file entry already set ``token``/``token_env``.
    """
    values = [token_env] if isinstance(token_env, str) else list(token_env or ())
    named, unnamed = _split_token_env(values)
    names = [g.name for g in gateways]
    if values and not gateways:
        raise GatewayConfigError(
            "--token-env", "was given without any gateway", fix="add --gateway ws://host:18789"
        )
    unknown = sorted(set(named) - set(names))
    if unknown:
        raise GatewayConfigError(
            "--token-env",
            f"names no open gateway: {', '.join(unknown)}",
            fix=f"use one of: {', '.join(names)}",
        )
    # What an unnamed token would go to: every gateway without a token of its own.
    orphans = [g.name for g in gateways if g.name not in explicit and g.name not in named]
    shared: str | None = unnamed
    if shared is None and environ.get(DEFAULT_TOKEN_ENV):
        shared = DEFAULT_TOKEN_ENV
    if shared is not None and len(gateways) > 1 and orphans:
        given = f"{len(gateways)} gateways are given ({', '.join(names)})"
        if unnamed is not None:
            where, message = "--token-env", f"{shared} names no gateway, but {given}"
        else:
            where, message = f"${DEFAULT_TOKEN_ENV}", f"is set and names no gateway, but {given}"
        raise GatewayConfigError(
            where,
            f"{message}: the same token would be sent to each of them",
            fix=f"a token belongs to one gateway; name it: --token-env {orphans[0]}={shared} "
            "(one --token-env NAME=VARIABLE per gateway that needs a token), or set token_env "
            "per gateway in the config file"
            + (f"; or unset {DEFAULT_TOKEN_ENV}" if unnamed is None else ""),
        )
    result: list[GatewayConfig] = []
    for gateway in gateways:
        token, source = gateway.token, gateway.token_source
        if gateway.name in named:
            variable = named[gateway.name]
            token = _env_token(environ, variable, "--token-env", gateway.name)
            source = f"env {variable}"
        elif gateway.name not in explicit and shared is not None:
            token = _env_token(environ, shared, "--token-env", gateway.name)
            source = f"env {shared}"
        allow = gateway.allow_insecure_token or allow_insecure_token
        configured = GatewayConfig(
            name=gateway.name,
            url=gateway.url,
            token=token,
            token_source=source,
            allow_insecure_token=allow,
            max_frame_bytes=gateway.max_frame_bytes,
            admin_scope=gateway.admin_scope,
        )
        if token and not configured.token_transport_ok:
            message, fix = insecure_token_refusal(configured, f"the token from {source}")
            raise GatewayConfigError(configured.label, message, fix=fix)
        result.append(configured)
    return result


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


def _validate_entry(entry: dict[str, Any], where: str) -> GatewayEntry:
    """``entry`` as a ``GatewayEntry``; the first problem as a ``GatewayConfigError``."""
    try:
        return GatewayEntry.model_validate(entry)
    except ValidationError as exc:
        errors = exc.errors()
    unknown = sorted(str(e["loc"][0]) for e in errors if e["type"] == "extra_forbidden")
    if unknown:
        raise GatewayConfigError(
            where,
            f"has unknown setting(s) {', '.join(unknown)}",
            fix=f"allowed: {', '.join(sorted(_ENTRY_FIELDS))}",
        ) from None
    missing = {str(e["loc"][0]) for e in errors if e["type"] == "missing"}
    if "name" in missing or any(e["loc"][:1] == ("name",) for e in errors):
        _check_name(entry.get("name"), where)  # says what is wrong with the name
    name = entry["name"]
    if "url" in missing:
        raise GatewayConfigError(where, f"gateway {name} has no url", fix='add url = "ws://…"')
    field = str(errors[0]["loc"][0])
    must_be, fix = _MUST_BE.get(field, ("has a value of the wrong type", "see the docs"))
    raise GatewayConfigError(where, f"gateway {name}: {field} {must_be}", fix=fix) from None


def _read_entries(file: Path, env: Mapping[str, str]) -> tuple[list[GatewayConfig], set[str]]:
    """The file's gateways, with the tokens their entries name, and which entries named one."""
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
    unknown = sorted(set(parsed) - {"gateway", "gateways"})
    if unknown:
        # A misspelt or misplaced setting would otherwise be silently without effect.
        raise GatewayConfigError(
            file,
            f"has unknown setting(s) {', '.join(unknown)} outside the [[gateway]] tables",
            fix="move each into the [[gateway]] table it belongs to, or remove it",
        )
    result: list[GatewayConfig] = []
    explicit: set[str] = set()
    for index, entry in enumerate(entries, start=1):
        where = f"{file} (gateway #{index})"
        if not isinstance(entry, dict):
            raise GatewayConfigError(where, "is not a table", fix="use name = ..., url = ...")
        checked = _validate_entry(entry, where)
        name = _check_name(checked.name, where)
        url = normalize_url(checked.url, where=where)
        if checked.token is not None and checked.token_env is not None:
            raise GatewayConfigError(
                where, f"gateway {name} sets both token and token_env", fix="keep one of them"
            )
        token: str | None = None
        source = "none"
        if checked.token is not None:
            if not checked.token:
                raise GatewayConfigError(where, f"gateway {name}: token must be a non-empty string")
            if mode & (stat.S_IRWXG | stat.S_IRWXO):
                raise GatewayConfigError(
                    file,
                    f"holds the token of gateway {name} but is readable by others",
                    fix=f"run: chmod 600 {file} (or use token_env instead)",
                )
            token, source = checked.token, f"file {file}"
            explicit.add(name)
        elif checked.token_env is not None:
            variable = checked.token_env
            if not variable:
                raise GatewayConfigError(where, f"gateway {name}: token_env must name a variable")
            token, source = _env_token(env, variable, where, name), f"env {variable}"
            explicit.add(name)
        allow = checked.allow_insecure_token
        max_frame = checked.max_frame_mb
        if max_frame <= 0:
            raise GatewayConfigError(
                where,
                f"gateway {name}: max_frame_mb must be a positive number of MiB",
                fix="e.g. max_frame_mb = 64",
            )
        result.append(
            GatewayConfig(
                name=name,
                url=url,
                token=token,
                token_source=source,
                allow_insecure_token=allow,
                max_frame_bytes=int(max_frame * 1024 * 1024),
                admin_scope=checked.admin_scope,
            )
        )
    return _check_unique(result, str(file)), explicit


def load_gateway_config(
    path: str | Path,
    *,
    environ: Mapping[str, str] | None = None,
    token_env: str | Sequence[str] | None = None,
    allow_insecure_token: bool = False,
) -> list[GatewayConfig]:
    """The gateways listed in a TOML/JSON config file (format in the module docstring)."""
    env = os.environ if environ is None else environ
    file = Path(path).expanduser()
    gateways, explicit = _read_entries(file, env)
    return _assign_tokens(gateways, explicit, token_env, env, allow_insecure_token)


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


def _apply_admin_scope(
    gateways: list[GatewayConfig], admin_scope: Sequence[str]
) -> list[GatewayConfig]:
    """``--admin-scope`` values (gateway names, or ``ALL_GATEWAYS``) turned on in the configs."""
    if not admin_scope:
        return gateways
    names = [g.name for g in gateways]
    wanted = set(admin_scope)
    unknown = sorted(wanted - set(names) - {ALL_GATEWAYS})
    if unknown:
        raise GatewayConfigError(
            ADMIN_SCOPE_FLAG,
            f"names no open gateway: {', '.join(unknown)}",
            fix=f"use one of: {', '.join(names)} (or {ADMIN_SCOPE_FLAG} alone for all of them)",
        )
    every = ALL_GATEWAYS in wanted
    return [replace(g, admin_scope=True) if every or g.name in wanted else g for g in gateways]


def parse_gateway_args(
    gateways: Sequence[str] = (),
    *,
    token_env: str | Sequence[str] | None = None,
    config_path: str | Path | None = None,
    environ: Mapping[str, str] | None = None,
    allow_insecure_token: bool = False,
    admin_scope: Sequence[str] = (),
) -> list[GatewayConfig]:
    """Gateways from ``--gateway`` values (``URL`` or ``NAME=URL``) plus an optional config file.

    ``token_env`` holds the ``--token-env`` values (``NAME=VARIABLE`` or one bare ``VARIABLE``);
    ``admin_scope`` the ``--admin-scope`` values (gateway names, ``ALL_GATEWAYS`` for all).
    Raises ``GatewayConfigError`` with a message naming the flag/file and the fix.
    """
    env = os.environ if environ is None else environ
    result: list[GatewayConfig] = []
    explicit: set[str] = set()
    if config_path is not None:
        from_file, explicit = _read_entries(Path(config_path).expanduser(), env)
        result.extend(from_file)
    for value in gateways:
        name: str | None = None
        url_text = value
        head, sep, tail = value.partition("=")
        if sep and "://" not in head:
            name, url_text = head, tail
        url = normalize_url(url_text)
        if name is None:
            # "ws://127.0.0.1:18789/" is named "127.0.0.1-18789": a name holds no ':'.
            name = url.split("://", 1)[1].rstrip("/").split("/", 1)[0].replace(":", "-")
        name = _check_name(name, "--gateway")
        result.append(GatewayConfig(name=name, url=url))
    _check_unique(result, "--gateway")
    if not result and admin_scope:
        raise GatewayConfigError(
            ADMIN_SCOPE_FLAG, "was given without any gateway", fix="add --gateway ws://host:18789"
        )
    result = _apply_admin_scope(result, admin_scope)
    return _assign_tokens(result, explicit, token_env, env, allow_insecure_token)
