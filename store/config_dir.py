"""Where openclaw-tui keeps its own files: ``config.toml``, the device identity and tokens.

Not OpenClaw's state (``paths.py`` finds that): only this app's. In order:

1. ``$OPENCLAW_TUI_CONFIG_DIR``;
2. ``$XDG_CONFIG_HOME/openclaw-tui``;
3. ``~/.config/openclaw-tui``, the place documented before, kept wherever it already exists;
4. the platform's user config directory (``platformdirs``): ``~/.config/openclaw-tui`` on Linux,
   ``~/Library/Application Support/openclaw-tui`` on macOS, ``%APPDATA%\\openclaw-tui`` on
   Windows.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

import platformdirs

APP_NAME = "openclaw-tui"
ENV_CONFIG_DIR = "OPENCLAW_TUI_CONFIG_DIR"


def config_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The directory for this app's own files (see the module docstring for the order)."""
    env = os.environ if environ is None else environ
    if env.get(ENV_CONFIG_DIR):
        return Path(env[ENV_CONFIG_DIR]).expanduser()
    if env.get("XDG_CONFIG_HOME"):
        return Path(env["XDG_CONFIG_HOME"]).expanduser() / APP_NAME
    legacy = Path(env.get("HOME") or Path.home()).expanduser() / ".config" / APP_NAME
    # On Linux platformdirs answers the same place; it reads os.environ, while ``environ`` may
    # be another mapping (tests, a caller's), so the answer is built from ``environ`` there.
    if sys.platform.startswith("linux") or legacy.exists():
        return legacy
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))
