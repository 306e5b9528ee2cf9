"""The client's Ed25519 device identity and the device tokens gateways issue to it.

Files live in the app's config directory (``store/config_dir.py``: ``$OPENCLAW_TUI_CONFIG_DIR``,
``$XDG_CONFIG_HOME/openclaw-tui`` or ``~/.config/openclaw-tui``), all mode 0600 in a 0700
directory, written atomically (temp file, fsync, rename) so a crash never leaves half a key:

- ``device.json``: ``{"version": 1, "deviceId", "publicKey", "privateKey", "createdAtMs"}``; keys
  are base64url (no padding) of the raw 32 bytes. One identity per client, reused for every
  gateway (the gateway pairs the device, not the connection).
- ``device-tokens.json``: ``{"version": 1, "tokens": {"<gateway url>|<deviceId>": {"token",
  "role", "scopes", "issuedAtMs"}}}``: the token each gateway issued in ``hello-ok``.

The functions here block (file I/O); the gateway store calls them from a worker thread.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import stat
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from openclaw_tui.store.gateway.errors import GatewayConfigError

IDENTITY_FILE = "device.json"
TOKENS_FILE = "device-tokens.json"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def signature_payload_v3(
    *,
    device_id: str,
    client_id: str,
    client_mode: str,
    role: str,
    scopes: Sequence[str],
    signed_at_ms: int,
    token: str | None,
    nonce: str,
    platform: str,
    device_family: str | None,
) -> str:
    """The exact text a gateway verifies the device signature against (payload version 3)."""
    return "|".join(
        [
            "v3",
            device_id,
            client_id,
            client_mode,
            role,
            ",".join(scopes),
            str(signed_at_ms),
            token or "",
            nonce,
            platform.lower(),
            (device_family or "").lower(),
        ]
    )


@dataclass(frozen=True)
class DeviceIdentity:
    """An Ed25519 key pair; ``device_id`` is the hex SHA-256 of the raw public key."""

    private_key: Ed25519PrivateKey
    created_at_ms: int

    @property
    def public_key_raw(self) -> bytes:
        return self.private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @property
    def public_key(self) -> str:
        return b64url(self.public_key_raw)

    @property
    def device_id(self) -> str:
        return hashlib.sha256(self.public_key_raw).hexdigest()

    def sign(self, payload: str) -> str:
        return b64url(self.private_key.sign(payload.encode("utf-8")))

    def verify(self, payload: str, signature: str) -> bool:
        public: Ed25519PublicKey = self.private_key.public_key()
        try:
            public.verify(b64url_decode(signature), payload.encode("utf-8"))
        except Exception:
            return False
        return True

    @classmethod
    def generate(cls) -> DeviceIdentity:
        return cls(Ed25519PrivateKey.generate(), int(time.time() * 1000))

    def to_json(self) -> dict[str, Any]:
        seed = self.private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        return {
            "version": 1,
            "deviceId": self.device_id,
            "publicKey": self.public_key,
            "privateKey": b64url(seed),
            "createdAtMs": self.created_at_ms,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], where: Path) -> DeviceIdentity:
        try:
            key = Ed25519PrivateKey.from_private_bytes(b64url_decode(str(data["privateKey"])))
            identity = cls(key, int(data.get("createdAtMs", 0)))
        except Exception as exc:
            raise GatewayConfigError(
                where,
                f"the device identity is not a valid Ed25519 key ({type(exc).__name__})",
                fix="move the file away; a new identity is created (gateways must pair it again)",
            ) from None
        if data.get("publicKey") not in (None, identity.public_key):
            raise GatewayConfigError(
                where,
                "the public key does not match the private key",
                fix="move the file away; a new identity is created (gateways must pair it again)",
            )
        return identity


def _write_private(path: Path, data: Mapping[str, Any]) -> None:
    """Write ``data`` as JSON, mode 0600, atomically and durably."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(json.dumps(data, indent=2, sort_keys=True).encode() + b"\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _read_private(path: Path) -> dict[str, Any] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise GatewayConfigError(
            path,
            f"holds secrets but is readable by others (mode {stat.S_IMODE(st.st_mode):04o})",
            fix=f"run: chmod 600 {path}",
        )
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise GatewayConfigError(
            path,
            f"cannot be read as JSON ({type(exc).__name__})",
            fix="move the file away; it is recreated (gateways may ask to pair again)",
        ) from None
    if not isinstance(data, dict):
        raise GatewayConfigError(path, "is not a JSON object", fix="move the file away")
    return data


def load_or_create_identity(directory: Path) -> DeviceIdentity:
    """The identity in ``directory``, created (0600) on first use."""
    path = directory / IDENTITY_FILE
    data = _read_private(path)
    if data is not None:
        return DeviceIdentity.from_json(data, path)
    identity = DeviceIdentity.generate()
    _write_private(path, identity.to_json())
    return identity


@dataclass(frozen=True)
class DeviceToken:
    token: str
    role: str
    scopes: tuple[str, ...]
    issued_at_ms: int | None


class DeviceTokenStore:
    """Device tokens per (gateway URL, device id), kept in one 0600 JSON file."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / TOKENS_FILE

    @staticmethod
    def _slot(url: str, device_id: str) -> str:
        return f"{url}|{device_id}"

    def _tokens(self) -> dict[str, Any]:
        data = _read_private(self.path) or {}
        tokens = data.get("tokens")
        return dict(tokens) if isinstance(tokens, dict) else {}

    def get(self, url: str, device_id: str) -> DeviceToken | None:
        raw = self._tokens().get(self._slot(url, device_id))
        if not isinstance(raw, dict) or not isinstance(raw.get("token"), str):
            return None
        issued = raw.get("issuedAtMs")
        return DeviceToken(
            token=raw["token"],
            role=str(raw.get("role", "operator")),
            scopes=tuple(str(s) for s in raw.get("scopes") or ()),
            issued_at_ms=issued if isinstance(issued, int) else None,
        )

    def put(self, url: str, device_id: str, token: DeviceToken) -> None:
        tokens = self._tokens()
        slot = self._slot(url, device_id)
        entry = {
            "token": token.token,
            "role": token.role,
            "scopes": list(token.scopes),
            "issuedAtMs": token.issued_at_ms,
        }
        if tokens.get(slot) == entry:
            return
        tokens[slot] = entry
        _write_private(self.path, {"version": 1, "tokens": tokens})

    def forget(self, url: str, device_id: str) -> None:
        tokens = self._tokens()
        if tokens.pop(self._slot(url, device_id), None) is not None:
            _write_private(self.path, {"version": 1, "tokens": tokens})
