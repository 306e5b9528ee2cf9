"""User configuration: today only the keymap (binding id -> keys).

Sources, later ones win:
1. ``$OPENCLAW_TUI_CONFIG``, else ``$XDG_CONFIG_HOME/openclaw-tui/config.toml`` (default
   ``~/.config/openclaw-tui/config.toml``), a TOML file with a ``[keymap]`` table::

       [keymap]
       pause = "space"
       filter = "slash,ctrl+f"

2. ``$OPENCLAW_TUI_KEYMAP``: ``pause=space;filter=slash`` (``;`` or newlines between pairs).

Problems never stop the app: each becomes one warning naming the file or variable and the fix.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

ENV_CONFIG = "OPENCLAW_TUI_CONFIG"
ENV_KEYMAP = "OPENCLAW_TUI_KEYMAP"


@dataclass(slots=True)
class UserConfig:
    keymap: dict[str, str] = field(default_factory=dict)
    source: str | None = None  # where the keymap came from, shown in the help screen
    warnings: list[str] = field(default_factory=list)


def config_path(env: Mapping[str, str] = os.environ) -> Path:
    explicit = env.get(ENV_CONFIG, "").strip()
    if explicit:
        return Path(os.path.expanduser(explicit))
    base = env.get("XDG_CONFIG_HOME", "").strip() or os.path.expanduser("~/.config")
    return Path(base) / "openclaw-tui" / "config.toml"


def load_config(
    env: Mapping[str, str] = os.environ, *, known_ids: Collection[str] | None = None
) -> UserConfig:
    config = UserConfig()
    path = config_path(env)
    sources: list[str] = []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        data = {}
    except (OSError, UnicodeDecodeError) as exc:
        config.warnings.append(f"{path}: cannot read the config file ({exc}); using defaults")
        data = {}
    except tomllib.TOMLDecodeError as exc:
        config.warnings.append(f"{path}: not valid TOML ({exc}); fix the file or remove it")
        data = {}
    keymap = data.get("keymap", {})
    if not isinstance(keymap, dict):
        config.warnings.append(f'{path}: [keymap] must be a table of id = "keys"')
        keymap = {}
    for binding_id, keys in keymap.items():
        if isinstance(keys, str) and keys.strip():
            config.keymap[binding_id] = keys.strip()
        else:
            config.warnings.append(
                f'{path}: keymap.{binding_id} must be a string of keys, e.g. "space"'
            )
    if keymap:
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
    if known_ids is not None:
        for binding_id in list(config.keymap):
            if binding_id not in known_ids:
                del config.keymap[binding_id]
                config.warnings.append(
                    f"keymap: no binding has the id {binding_id!r}; "
                    f"known ids: {', '.join(sorted(known_ids))}"
                )
    config.source = " + ".join(sources) or None
    return config
