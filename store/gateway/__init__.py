"""Remote OpenClaw gateways behind the ``SessionStore`` API (no Textual, no Rich).

- ``GatewayStore(config_or_url)``: one gateway's sessions, live (see ``gateway_store``).
- ``MultiGatewayStore([...])``: several gateways in one view, keys ``<gateway>/<session key>``.
- ``parse_gateway_args`` / ``load_gateway_config``: which gateways to open and where their tokens
  come from (see ``config``; the command-line flags are ``tui.cli``'s).
"""

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
