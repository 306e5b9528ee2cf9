"""User settings: ``config.toml`` (the keymap: binding id -> keys, the stall limit, how long a
command's success line stays).

Sources, later ones win:
1. ``$OPENCLAW_TUI_CONFIG``, else ``config.toml`` in the app's config directory
   (``store/config_dir.py``: ``$OPENCLAW_TUI_CONFIG_DIR``, ``$XDG_CONFIG_HOME/openclaw-tui``,
   ``~/.config/openclaw-tui``, else the platform's user config directory), a TOML file whose
   tables are the fields of ``Settings`` (``config_file.py``)::

       [keymap]
       pause = "space"
       filter = "slash,ctrl+f"

2. ``$OPENCLAW_TUI_KEYMAP``: ``pause=space;filter=slash`` (``;`` or newlines between pairs).

Problems never stop the app: each becomes one warning naming the file or variable, the setting
and the fix, and the settings that are right still apply. Which keys a remap may take, and what
happens to the action that had them, is ``tui/keymap.py``'s.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openclaw_tui.store.config_dir import config_dir

ENV_CONFIG = "OPENCLAW_TUI_CONFIG"
ENV_KEYMAP = "OPENCLAW_TUI_KEYMAP"
CONFIG_FILE = "config.toml"


@dataclass(slots=True)
class UserConfig:
    keymap: dict[str, str] = field(default_factory=dict)
    source: str | None = None  # where the keymap came from, shown in the help screen
    keymap_origin: dict[str, str] = field(default_factory=dict)
    """binding id -> the file path or ``$OPENCLAW_TUI_KEYMAP``, for messages about that remap."""
    warnings: list[str] = field(default_factory=list)
    stalled_after_minutes: float | None = None  # config.toml; None: the app's default
    feedback_seconds: float | None = None  # config.toml; None: the command bar's default

    def where(self, binding_id: str, keys: str) -> str:
        """The line a remap was written on, as a message starts: file (or variable) and line."""
        origin = self.keymap_origin.get(binding_id)
        if origin == f"${ENV_KEYMAP}":
            return f"{origin}: {binding_id}={keys}"
        return f'{origin or "keymap"}: [keymap] {binding_id} = "{keys}"'


def config_path(env: Mapping[str, str] = os.environ) -> Path:
    explicit = env.get(ENV_CONFIG, "").strip()
    if explicit:
        return Path(os.path.expanduser(explicit))
    return config_dir(env) / CONFIG_FILE


def load_config(env: Mapping[str, str] = os.environ) -> UserConfig:
    config = UserConfig()
    path = config_path(env)
    sources: list[str] = []
    data: dict[str, Any] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    except (OSError, UnicodeDecodeError) as exc:
        config.warnings.append(f"{path}: cannot read the config file ({exc}); using defaults")
        text = ""
    if text:  # no file (the usual case): not even tomllib is imported
        import tomllib

        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            config.warnings.append(f"{path}: not valid TOML ({exc}); fix the file or remove it")
    if isinstance(data, dict) and data:
        # Only a file with settings in it needs the model (and pydantic, ~0.1 s of CPU).
        from openclaw_tui.tui.config_file import read_settings

        settings = read_settings(path, data, config.warnings)
        config.keymap.update(settings.keymap)
        config.keymap_origin.update(dict.fromkeys(settings.keymap, str(path)))
        config.stalled_after_minutes = settings.stalled_after_minutes
        config.feedback_seconds = settings.feedback_seconds
        if settings.keymap:
            sources.append(str(path))
    raw = env.get(ENV_KEYMAP, "")
    if raw.strip():
        sources.append(f"${ENV_KEYMAP}")
        for pair in raw.replace("\n", ";").split(";"):
            if not pair.strip():
                continue
            binding_id, sep, keys = pair.partition("=")
            if not sep or not binding_id.strip() or not keys.strip():
                config.warnings.append(
                    f"${ENV_KEYMAP}: {pair.strip()!r} is not id=keys (e.g. pause=space)"
                )
                continue
            config.keymap[binding_id.strip()] = keys.strip()
            config.keymap_origin[binding_id.strip()] = f"${ENV_KEYMAP}"
    config.source = " + ".join(sources) or None
    return config
