"""How many toasts fit: the newest ones whose height fits above the screen's bottom lines.

Toasts stack down from the top right (tui/app.tcss). Stacked past the screen's bottom they
covered the footer and the status bar's write health (at 80x24 two clipboard toasts were
enough). The rack cannot be scrolled to its newest toast (Textual lays it out hidden, so it has
no size to scroll), so rather than letting the newest fall off its bottom, the oldest toasts give
way (information before warnings and errors): ``overflowing`` names those to dismiss before a
new one is shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from textual.content import Content
from textual.geometry import Size
from textual.notifications import Notification

TOAST_SHARE = 0.85
"""The share of the screen's height toasts may take (tui/app.tcss ``ToastRack`` max-height):
at 80x24, 20 lines, the bottom 4 (footer, status bar, command bar and its feedback) stay free."""

# Textual's Toast: 60 cells wide but at most half the screen, an outer left border, padding 1
# all round, margin-top 1.
TOAST_WIDTH = 60
TOAST_FRAME_WIDTH = 3
TOAST_FRAME_HEIGHT = 3


def toast_height(message: str, title: str, *, markup: bool, screen_width: int) -> int:
    """The lines a toast of ``message`` (under ``title``) takes on a screen this wide."""
    width = max(1, min(TOAST_WIDTH, screen_width // 2) - TOAST_FRAME_WIDTH)
    try:
        body = Content.from_markup(message) if markup else Content(message)
    except Exception:  # markup Textual cannot parse: it shows the toast's text as it can
        body = Content(message)
    content = Content.assemble(title, "\n", body) if title else body
    return len(content.wrap(width)) + TOAST_FRAME_HEIGHT


def _height(notification: Notification, screen_width: int) -> int:
    return toast_height(
        notification.message,
        notification.title,
        markup=notification.markup,
        screen_width=screen_width,
    )


def overflowing(
    shown: Iterable[Notification], new_height: int, screen: Size
) -> Sequence[Notification]:
    """The shown toasts to dismiss so that a new one ``new_height`` lines tall fits, with what
    is left of them, in ``TOAST_SHARE`` of the screen: information gives way before warnings and
    errors, and within each the oldest first. The new one always shows (a single toast taller
    than that is cut by the rack, not the bottom lines)."""
    toasts = list(shown)
    heights = [_height(toast, screen.width) for toast in toasts]
    excess = sum(heights) + new_height - int(screen.height * TOAST_SHARE)
    order = sorted(range(len(toasts)), key=lambda i: (toasts[i].severity != "information", i))
    dropped: list[Notification] = []
    for index in order:
        if excess <= 0:
            break
        dropped.append(toasts[index])
        excess -= heights[index]
    return dropped
