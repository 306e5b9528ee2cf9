"""Showing store text literally: no markup, no escape codes acting on the terminal.

Every widget that shows a value from a store goes through ``visible`` (a plain string for line
API rendering) or ``literal`` (a ``rich.text.Text``). The escaping rules live here, once
(``visible_control_chars``), so every surface spells a control character the same way.
"""

from __future__ import annotations

import re
import unicodedata

from rich.cells import cell_len, set_cell_size
from rich.text import Text

_NAMED_CONTROLS = {"\t": "\\t", "\n": "\\n", "\r": "\\r", "\x1b": "\\x1b"}

# Spelled out: control and format characters (Cc, Cf: bidi overrides and isolates, zero-width
# spaces, tag characters), lone surrogates (Cs: a terminal draws them as a wide escape or not at
# all, so widths computed on them are wrong) and the line/paragraph separators (Zl, Zp).
_SPELLED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
# Default-ignorable characters outside those categories: letters and marks that draw nothing
# (Hangul fillers, the combining grapheme joiner, variation selectors), so "ma\u3164in" would
# look like "main".
_INVISIBLE = frozenset(
    chr(c)
    for c in (
        0x034F,
        0x115F,
        0x1160,
        0x17B4,
        0x17B5,
        *range(0x180B, 0x1810),
        0x3164,
        *range(0xFE00, 0xFE10),
        0xFFA0,
        *range(0xE0100, 0xE01F0),
    )
)
_INVISIBLE_RE = re.compile("[" + "".join(sorted(_INVISIBLE)) + "]")
# Cyrillic and Greek letters drawn like Latin ones (U+0430 draws as "a"): in a word that also
# has Latin letters or digits ("m\u0430in"), or in text whose only non-ASCII letters are such
# look-alikes ("agent:main:\u0430\u0441\u0435"), they are spelled out, so a hostile key cannot
# pass for a real one. Text really written in those scripts (Russian "privet") has other letters
# too and stays readable.
_CONFUSABLE = frozenset(
    chr(c)
    for c in (
        # Cyrillic: a e o p c y x s i j h l d q w, A B E K M H O P C T X S I J Y Q W
        0x0430,
        0x0435,
        0x043E,
        0x0440,
        0x0441,
        0x0443,
        0x0445,
        0x0455,
        0x0456,
        0x0458,
        0x04BB,
        0x04CF,
        0x0501,
        0x051B,
        0x051D,
        0x0410,
        0x0412,
        0x0415,
        0x041A,
        0x041C,
        0x041D,
        0x041E,
        0x0420,
        0x0421,
        0x0422,
        0x0425,
        0x0405,
        0x0406,
        0x0408,
        0x04AE,
        0x051A,
        0x051C,
        # Greek: A B E Z H I K M N O P T Y X, a i k v o p u
        0x0391,
        0x0392,
        0x0395,
        0x0396,
        0x0397,
        0x0399,
        0x039A,
        0x039C,
        0x039D,
        0x039F,
        0x03A1,
        0x03A4,
        0x03A5,
        0x03A7,
        0x03B1,
        0x03B9,
        0x03BA,
        0x03BD,
        0x03BF,
        0x03C1,
        0x03C5,
    )
)
_CONFUSABLE_RE = re.compile("[" + "".join(sorted(_CONFUSABLE)) + "]")
_WORD_RE = re.compile(r"[^\W_]+")
# Joiners and selectors that are part of an emoji sequence draw as one picture: kept there.
_EMOJI_GLUE = frozenset({"\u200d", "\ufe0e", "\ufe0f"})


def _is_emoji_glue(value: str, index: int) -> bool:
    """A ZWJ or text/emoji selector after a non-ASCII character (or before a keycap)."""
    before = value[index - 1] if index else ""
    after = value[index + 1] if index + 1 < len(value) else ""
    if value[index] == "\u200d":
        return bool(before) and not before.isascii() and bool(after) and not after.isascii()
    return (bool(before) and not before.isascii()) or after == "\u20e3"


def _spelled(char: str) -> str:
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _lookalikes(value: str) -> set[int]:
    """The indexes of look-alike letters in ``value`` that must be spelled out."""
    if _CONFUSABLE_RE.search(value) is None:
        return set()
    has_ascii_letter = any(c.isascii() and c.isalpha() for c in value)
    only_lookalikes = has_ascii_letter and all(
        c.isascii() or c in _CONFUSABLE or not c.isalpha() for c in value
    )
    found: set[int] = set()
    for word in _WORD_RE.finditer(value):
        text = word.group()
        if only_lookalikes or any(c.isascii() for c in text):
            found.update(word.start() + i for i, c in enumerate(text) if c in _CONFUSABLE)
    return found


def needs_spelling(value: str) -> bool:
    """True when ``visible_control_chars`` would change ``value`` (cheap for plain text)."""
    if value.isascii():  # O(1) in CPython; every invisible character above is non-ASCII
        return not value.isprintable()
    return (
        not value.isprintable()
        or _INVISIBLE_RE.search(value) is not None
        or bool(_lookalikes(value))
    )


def visible_control_chars(value: str, *, keep_newlines: bool = False) -> str:
    """``value`` with control characters spelled out (``\\x1b``) so they cannot act on the terminal.

    Store text is data: an ESC sequence in a label must show up as text, not move the cursor,
    and a character that draws nothing (or draws wider than it measures) must show up too, so a
    hostile key cannot pass for a real one.
    """
    out: list[str] = []
    lookalikes = _lookalikes(value)
    for index, char in enumerate(value):
        if index in lookalikes:
            out.append(_spelled(char))
        elif keep_newlines and char == "\n":
            out.append(char)
        elif char in _NAMED_CONTROLS:
            out.append(_NAMED_CONTROLS[char])
        elif char in _EMOJI_GLUE:
            out.append(char if _is_emoji_glue(value, index) else _spelled(char))
        elif char in _INVISIBLE or unicodedata.category(char) in _SPELLED_CATEGORIES:
            out.append(_spelled(char))
        else:
            out.append(char)
    return "".join(out)


def literal_text(value: object, style: str = "", *, keep_newlines: bool = False) -> Text:
    """A ``Text`` that shows ``value`` literally: no markup, control characters made visible."""
    return Text(visible_control_chars(str(value), keep_newlines=keep_newlines), style=style)


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


ERROR_MARK = "✖ "
"""Put before an error shown inline: without 256 colours (TERM=xterm, NO_COLOR) the colour
alone does not tell an error from a success."""


def marked_error(text: Text) -> Text:
    """``text`` with the error mark in front (once)."""
    if text.plain.startswith(ERROR_MARK.strip()):
        return text
    return Text.assemble(Text(ERROR_MARK, style="bold"), text)
