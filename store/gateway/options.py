"""The names the command line and the gateway config file share (``tui/cli.py`` builds its
flags from them, ``config.py`` reads them). Nothing else lives here: the command line imports
this before anything heavy (pydantic comes with ``config.py``), to start reading the store
soonest."""

from __future__ import annotations

DEFAULT_TOKEN_ENV = "OPENCLAW_GATEWAY_TOKEN"
ADMIN_SCOPE_SETTING = "admin_scope"
ADMIN_SCOPE_FLAG = "--admin-scope"
ALL_GATEWAYS = "*"
"""An ``--admin-scope`` value naming no gateway: every gateway given."""
