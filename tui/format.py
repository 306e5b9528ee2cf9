"""Formatting shared by the table and the slash commands (pure: no Textual)."""

from __future__ import annotations

from typing import Any, Final

_UNITS: Final = (("y", 31_536_000), ("w", 604_800), ("d", 86_400), ("h", 3600), ("m", 60))


def relative_age(updated_ms: Any, now_s: float, *, largest: str = "y") -> str:
    """``12s``, ``5m``, ``3h``, ``2d``, ``4w``, ``1y`` (no unit above ``largest``); ``-`` when
    ``updated_ms`` is not a positive number of milliseconds."""
    if isinstance(updated_ms, bool) or not isinstance(updated_ms, int | float) or updated_ms <= 0:
        return "-"
    seconds = max(0.0, now_s - updated_ms / 1000)
    units = _UNITS[[unit for unit, _size in _UNITS].index(largest) :]
    for unit, size in units:
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s"
