"""What the fleet views (the gateways panel ``w`` and the attention view ``!``) share: a modal
screen over the main screen that asks it for data again when changes arrive.

``MainScreen.fleet_changed()`` calls ``data_changed()`` on every open ``FleetView`` after it
applied changes or a connection state; the view refreshes at most once per frame, and every
second for what depends on the clock (ages, stalls).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.screen import ModalScreen
from textual.timer import Timer

if TYPE_CHECKING:
    from openclaw_tui.tui.app import MainScreen

REFRESH_SECONDS = 0.2
"""A burst of changes is one refresh of the view (at most five a second)."""


class FleetView(ModalScreen[None]):
    def __init__(self, main: MainScreen) -> None:
        super().__init__()
        self.main = main
        self._refresh_timer: Timer | None = None
        self.refreshes = 0
        """How many times the view asked for its data (tests wait on it)."""

    def on_mount(self) -> None:
        self.refresh_data()
        self.set_interval(1.0, self.refresh_data)

    def data_changed(self) -> None:
        if self._refresh_timer is None and self.is_attached:
            self._refresh_timer = self.set_timer(REFRESH_SECONDS, self._refresh_now)

    def _refresh_now(self) -> None:
        self._refresh_timer = None
        self.refresh_data()

    def refresh_data(self) -> None:
        self.refreshes += 1
        self.show_data()

    def show_data(self) -> None:
        raise NotImplementedError
