"""What ``config.toml`` may hold, as a pydantic model, and the warnings for what it may not
(``tui/config.py`` reads the file). Apart from config.py so that a start with no settings to
check (no file, or an empty one: the usual case) imports no pydantic before its first frame.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, get_origin

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

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
