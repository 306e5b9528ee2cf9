"""Where every entry of a ``sessions.json`` in OpenClaw's layout is, from a scan of its bytes.

``scan(data)`` finds each entry's span and top-level ``updatedAt`` without parsing anything
(~0.3 s of CPU at 100,000 entries, where a parse is ~0.9 s) and puts the entries in the order
the table shows them first: ``updatedAt`` descending, those without one (or -1) last, ties by
key. It holds the interpreter all that time (``re`` does not let it go), so it runs in a
process of its own (``scan_process.py``; the command line starts it before the app's imports):
this file is that process's whole program, run by path with ``python -I -S``, so it imports
nothing but the standard library's smallest modules and nothing of the app. Nothing here is
trusted: each entry is checked when the app parses it (``json_file.IndexedFile.entry``).
"""

from __future__ import annotations

import bisect
import itertools
import marshal
import math
import mmap
import operator
import os
import re
import sys
from typing import Any

FRAME_OPEN = b'{\n  "'
FRAME_CLOSE = b"\n}"
ENTRY_SEP = b',\n  "'  # between two top-level entries, and only there, in OpenClaw's layout
# ``"updatedAt": <number>`` as a field of a top-level entry in OpenClaw's layout: entries are at
# indent 2, so their fields are the only lines at indent 4 (strings hold no raw newline).
UPDATED_AT = re.compile(
    rb'\n    "updatedAt": (-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)(?=,\n    "|\n  \})'
)
_ENTRY_SEP_AT = re.compile(re.escape(ENTRY_SEP))
_KEY_AT = re.compile(rb'"((?:[^"\\]|\\.)*)": ')

Index = tuple[int, list[int], list[int | float | None], dict[int, str], list[int]]
"""(file size, each entry's start, its updatedAt (None: none), the keys that order ties, the
entry numbers in the table's first order)."""


def entry_key(fragment: bytes | memoryview) -> str | None:
    """The key a fragment starts with, decoded as JSON decodes it (None: not a plain key)."""
    match = _KEY_AT.match(fragment)
    if match is None:
        return None
    raw = match[1]
    try:
        if b"\\" not in raw:
            return raw.decode("utf-8")
        import json  # only for a key with an escape: rare, and this process starts lean

        key = json.loads(b'"' + raw + b'"')
    except ValueError:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        return None
    return key if type(key) is str else None


def _number(text: bytes) -> int | float:
    try:
        return int(text)
    except ValueError:
        return float(text)


def scan(data: bytes | mmap.mmap) -> Index | None:
    """The index of a file in OpenClaw's layout (its bytes, or the file mapped); None for
    anything else, or for an entry with two ``updatedAt`` fields (only the exact parse says
    which one counts)."""
    if data[: len(FRAME_OPEN)] != FRAME_OPEN or data[-len(FRAME_CLOSE) :] != FRAME_CLOSE:
        return None
    last_end = len(data) - 2
    seps = [m.start() for m in _ENTRY_SEP_AT.finditer(data, 0, last_end)]
    count = len(seps) + 1
    found = [(m.start(), m[1]) for m in UPDATED_AT.finditer(data)]
    offsets = [offset for offset, _text in found]
    texts = [text for _offset, text in found]
    del found
    updated: list[int | float | None]
    bounds = [*seps, last_end]
    if (
        len(offsets) == count
        and all(map(operator.lt, offsets, bounds))
        and all(map(operator.lt, seps, offsets[1:]))
    ):
        # The common case, checked in C: each entry has its updatedAt, in order.
        try:
            updated = list(map(int, texts))
        except ValueError:
            updated = [_number(text) for text in texts]
    else:
        updated = [None] * count
        entry = 0
        for offset, text in zip(offsets, texts, strict=True):
            entry = bisect.bisect_left(bounds, offset, entry)
            if updated[entry] is not None:
                return None
            updated[entry] = _number(text)
    starts = [4]
    starts.extend(sep + 4 for sep in seps)
    # -1 sorts as no value (as the table's sort), after every number.
    values = [math.inf if value is None or value == -1 else -value for value in updated]
    order = sorted(range(count), key=values.__getitem__)
    keys: dict[int, str] = {}
    ranked = [values[i] for i in order]
    # Where a value equals the one before it (in C): the ties, usually none.
    tied = list(itertools.compress(range(1, count), map(operator.eq, ranked[1:], ranked)))
    if tied:
        view = memoryview(data)
        n = 0
        while n < len(tied):
            lo = tied[n] - 1
            hi = bisect.bisect_right(ranked, ranked[lo], lo)
            for i in order[lo:hi]:
                end = starts[i + 1] - 4 if i + 1 < count else last_end
                key = entry_key(view[starts[i] : end])
                if key is None:
                    return None
                keys[i] = key
            # Equal values are next to each other, in file order (a stable sort): by key.
            order[lo:hi] = sorted(order[lo:hi], key=keys.__getitem__)
            n = bisect.bisect_left(tied, hi, n)
    return len(data), starts, updated, keys, order


def read_fd(fd: int) -> bytes:
    """Every byte of the file open at ``fd`` (from its start, whatever its offset)."""
    size = os.fstat(fd).st_size
    chunks = []
    offset = 0
    while chunk := os.pread(fd, max(1, size - offset), offset):
        chunks.append(chunk)
        offset += len(chunk)
    return b"".join(chunks)


def main(argv: list[str]) -> int:
    """``json_scan.py FD``: the index of the file open at FD, marshalled to stdout (None for a
    file not in OpenClaw's layout)."""
    import gc

    # The file mapped, not read: no copy of its ~80 MiB, and nothing here makes a cycle, so the
    # collector would only walk the lists being built (~10% of this process's CPU together). A
    # file cut short meanwhile kills this process (SIGBUS): the app then scans the fd itself.
    gc.disable()
    fd = int(argv[1])
    try:
        data: Any = mmap.mmap(fd, 0, prot=mmap.PROT_READ)
    except (OSError, ValueError):  # e.g. an empty file, or one that cannot be mapped
        data = read_fd(fd)
    index: Any = scan(data)
    sys.stdout.buffer.write(marshal.dumps(index))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
