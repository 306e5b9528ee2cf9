"""Remote OpenClaw gateways behind the ``SessionStore`` API (no Textual, no Rich).

- ``GatewayStore(config_or_url)``: one gateway's sessions, live (see ``gateway_store``).
- ``MultiGatewayStore([...])``: several gateways in one view, keys ``<gateway>/<session key>``.
- ``parse_gateway_args`` / ``load_gateway_config``: which gateways to open and where their tokens
  come from (see ``config``; the command-line flags are ``tui.cli``'s).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openclaw_tui.store.config_dir import config_dir
    from openclaw_tui.store.gateway.client import Backoff, GatewayClient, Hello, approve_command
    from openclaw_tui.store.gateway.config import (
        DEFAULT_PORT,
        GatewayConfig,
        load_gateway_config,
        normalize_url,
        parse_gateway_args,
    )
    from openclaw_tui.store.gateway.errors import (
        GatewayAuthError,
        GatewayConfigError,
        GatewayConnectError,
        GatewayError,
        GatewayFieldError,
        GatewayInsecureTransportError,
        GatewayPagingError,
        GatewayPairingRequired,
        GatewayProtocolError,
        GatewayRequestError,
        GatewayRequestTimeout,
        GatewayScopeError,
        GatewayScopeMismatchError,
        GatewayUnavailableError,
        GatewayUnsupportedError,
    )
    from openclaw_tui.store.gateway.gateway_store import GatewayStore, patch_fields_for
    from openclaw_tui.store.gateway.identity import DeviceIdentity, DeviceTokenStore
    from openclaw_tui.store.gateway.multi import MultiGatewayStore, join_key, split_key

# Each name is imported from its module on first use: a launch on a file store parses the
# --gateway flags (config.py) but never needs the client, websockets or the device identity,
# ~0.1-0.3 s of every start-up.
_SOURCES: dict[str, str] = {
    "approve_command": "openclaw_tui.store.gateway.client",
    "Backoff": "openclaw_tui.store.gateway.client",
    "config_dir": "openclaw_tui.store.config_dir",
    "DEFAULT_PORT": "openclaw_tui.store.gateway.config",
    "DeviceIdentity": "openclaw_tui.store.gateway.identity",
    "DeviceTokenStore": "openclaw_tui.store.gateway.identity",
    "GatewayAuthError": "openclaw_tui.store.gateway.errors",
    "GatewayClient": "openclaw_tui.store.gateway.client",
    "GatewayConfig": "openclaw_tui.store.gateway.config",
    "GatewayConfigError": "openclaw_tui.store.gateway.errors",
    "GatewayConnectError": "openclaw_tui.store.gateway.errors",
    "GatewayError": "openclaw_tui.store.gateway.errors",
    "GatewayFieldError": "openclaw_tui.store.gateway.errors",
    "GatewayInsecureTransportError": "openclaw_tui.store.gateway.errors",
    "GatewayPagingError": "openclaw_tui.store.gateway.errors",
    "GatewayPairingRequired": "openclaw_tui.store.gateway.errors",
    "GatewayProtocolError": "openclaw_tui.store.gateway.errors",
    "GatewayRequestError": "openclaw_tui.store.gateway.errors",
    "GatewayRequestTimeout": "openclaw_tui.store.gateway.errors",
    "GatewayScopeError": "openclaw_tui.store.gateway.errors",
    "GatewayScopeMismatchError": "openclaw_tui.store.gateway.errors",
    "GatewayStore": "openclaw_tui.store.gateway.gateway_store",
    "GatewayUnavailableError": "openclaw_tui.store.gateway.errors",
    "GatewayUnsupportedError": "openclaw_tui.store.gateway.errors",
    "Hello": "openclaw_tui.store.gateway.client",
    "join_key": "openclaw_tui.store.gateway.multi",
    "load_gateway_config": "openclaw_tui.store.gateway.config",
    "MultiGatewayStore": "openclaw_tui.store.gateway.multi",
    "normalize_url": "openclaw_tui.store.gateway.config",
    "parse_gateway_args": "openclaw_tui.store.gateway.config",
    "patch_fields_for": "openclaw_tui.store.gateway.gateway_store",
    "split_key": "openclaw_tui.store.gateway.multi",
}


def __getattr__(name: str) -> Any:
    module = _SOURCES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "DEFAULT_PORT",
    "Backoff",
    "DeviceIdentity",
    "DeviceTokenStore",
    "GatewayAuthError",
    "GatewayClient",
    "GatewayConfig",
    "GatewayConfigError",
    "GatewayConnectError",
    "GatewayError",
    "GatewayFieldError",
    "GatewayInsecureTransportError",
    "GatewayPagingError",
    "GatewayPairingRequired",
    "GatewayProtocolError",
    "GatewayRequestError",
    "GatewayRequestTimeout",
    "GatewayScopeError",
    "GatewayScopeMismatchError",
    "GatewayStore",
    "GatewayUnavailableError",
    "GatewayUnsupportedError",
    "Hello",
    "MultiGatewayStore",
    "approve_command",
    "config_dir",
    "join_key",
    "load_gateway_config",
    "normalize_url",
    "parse_gateway_args",
    "patch_fields_for",
    "split_key",
]
