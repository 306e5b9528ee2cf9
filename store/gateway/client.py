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
doubling to 30 s, reset after each successful handshake), retries by itself while a pairing
request waits for approval, and stops for good on errors that retrying cannot fix (token or
protocol mismatch), reporting every step as a ``ConnectionState``.
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

from openclaw_tui import __version__
from openclaw_tui.store.events import ConnectionState
from openclaw_tui.store.gateway.config import GatewayConfig
from openclaw_tui.store.gateway.errors import (
    GatewayAuthError,
    GatewayConnectError,
    GatewayPairingRequired,
    GatewayProtocolError,
    GatewayRequestError,
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

PROTOCOL_VERSION = 4
CLIENT_ID = "openclaw-tui"  # one of the gateway's closed set of client ids
CLIENT_MODE = "ui"
CLIENT_VERSION = __version__
ROLE = "operator"
DEFAULT_SCOPES: tuple[str, ...] = ("operator.read", "operator.write")
READ_SCOPES = frozenset({"operator.read", "operator.write", "operator.admin"})
DEFAULT_TICK_MS = 30_000

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
                "give the gateway's shared token with --token-env NAME, the config file or "
                "OPENCLAW_GATEWAY_TOKEN, or pair this device again"
            )
        elif token_kind == "none":
            fix = (
                "this gateway needs its token: export it in a variable and pass --token-env NAME, "
                "put it in the config file, or set OPENCLAW_GATEWAY_TOKEN"
            )
        else:
            fix = (
                "use this gateway's token (gateway.auth.token on its host) via --token-env NAME, "
                "the config file or OPENCLAW_GATEWAY_TOKEN"
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


def request_error(
    config: GatewayConfig, method: str, error: Mapping[str, Any], scopes: Sequence[str]
) -> GatewayRequestError:
    """A refused request as a ``StoreError`` carrying the gateway's own message verbatim."""
    message = str(error.get("message") or f"{method} failed")
    code = error.get("code")
    details = error.get("details") if isinstance(error.get("details"), dict) else {}
    assert isinstance(details, dict)
    if details.get("code") == "MISSING_SCOPE" or message.startswith("missing scope"):
        missing = details.get("missingScope") or message.partition(":")[2].strip() or "?"
        return GatewayScopeError(
            config.label,
            message,
            code=str(code) if code else None,
            method=method,
            details=details,
            fix=f"this connection holds {', '.join(scopes) or 'no scopes'}; {method} needs "
            f"{missing}: make the change on the gateway host, or pair a device with that scope",
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
        scopes: Sequence[str] = DEFAULT_SCOPES,
        client_id: str = CLIENT_ID,
        client_mode: str = CLIENT_MODE,
        backoff: Backoff | None = None,
        pairing_retry_max: float = 5.0,
        handshake_timeout: float = 10.0,
        request_timeout: float = 30.0,
        tick_interval_override_ms: int | None = None,
    ) -> None:
        self.config = config
        self.identity = identity
        self.tokens = tokens
        self.scopes = tuple(scopes)
        self.client_id = client_id
        self.client_mode = client_mode
        self.backoff = backoff or Backoff()
        self.pairing_retry_max = pairing_retry_max
        self.handshake_timeout = handshake_timeout
        self.request_timeout = request_timeout
        self._tick_override = tick_interval_override_ms
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
        self.connects = 0  # successful handshakes so far (tests and the status bar use it)

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
            raise GatewayUnavailableError(
                self.config.label,
                f"no answer to {method} within {timeout or self.request_timeout:.0f}s",
                fix="it may or may not have been applied; check the row, then retry",
            ) from None
        finally:
            self._pending.pop(request_id, None)

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
                await self._connect_once(use_device_token)
                if self._closed.is_set():
                    return
                delay = self.backoff.next()
                self._set_state(
                    "disconnected",
                    f"{self._lost_reason or 'connection closed'}; reconnecting in {delay:.0f}s",
                    retry_in=delay,
                )
            except GatewayPairingRequired as exc:
                self.last_error = exc
                delay = min(self.backoff.next(), self.pairing_retry_max)
                self._set_state(
                    "pairing",
                    exc.describe(),
                    request_id=exc.request_id,
                    command=exc.approve_command,
                    retry_in=delay,
                )
            except GatewayAuthError as exc:
                self.last_error = exc
                trusted = self.config.is_loopback or self.config.is_tls
                if (
                    not use_device_token
                    and self.config.token
                    and exc.details.get("canRetryWithDeviceToken")
                    and trusted
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

    def _describe_transport_error(self, exc: BaseException) -> str:
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

    async def _connect_once(self, use_device_token: bool) -> None:
        self._lost_reason = ""
        async with websockets.connect(
            self.config.url,
            compression=None,  # the gateway does not negotiate permessage-deflate
            max_size=None,  # a 10,000-row sessions.list page is large; the gateway bounds it
            open_timeout=self.handshake_timeout,
            close_timeout=2,
            user_agent_header=f"openclaw-tui/{CLIENT_VERSION}",
        ) as ws:
            hello = await self._handshake(ws, use_device_token)
            self.hello = hello
            self._ws = ws
            self.connects += 1
            self.backoff.reset()
            self._set_state(
                "connected",
                f"connected to OpenClaw {hello.server_version}",
                server_version=hello.server_version,
                scopes=list(hello.scopes),
            )
            tick_ms = self._tick_override or hello.tick_interval_ms
            reader = asyncio.create_task(self._read(ws))
            watchdog = asyncio.create_task(self._watch(ws, tick_ms))
            on_connected = asyncio.create_task(self._on_connected(hello))
            try:
                await asyncio.wait({reader, watchdog}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                self._ws = None
                for task in (reader, watchdog, on_connected):
                    task.cancel()
                for task in (reader, watchdog, on_connected):
                    with contextlib.suppress(BaseException):
                        await task
                self._fail_pending(self._lost_reason or "the connection closed")
                if not self._lost_reason:
                    code = ws.close_code
                    self._lost_reason = f"connection closed (code {code})" if code else "closed"

    async def _recv_frame(self, ws: ClientConnection, what: str) -> dict[str, Any]:
        try:
            raw = await asyncio.wait_for(ws.recv(), self.handshake_timeout)
        except TimeoutError:
            raise GatewayConnectError(
                self.config.label,
                f"no {what} within {self.handshake_timeout:.0f}s",
                fix="check that the URL points at an OpenClaw gateway",
            ) from None
        try:
            frame = orjson.loads(raw)
        except orjson.JSONDecodeError:
            frame = None
        if not isinstance(frame, dict):
            raise GatewayProtocolError(
                self.config.label,
                f"sent something that is not a JSON object while waiting for {what}",
                fix="check that the URL points at an OpenClaw gateway",
            )
        return frame

    def _connect_params(
        self,
        nonce: str,
        challenge_ts: Any,
        use_device_token: bool,
        device_token: DeviceToken | None,
    ) -> tuple[dict[str, Any], str]:
        token: str | None
        if self.config.token and not use_device_token:
            token, kind = self.config.token, "shared"
        elif device_token is not None:
            token, kind = device_token.token, "device"
        else:
            token, kind = None, "none"
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
            "scopes": list(self.scopes),
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
                scopes=self.scopes,
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
        return params, kind

    async def _handshake(self, ws: ClientConnection, use_device_token: bool) -> Hello:
        challenge = await self._recv_frame(ws, "connect.challenge")
        payload = challenge.get("payload")
        if (
            challenge.get("type") != "event"
            or challenge.get("event") != "connect.challenge"
            or not isinstance(payload, dict)
            or not isinstance(payload.get("nonce"), str)
        ):
            raise GatewayProtocolError(
                self.config.label,
                "did not start with a connect.challenge event",
                fix="check that the URL points at an OpenClaw gateway (2026.7.35 or later)",
            )
        params, token_kind = self._connect_params(
            payload["nonce"],
            payload.get("ts"),
            use_device_token,
            await self._stored_device_token(),
        )
        request_id = str(uuid.uuid4())
        await ws.send(
            _dumps({"type": "req", "id": request_id, "method": "connect", "params": params})
        )
        while True:
            frame = await self._recv_frame(ws, "the connect answer")
            if frame.get("type") == "res" and frame.get("id") == request_id:
                break
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
            token = DeviceToken(
                device_token, result.role, scopes, issued if isinstance(issued, int) else None
            )
            await asyncio.to_thread(
                self.tokens.put, self.config.url, self.identity.device_id, token
            )
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
            if not self._lost_reason:
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
            future.set_exception(request_error(self.config, method, error or {}, scopes))

    async def _watch(self, ws: ClientConnection, tick_ms: int) -> None:
        limit = 2 * tick_ms / 1000
        while True:
            self._alive.clear()
            try:
                await asyncio.wait_for(self._alive.wait(), limit)
            except TimeoutError:
                self._lost_reason = f"no tick from the gateway for {limit:g}s"
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
