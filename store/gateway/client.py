"""One connection to an OpenClaw gateway: handshake, requests, events, liveness, reconnects.

The protocol (as observed on OpenClaw 2026.7.35 and 2026.9.6): the server speaks first with a
``connect.challenge`` event; our first frame is a ``connect`` request (protocol 4, a client id and
mode from the gateway's closed set, role ``operator``, scopes, the shared or device token, and the
device identity signing the challenge nonce); ``hello-ok`` answers with the granted scopes, a
device token and ``policy.tickIntervalMs``. Afterwards requests (``type: req``) are answered by
``type: res`` frames matched by ``id`` (possibly out of order), and events (``type: event``) arrive
at any time. A ``tick`` event comes every ``tickIntervalMs``; two intervals of silence mean the
connection is dead even if TCP has not noticed.

``GatewayClient`` keeps one such connection up: it reconnects with exponential backoff (1 s
doubling to 30 s, reset after a connection that ended without a fault of its own), retries by
itself while a pairing request waits for approval, and stops for good on errors that retrying
cannot fix (token or protocol mismatch, a token that would cross the network in clear),
reporting every step as a ``ConnectionState``.

Everything a gateway sends is bounded, so a broken or hostile gateway costs a bounded amount and
shows a clear state: frames larger than ``max_frame_bytes`` close the connection; the whole
handshake has one deadline, and up to ``MAX_HANDSHAKE_NOISE`` frames that are not the challenge
are skipped; ``tickIntervalMs`` is clamped to ``[min_tick_interval_ms, MAX_TICK_MS]``. A
connection we close for a fault (silence, an oversized frame, an unanswered request: ``drop``)
does not reset the backoff, so a gateway that keeps failing is retried less and less often.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
import uuid
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
import websockets
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed, InvalidStatus, WebSocketException
from websockets.frames import CloseCode

from openclaw_tui import __version__
from openclaw_tui.store.events import ConnectionState
from openclaw_tui.store.gateway.config import (
    ADMIN_SCOPE,
    OPERATOR_SCOPES,
    GatewayConfig,
    insecure_token_refusal,
)
from openclaw_tui.store.gateway.errors import (
    GatewayAuthError,
    GatewayConnectError,
    GatewayInsecureTransportError,
    GatewayPairingRequired,
    GatewayProtocolError,
    GatewayRequestError,
    GatewayRequestTimeout,
    GatewayScopeError,
    GatewayScopeMismatchError,
    GatewayUnavailableError,
)
from openclaw_tui.store.gateway.identity import (
    DeviceIdentity,
    DeviceToken,
    DeviceTokenStore,
    signature_payload_v3,
)
from openclaw_tui.store.gateway.options import ADMIN_SCOPE_FLAG, ADMIN_SCOPE_SETTING

PROTOCOL_VERSION = 4
CLIENT_ID = "openclaw-tui"  # one of the gateway's closed set of client ids
CLIENT_MODE = "ui"
CLIENT_VERSION = __version__
ROLE = "operator"
DEFAULT_SCOPES: tuple[str, ...] = OPERATOR_SCOPES  # operator.admin is opt-in (config.py)
READ_SCOPES = frozenset({"operator.read", "operator.write", "operator.admin"})
DEFAULT_TICK_MS = 30_000
# A gateway announcing tickIntervalMs: 1 would make the watchdog give up after 2 ms of quiet
# (39 reconnects in 40 s were seen unclamped); one announcing hours would disable it.
MIN_TICK_MS = 5_000
MAX_TICK_MS = 300_000
# Frames before the connect.challenge that are skipped (a proxy banner, a stray non-JSON frame).
MAX_HANDSHAKE_NOISE = 16
# A connection that lived this long counts as healthy, whatever ended it: reset the backoff.
STABLE_AFTER_S = 60.0
# How often the round trip to the gateway is measured (a WebSocket ping; the gateways panel
# shows it). Small frames, one per gateway: cheap enough to keep on while connected.
PING_INTERVAL_S = 10.0
PING_TIMEOUT_S = 10.0
# While a wider scope set waits for approval, how often a side handshake checks whether it was
# approved (the same rate as the pairing retries, which also re-send the request each time).
UPGRADE_RETRY_S = 10.0
# Methods 2026.7.35 and 2026.9.6 refuse without operator.admin; observed on both: a
# read+write connection's sessions.abort / chat.abort get INVALID_REQUEST "unauthorized".
ADMIN_METHODS = frozenset({"sessions.abort", "chat.abort", "sessions.reset"})

StateCallback = Callable[[ConnectionState], None]
EventCallback = Callable[[str, Mapping[str, Any], int | None], None]
ConnectedCallback = Callable[["Hello"], Coroutine[Any, Any, None]]


class Backoff:
    """Reconnect delays: ``initial`` doubling up to ``maximum``; ``reset`` after a success."""

    def __init__(self, initial: float = 1.0, maximum: float = 30.0, factor: float = 2.0) -> None:
        self.initial = initial
        self.maximum = maximum
        self.factor = factor
        self._next = initial

    def next(self) -> float:
        delay = self._next
        self._next = min(self.maximum, self._next * self.factor)
        return delay

    def reset(self) -> None:
        self._next = self.initial


@dataclass(frozen=True)
class Hello:
    """What ``hello-ok`` told us about the gateway and this connection."""

    protocol: int
    server_version: str
    conn_id: str
    role: str
    scopes: tuple[str, ...]
    tick_interval_ms: int
    auth_method: str  # "token", "device-token", or "" when the gateway does not say
    raw: Mapping[str, Any] = field(repr=False)

    @property
    def methods(self) -> frozenset[str]:
        features = self.raw.get("features")
        methods = features.get("methods") if isinstance(features, dict) else None
        return frozenset(m for m in methods or () if isinstance(m, str))


def _dumps(frame: Mapping[str, Any]) -> str:
    # A str is sent as a text frame; the gateway only reads text frames.
    return orjson.dumps(frame).decode("utf-8")


def approve_command(request_id: str | None) -> str:
    """The command an admin runs on the gateway host to approve our pairing request."""
    return f"openclaw devices approve {request_id}" if request_id else "openclaw devices list"


def connect_error(
    config: GatewayConfig, error: Mapping[str, Any], *, token_kind: str
) -> GatewayConnectError:
    """Turn a refused ``connect`` into a typed error with a message naming the gateway and fix."""
    label = config.label
    message = str(error.get("message") or "the gateway refused the connection")
    code = str(error.get("code") or "")
    details = error.get("details") if isinstance(error.get("details"), dict) else {}
    assert isinstance(details, dict)
    detail_code = str(details.get("code") or "")
    if detail_code == "PAIRING_REQUIRED" or code == "NOT_PAIRED":
        request_id = details.get("requestId")
        request_id = str(request_id) if request_id else None
        command = approve_command(request_id)
        text = message
        if details.get("reason") == "scope-upgrade":
            text += (
                f" (asked for {', '.join(details.get('requestedScopes') or [])}; approved:"
                f" {', '.join(details.get('approvedScopes') or []) or 'none'})"
            )
        if request_id:
            text += f"; request id {request_id}"
        return GatewayPairingRequired(
            label,
            text,
            request_id=request_id,
            approve_command=command,
            fix=f"on the gateway host run: {command}; openclaw-tui then connects by itself",
            details=details,
        )
    if detail_code == "PROTOCOL_MISMATCH" or "protocol mismatch" in message:
        expected = details.get("expectedProtocol")
        return GatewayProtocolError(
            label,
            f"{message}: the gateway speaks protocol {expected if expected else '?'}, "
            f"openclaw-tui speaks {PROTOCOL_VERSION}",
            fix="use an OpenClaw gateway that speaks protocol 4 (2026.7.35 to 2026.9.6 do), "
            "or an openclaw-tui release made for this gateway",
            details=details,
        )
    if detail_code == "AUTH_SCOPE_MISMATCH":
        return GatewayScopeMismatchError(
            label,
            message,
            fix="approve the scope change on the gateway host (openclaw devices list, then "
            "openclaw devices approve <id>), or remove this device there and pair again",
            details=details,
        )
    if detail_code.startswith("AUTH_") or detail_code.startswith("DEVICE_AUTH"):
        if detail_code == "AUTH_RATE_LIMITED":
            return GatewayConnectError(
                label, message, fix="wait a minute; openclaw-tui retries by itself", details=details
            )
        if token_kind == "device":
            fix = (
                "the device token this gateway issued earlier was refused (revoked or rotated): "
                f"give the gateway's shared token with --token-env {config.name}=VARIABLE or "
                "token_env in the config file, or pair this device again"
            )
        elif token_kind == "none":
            fix = (
                "this gateway needs its token: export it in a variable and pass "
                f"--token-env {config.name}=VARIABLE, or set token_env for it in the config file"
            )
        else:
            fix = (
                "use this gateway's token (gateway.auth.token on its host) via "
                f"--token-env {config.name}=VARIABLE or token_env in the config file"
            )
        return GatewayAuthError(label, message, fix=fix, details=details)
    if code == "UNAVAILABLE":
        return GatewayConnectError(
            label, message, fix="the gateway is starting; openclaw-tui retries", details=details
        )
    if detail_code.endswith("DEVICE_IDENTITY_REQUIRED"):
        refused = GatewayConnectError(
            label,
            message,
            fix="this gateway only accepts clients with a device identity: keep the identity on "
            "(it is on unless disabled), then approve its pairing if asked",
            details=details,
        )
        refused.retryable = False
        return refused
    refused = GatewayConnectError(label, message, details=details)
    # The gateway judged the request itself invalid: sending it again cannot help.
    refused.retryable = code != "INVALID_REQUEST"
    return refused


def admin_scope_fix(
    config: GatewayConfig,
    method: str,
    scopes: Sequence[str],
    pending: GatewayPairingRequired | None = None,
) -> str:
    """How to get ``operator.admin`` for ``method`` on this gateway, as the operator does it."""
    held = ", ".join(scopes) or "no scopes"
    if pending is not None:
        return (
            f"{method} needs {ADMIN_SCOPE}, which waits for approval on the gateway host: run "
            f"{pending.approve_command} there; openclaw-tui takes it up by itself within "
            f"{UPGRADE_RETRY_S:g}s, then retry"
        )
    if config.admin_scope:
        return (
            f"{method} needs {ADMIN_SCOPE}; openclaw-tui asked for it but this connection holds "
            f"{held}: approve this device's scopes on the gateway host (openclaw devices list, "
            "then openclaw devices approve <requestId>), then reconnect"
        )
    return (
        f"{method} needs {ADMIN_SCOPE} and this connection holds {held}: opt in with "
        f"{ADMIN_SCOPE_SETTING} = true for gateway {config.name} in the gateway config file, or "
        f"start with {ADMIN_SCOPE_FLAG} {config.name}; then approve the wider scope on the "
        "gateway host (openclaw devices approve <requestId>, the id shown in the status bar)"
    )


def request_error(
    config: GatewayConfig,
    method: str,
    error: Mapping[str, Any],
    scopes: Sequence[str],
    pending: GatewayPairingRequired | None = None,
) -> GatewayRequestError:
    """A refused request as a ``StoreError`` carrying the gateway's own message verbatim.

    ``scopes`` are the ones this connection holds; ``pending`` the wider set awaiting approval.
    """
    message = str(error.get("message") or f"{method} failed")
    code = error.get("code")
    details = error.get("details") if isinstance(error.get("details"), dict) else {}
    assert isinstance(details, dict)
    missing: Any = None
    if details.get("code") == "MISSING_SCOPE" or message.startswith("missing scope"):
        missing = details.get("missingScope") or message.partition(":")[2].strip() or "?"
    elif (
        method in ADMIN_METHODS
        and ADMIN_SCOPE not in scopes
        and message.strip().lower() in ("unauthorized", "forbidden")
    ):
        missing = ADMIN_SCOPE  # 7.35 names no scope for these; admin is what they lack
    if missing is not None:
        fix = (
            admin_scope_fix(config, method, scopes, pending)
            if missing == ADMIN_SCOPE
            else f"this connection holds {', '.join(scopes) or 'no scopes'}; {method} needs "
            f"{missing}: make the change on the gateway host, or pair a device with that scope"
        )
        return GatewayScopeError(
            config.label,
            message,
            code=str(code) if code else None,
            method=method,
            details={**details, "missingScope": missing},
            fix=fix,
        )
    return GatewayRequestError(
        config.label, message, code=str(code) if code else None, method=method, details=details
    )


class GatewayClient:
    """Keeps one connection to ``config`` alive and exposes ``request``."""

    def __init__(
        self,
        config: GatewayConfig,
        *,
        identity: DeviceIdentity | None,
        tokens: DeviceTokenStore | None,
        on_state: StateCallback,
        on_event: EventCallback,
        on_connected: ConnectedCallback,
        scopes: Sequence[str] | None = None,
        client_id: str = CLIENT_ID,
        client_mode: str = CLIENT_MODE,
        backoff: Backoff | None = None,
        pairing_retry_max: float = 5.0,
        handshake_timeout: float = 10.0,
        request_timeout: float = 30.0,
        tick_interval_override_ms: int | None = None,
        max_frame_bytes: int | None = None,
        min_tick_interval_ms: int = MIN_TICK_MS,
        stable_after: float = STABLE_AFTER_S,
        upgrade_retry: float = UPGRADE_RETRY_S,
    ) -> None:
        self.config = config
        self.identity = identity
        self.tokens = tokens
        # What we ask for (config.scopes unless told); _connect_scopes what the next connect
        # asks for: the approved subset while a wider set waits for approval (pending_upgrade).
        self.scopes = tuple(scopes) if scopes is not None else config.scopes
        self._connect_scopes = self.scopes
        self.pending_upgrade: GatewayPairingRequired | None = None
        self.upgrade_retry = upgrade_retry
        self._reconnect_now = False
        self.client_id = client_id
        self.client_mode = client_mode
        self.backoff = backoff or Backoff()
        self.pairing_retry_max = pairing_retry_max
        self.handshake_timeout = handshake_timeout
        self.request_timeout = request_timeout
        self._tick_override = tick_interval_override_ms
        self.max_frame_bytes = max_frame_bytes or config.max_frame_bytes
        self.min_tick_interval_ms = min_tick_interval_ms
        self.stable_after = stable_after
        self._on_state = on_state
        self._on_event = on_event
        self._on_connected = on_connected
        self.state = ConnectionState("disconnected", "not started", {"gateway": config.name})
        self.hello: Hello | None = None
        self.last_error: Exception | None = None
        self._ws: ClientConnection | None = None
        self._pending: dict[str, tuple[asyncio.Future[Any], str]] = {}
        self._alive = asyncio.Event()
        self._closed = asyncio.Event()
        self._runner: asyncio.Task[None] | None = None
        self._lost_reason = ""
        self._fault = False  # the current connection was closed by us for a fault (see drop)
        self.connects = 0  # successful handshakes so far (tests and the status bar use it)
        self.latency_ms: float | None = None
        """The last WebSocket ping's round trip (None before the first pong, or unanswered)."""
        self.ping_interval = PING_INTERVAL_S

    # -- public -----------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self._ws is not None and self.state.state == "connected"

    def start(self) -> None:
        if self._runner is None:
            self._runner = asyncio.create_task(self._run(), name=f"gateway {self.config.name}")

    async def aclose(self, timeout: float = 5.0) -> None:
        self._closed.set()
        ws = self._ws
        if ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ws.close(1000, "client closing"), timeout)
        if self._runner is not None:
            self._runner.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(self._runner, timeout)
        self._fail_pending("the client was closed")
        self._set_state("disconnected", "closed")

    async def request(
        self, method: str, params: Mapping[str, Any] | None = None, *, timeout: float | None = None
    ) -> Any:
        """Send one request and return its payload; raises ``GatewayRequestError`` if refused."""
        ws = self._ws
        if ws is None or self.state.state != "connected":
            raise GatewayUnavailableError(
                self.config.label,
                f"not connected ({self.state.detail or self.state.state}); {method} was not sent",
                fix="wait until the status bar shows the gateway connected, then retry",
            )
        request_id = str(uuid.uuid4())
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = (future, method)
        frame = {"type": "req", "id": request_id, "method": method, "params": dict(params or {})}
        try:
            await ws.send(_dumps(frame))
            return await asyncio.wait_for(future, timeout or self.request_timeout)
        except ConnectionClosed:
            raise GatewayUnavailableError(
                self.config.label,
                f"the connection closed before {method} was sent",
                fix="retry once the gateway is connected again",
            ) from None
        except TimeoutError:
            raise GatewayRequestTimeout(
                self.config.label,
                f"no answer to {method} within {timeout or self.request_timeout:g}s",
                method=method,
                fix="it may or may not have been applied; check the row, then retry",
            ) from None
        finally:
            self._pending.pop(request_id, None)

    async def drop(self, reason: str) -> None:
        """Close the connection for a fault (e.g. a request it never answered); ``reason`` is
        what the state then says. It reconnects with backoff that keeps growing."""
        ws = self._ws
        if ws is None or self._closed.is_set():
            return
        self._lost_reason, self._fault = reason, True
        with contextlib.suppress(Exception):
            await ws.close(4001, "unanswered request")

    # -- supervisor -------------------------------------------------------------------------

    def _set_state(self, state: str, detail: str = "", **extra: Any) -> None:
        info: dict[str, Any] = {"gateway": self.config.name, "url": self.config.url}
        info.update(extra)
        self.state = ConnectionState(state, detail, info)  # type: ignore[arg-type]
        self._on_state(self.state)

    async def _stored_device_token(self) -> DeviceToken | None:
        # The token file is read in a worker thread: never blocking I/O on the event loop.
        if self.identity is None or self.tokens is None:
            return None
        try:
            return await asyncio.to_thread(
                self.tokens.get, self.config.url, self.identity.device_id
            )
        except Exception:
            return None

    async def _run(self) -> None:
        use_device_token = False
        while not self._closed.is_set():
            self._set_state("connecting", f"connecting to {self.config.url}")
            delay: float
            try:
                started = time.monotonic()
                await self._connect_once(use_device_token)
                if self._closed.is_set():
                    return
                # Ask for the whole set again: it may have been approved meanwhile (if not,
                # the gateway says so and we fall back again).
                self._connect_scopes = self.scopes
                if self._reconnect_now:
                    self._reconnect_now = False
                    self.backoff.reset()
                    continue  # the wider scope was approved: reconnect with it at once
                if not self._fault or time.monotonic() - started >= self.stable_after:
                    self.backoff.reset()  # it was a good connection: come back quickly
                delay = self.backoff.next()
                self._set_state(
                    "disconnected",
                    f"{self._lost_reason or 'connection closed'}; reconnecting in {delay:.0f}s",
                    retry_in=delay,
                )
            except GatewayPairingRequired as exc:
                self.last_error = exc
                approved = self._approved_subset(exc)
                if approved is not None:
                    # A scope upgrade waits for approval: keep working with what is approved
                    # (the state names the approve command) instead of showing nothing.
                    self.pending_upgrade = exc
                    self._connect_scopes = approved
                    continue
                delay = min(self.backoff.next(), self.pairing_retry_max)
                self._set_state(
                    "pairing",
                    exc.describe(),
                    error=exc,
                    request_id=exc.request_id,
                    command=exc.approve_command,
                    retry_in=delay,
                )
            except GatewayAuthError as exc:
                self.last_error = exc
                if (
                    not use_device_token
                    and self.config.token
                    and exc.details.get("canRetryWithDeviceToken")
                    and self.config.token_transport_ok
                    and await self._stored_device_token() is not None
                ):
                    # One bounded retry with the device token this gateway issued us earlier.
                    use_device_token = True
                    continue
                self._set_state("failed", exc.describe(), error=exc)
                return
            except GatewayConnectError as exc:
                self.last_error = exc
                if not exc.retryable:
                    self._set_state("failed", exc.describe(), error=exc)
                    return
                retry_after = exc.details.get("retryAfterMs")
                if isinstance(retry_after, int | float) and retry_after > 0:
                    delay = min(float(retry_after) / 1000, self.backoff.maximum)
                else:
                    delay = self.backoff.next()
                self._set_state(
                    "disconnected", f"{exc.describe()}; retrying in {delay:.0f}s", retry_in=delay
                )
            except (OSError, TimeoutError, WebSocketException) as exc:
                self.last_error = exc
                delay = self.backoff.next()
                self._set_state(
                    "disconnected",
                    f"{self.config.label}: {self._describe_transport_error(exc)}; "
                    f"retrying in {delay:.0f}s",
                    retry_in=delay,
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closed.wait(), delay)

    def _approved_subset(self, exc: GatewayPairingRequired) -> tuple[str, ...] | None:
        """The scopes already approved, when ``exc`` refuses a scope upgrade and they are
        enough to read; None otherwise (a device not paired at all waits as before)."""
        if exc.details.get("reason") != "scope-upgrade":
            return None
        approved = tuple(
            s for s in exc.details.get("approvedScopes") or () if isinstance(s, str) and s
        )
        if not READ_SCOPES.intersection(approved):
            return None
        if not set(approved) < set(self._connect_scopes):
            return None  # not narrower than what we asked: falling back would not help
        return tuple(s for s in self.scopes if s in approved) or approved

    async def _watch_upgrade(self) -> None:
        """While a wider scope set waits for approval: a side handshake asking for it every
        ``upgrade_retry`` s; once one succeeds, reconnect with it (the main connection goes
        on meanwhile)."""
        while self.pending_upgrade is not None:
            await asyncio.sleep(self.upgrade_retry)
            try:
                token, token_kind = await self._choose_token(False)
                async with websockets.connect(
                    self.config.url,
                    compression=None,
                    max_size=self.max_frame_bytes,
                    open_timeout=self.handshake_timeout,
                    close_timeout=2,
                    user_agent_header=f"openclaw-tui/{CLIENT_VERSION}",
                ) as probe:
                    await self._handshake(probe, token, token_kind, scopes=self.scopes)
            except GatewayPairingRequired as exc:
                if exc.request_id != (self.pending_upgrade and self.pending_upgrade.request_id):
                    self.pending_upgrade = exc
                    if self.hello is not None and self.state.state == "connected":
                        self._set_connected(self.hello)  # show the new request id
                continue
            except Exception:  # any other failure: try again later
                continue
            self.pending_upgrade = None
            self._connect_scopes = self.scopes
            self._reconnect_now = True
            self._lost_reason = f"approved {', '.join(self.scopes)}: reconnecting with them"
            ws = self._ws
            if ws is not None:
                with contextlib.suppress(Exception):
                    await ws.close(1000, "scope upgrade approved")
            return

    def _set_connected(self, hello: Hello) -> None:
        tick_ms = self.effective_tick_ms(hello.tick_interval_ms)
        detail = f"connected to OpenClaw {hello.server_version}"
        extra: dict[str, Any] = {}
        pending = self.pending_upgrade
        if pending is not None:
            waiting = [s for s in self.scopes if s not in hello.scopes]
            detail += (
                f" with {', '.join(hello.scopes)}; {', '.join(waiting)} waits for approval: "
                f"on the gateway host run {pending.approve_command}"
            )
            extra = {
                "upgrade_command": pending.approve_command,
                "upgrade_request_id": pending.request_id,
                "upgrade_scopes": waiting,
            }
        self._set_state(
            "connected",
            detail,
            server_version=hello.server_version,
            scopes=list(hello.scopes),
            tick_ms=tick_ms,
            **extra,
        )

    def _describe_transport_error(self, exc: BaseException) -> str:
        oversize = self._oversize_reason(exc)
        if oversize:
            return oversize
        if isinstance(exc, InvalidStatus):
            return (
                f"the server answered HTTP {exc.response.status_code} instead of a WebSocket "
                "(is this the gateway's port?)"
            )
        if isinstance(exc, ConnectionRefusedError):
            return "connection refused (is the gateway running on that host and port?)"
        if isinstance(exc, TimeoutError):
            return "timed out while connecting"
        if isinstance(exc, OSError):
            return f"cannot connect ({exc.strerror or exc})"
        return f"connection failed ({type(exc).__name__}: {exc})"

    def _oversize_reason(self, exc: BaseException) -> str:
        """What to say when we closed the connection for a frame over ``max_frame_bytes``."""
        if not isinstance(exc, ConnectionClosed) or exc.rcvd_then_sent:
            return ""
        if exc.sent is None or exc.sent.code != CloseCode.MESSAGE_TOO_BIG:
            return ""
        limit = self.max_frame_bytes
        size = f"{limit / 2**20:g} MiB" if limit >= 2**20 else f"{limit:,} bytes"
        return (
            f"the gateway sent a frame larger than the {size} limit, so openclaw-tui closed the "
            "connection (if its frames really are that large, raise max_frame_mb for this "
            "gateway in the config file)"
        )

    def effective_tick_ms(self, announced_ms: int) -> int:
        """The tick interval the watchdog uses: the gateway's, clamped to sane bounds."""
        if self._tick_override:
            return self._tick_override
        return max(self.min_tick_interval_ms, min(announced_ms, MAX_TICK_MS))

    async def _choose_token(self, use_device_token: bool) -> tuple[str | None, str]:
        """The token the next ``connect`` carries, and its kind (shared, device or none).

        Refuses (``GatewayInsecureTransportError``) before anything is sent when that token
        would cross the network in clear: ``ws://`` to a non-loopback host without opt-in.
        """
        if self.config.token and not use_device_token:
            token, kind = self.config.token, "shared"
        elif (device_token := await self._stored_device_token()) is not None:
            token, kind = device_token.token, "device"
        else:
            token, kind = None, "none"
        if token and not self.config.token_transport_ok:
            what = (
                f"the token from {self.config.token_source}"
                if kind == "shared"
                else "the device token this gateway issued"
            )
            message, fix = insecure_token_refusal(self.config, what)
            raise GatewayInsecureTransportError(self.config.label, message, fix=fix)
        return token, kind

    async def _connect_once(self, use_device_token: bool) -> None:
        self._lost_reason = ""
        self._fault = False
        token, token_kind = await self._choose_token(use_device_token)
        async with websockets.connect(
            self.config.url,
            compression=None,  # the gateway does not negotiate permessage-deflate
            max_size=self.max_frame_bytes,  # well above real frames (see config); bounds RSS
            open_timeout=self.handshake_timeout,
            close_timeout=2,
            user_agent_header=f"openclaw-tui/{CLIENT_VERSION}",
        ) as ws:
            hello = await self._handshake(ws, token, token_kind)
            self.hello = hello
            self._ws = ws
            self.connects += 1
            if set(self.scopes) <= set(hello.scopes):
                self.pending_upgrade = None
            tick_ms = self.effective_tick_ms(hello.tick_interval_ms)
            self._set_connected(hello)
            reader = asyncio.create_task(self._read(ws))
            watchdog = asyncio.create_task(self._watch(ws, tick_ms))
            on_connected = asyncio.create_task(self._on_connected(hello))
            pinger = asyncio.create_task(self._measure_latency(ws))
            tasks = [reader, watchdog, on_connected, pinger]
            if self.pending_upgrade is not None:
                tasks.append(asyncio.create_task(self._watch_upgrade()))
            try:
                await asyncio.wait({reader, watchdog}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                self._ws = None
                self.latency_ms = None  # no connection, no round trip to show
                for task in tasks:
                    task.cancel()
                for task in tasks:
                    with contextlib.suppress(BaseException):
                        await task
                self._fail_pending(self._lost_reason or "the connection closed")
                if not self._lost_reason:
                    code = ws.close_code
                    self._lost_reason = f"connection closed (code {code})" if code else "closed"

    async def _recv_frame(
        self, ws: ClientConnection, what: str, deadline: float, skipped: int
    ) -> dict[str, Any] | None:
        """The next frame as a JSON object, ``None`` for one that is not; the handshake's one
        ``deadline`` (loop time) bounds the wait however many frames come."""
        remaining = deadline - asyncio.get_running_loop().time()
        try:
            if remaining <= 0:
                raise TimeoutError
            raw = await asyncio.wait_for(ws.recv(), remaining)
        except TimeoutError:
            noise = f" (only {skipped} other frames came)" if skipped else ""
            raise GatewayConnectError(
                self.config.label,
                f"no {what} within {self.handshake_timeout:g}s{noise}",
                fix="check that the URL points at an OpenClaw gateway; openclaw-tui retries",
            ) from None
        try:
            frame = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return None
        return frame if isinstance(frame, dict) else None

    def _connect_params(
        self, nonce: str, challenge_ts: Any, token: str | None, scopes: Sequence[str]
    ) -> dict[str, Any]:
        params: dict[str, Any] = {
            "minProtocol": PROTOCOL_VERSION,
            "maxProtocol": PROTOCOL_VERSION,
            "client": {
                "id": self.client_id,
                "displayName": "openclaw-tui",
                "version": CLIENT_VERSION,
                "platform": sys.platform,
                "mode": self.client_mode,
            },
            "role": ROLE,
            "scopes": list(scopes),
            "caps": [],
            "userAgent": f"openclaw-tui/{CLIENT_VERSION}",
            "locale": "en-US",
        }
        if token:
            params["auth"] = {"token": token}
        if self.identity is not None:
            # The gateway docs (2026.9.6) ask for the challenge ts as signedAt; both accept it.
            signed_at = int(challenge_ts) if isinstance(challenge_ts, int | float) else None
            signed_at = signed_at or int(time.time() * 1000)
            payload = signature_payload_v3(
                device_id=self.identity.device_id,
                client_id=self.client_id,
                client_mode=self.client_mode,
                role=ROLE,
                scopes=scopes,
                signed_at_ms=signed_at,
                token=token,
                nonce=nonce,
                platform=sys.platform,
                device_family=None,
            )
            params["device"] = {
                "id": self.identity.device_id,
                "publicKey": self.identity.public_key,
                "signature": self.identity.sign(payload),
                "signedAt": signed_at,
                "nonce": nonce,
            }
        return params

    async def _handshake(
        self,
        ws: ClientConnection,
        token: str | None,
        token_kind: str,
        *,
        scopes: Sequence[str] | None = None,
    ) -> Hello:
        # One deadline for the whole exchange: unrelated frames cannot keep it "connecting".
        deadline = asyncio.get_running_loop().time() + self.handshake_timeout
        skipped = 0
        while True:
            challenge = await self._recv_frame(ws, "connect.challenge", deadline, skipped)
            payload = challenge.get("payload") if challenge is not None else None
            if (
                challenge is not None
                and challenge.get("type") == "event"
                and challenge.get("event") == "connect.challenge"
                and isinstance(payload, dict)
                and isinstance(payload.get("nonce"), str)
            ):
                break
            skipped += 1
            if skipped > MAX_HANDSHAKE_NOISE:
                raise GatewayConnectError(
                    self.config.label,
                    f"sent {skipped} frames without the connect.challenge it must start with",
                    fix="check that the URL points at an OpenClaw gateway (2026.7.35 or later); "
                    "openclaw-tui retries",
                )
        asked = tuple(scopes) if scopes is not None else self._connect_scopes
        params = self._connect_params(payload["nonce"], payload.get("ts"), token, asked)
        request_id = str(uuid.uuid4())
        await ws.send(
            _dumps({"type": "req", "id": request_id, "method": "connect", "params": params})
        )
        skipped = 0
        while True:
            frame = await self._recv_frame(ws, "answer to connect", deadline, skipped)
            if frame is not None and frame.get("type") == "res" and frame.get("id") == request_id:
                break
            skipped += 1  # an event (tick, health) before the answer; the deadline bounds them
        if not frame.get("ok"):
            error = frame.get("error") if isinstance(frame.get("error"), dict) else {}
            raise connect_error(self.config, error or {}, token_kind=token_kind)
        hello = frame.get("payload")
        if not isinstance(hello, dict) or hello.get("type") != "hello-ok":
            raise GatewayProtocolError(
                self.config.label, "answered connect without hello-ok", fix="update openclaw-tui"
            )
        if hello.get("protocol") != PROTOCOL_VERSION:
            raise GatewayProtocolError(
                self.config.label,
                f"agreed to protocol {hello.get('protocol')!r}, not {PROTOCOL_VERSION}",
                fix="use an OpenClaw gateway that speaks protocol 4",
            )
        auth = hello.get("auth") if isinstance(hello.get("auth"), dict) else {}
        server = hello.get("server") if isinstance(hello.get("server"), dict) else {}
        policy = hello.get("policy") if isinstance(hello.get("policy"), dict) else {}
        assert isinstance(auth, dict) and isinstance(server, dict) and isinstance(policy, dict)
        scopes = tuple(s for s in auth.get("scopes") or () if isinstance(s, str))
        tick = policy.get("tickIntervalMs")
        result = Hello(
            protocol=PROTOCOL_VERSION,
            server_version=str(server.get("version") or "?"),
            conn_id=str(server.get("connId") or ""),
            role=str(auth.get("role") or ROLE),
            scopes=scopes,
            tick_interval_ms=int(tick) if isinstance(tick, int) and tick > 0 else DEFAULT_TICK_MS,
            auth_method=str(auth.get("method") or ""),
            raw=hello,
        )
        device_token = auth.get("deviceToken")
        if isinstance(device_token, str) and device_token and self.identity and self.tokens:
            issued = auth.get("issuedAtMs")
            kept = DeviceToken(
                device_token, result.role, scopes, issued if isinstance(issued, int) else None
            )
            await asyncio.to_thread(self.tokens.put, self.config.url, self.identity.device_id, kept)
        if not READ_SCOPES.intersection(scopes):
            raise GatewayScopeMismatchError(
                self.config.label,
                "connected, but the gateway granted no read scope to this client "
                f"(scopes: {', '.join(scopes) or 'none'})",
                fix="connect with a device identity and approve its pairing on the host, or "
                "reach the gateway through an SSH tunnel to its loopback port",
            )
        return result

    async def _read(self, ws: ClientConnection) -> None:
        try:
            async for raw in ws:
                self._alive.set()
                try:
                    frame = orjson.loads(raw)
                except orjson.JSONDecodeError:
                    continue  # a frame we cannot parse carries nothing we could apply
                if not isinstance(frame, dict):
                    continue
                kind = frame.get("type")
                if kind == "res":
                    self._resolve(frame)
                elif kind == "event":
                    name = frame.get("event")
                    payload = frame.get("payload")
                    seq = frame.get("seq")
                    if isinstance(name, str):
                        try:
                            self._on_event(
                                name,
                                payload if isinstance(payload, dict) else {},
                                seq if isinstance(seq, int) else None,
                            )
                        except Exception as exc:
                            # One event we could not apply must not take the connection down;
                            # the next re-list repairs the row.
                            self.last_error = exc
        except ConnectionClosed as exc:
            oversize = self._oversize_reason(exc)
            if oversize:
                self._lost_reason, self._fault = f"{self.config.label}: {oversize}", True
            elif not self._lost_reason:
                self._lost_reason = f"connection closed (code {exc.rcvd.code if exc.rcvd else '?'})"

    def _resolve(self, frame: Mapping[str, Any]) -> None:
        slot = self._pending.get(str(frame.get("id")))
        if slot is None:
            return  # an answer to a request that timed out already
        future, method = slot
        if future.done():
            return
        if frame.get("ok"):
            future.set_result(frame.get("payload"))
        else:
            error = frame.get("error") if isinstance(frame.get("error"), dict) else {}
            scopes = self.hello.scopes if self.hello else ()
            future.set_exception(
                request_error(self.config, method, error or {}, scopes, self.pending_upgrade)
            )

    async def _measure_latency(self, ws: ClientConnection) -> None:
        """Ping the gateway now and every ``ping_interval``: the pong's round trip is the
        connection's latency. An unanswered ping leaves None (the tick watchdog, not this,
        decides that a connection is dead)."""
        while True:
            try:
                pong = await ws.ping()
                seconds = await asyncio.wait_for(pong, PING_TIMEOUT_S)
            except (ConnectionClosed, TimeoutError):
                self.latency_ms = None
            except Exception:  # a ping we could not send says nothing about the gateway
                self.latency_ms = None
            else:
                self.latency_ms = float(seconds) * 1000
            await asyncio.sleep(self.ping_interval)

    async def _watch(self, ws: ClientConnection, tick_ms: int) -> None:
        limit = 2 * tick_ms / 1000
        while True:
            self._alive.clear()
            try:
                await asyncio.wait_for(self._alive.wait(), limit)
            except TimeoutError:
                self._lost_reason = f"no tick from the gateway for {limit:g}s"
                self._fault = True
                with contextlib.suppress(Exception):
                    await ws.close(4000, "tick timeout")
                return

    def _fail_pending(self, reason: str) -> None:
        for future, method in list(self._pending.values()):
            if not future.done():
                future.set_exception(
                    GatewayUnavailableError(
                        self.config.label,
                        f"{reason} before the gateway answered {method}",
                        fix="it may or may not have been applied; check the row, then retry",
                    )
                )
