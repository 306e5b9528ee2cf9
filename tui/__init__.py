"""openclaw-tui: the Textual application (screens, commands, CLI)."""

__version__ = "0.1.0"
