"""Showing store text literally: no markup, no escape codes acting on the terminal.

Every widget that shows a value from a store goes through ``visible`` (a plain string for line
API rendering) or ``literal`` (a ``rich.text.Text``). The escaping rules are the command bar's
(``widgets.command_bar.visible_control_chars``) so every surface spells a control character the
same way.
"""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size
from rich.text import Text

from openclaw_tui.widgets.command_bar import needs_spelling, visible_control_chars


def visible(value: object) -> str:
    """``value`` as text with control, bidi and invisible characters spelled out (``\\x1b``,
    ``\\u202e``, ``\\u2028``); lone surrogates too, so cell widths are those of what is drawn."""
    text = value if isinstance(value, str) else str(value)
    # Fast path: almost every cell is plain printable text, and this runs for every cell drawn.
    if not needs_spelling(text):
        return text
    return visible_control_chars(text)


def literal(value: object, style: str = "") -> Text:
    """A ``Text`` showing ``value`` literally: ``[red]x`` stays ``[red]x``."""
    return Text(visible(value), style=style, no_wrap=True)


def fit(text: str, width: int) -> str:
    """``text`` cut or padded to exactly ``width`` cells, with ``…`` marking a cut."""
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(text, width - 1) + "…"
