"""A small OpenClaw-gateway stand-in for ``make test``: real WebSocket, frames shaped like the
captures in ``shared/reference/openclaw-gateway.md``, and the rules observed there enforced.

It is not a mock of our client: it verifies what our client sends (the first frame is
``connect``, protocol range, the closed client id/mode sets, the v3 device signature over the
challenge nonce, the shared/device token, pairing, scopes per method, the ``sessions.patch`` and
``sessions.list`` param schemas) and answers with the exact error shapes and texts the real
2026.7.35 / 2026.9.6 gateways sent. ``flavor`` picks which release's event shape it pushes
(``"7"``: flat ``sessions.changed`` payload without ``seq``; ``"9"``: full row in
``payload.session`` with ``seq`` and a key-less follow-up after a delete).

Test hooks: ``patch_many`` (offer ``sessions.patchMany``), ``refuse`` (a key's writes are
refused with that message), ``hold`` (answer those methods only once ``release`` is set,
counting ``max_in_flight``), ``approve``, ``emit``, ``seed`` (many realistic sessions),
``churn`` (changes at a rate, each with its event), ``drop_all``, ``silent`` (stop all frames,
as a dead link would), counters of connects and requests, and ``wait_for`` on a condition.
Misbehaviours a hostile or broken gateway shows: ``mute`` (methods never answered),
``endless_list`` (``hasMore`` forever), ``policy_tick_ms`` (announce another tick interval than
the one kept), ``junk_before_challenge`` (frames sent before the challenge), ``connect_noise``
(answer ``connect`` only with unrelated events while set). ``tokens_seen`` records every
``auth.token``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from openclaw_tui.store.gateway.identity import b64url_decode, signature_payload_v3
from openclaw_tui.store.synthetic import generate_store

CLIENT_IDS = frozenset(
    [
        "cli",
        "openclaw-tui",
        "openclaw-control-ui",
        "webchat-ui",
        "webchat",
        "gateway-client",
        "openclaw-macos",
        "openclaw-ios",
        "openclaw-android",
        "node-host",
        "test",
        "fingerprint",
        "openclaw-probe",
    ]
)
CLIENT_MODES = frozenset(["webchat", "cli", "ui", "backend", "node", "probe", "test"])
PATCH_FIELDS_7 = frozenset(
    [
        "key",
        "agentId",
        "label",
        "category",
        "archived",
        "pinned",
        "unread",
        "thinkingLevel",
        "fastMode",
        "verboseLevel",
        "traceLevel",
        "reasoningLevel",
        "responseUsage",
        "elevatedLevel",
        "execHost",
        "execSecurity",
        "execAsk",
        "execNode",
        "model",
        "spawnedBy",
        "spawnedWorkspaceDir",
        "spawnedCwd",
        "spawnDepth",
        "subagentRole",
        "subagentControlScope",
        "inheritedToolAllow",
        "inheritedToolDeny",
        "sendPolicy",
        "groupActivation",
    ]
)
LIST_PARAMS_7 = frozenset(
    [
        "limit",
        "offset",
        "activeMinutes",
        "includeGlobal",
        "includeUnknown",
        "configuredAgentsOnly",
        "includeDerivedTitles",
        "includeLastMessage",
        "label",
        "spawnedBy",
        "agentId",
        "search",
    ]
)
ADMIN_PATCH_FIELDS_7 = frozenset({"thinkingLevel", "model", "fastMode", "verboseLevel"})
THINKING_7 = ("off", "minimal", "low", "medium", "high", "xhigh")
TOKEN_FIELDS = ("inputTokens", "outputTokens", "totalTokens")


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class Device:
    device_id: str
    scopes: tuple[str, ...]
    approved: bool
    request_id: str
    token: str | None = None
    # A pending scope upgrade: its request id and the scopes it asks for. Chosen here (not
    # observed): the same id while the same set is asked for again, as a pairing request does.
    upgrade_request: str | None = None
    upgrade_scopes: tuple[str, ...] = ()


@dataclass
class Conn:
    ws: ServerConnection
    scopes: tuple[str, ...] = ()
    subscribed: bool = False
    device_id: str | None = None
    # The session order of the listing this connection is paging through (made at offset 0):
    # later pages index it instead of sorting 100,000 sessions again per page.
    list_order: list[str] | None = None


@dataclass
class FakeGateway:
    token: str = "shared-secret-token"
    flavor: str = "7"  # "7": 2026.7.35 shapes and scope rules; "9": 2026.9.6 shapes
    protocol: int = 4
    require_pairing: bool = False  # True: behave as towards a non-loopback client
    tick_ms: int = 30_000
    grant_scopes: tuple[str, ...] | None = None  # override what hello-ok grants
    host: str = "127.0.0.1"
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    devices: dict[str, Device] = field(default_factory=dict)
    conns: list[Conn] = field(default_factory=list)
    connect_attempts: list[float] = field(default_factory=list)
    connects: int = 0
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # rule violations seen (tests assert none)
    silent: bool = False
    overloaded_lists: int = 0  # answer this many sessions.list calls with 2026.9's overload
    mute: set[str] = field(default_factory=set)  # methods received but never answered
    endless_list: bool = False  # sessions.list answers hasMore with a further offset, forever
    policy_tick_ms: int | None = None  # what hello-ok announces, if not tick_ms
    junk_before_challenge: list[str] = field(default_factory=list)
    connect_noise: bool = False  # answer connect only with health events while this is set
    tokens_seen: list[str | None] = field(default_factory=list)  # auth.token of every connect
    patch_many: bool = False  # offer sessions.patchMany (hello lists it; 2026.8+ gateways)
    refuse: dict[str, str] = field(default_factory=dict)  # key -> message its writes get
    hold: set[str] = field(default_factory=set)  # methods answered only once `release` is set
    release: asyncio.Event = field(default_factory=asyncio.Event)
    in_flight: int = 0  # held requests not answered yet
    latency_ms: float = 0.0  # benchmarks: every request answered this long after it came
    max_in_flight: int = 0
    ticks_sent: int = 0
    seq: int = 0
    _server: Server | None = None
    _changed: asyncio.Condition | None = None
    _tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    @property
    def version(self) -> str:
        return "2026.7.35" if self.flavor == "7" else "2026.9.6"

    @property
    def url(self) -> str:
        assert self._server is not None
        port = self._server.sockets[0].getsockname()[1]
        return f"ws://{self.host}:{port}/"

    async def __aenter__(self) -> FakeGateway:
        self._changed = asyncio.Condition()
        self._server = await serve(self._handle, self.host, 0, compression=None, max_size=None)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._server.wait_closed(), 5)
        for task in list(self._tasks):
            task.cancel()

    # -- test hooks --------------------------------------------------------------------------

    async def _notify(self) -> None:
        assert self._changed is not None
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        assert self._changed is not None

        async def wait() -> None:
            async with self._changed:  # type: ignore[union-attr]
                await self._changed.wait_for(predicate)  # type: ignore[union-attr]

        await asyncio.wait_for(wait(), timeout)

    def pending_requests(self) -> list[str]:
        pairing = [d.request_id for d in self.devices.values() if not d.approved]
        upgrades = [d.upgrade_request for d in self.devices.values() if d.upgrade_request]
        return pairing + [r for r in upgrades if r]

    def approve(self, request_id: str) -> None:
        """``openclaw devices approve <request_id>``: a pairing or a scope upgrade."""
        for device in self.devices.values():
            if device.request_id == request_id:
                device.approved = True
                return
            if device.upgrade_request == request_id:
                device.scopes = tuple(sorted({*device.scopes, *device.upgrade_scopes}))
                device.upgrade_request, device.upgrade_scopes = None, ()
                return
        raise KeyError(request_id)

    async def drop_all(self) -> None:
        for conn in list(self.conns):
            await conn.ws.close(1012, "service restart")

    def count(self, method: str) -> int:
        return sum(1 for m, _ in self.requests if m == method)

    def params_of(self, method: str) -> list[dict[str, Any]]:
        return [p for m, p in self.requests if m == method]

    async def emit(self, payload: dict[str, Any], *, seq: bool | None = None) -> None:
        """Push one ``sessions.changed`` event to every subscriber."""
        frame: dict[str, Any] = {"type": "event", "event": "sessions.changed", "payload": payload}
        if seq if seq is not None else self.flavor == "9":
            self.seq += 1
            frame["seq"] = self.seq
        for conn in list(self.conns):
            if conn.subscribed:
                with contextlib.suppress(ConnectionClosed):
                    await conn.ws.send(orjson.dumps(frame).decode())

    def row(self, key: str) -> dict[str, Any]:
        """The list row for a session, shaped like the captures."""
        entry = self.sessions[key]
        row: dict[str, Any] = {
            "key": key,
            "kind": "direct",
            "label": entry.get("label"),
            "displayName": entry.get("label"),
            "updatedAt": entry["updatedAt"],
            "archived": entry.get("archived", False),
            "pinned": entry.get("pinned", False),
            "unread": False,
            "sessionId": entry["sessionId"],
            "thinkingOptions": list(THINKING_7),
            "thinkingDefault": "medium",
            "modelProvider": "openai",
            "model": "gpt-5.5",
            "contextTokens": 272000,
            "hasActiveRun": False,
        }
        for name in ("thinkingLevel", "sendPolicy", "category", *TOKEN_FIELDS):
            if entry.get(name) is not None:
                row[name] = entry[name]
        if row["label"] is None:
            del row["label"], row["displayName"]
        if self.flavor == "9":
            row["snapshotAt"] = now_ms()
            row["classification"] = "main" if key.endswith(":main") else "explicit"
        return row

    def changed_payload(self, key: str, reason: str) -> dict[str, Any]:
        row = self.row(key)
        if self.flavor == "9":
            return {
                "sessionKey": key,
                "agentId": "main",
                "reason": reason,
                "ts": now_ms(),
                "session": row,
                "updatedAt": row["updatedAt"],
                "sessionId": row["sessionId"],
            }
        flat = {k: v for k, v in row.items() if k not in ("key", "thinkingOptions")}
        # 7.35 sends cleared fields as explicit nulls.
        for name in ("label", "displayName", "thinkingLevel", "category"):
            flat.setdefault(name, None)
        return {"sessionKey": key, "reason": reason, "ts": now_ms(), **flat}

    def put(self, key: str, **fields: Any) -> dict[str, Any]:
        """Create/update a session directly (as another client would), without an event."""
        entry = self.sessions.setdefault(key, {"sessionId": str(uuid.uuid4())})
        entry.update(fields)
        entry["updatedAt"] = max(now_ms(), entry.get("updatedAt", 0) + 1)
        return entry

    def seed(self, count: int, *, seed: int = 0) -> None:
        """``count`` realistic sessions (keys, labels, tokens, ages of ``store.synthetic``)."""
        for key, entry in generate_store(count, seed=seed, now_ms=now_ms()).items():
            session: dict[str, Any] = {
                "sessionId": entry.get("sessionId") or str(uuid.uuid4()),
                "updatedAt": entry.get("updatedAt") or now_ms(),
            }
            for name in ("label", "thinkingLevel", "category", *TOKEN_FIELDS):
                if entry.get(name) is not None:
                    session[name] = entry[name]
            self.sessions[key] = session

    async def churn(
        self,
        rate: float,
        seconds: float,
        *,
        new_share: float = 0.0,
        seed: int = 0,
        stop: asyncio.Event | None = None,
    ) -> int:
        """Change sessions at ``rate`` per second for ``seconds`` (or until ``stop``), as other
        clients' writes would: each change is a ``put`` and its ``sessions.changed`` event, in
        order. ``new_share`` of them create a session. Returns how many changes were made."""
        rng = random.Random(seed)
        keys = list(self.sessions)
        start = time.perf_counter()
        done = 0
        while (elapsed := time.perf_counter() - start) < seconds and not (stop and stop.is_set()):
            for _ in range(int(rate * elapsed) - done):
                if not keys or rng.random() < new_share:
                    key, reason = (
                        f"agent:main:subagent:{uuid.UUID(int=rng.getrandbits(128))}",
                        "create",
                    )
                    keys.append(key)
                    self.put(key, label=f"run {len(keys)}", totalTokens=0)
                else:
                    key, reason = keys[rng.randrange(len(keys))], "patch"
                    entry = self.sessions.get(key)
                    if entry is None:
                        continue  # deleted meanwhile
                    tokens = int(entry.get("totalTokens") or 0) + rng.randrange(1, 5000)
                    self.put(key, totalTokens=tokens, thinkingLevel=rng.choice(THINKING_7))
                await self.emit(self.changed_payload(key, reason))
                done += 1
            await asyncio.sleep(0.002)  # the generator's pace (a fixed rate), not synchronisation
        return done

    # -- protocol ------------------------------------------------------------------------------

    async def _send(self, ws: ServerConnection, frame: dict[str, Any]) -> None:
        if not self.silent:
            await ws.send(orjson.dumps(frame).decode())

    @staticmethod
    def _err(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
        error: dict[str, Any] = {"code": code, "message": message}
        if details:
            error["details"] = details
        return error

    async def _handle(self, ws: ServerConnection) -> None:
        self.connect_attempts.append(time.monotonic())
        await self._notify()
        nonce = str(uuid.uuid4())
        challenge_ts = now_ms()
        for junk in self.junk_before_challenge:
            await ws.send(junk)
        await self._send(
            ws,
            {
                "type": "event",
                "event": "connect.challenge",
                "payload": {"nonce": nonce, "ts": challenge_ts},
            },
        )
        try:
            raw = await asyncio.wait_for(ws.recv(), 10)
        except (TimeoutError, ConnectionClosed):
            return
        frame = orjson.loads(raw)
        if not isinstance(raw, str):
            self.errors.append("connect sent as a binary frame")
        if frame.get("type") != "req" or frame.get("method") != "connect":
            self.errors.append(f"first frame was not connect: {frame!r}")
            await ws.close(1008, "first frame must be connect")
            return
        params = frame.get("params") or {}
        self.tokens_seen.append((params.get("auth") or {}).get("token"))
        await self._notify()
        try:
            while self.connect_noise:
                await self._send(ws, {"type": "event", "event": "health", "payload": {}})
                await asyncio.sleep(0.01)  # the server's own pace, as its tick timer
        except ConnectionClosed:
            return
        result = self._check_connect(params, nonce)
        if "error" in result:
            await self._send(ws, {"type": "res", "id": frame["id"], "ok": False, **result})
            await self._notify()
            with contextlib.suppress(ConnectionClosed):
                await ws.close(1008, "connect failed")
            return
        conn = Conn(ws, tuple(result["scopes"]), device_id=result.get("device_id"))
        hello = self._hello(conn, result)
        await self._send(ws, {"type": "res", "id": frame["id"], "ok": True, "payload": hello})
        self.conns.append(conn)
        self.connects += 1
        await self._notify()
        ticker = asyncio.create_task(self._tick(ws))
        self._tasks.add(ticker)
        try:
            async for message in ws:
                request = orjson.loads(message)
                if request.get("type") != "req" or not isinstance(request.get("id"), str):
                    self.errors.append(f"not a request frame: {request!r}")
                    continue
                method, rparams = request.get("method"), request.get("params") or {}
                self.requests.append((method, rparams))
                if method in self.mute:
                    await self._notify()
                    continue
                if method in self.hold:
                    # Answered later, concurrently: counts how many the client keeps in flight.
                    self.in_flight += 1
                    self.max_in_flight = max(self.max_in_flight, self.in_flight)
                    task = asyncio.create_task(self._answer_held(conn, request, method, rparams))
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)
                    await self._notify()
                    continue
                if (
                    self.latency_ms > 0
                    and method.startswith("sessions.")
                    and method
                    not in (
                        "sessions.list",
                        "sessions.subscribe",
                    )
                ):
                    task = asyncio.create_task(self._answer_late(conn, request, method, rparams))
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)
                    continue
                await self._answer(conn, request, method, rparams)
        except ConnectionClosed:
            pass
        finally:
            ticker.cancel()
            self._tasks.discard(ticker)
            if conn in self.conns:
                self.conns.remove(conn)
            await self._notify()

    async def _answer(
        self, conn: Conn, request: dict[str, Any], method: str, rparams: dict[str, Any]
    ) -> None:
        answer = await self._dispatch(conn, method, rparams)
        if "error" in answer:
            reply = {"type": "res", "id": request["id"], "ok": False, **answer}
        else:
            reply = {"type": "res", "id": request["id"], "ok": True, **answer}
        with contextlib.suppress(ConnectionClosed):
            await self._send(conn.ws, reply)
            await self._after(conn, method, rparams, answer)
        await self._notify()

    async def _answer_late(
        self, conn: Conn, request: dict[str, Any], method: str, rparams: dict[str, Any]
    ) -> None:
        await asyncio.sleep(self.latency_ms / 1000)  # the network and the gateway's own work
        await self._answer(conn, request, method, rparams)

    async def _answer_held(
        self, conn: Conn, request: dict[str, Any], method: str, rparams: dict[str, Any]
    ) -> None:
        await self.release.wait()
        self.in_flight -= 1
        await self._answer(conn, request, method, rparams)

    async def _tick(self, ws: ServerConnection) -> None:
        seq = 0
        while True:
            await asyncio.sleep(self.tick_ms / 1000)  # the server's own tick timer
            seq += 1
            with contextlib.suppress(ConnectionClosed):
                await self._send(
                    ws, {"type": "event", "event": "tick", "payload": {"ts": now_ms()}, "seq": seq}
                )
            if not self.silent:
                self.ticks_sent += 1
                await self._notify()

    def _check_connect(self, params: dict[str, Any], nonce: str) -> dict[str, Any]:
        lo, hi = params.get("minProtocol"), params.get("maxProtocol")
        if not (isinstance(lo, int) and isinstance(hi, int) and lo <= self.protocol <= hi):
            return {
                "error": self._err(
                    "INVALID_REQUEST",
                    "protocol mismatch",
                    {
                        "code": "PROTOCOL_MISMATCH",
                        "clientMinProtocol": lo,
                        "clientMaxProtocol": hi,
                        "expectedProtocol": self.protocol,
                        "minimumProbeProtocol": 3,
                    },
                )
            }
        client = params.get("client") or {}
        if client.get("id") not in CLIENT_IDS or client.get("mode") not in CLIENT_MODES:
            self.errors.append(f"client id/mode outside the allowed set: {client!r}")
            return {"error": self._err("INVALID_REQUEST", "invalid connect params: at /client")}
        scopes = tuple(params.get("scopes") or ())
        token = (params.get("auth") or {}).get("token")
        device = params.get("device")
        known = None
        if device is not None:
            try:
                public = b64url_decode(device["publicKey"])
                if hashlib.sha256(public).hexdigest() != device["id"]:
                    raise ValueError("device id is not sha256(publicKey)")
                if device["nonce"] != nonce:
                    raise ValueError("nonce mismatch")
                payload = signature_payload_v3(
                    device_id=device["id"],
                    client_id=client["id"],
                    client_mode=client["mode"],
                    role=params.get("role", ""),
                    scopes=scopes,
                    signed_at_ms=device["signedAt"],
                    token=token,
                    nonce=device["nonce"],
                    platform=client.get("platform", ""),
                    device_family=client.get("deviceFamily"),
                )
                Ed25519PublicKey.from_public_bytes(public).verify(
                    b64url_decode(device["signature"]), payload.encode()
                )
            except Exception as exc:
                self.errors.append(f"bad device signature: {exc!r}")
                return {
                    "error": self._err(
                        "INVALID_REQUEST",
                        "device signature invalid",
                        {"code": "DEVICE_AUTH_SIGNATURE_INVALID"},
                    )
                }
            known = self.devices.get(device["id"])
        device_token_ok = known is not None and known.token is not None and token == known.token
        if token != self.token and not device_token_ok:
            suffix = (
                "(set gateway.remote.token to match gateway.auth.token)"
                if self.flavor == "7"
                else "(use this gateway's gateway.auth.token or pair the device)"
            )
            return {
                "error": self._err(
                    "INVALID_REQUEST",
                    f"unauthorized: gateway token mismatch {suffix}",
                    {
                        "code": "AUTH_TOKEN_MISMATCH",
                        "authReason": "token_mismatch",
                        "canRetryWithDeviceToken": True,
                        "recommendedNextStep": "retry_with_device_token",
                    },
                )
            }
        if device is None:
            granted = () if self.require_pairing else scopes
            return {"scopes": self.grant_scopes if self.grant_scopes is not None else granted}
        if known is None:
            known = Device(device["id"], scopes, not self.require_pairing, str(uuid.uuid4()))
            self.devices[device["id"]] = known
        if not known.approved:
            return {
                "error": self._err(
                    "NOT_PAIRED",
                    "pairing required: device is not approved yet",
                    {
                        "code": "PAIRING_REQUIRED",
                        "reason": "not-paired",
                        "requestId": known.request_id,
                        "remediationHint": "Approve this device from the pending pairing requests.",
                        "deviceId": known.device_id,
                        "requestedRole": "operator",
                        "requestedScopes": list(scopes),
                    },
                )
            }
        if not set(scopes) <= set(known.scopes):
            if known.upgrade_request is None or set(known.upgrade_scopes) != set(scopes):
                known.upgrade_request, known.upgrade_scopes = str(uuid.uuid4()), scopes
            return {
                "error": self._err(
                    "NOT_PAIRED",
                    "pairing required: device is asking for more scopes than currently approved",
                    {
                        "code": "PAIRING_REQUIRED",
                        "reason": "scope-upgrade",
                        "requestId": known.upgrade_request,
                        "requestedScopes": sorted(scopes),
                        "approvedScopes": sorted(known.scopes),
                    },
                )
            }
        known.token = known.token or f"devtok-{uuid.uuid4()}"
        granted = self.grant_scopes if self.grant_scopes is not None else scopes
        return {
            "scopes": granted,
            "device_id": known.device_id,
            "device_token": known.token,
            "method": "device-token" if device_token_ok and token != self.token else "token",
        }

    def _hello(self, conn: Conn, result: dict[str, Any]) -> dict[str, Any]:
        auth: dict[str, Any] = {"role": "operator", "scopes": list(conn.scopes)}
        if result.get("device_token"):
            auth["deviceToken"] = result["device_token"]
            auth["issuedAtMs"] = now_ms()
        if self.flavor == "9":
            auth["method"] = result.get("method", "token")
        return {
            "type": "hello-ok",
            "protocol": 4,
            "server": {"version": self.version, "connId": str(uuid.uuid4())},
            "features": {
                "methods": [
                    "sessions.list",
                    "sessions.patch",
                    "sessions.subscribe",
                    *(["sessions.patchMany"] if self.patch_many else []),
                ],
                "events": ["tick", "sessions.changed"],
                "capabilities": [],
            },
            "snapshot": {"presence": [], "health": {}, "stateVersion": {"presence": 1}},
            "auth": auth,
            "policy": {
                "maxPayload": 26214400,
                "maxBufferedBytes": 52428800,
                "tickIntervalMs": self.tick_ms
                if self.policy_tick_ms is None
                else self.policy_tick_ms,
            },
        }

    def _scope_error(self, scope: str) -> dict[str, Any]:
        if self.flavor == "7":
            return {"error": self._err("INVALID_REQUEST", f"missing scope: {scope}")}
        return {
            "error": self._err(
                "FORBIDDEN",
                f"missing scope: {scope}",
                {"code": "MISSING_SCOPE", "missingScope": scope, "requiredScopes": [scope]},
            )
        }

    def _has(self, conn: Conn, scope: str) -> bool:
        if "operator.admin" in conn.scopes:
            return True
        return scope in conn.scopes or (
            scope == "operator.read" and "operator.write" in conn.scopes
        )

    async def _dispatch(self, conn: Conn, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "sessions.subscribe":
            if not self._has(conn, "operator.read"):
                return self._scope_error("operator.read")
            conn.subscribed = True
            return {"payload": {"subscribed": True}}
        if method == "sessions.list":
            if not self._has(conn, "operator.read"):
                return self._scope_error("operator.read")
            if self.overloaded_lists > 0:
                self.overloaded_lists -= 1
                return {
                    "error": self._err(
                        "UNAVAILABLE",
                        "WorkerTaskError: worker task capacity reached: code=overloaded",
                    )
                }
            allowed = LIST_PARAMS_7 | ({"archived"} if self.flavor == "9" else set())
            for name in params:
                if name not in allowed:
                    return {
                        "error": self._err(
                            "INVALID_REQUEST",
                            f"invalid sessions.list params: at root: unexpected property '{name}'",
                        )
                    }
            offset = int(params.get("offset", 0))
            limit = int(params.get("limit", 100))
            if offset == 0 or conn.list_order is None:
                conn.list_order = sorted(
                    self.sessions, key=lambda k: -self.sessions[k]["updatedAt"]
                )
            keys = conn.list_order
            # A session deleted since the listing began is not listed (rows are read now).
            page = [k for k in keys[offset : offset + limit] if k in self.sessions]
            more = offset + limit < len(keys) or self.endless_list
            return {
                "payload": {
                    "ts": now_ms(),
                    "path": "(multiple)",
                    "count": len(page),
                    "totalCount": len(keys),
                    "limitApplied": limit,
                    "nextOffset": offset + limit if more else None,
                    "hasMore": more,
                    "defaults": {"thinkingOptions": list(THINKING_7)},
                    "sessions": [self.row(k) for k in page],
                }
            }
        if method == "sessions.patch":
            return self._patch(conn, params)
        if method == "sessions.patchMany" and self.patch_many:
            return self._patch_many(conn, params)
        if method == "sessions.describe":
            if not self._has(conn, "operator.read"):
                return self._scope_error("operator.read")
            if params.get("key") not in self.sessions:
                return {
                    "error": self._err("INVALID_REQUEST", f"session not found: {params.get('key')}")
                }
            return {"payload": {"session": self.row(params["key"])}}
        if method == "sessions.delete":
            if not self._has(conn, "operator.admin") and not params.get("archivedOnly"):
                return self._scope_error("operator.admin")
            key = params.get("key")
            if key in self.refuse:
                return {"error": self._err("INVALID_REQUEST", self.refuse[key])}
            if key == "agent:main:main":
                return {
                    "error": self._err(
                        "INVALID_REQUEST", "Cannot delete the main session (agent:main:main)."
                    )
                }
            deleted = self.sessions.pop(key, None) is not None
            return {"payload": {"ok": True, "key": key, "deleted": deleted, "archived": []}}
        if method == "sessions.create":
            if not self._has(conn, "operator.write"):
                return self._scope_error("operator.write")
            key = params.get("key") or f"agent:main:dashboard:{uuid.uuid4()}"
            entry = self.put(key, label=params.get("label"))
            return {
                "payload": {"ok": True, "key": key, "sessionId": entry["sessionId"], "entry": entry}
            }
        if method == "sessions.reset":
            if not self._has(conn, "operator.admin"):
                return self._scope_error("operator.admin")
            if params.get("key") in self.refuse:
                return {"error": self._err("INVALID_REQUEST", self.refuse[params["key"]])}
            entry = self.put(params["key"], sessionId=str(uuid.uuid4()))
            return {"payload": {"ok": True, "key": params["key"], "entry": entry}}
        return self._scope_error("operator.admin")  # unknown methods default to admin

    def _patch_many(self, conn: Conn, params: dict[str, Any]) -> dict[str, Any]:
        """2026.8+ ``sessions.patchMany {targets: [{key, expectedSessionId?}], patch}`` ->
        ``{outcomes: [{ok: true, key} | {ok: false, key, error: {code, message}}]}``."""
        targets, patch = params.get("targets"), params.get("patch")
        for name in params:
            if name not in ("targets", "patch"):
                return {
                    "error": self._err(
                        "INVALID_REQUEST",
                        f"invalid sessions.patchMany params: at root: unexpected property '{name}'",
                    )
                }
        if not isinstance(targets, list) or not isinstance(patch, dict) or not targets:
            return {
                "error": self._err(
                    "INVALID_REQUEST",
                    "invalid sessions.patchMany params: must have required property 'targets'",
                )
            }
        if len(targets) > 100:
            return {
                "error": self._err(
                    "INVALID_REQUEST",
                    "invalid sessions.patchMany params: at /targets: must NOT have more than "
                    "100 items",
                )
            }
        if "key" in patch:
            return {
                "error": self._err(
                    "INVALID_REQUEST",
                    "invalid sessions.patchMany params: at /patch: unexpected property 'key'",
                )
            }
        outcomes: list[dict[str, Any]] = []
        for target in targets:
            key = target.get("key") if isinstance(target, dict) else None
            if key not in self.sessions:
                outcomes.append(
                    {
                        "ok": False,
                        "key": key,
                        "error": self._err("INVALID_REQUEST", f"session not found: {key}"),
                    }
                )
                continue
            extra = {k: v for k, v in target.items() if k == "expectedSessionId"}
            answer = self._patch(conn, {"key": key, **extra, **patch})
            if "error" in answer:
                outcomes.append({"ok": False, "key": key, "error": answer["error"]})
            else:
                outcomes.append({"ok": True, "key": key, "agentId": "main"})
        return {"payload": {"outcomes": outcomes}}

    def _patch(self, conn: Conn, params: dict[str, Any]) -> dict[str, Any]:
        if "key" not in params:
            return {
                "error": self._err(
                    "INVALID_REQUEST",
                    "invalid sessions.patch params: must have required property 'key'",
                )
            }
        allowed = PATCH_FIELDS_7 | ({"expectedSessionId"} if self.flavor == "9" else set())
        for name in params:
            if name not in allowed:
                return {
                    "error": self._err(
                        "INVALID_REQUEST",
                        f"invalid sessions.patch params: at root: unexpected property '{name}'",
                    )
                }
        needs_admin = self.flavor == "7" and ADMIN_PATCH_FIELDS_7 & set(params)
        if needs_admin and not self._has(conn, "operator.admin"):
            return self._scope_error("operator.admin")
        if not self._has(conn, "operator.write"):
            return self._scope_error("operator.write")
        key = params["key"]
        if key in self.refuse:
            return {"error": self._err("INVALID_REQUEST", self.refuse[key])}
        if self.flavor == "9" and "archived" in params:
            expected = params.get("expectedSessionId")
            if expected is None:
                return {
                    "error": self._err(
                        "INVALID_REQUEST",
                        f"expectedSessionId required for session lifecycle patch: {key}",
                    )
                }
            current = self.sessions.get(key, {}).get("sessionId")
            if expected != current:
                return {
                    "error": self._err(
                        "INVALID_REQUEST", f"session {key} changed: expectedSessionId mismatch"
                    )
                }
        level = params.get("thinkingLevel")
        if level is not None and level not in THINKING_7:
            return {
                "error": self._err(
                    "INVALID_REQUEST",
                    "invalid thinkingLevel (use off|minimal|low|medium|high|xhigh)",
                )
            }
        label = params.get("label")
        if label is not None:
            for other, entry in self.sessions.items():
                if other != params["key"] and entry.get("label") == label:
                    return {"error": self._err("INVALID_REQUEST", f"label already in use: {label}")}
        fields = {
            k: v for k, v in params.items() if k not in ("key", "agentId", "expectedSessionId")
        }
        entry = self.sessions.setdefault(params["key"], {"sessionId": str(uuid.uuid4())})
        for name, value in fields.items():
            if value is None:
                entry.pop(name, None)
            else:
                entry[name] = value
        entry["updatedAt"] = max(now_ms(), entry.get("updatedAt", 0) + 1)
        return {
            "payload": {
                "ok": True,
                "path": "/state/agents/main/sessions/sessions.json",
                "key": params["key"],
                "entry": dict(entry),
                "resolved": {"modelProvider": "openai", "model": "gpt-5.5"},
            }
        }

    async def _after(
        self, conn: Conn, method: str, params: dict[str, Any], answer: dict[str, Any]
    ) -> None:
        """Broadcast ``sessions.changed`` after a successful write, as the gateway does."""
        if "error" in answer:
            return
        if method in ("sessions.patch", "sessions.create", "sessions.reset"):
            key = answer["payload"]["key"]
            reason = {"sessions.patch": "patch", "sessions.create": "create"}.get(method, "reset")
            await self.emit(self.changed_payload(key, reason))
        elif method == "sessions.patchMany":
            for outcome in answer["payload"]["outcomes"]:
                if outcome["ok"]:
                    await self.emit(self.changed_payload(outcome["key"], "patch"))
        elif method == "sessions.delete" and answer["payload"]["deleted"]:
            await self.emit({"sessionKey": params["key"], "reason": "delete", "ts": now_ms()})
            if self.flavor == "9":
                await self.emit({"reason": "delete", "ts": now_ms()})
