"""Errors of remote gateway stores.

Each one is a ``StoreError`` whose ``path`` names the gateway (``gateway <name> (<url>)``), so the
app shows them like any other store error. ``message`` carries the gateway's own text verbatim
when the gateway refused something; ``fix`` says what the operator can do about it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openclaw_tui.store.errors import StoreError, StoreReadOnlyError


class GatewayError(StoreError):
    """Base class for everything a gateway store raises."""


class GatewayConfigError(GatewayError):
    """The gateway list, a URL, a token source or the config file is wrong."""


class GatewayConnectError(GatewayError):
    """The handshake failed. ``retryable`` says whether reconnecting can help by itself."""

    retryable: bool = True

    def __init__(
        self,
        path: str,
        message: str,
        *,
        fix: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        self.details: Mapping[str, Any] = dict(details or {})
        super().__init__(path, message, fix=fix)


class GatewayAuthError(GatewayConnectError):
    """The shared token (or device token) was refused."""

    retryable = False


class GatewayProtocolError(GatewayConnectError):
    """The gateway speaks another protocol version, or sent frames we cannot understand."""

    retryable = False


class GatewayInsecureTransportError(GatewayConnectError):
    """A token would go in clear (``ws://``) to a non-loopback host and nobody opted in."""

    retryable = False


class GatewayScopeMismatchError(GatewayConnectError):
    """The device token does not cover the scopes asked for (re-pair or approve the change)."""

    retryable = False


class GatewayPairingRequired(GatewayConnectError):
    """This device is not approved on that gateway yet; an admin must approve ``request_id``.

    The client keeps retrying by itself; once approved, the next attempt succeeds.
    """

    def __init__(
        self,
        path: str,
        message: str,
        *,
        request_id: str | None,
        approve_command: str,
        fix: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        self.request_id = request_id
        self.approve_command = approve_command
        super().__init__(path, message, fix=fix, details=details)


class GatewayUnavailableError(GatewayError):
    """Not connected (yet, or any more): the operation could not be sent."""


class GatewayRequestTimeout(GatewayUnavailableError):
    """A request was sent but not answered in time; it may or may not have been applied."""

    def __init__(self, path: str, message: str, *, method: str, fix: str | None = None) -> None:
        self.method = method
        super().__init__(path, message, fix=fix)


class GatewayRequestError(GatewayError):
    """The gateway refused a request; ``message`` is the gateway's own text, verbatim."""

    def __init__(
        self,
        path: str,
        message: str,
        *,
        code: str | None = None,
        method: str = "",
        details: Mapping[str, Any] | None = None,
        fix: str | None = None,
    ) -> None:
        self.code = code
        self.method = method
        self.details: Mapping[str, Any] = dict(details or {})
        super().__init__(path, message, fix=fix)


class GatewayScopeError(GatewayRequestError, StoreReadOnlyError):
    """The connection lacks the scope the request needs (``missing scope: …``).

    Also a ``StoreReadOnlyError``: for this connection that kind of edit is read-only.
    """


class GatewayPagingError(GatewayRequestError):
    """``sessions.list`` kept answering ``hasMore`` past the page bound."""


class GatewayFieldError(GatewayError):
    """An edit touched a field the gateway's ``sessions.patch`` does not accept."""


class GatewayUnsupportedError(GatewayError):
    """The operation has no gateway equivalent (e.g. replacing the whole store)."""
