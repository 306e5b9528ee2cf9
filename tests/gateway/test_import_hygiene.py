"""``store.gateway`` never imports Textual or Rich, and never puts a token in a message."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from openclaw_tui.store.gateway import GatewayConfig

REPO = Path(__file__).resolve().parents[2]


def test_importing_store_gateway_loads_neither_textual_nor_rich():
    code = (
        "import sys, openclaw_tui.store.gateway, openclaw_tui.store.gateway.client\n"
        "import openclaw_tui.store.gateway.multi\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_a_config_never_shows_its_token():
    config = GatewayConfig("home", "ws://127.0.0.1:18789/", token="s3cr3t-value", token_source="x")
    assert "s3cr3t-value" not in repr(config) and "s3cr3t-value" not in config.label
