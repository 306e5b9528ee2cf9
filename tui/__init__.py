"""openclaw-tui: the Textual application (screens, commands, CLI)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    __version__: str


def __getattr__(name: str) -> str:
    # The package's version, read when first asked for (see openclaw_tui/__init__.py).
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import openclaw_tui

    return openclaw_tui.__version__


__all__ = ["__version__"]
