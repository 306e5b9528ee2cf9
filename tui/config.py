"""User settings: ``config.toml`` (the keymap: binding id -> keys, the stall limit, how long a
command's success line stays).

Sources, later ones win:
1. ``$OPENCLAW_TUI_CONFIG``, else ``config.toml`` in the app's config directory
   (``store/config_dir.py``: ``$OPENCLAW_TUI_CONFIG_DIR``, ``$XDG_CONFIG_HOME/openclaw-tui``,
   ``~/.config/openclaw-tui``, else the platform's user config directory), a TOML file whose
   tables are the fields of ``Settings``::

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
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, get_origin

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from openclaw_tui.store.config_dir import config_dir

ENV_CONFIG = "OPENCLAW_TUI_CONFIG"
ENV_KEYMAP = "OPENCLAW_TUI_KEYMAP"
CONFIG_FILE = "config.toml"

Keys = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class Settings(BaseModel):
    """Everything ``config.toml`` may hold; anything else in the file is reported, not ignored."""

    # The docstrings under the fields are their descriptions (in the JSON schema too).
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    keymap: dict[str, Keys] = Field(default_factory=dict)
    """``[keymap]``: binding id (shown in the help screen, ``?``) -> the keys to bind instead,
    comma-separated Textual key names, e.g. ``pause = "space"``."""

    stalled_after_minutes: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    """A run going this long with no sign of activity is shown ``stalled`` (default 10;
    ``--stalled-after`` wins)."""

    feedback_seconds: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    """How long a command's success line stays under the table before it goes away by itself
    (default 5; 0 keeps it until Escape or the next command). Errors always stay until then."""


FIXES: dict[str, str] = {
    "keymap": 'a table of binding id = "keys", e.g. [keymap] then pause = "space"',
    "stalled_after_minutes": "a number of minutes above 0, e.g. stalled_after_minutes = 10",
    "feedback_seconds": "a number of seconds, 0 or more, e.g. feedback_seconds = 5",
}


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


def _problem(path: Path, loc: tuple[int | str, ...], message: str) -> str:
    """One warning: the file, the setting (``keymap.pause``) and what to write instead."""
    where = ".".join(str(part) for part in loc)
    if len(loc) == 2 and loc[0] == "keymap":
        return f'{path}: {where} must be a string of keys, e.g. "space"'
    if message.startswith("Extra inputs"):
        known = ", ".join(
            f"[{name}]" if get_origin(info.annotation) is dict else name
            for name, info in Settings.model_fields.items()
        )
        return f"{path}: {where} is not a setting openclaw-tui knows (known: {known}); remove it"
    if loc and loc[0] == "keymap":
        return f"{path}: [keymap] must be {FIXES['keymap']}"
    if loc and str(loc[0]) in FIXES:
        return f"{path}: {where}: {message}; write {FIXES[str(loc[0])]}"
    return f"{path}: {where}: {message}"


def read_settings(path: Path, data: dict[str, Any], warnings: list[str]) -> Settings:
    """``data`` as ``Settings``; each setting that is wrong becomes a warning and is left out."""
    for _attempt in range(100):  # each round drops at least one wrong setting
        try:
            return Settings.model_validate(data)
        except ValidationError as exc:
            for error in exc.errors():
                loc = tuple(error["loc"])
                warnings.append(_problem(path, loc, error["msg"]))
                data = _without(data, loc)
    return Settings()


def _without(data: dict[str, Any], loc: tuple[int | str, ...]) -> dict[str, Any]:
    if not loc:
        return {}
    head, rest = loc[0], loc[1:]
    copy = dict(data)
    if not rest or not isinstance(copy.get(str(head)), dict):
        copy.pop(str(head), None)
    else:
        copy[str(head)] = _without(copy[str(head)], rest)
    return copy


def load_config(env: Mapping[str, str] = os.environ) -> UserConfig:
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
    settings = read_settings(path, data if isinstance(data, dict) else {}, config.warnings)
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
