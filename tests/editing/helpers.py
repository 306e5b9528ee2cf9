"""Test helpers: waiting on conditions with a deadline (never a bare sleep as synchronisation)."""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.pilot import Pilot


async def wait_until(
    pilot: Pilot, condition: Callable[[], object], *, timeout: float = 5.0, what: str = ""
) -> None:
    """Let the app process messages until ``condition()`` is true, or fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what or condition}")
        await pilot.pause(0.01)
