"""openclaw-tui: the Textual application (screens, commands, CLI)."""

from openclaw_tui import __version__

__all__ = ["__version__"]
