"""Command palette (ctrl+p): "Jump to session …" over keys and labels, plus the app's actions
(those come from ``SessionBrowserApp.get_system_commands``)."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from openclaw_tui.tui.viewmodel import label_of
from openclaw_tui.widgets.text import visible

if TYPE_CHECKING:
    from openclaw_tui.tui.app import MainScreen

MAX_HITS = 40
"""The palette shows a handful; scanning stops early so 100k sessions stay responsive."""


class SessionCommands(Provider):
    """Jump to a session by fuzzy key or label."""

    def _main(self) -> MainScreen | None:
        # At run time imported here: the app imports this module for its COMMANDS.
        from openclaw_tui.tui.app import MainScreen

        screen = self.screen
        return screen if isinstance(screen, MainScreen) else None

    async def discover(self) -> Hits:
        main = self._main()
        if main is None:
            return
        key = main.current_key
        if key is not None:
            yield DiscoveryHit(
                f"Jump to session … (type a key or label)  current: {visible(key)}",
                main.table.focus,
                help="Type part of a session key or label",
            )

    async def search(self, query: str) -> Hits:
        main = self._main()
        if main is None or not query.strip():
            return
        matcher = self.matcher(query)
        needle = query.lower().replace(" ", "")
        hits = 0
        for key, entry in main.vm.entries.items():
            label = label_of(entry) if hasattr(entry, "get") else ""
            haystack = f"{key} {label}".lower()
            # A cheap subsequence pre-check before the (slower) fuzzy scorer.
            it = iter(haystack)
            if not all(ch in it for ch in needle):
                continue
            text = f"{visible(key)}  {visible(label)}" if label else visible(key)
            score = matcher.match(text)
            if score <= 0:
                continue
            yield Hit(
                score,
                matcher.highlight(text),
                partial(main.jump_to, key),
                text=text,
                help="Jump to this session",
            )
            hits += 1
            if hits >= MAX_HITS:
                return
