"""Reading and writing the bytes of an OpenClaw ``sessions.json``.

OpenClaw writes ``JSON.stringify(store, null, 2)``: two-space indent, no trailing newline, non-ASCII
kept, key order kept. ``orjson`` with ``OPT_INDENT_2`` produces the same bytes for everything
OpenClaw writes and is ~20x faster than the standard library, so it is the fast path both ways.

Where orjson is lossy or refuses, the exact standard library takes over:

* loading: orjson silently turns integers beyond 64 bits into floats, keeps only the last of
  duplicate keys and rejects lone surrogates (which JavaScript emits when a label is cut
  mid-emoji). We therefore accept the orjson result only if re-serializing it reproduces the input
  bytes exactly; anything else is parsed again by ``json`` with duplicate-key detection.
* writing: orjson raises for integers beyond 64 bits and lone surrogates; ``json`` writes them
  exactly (lone surrogates as ``\\udXXX`` escapes, as JavaScript does).
"""

from __future__ import annotations

import gc
import hashlib
import heapq
import json
import math
import operator
import os
import re
from collections.abc import Mapping, Reversible
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, TypeGuard

import orjson

from openclaw_tui.store.backends import json_scan
from openclaw_tui.store.errors import StoreCorruptError

BOM = b"\xef\xbb\xbf"
_INDENT = orjson.OPT_INDENT_2
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(slots=True)
class Decoded:
    """A parsed store plus what the parser noticed without refusing the file."""

    entries: dict[str, Any]
    canonical: bool  # the bytes are exactly what ``dumps(entries)`` writes
    duplicate_keys: list[tuple[str | None, str]] = field(default_factory=list)
    # Where the entries are in the bytes (OpenClaw's layout, asked for with ``index``): what
    # ``IncrementalLoads`` compares the next file with, instead of keeping the file itself.
    layout: Layout | None = None
    # What differs from the entries of the previous ``IncrementalLoads.loads`` (None: no
    # incremental parse, every entry may have changed).
    delta: Delta | None = None


@dataclass(slots=True)
class Delta:
    """How the entries of an incremental parse differ from those of the parse before: every key
    not named here holds the very object ``base`` holds (so a reader finds what changed in
    O(changes), not O(store), and the quarantine of the others is the one it knew)."""

    base: dict[str, Any]  # the previous parse's entries, which this is relative to
    fresh: list[str]  # keys whose values were parsed anew: added, or not equal before (file order)
    gone: list[str]  # keys of ``base`` the file no longer holds
    reordered: bool  # keys of ``base`` moved, or new ones came before old ones


BLOCK = 16
"""Entries per block: a file in OpenClaw's layout is parsed, and compared with the next one, a
block at a time. Small blocks keep each orjson call short (the event loop gets the GIL between
them) and a changed entry costs a re-parse of at most its block."""

# A full parse of this many entries or more freezes what it built (see ``loads``).
FREEZE_AT = 10_000


class LayoutBlock:
    """Consecutive entries of a file in OpenClaw's layout: their keys, the byte length of their
    fragments joined (from the first one's opening quote to the end of the last one's value)
    and a SHA-256 of those bytes. Never changed once built: a block whose bytes a rewrite left
    alone is the same object in the next ``Layout``, so nothing is done per entry for it
    (``IncrementalDumps.prime`` keeps its serialized block too). The values are in the
    ``Layout``'s entries."""

    __slots__ = ("digest", "keys", "length")

    def __init__(self, keys: tuple[str, ...], length: int, digest: bytes) -> None:
        self.keys = keys
        self.length = length
        self.digest = digest


@dataclass(slots=True)
class Layout:
    """A file in OpenClaw's layout, kept without its bytes: its blocks of consecutive entries
    in file order, and the entries dict the parse of it gave (the next parse starts from a copy
    of it). At 100,000 entries this is ~1 MiB beside the entries, where the bytes were ~80 MiB."""

    blocks: list[LayoutBlock]
    entries: dict[str, Any]


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        # JavaScript reads it as Infinity and writes it back as null: refuse rather than lose it.
        raise ValueError(f"the number {text[:40]} is out of range for a 64-bit float")
    return value


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON (OpenClaw cannot read it either)")


class Source:
    """A store file's bytes read forward a few MiB at a time, by absolute offset, so a file in
    OpenClaw's layout is parsed without ever holding it whole (~80 MiB at 100,000 entries on
    top of what is parsed). ``Source.of_bytes`` wraps bytes already in memory.

    The file is ``size`` bytes (its fstat): if it ends early or goes on (someone writes it in
    place), the layout paths give up and ``whole`` reads what is there, as a plain read did.
    """

    __slots__ = ("_base", "_buf", "_fd", "size")

    CHUNK = 4 << 20

    def __init__(self, fd: int | None, size: int, buf: bytes = b"") -> None:
        self._fd = fd
        self.size = size
        self._buf = buf
        self._base = 0  # the file offset of _buf[0]

    @classmethod
    def of_bytes(cls, raw: bytes) -> Source:
        return cls(None, len(raw), raw)

    def _have(self, start: int, end: int) -> bool:
        """Make [start, end) readable; nothing before ``start`` is asked for again (reading on
        drops it)."""
        buf = self._buf
        base = self._base
        if end <= base + len(buf):
            return start >= base
        fd = self._fd
        if fd is None or start < base or end > self.size:
            return False
        keep = buf[start - base :] if start - base < len(buf) else b""
        offset = max(start, base + len(buf))
        want = max(self.CHUNK, end - offset)
        parts = [keep]
        while offset < end:
            chunk = os.pread(fd, min(want, self.size - offset), offset)
            if not chunk:
                return False
            parts.append(chunk)
            offset += len(chunk)
        self._buf = b"".join(parts)
        self._base = start
        return True

    def startswith(self, prefix: bytes, at: int, keep: int | None = None) -> bool:
        """Whether ``prefix`` is at ``at``; ``keep``: the first offset still needed after."""
        end = at + len(prefix)
        return self._have(at if keep is None else keep, end) and self._buf.startswith(
            prefix, at - self._base
        )

    def find(self, sep: bytes, pos: int, keep: int | None = None) -> int:
        """The offset of the next ``sep`` at or after ``pos`` (-1: none before the end);
        ``keep``: the first offset still needed after."""
        keep = pos if keep is None else keep
        if not self._have(keep, pos):
            return -1
        while True:
            base = self._base
            at = self._buf.find(sep, pos - base)
            if at >= 0:
                return at + base
            loaded = base + len(self._buf)
            if loaded >= self.size or not self._have(keep, min(self.size, loaded + 1)):
                return -1

    def view(self, start: int, end: int) -> memoryview | None:
        """The bytes [start, end) (None: the file ended early)."""
        if not self._have(start, end):
            return None
        base = self._base
        return memoryview(self._buf)[start - base : end - base]

    def endswith(self, suffix: bytes) -> bool:
        """Whether the file ends with ``suffix`` (read apart: the forward reading is kept)."""
        if self.size < len(suffix):
            return False
        if self._fd is None:
            return self._buf.endswith(suffix)
        return os.pread(self._fd, len(suffix), self.size - len(suffix)) == suffix

    def at_end(self) -> bool:
        """Whether the file is exactly ``size`` bytes (it did not grow while read)."""
        return self._fd is None or not os.pread(self._fd, 1, self.size)

    def whole(self) -> bytes:
        """Every byte, from the start to the end of the file as it is now."""
        fd = self._fd
        if fd is None:
            return self._buf
        self._buf = b""
        chunks = []
        offset = 0
        while chunk := os.pread(fd, max(self.CHUNK, self.size - offset), offset):
            chunks.append(chunk)
            offset += len(chunk)
        self._base = 0
        return b"".join(chunks)


def loads(raw: bytes | Source, path: str, *, index: int | None = None) -> Decoded:
    """Parse store bytes. Raises ``StoreCorruptError`` naming the path and the position.

    A file in OpenClaw's layout is parsed a block of entries at a time (``_loads_layout``): the
    result is the same, but orjson never holds a parse tree of the whole file (a 76 MB file
    took 468 MiB in one ``orjson.loads``; in blocks the peak is the result plus one block).
    ``index``: the block size of the ``Decoded.layout`` to build (None: none is built).
    """
    source = raw if isinstance(raw, Source) else Source.of_bytes(raw)
    if source.startswith(BOM, 0):
        raise StoreCorruptError(
            path,
            "the file starts with a UTF-8 byte order mark (BOM); OpenClaw reads such a file as "
            "an empty store, so writing is refused",
            position=0,
            fix="remove the first three bytes, or run recovery (/recover in openclaw-tui: it "
            "keeps a copy, then strips the BOM)",
        )
    gc_was_enabled = gc.isenabled()
    # Parsing builds millions of objects; collections during that are pure overhead.
    gc.disable()
    try:
        decoded = _loads_layout(source, index)
        if decoded is None:
            whole = source.whole()
            if not whole.strip():
                raise StoreCorruptError(path, "the file is empty (0 bytes of JSON)", position=0)
            decoded = _loads_fast(whole)
            if decoded is None:
                decoded = _loads_exact(whole, path)
        if len(decoded.entries) >= FREEZE_AT:
            # Everything built while the collector was off waits in its youngest generation:
            # the first collection afterwards would walk all of it (seconds at 100,000
            # entries, on whichever thread allocates next). The store keeps these objects for
            # long; freezing moves them out of the collector's way.
            gc.freeze()
    finally:
        if gc_was_enabled:
            gc.enable()
    return decoded


def _loads_layout(source: Source, index: int | None) -> Decoded | None:
    """``_loads_fast`` for a file in OpenClaw's layout, a block of entries at a time.

    The file is ``{\n  `` + the entries' fragments joined by ``,\n  `` + ``\n}``, and
    ``,\n  "`` occurs nowhere else (deeper lines are indented further, strings hold no raw
    newline), so it is cut there. Each block is accepted only if re-serializing it gives its
    bytes back, as ``_loads_fast`` accepts the whole file; anything else (another layout, a
    repeated key, a value orjson cannot reproduce) returns None and takes the other paths.
    """
    total = source.size
    last_end = total - 2  # where the closing ``\n}`` starts
    if not source.endswith(_FRAME_CLOSE) or not source.startswith(_FRAME_OPEN, 0):
        return None
    size = index or BLOCK
    entries: dict[str, Any] = {}
    blocks: list[LayoutBlock] = []
    parse = orjson.loads
    dump = orjson.dumps
    join = b"".join
    find = source.find
    share = ValueSharer().share
    count = 0
    pos = 4  # the first entry's opening quote, after '{\n  '
    final = False
    while not final:
        in_block = 0
        cursor = pos
        end = pos
        while in_block < size:
            in_block += 1
            at = find(_ENTRY_SEP, cursor, pos)
            if at < 0 or at >= last_end:
                end = last_end
                final = True
                break
            end = at
            cursor = at + 4
        view = source.view(pos, end) if end >= pos else None
        if view is None:
            return None
        wrapped = join((b"{\n  ", view, b"\n}"))
        try:
            part = parse(wrapped)
            if type(part) is not dict or len(part) != in_block:
                return None
            if dump(part, option=_INDENT) != wrapped:
                return None
        except (orjson.JSONDecodeError, TypeError):
            return None
        share(part)
        entries.update(part)
        count += in_block
        if index is not None:
            blocks.append(LayoutBlock(tuple(part), end - pos, _digest(view)))
        view.release()
        pos = end + 4
    if len(entries) != count or not source.at_end():
        return None  # a key repeated across blocks (the exact parser reports it), or it grew
    layout = Layout(blocks, entries) if index is not None else None
    return Decoded(entries=entries, canonical=True, layout=layout)


class ValueSharer:
    """Stores a repeated field value once: the entries of one load share one object for equal
    values of a field that repeats (``channel``, ``model``, ``route``, a skills snapshot...).

    Done a block at a time, right after the block is parsed, so the duplicates are freed while
    they are few and their memory is reused by the next block (interning a finished store frees
    them too late: the heap stays as big as it grew). Which fields repeat is learned from the
    first entries (at most one distinct value in two); other fields are left alone, so a unique
    value costs nothing. Only strings and containers are shared, never numbers (``1``, ``1.0``
    and ``True`` are equal dict keys but different JSON), and containers only with the same
    bytes (key order kept). Sharing is safe because published entries are never mutated: a
    mutator gets deep copies (``store/_work.py``).
    """

    __slots__ = ("_cache", "_learned", "_seen", "fields")

    LEARN = 256  # entries looked at before deciding which fields repeat

    def __init__(self) -> None:
        self.fields: list[str] | None = None
        self._learned = 0
        self._seen: dict[str, tuple[list[int], set[Any]]] = {}
        self._cache: dict[Any, Any] = {}

    def share(self, part: dict[str, Any]) -> None:
        """Share the repeated values of ``part`` (key -> entry). Raises ``TypeError`` for a
        value orjson cannot serialize, which a block orjson has just reproduced never holds."""
        fields = self.fields
        if fields is None:
            fields = self._learn(part)
        if not fields:
            return
        remember = self._cache.setdefault
        dump = orjson.dumps
        for entry in part.values():
            if type(entry) is not dict:
                continue
            for name in fields:
                value = entry.get(name)
                kind = type(value)
                if kind is str:
                    entry[name] = remember(value, value)
                elif kind is dict or kind is list:
                    # Cannot raise: the block was just re-serialized by orjson as a whole.
                    entry[name] = remember(dump(value), value)

    def _learn(self, part: dict[str, Any]) -> list[str]:
        seen = self._seen
        dump = orjson.dumps
        for entry in part.values():
            if type(entry) is not dict:
                continue
            self._learned += 1
            for name, value in entry.items():
                kind = type(value)
                if kind is str:
                    key: Any = value
                elif kind is dict or kind is list:
                    key = dump(value)
                else:
                    continue
                counts = seen.get(name)
                if counts is None:
                    seen[name] = counts = ([0], set())
                counts[0][0] += 1
                counts[1].add(key)
        if self._learned < self.LEARN:
            return []  # still learning: this block is kept as parsed
        self.fields = [
            name for name, (n, distinct) in seen.items() if n[0] >= 4 and 2 * len(distinct) <= n[0]
        ]
        self._seen = {}
        return self.fields


def _digest(data: memoryview) -> bytes:
    # SHA-256 runs without the GIL on blocks this size, and no change can slip through it.
    return hashlib.sha256(data).digest()


def _loads_fast(raw: bytes) -> Decoded | None:
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(value, dict):
        return None  # the exact path produces the precise message
    try:
        again = orjson.dumps(value, option=_INDENT)
    except TypeError:
        return None
    if again != raw:
        return None
    return Decoded(entries=value, canonical=True)


def _loads_exact(raw: bytes, path: str) -> Decoded:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise StoreCorruptError(
            path,
            f"the file is not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})",
            position=exc.start,
        ) from None
    duplicates: list[tuple[str | None, str]] = []
    try:
        value = _json_exact(text, duplicates)
    except json.JSONDecodeError as exc:
        position = len(text[: exc.pos].encode("utf-8"))
        raise StoreCorruptError(
            path,
            f"invalid JSON at line {exc.lineno} column {exc.colno} (byte {position}): {exc.msg}",
            position=position,
        ) from None
    except ValueError as exc:  # NaN / Infinity
        raise StoreCorruptError(path, f"invalid JSON: {exc}") from None
    except RecursionError:
        raise StoreCorruptError(
            path, "the JSON is nested too deeply to be a session store"
        ) from None
    if not isinstance(value, dict):
        raise StoreCorruptError(
            path,
            f"the top level is {_json_type(value)}, not an object of sessions",
            position=0,
        )
    return Decoded(entries=value, canonical=False, duplicate_keys=duplicates)


def _json_exact(text: str, duplicates: list[tuple[str | None, str]]) -> Any:
    """The standard library parse with our rules: exact big integers and lone surrogates, no
    NaN/Infinity or out-of-range floats, and each repeated object key recorded in
    ``duplicates`` (the last value wins, as in JavaScript)."""

    def pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(pairs)
        if len(obj) != len(pairs):
            seen: set[str] = set()
            for key, _ in pairs:
                if key in seen:
                    duplicates.append((None, key))
                seen.add(key)
        return obj

    return json.loads(
        text,
        object_pairs_hook=pairs_hook,
        parse_constant=_reject_constant,
        parse_float=_finite_float,
    )


def loads_value(text: str) -> tuple[Any, list[str]]:
    """One compact JSON value (a SQLite row's ``entry_json``), read as exactly as ``loads``
    reads a file: (value, repeated object keys).

    orjson's result is taken only when re-serializing it reproduces the text; anything else (big
    integers, lone surrogates, repeated keys, other spellings) goes through the exact parser.
    Raises ``ValueError`` for what is not JSON, NaN/Infinity, or JSON nested too deeply.
    """
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        pass
    else:
        try:
            if orjson.dumps(value) == text.encode("utf-8"):
                return value, []
        except (TypeError, UnicodeEncodeError):
            pass
    duplicates: list[tuple[str | None, str]] = []
    try:
        value = _json_exact(text, duplicates)
    except RecursionError:
        raise ValueError("the JSON is nested too deeply") from None
    return value, [key for _, key in duplicates]


def dumps_compact(value: Any) -> str:
    """``JSON.stringify(value)``: compact, key order and non-ASCII kept; big integers exact and
    lone surrogates as ``\\udXXX`` escapes (so the text is valid UTF-8), as in ``dumps_exact``."""
    try:
        return orjson.dumps(value).decode("utf-8")
    except TypeError:
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        return _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def dumps(entries: Mapping[str, Any]) -> bytes:
    """Serialize exactly as OpenClaw does (``JSON.stringify(store, null, 2)``)."""
    try:
        return orjson.dumps(entries, option=_INDENT)
    except TypeError:
        return dumps_exact(entries)


class _Block:
    __slots__ = ("data", "keys", "source", "span")

    def __init__(self, keys: list[str], source: LayoutBlock | None = None) -> None:
        self.keys = keys
        self.data: bytes | None = None  # None (and no span): re-serialize before the next join
        # Where the block's bytes are in the file last written, once ``settle`` dropped them.
        self.span: tuple[int, int] | None = None
        # The layout block this one was primed from, while no batch has touched it (then its
        # keys are that block's keys): ``prime`` keeps it for a layout that still has that block.
        self.source = source


Span = tuple[int, int]
"""(offset, length): bytes to copy from the file last written (``IncrementalDumps.parts``)."""


class IncrementalDumps:
    """``dumps`` that re-serializes only the part of the store a batch changed.

    The output is cut into blocks of ``block_size`` consecutive entries, each keeping its bytes
    (the fragment ``"key": {...}`` at indent 2 for each entry, joined by ``,\n``, exactly as in
    the whole-store output). A batch re-serializes only the blocks holding its upserts and
    removals; the file is the blocks joined by ``,\n`` inside braces. So the work under the GIL is
    proportional to the changed entries, plus one ``join`` (which copies without the GIL).

    The caller must describe each batch exactly (``upserts``, ``removed``, ``reordered``)
    relative to the store of the previous call. Anything the blocks cannot follow (a reorder,
    order that does not match, a value orjson refuses) falls back to ``dumps`` and a rebuild, so
    the bytes are always those of ``dumps(entries)``.
    """

    __slots__ = ("_blocks", "_primed", "_where", "block_size")

    def __init__(self, block_size: int = 256) -> None:
        self.block_size = block_size
        self._blocks: list[_Block] | None = None
        self._where: dict[str, _Block] = {}
        # The layout blocks of the last ``prime`` and the blocks made of them (those a batch
        # touched since say so: their ``source`` is gone): the next ``prime`` keeps the ones its
        # layout still has, also across our own writes.
        self._primed: dict[LayoutBlock, _Block] | None = None

    @property
    def primed(self) -> bool:
        return self._blocks is not None

    def reset(self) -> None:
        self._blocks = None
        self._where = {}
        self._primed = None

    def full(self, entries: Mapping[str, Any]) -> bytes:
        """Serialize everything and remember the blocks for the next ``update``."""
        if not self._build(entries):
            return dumps(entries)
        assert self._blocks is not None
        return _join(self._blocks)

    def _build(self, entries: Mapping[str, Any]) -> bool:
        """Serialize every block; False (and no blocks) if orjson refuses a value."""
        self.reset()
        size = self.block_size
        keys = list(entries)
        blocks = [_Block(keys[i : i + size]) for i in range(0, len(keys), size)]
        where: dict[str, _Block] = {}
        for block in blocks:
            for key in block.keys:
                where[key] = block
        if not _serialize_blocks(blocks, entries):
            return False
        self._blocks = blocks
        self._where = where
        return True

    def update(
        self,
        entries: Mapping[str, Any],
        upserts: Mapping[str, Any],
        removed: frozenset[str] | set[str],
        *,
        reordered: bool = False,
    ) -> bytes:
        """Serialize ``entries``, which differ from the previous call's by exactly the batch."""
        blocks = self._blocks
        if blocks is None or reordered or any(block.span is not None for block in blocks):
            return self.full(entries)
        if not self._apply(entries, upserts, removed, blocks):
            return self.full(entries)
        if not _serialize_blocks(blocks, entries):
            self.reset()
            return dumps(entries)
        return _join(blocks)

    def parts(
        self,
        entries: Mapping[str, Any],
        upserts: Mapping[str, Any],
        removed: frozenset[str] | set[str],
        *,
        reordered: bool = False,
    ) -> list[bytes | Span]:
        """``update`` as pieces: bytes, and spans of the file last written for the blocks
        ``settle`` dropped, which the writer copies from that file (``copy_file_range``: in the
        kernel, never in this process's memory). Joined, the pieces are ``dumps(entries)``."""
        blocks = self._blocks
        if blocks is None or reordered or not self._apply(entries, upserts, removed, blocks):
            return self.full_parts(entries)
        if not _serialize_blocks(blocks, entries):
            self.reset()
            return [dumps(entries)]
        if not blocks:
            return [b"{}"]
        pieces: list[bytes | Span] = [b"{\n"]
        for block in blocks:
            data = block.data
            last = pieces[-1]
            if data is None:
                assert block.span is not None  # _serialize_blocks filled every other block
                offset, length = block.span
                if type(last) is tuple and last[0] + last[1] + 2 == offset:
                    # Contiguous in the old file, separator included: one copy.
                    pieces[-1] = (last[0], offset + length - last[0])
                    continue
                if len(pieces) > 1:
                    pieces.append(b",\n")
                pieces.append(block.span)
            else:
                if len(pieces) > 1:
                    pieces.append(b",\n")
                pieces.append(data)
        pieces.append(b"\n}")
        return pieces

    def full_parts(self, entries: Mapping[str, Any]) -> list[bytes | Span]:
        """``full`` as pieces, not joined: the joined copy of a 100,000-entry store is ~80 MiB
        more at the moment of writing."""
        if not self._build(entries):
            return [dumps(entries)]
        return self.parts(entries, {}, frozenset())

    def prime(self, layout: Layout) -> None:
        """Start from a file just read in OpenClaw's layout (``loads(index=...)``): its blocks
        as spans of that file, so even the first write copies the unchanged ones from it.

        A layout block the last ``prime`` had (the same object: its bytes unchanged) keeps its
        block and where its keys are, unless a write touched that block since; only the others
        are done entry by entry, so priming after a rewrite of a few entries costs the blocks,
        not the 100,000 entries."""
        old = self._primed if self._blocks is not None else None
        current = self._blocks if old is not None else None
        where = self._where if old is not None else {}
        self._blocks = None
        self._where = {}
        self._primed = None
        blocks: list[_Block] = []
        made: list[_Block] = []
        primed: dict[LayoutBlock, _Block] = {}
        total = 0
        start = 4  # the first entry's opening quote, after '{\n  '
        for layout_block in layout.blocks:
            block = old.get(layout_block) if old is not None else None
            if block is None or block.source is not layout_block:
                block = _Block(list(layout_block.keys), layout_block)
                made.append(block)
            # A serialized block starts at its first entry's two-space indent.
            block.span = (start - 2, layout_block.length + 2)
            block.data = None
            primed[layout_block] = block
            blocks.append(block)
            total += len(layout_block.keys)
            start += layout_block.length + 4  # ',\n  ' before the next entry's quote
        if current:
            kept = {id(block) for block in blocks}
            for block in current:  # gone from the file, changed, or touched by a write
                if id(block) not in kept:
                    for key in block.keys:
                        if where.get(key) is block:
                            del where[key]
        for block in made:
            for key in block.keys:
                where[key] = block
        if len(where) != total:
            return  # a key in two blocks: unprimed, the next write serializes everything
        self._blocks = blocks
        self._where = where
        self._primed = primed

    def settle(self) -> None:
        """The last output is now the file: keep where each block is in it, not its bytes
        (~80 MiB at 100,000 entries). The next ``parts`` copies unchanged blocks from the file;
        ``update`` (bytes) starts over."""
        blocks = self._blocks
        if not blocks:
            return
        offset = 2  # after '{\n'
        for block in blocks:
            if block.data is not None:
                length = len(block.data)
            else:
                assert block.span is not None  # every block has its bytes or its span
                length = block.span[1]
            block.span = (offset, length)
            block.data = None
            offset += length + 2  # ',\n'

    def _apply(
        self,
        entries: Mapping[str, Any],
        upserts: Mapping[str, Any],
        removed: frozenset[str] | set[str],
        blocks: list[_Block],
    ) -> bool:
        """Mark the blocks the batch touched for re-serializing; False: start over instead.
        A touched block is no longer its layout block (``source``)."""
        where = self._where
        added = [key for key in upserts if key not in where]
        if len(entries) != len(where) - len(removed) + len(added) or any(
            key not in where for key in removed
        ):
            return False
        if added:
            # New keys go to the end of the dict, in insertion order: check, then append.
            keys = entries.keys()
            if not isinstance(keys, Reversible):  # a dict's keys are; other mappings start over
                return False
            tail = list(islice(reversed(keys), len(added)))
            tail.reverse()
            if set(tail) != set(added):
                return False
            added = tail
        for key in removed:
            block = where.pop(key)
            block.keys.remove(key)
            block.data = block.span = block.source = None
        for key in upserts:
            changed = where.get(key)
            if changed is not None:
                changed.data = changed.span = changed.source = None
        size = self.block_size
        for key in added:
            last = blocks[-1] if blocks else None
            if last is None or len(last.keys) >= size:
                last = _Block([])
                blocks.append(last)
            last.keys.append(key)
            last.data = last.span = last.source = None
            where[key] = last
        if removed:
            blocks[:] = [block for block in blocks if block.keys]
        return True


def _serialize_blocks(blocks: list[_Block], entries: Mapping[str, Any]) -> bool:
    """Fill in the missing block bytes; False if orjson refuses a value (exact path needed)."""
    for block in blocks:
        if block.data is None and block.span is None:
            try:
                # b'{\n  "key": ...\n}' -> the fragments between the braces.
                block.data = orjson.dumps({k: entries[k] for k in block.keys}, option=_INDENT)[2:-2]
            except TypeError:
                return False
    return True


def _join(blocks: list[_Block]) -> bytes:
    if not blocks:
        return b"{}"
    # The join copies without the GIL; braces go on small pieces, not around the whole store.
    parts: list[bytes] = [block.data for block in blocks]  # type: ignore[misc]
    parts[0] = b"{\n" + parts[0]
    parts[-1] = parts[-1] + b"\n}"
    return b",\n".join(parts)


def dumps_exact(entries: Mapping[str, Any]) -> bytes:
    """The slow, exact serializer: big integers and lone surrogates as JavaScript writes them."""
    text = json.dumps(entries, indent=2, ensure_ascii=False, allow_nan=False)
    # Python pairs surrogates on load, so any surrogate code point left here is a lone one;
    # JSON.stringify writes those as escapes, which keeps the output valid UTF-8.
    text = _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return text.encode("utf-8")


def clone(value: Any) -> Any:
    """Deep copy of a JSON value (dicts, lists, scalars): much faster than ``copy.deepcopy``."""
    if isinstance(value, dict):
        return {k: clone(v) if isinstance(v, dict | list) else v for k, v in value.items()}
    if isinstance(value, list):
        return [clone(v) if isinstance(v, dict | list) else v for v in value]
    return value


def json_equal(a: Any, b: Any) -> bool:
    """Equality that also distinguishes what serializes differently (key order, 1 vs 1.0)."""
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        if len(a) != len(b) or list(a) != list(b):
            return False
        return all(json_equal(v, b[k]) for k, v in a.items())
    if isinstance(a, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def same_json(a: Any, b: Any) -> bool:
    """``json_equal``, at C speed for the common cases (identical, or plainly different)."""
    if a is b:
        return True
    if a != b:  # Python equality is coarser than JSON equality: unequal here is unequal there
        return False
    try:
        # Equal as Python values: the bytes tell key order, 1 vs 1.0 and true vs 1 apart.
        return orjson.dumps(a) == orjson.dumps(b)
    except TypeError:
        return json_equal(a, b)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


_SAFE_SESSION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@-]*")


def is_safe_session_id(value: Any) -> TypeGuard[str]:
    """OpenClaw's rule: ``^[A-Za-z0-9][A-Za-z0-9._:@-]*$``, at most 255 chars, not ``.``/``..``.

    Surrounding whitespace is tolerated (OpenClaw trims it). An unsafe id is never used as a path.
    """
    if not isinstance(value, str):
        return False
    text = value.strip()
    return (
        0 < len(text) <= 255
        and text not in (".", "..")
        and _SAFE_SESSION_ID.fullmatch(text) is not None
    )


def plain_safe_session_id(value: str) -> bool:
    """``is_safe_session_id`` for the usual id (no surrounding whitespace); False is not a
    verdict: ``entry_problem`` decides then."""
    return len(value) <= 255 and _SAFE_SESSION_ID.fullmatch(value) is not None


def entry_problem(key: str, value: Any) -> tuple[str, str] | None:
    """Why an entry must be quarantined (kept untouched, reported), as (code, message)."""
    if not isinstance(value, dict):
        return (
            "not_an_object",
            f"entry {key!r} is {_json_type(value)}, not an object; it is kept in the file "
            "untouched and hidden from the session list",
        )
    if "sessionId" in value and not is_safe_session_id(value["sessionId"]):
        return (
            "unsafe_session_id",
            f"entry {key!r} has an unsafe sessionId {value['sessionId']!r}; it is kept but never "
            "used to open, follow or delete a file",
        )
    return None


_FRAME_OPEN = json_scan.FRAME_OPEN
_FRAME_CLOSE = json_scan.FRAME_CLOSE
_ENTRY_SEP = json_scan.ENTRY_SEP  # between two top-level entries, and only there


class IncrementalLoads:
    """``loads`` that re-parses only the blocks of entries whose bytes changed since the last call.

    A file in OpenClaw's layout (what ``dumps`` writes) is cut into blocks of ``block``
    consecutive entries (see ``_loads_layout``); the previous file is kept only as its
    ``Layout``: each block's keys, byte length and SHA-256, not its bytes (~80 MiB at 100,000
    entries), and the entries its parse gave. A new file is walked block by block: where the
    bytes at the current position have the old block's length and digest (and a separator or
    the end follows), the block is taken as it is (the same object, its entries the previous
    objects); elsewhere the entries are parsed one at a time until the walk reaches an old
    block's start again. A parsed entry equal to its previous value keeps the previous object
    (readers diff by identity). A fragment is accepted only if re-serializing it reproduces its
    bytes, exactly as ``loads`` accepts a file, so the result is always the one ``loads`` gives;
    anything else (another layout, a repeated key, a value orjson cannot reproduce) goes through
    ``loads`` itself.

    What changed comes out as a ``Delta`` (``Decoded.delta``): the keys parsed anew and the keys
    gone, so nothing after the parse needs to look at the unchanged entries either. When the
    keys kept their order (new ones only at the end, as a JavaScript object adds them), the new
    entries are a copy of the previous dict with the changes applied: a C-speed copy instead of
    100,000 insertions.

    The work is many short calls instead of one long ``orjson.loads``: in a worker thread the
    event loop gets the GIL back between them (a whole-file parse of 76 MB held it ~0.7 s), and
    hashing runs without the GIL. Not thread safe: one reader at a time (the store's writer slot
    serializes reads).
    """

    __slots__ = ("_layout", "block", "fresh", "reparsed")

    def __init__(self, block: int = BLOCK) -> None:
        self.block = block
        self._layout: Layout | None = None
        self.reparsed: int | None = None  # fragments parsed by the last call; None: whole file
        # The keys whose values the last call parsed anew (the others are the previous call's
        # objects, unchanged); None when it parsed the whole file.
        self.fresh: list[str] | None = None

    def reset(self) -> None:
        self._layout = None

    @property
    def layout(self) -> Layout | None:
        """The last file's layout, when it had OpenClaw's (None: another layout, or empty)."""
        return self._layout

    def loads(self, raw: bytes | Source, path: str) -> Decoded:
        source = raw if isinstance(raw, Source) else Source.of_bytes(raw)
        decoded = None
        layout = self._layout
        if (
            layout is not None
            and source.endswith(_FRAME_CLOSE)
            and source.startswith(_FRAME_OPEN, 0)
        ):
            # With the collector on: it is off for the whole process, not this thread, and
            # what the event loop allocated meanwhile (~0.2 s of keys and frames at 100,000
            # entries) piled up young, for one collection of 35-76 ms after the read.
            decoded = self._loads_incremental(source, layout)
        if decoded is not None:
            return decoded
        self.reset()
        self.reparsed = None
        self.fresh = None
        decoded = loads(source, path, index=self.block)
        self._layout = decoded.layout if decoded.entries else None
        decoded.layout = None
        return decoded

    def _loads_incremental(self, source: Source, layout: Layout) -> Decoded | None:
        base = layout.entries
        old_blocks = layout.blocks
        old_count = len(old_blocks)
        size = self.block
        new_len = source.size
        last_end = new_len - 2  # where the closing ``\n}`` starts
        startswith = source.startswith
        find = source.find
        view_of = source.view
        same = same_json
        blocks: list[LayoutBlock] = []
        taken = bytearray(old_count)  # 1: the old block is in the new file as it was
        fresh: dict[str, Any] = {}  # key -> its new value, in file order
        parsed: set[str] = set()  # every key parsed one at a time, fresh or not
        where: dict[str, tuple[int, int]] | None = None  # old key -> (block, entry), on demand
        # Whether the keys kept their order, any new one after every old one: then the
        # entries are a copy of ``base`` with the changes applied.
        ordered = True
        added = False  # a key ``base`` does not hold was parsed
        count = 0
        reparsed = 0
        # The new block being formed of entries parsed one by one: its first offset, its keys
        # so far and the digest of its bytes so far (the bytes are read only once).
        group: list[str] = []
        group_start = group_end = 0
        group_hash = hashlib.sha256()

        def end_group() -> None:
            nonlocal group
            if group:
                blocks.append(
                    LayoutBlock(tuple(group), group_end - group_start, group_hash.digest())
                )
                group = []

        b = j = 0  # the old entry expected at ``pos``: entry j of old block b
        pos = 4  # the start of the next fragment (after '{\n  ')
        while pos < new_len:
            if j == 0 and b < old_count:
                old_block = old_blocks[b]
                end = pos + old_block.length
                if end <= last_end and (end == last_end or startswith(_ENTRY_SEP, end, pos)):
                    view = view_of(pos, end)
                    if view is None:
                        return None
                    if _digest(view) == old_block.digest:
                        end_group()
                        if added:
                            ordered = False
                        blocks.append(old_block)
                        taken[b] = 1
                        count += len(old_block.keys)
                        b += 1
                        pos = end + 4 if end < last_end else new_len
                        continue
            end = find(_ENTRY_SEP, pos)
            if end < 0 or end >= last_end:
                end = last_end
                if end < pos:
                    return None
            fragment = view_of(pos, end)
            if fragment is None:
                return None
            item = _parse_fragment(fragment)
            if item is None:
                return None
            key, value = item
            before = base.get(key, _ABSENT)
            if before is _ABSENT:
                added = True
                fresh[key] = value
            else:
                if added:
                    ordered = False
                if b < old_count and old_blocks[b].keys[j] == key:
                    j += 1
                else:
                    found = _near(old_blocks, b, j, key)
                    if found is None:
                        if where is None:
                            where = {
                                k: (n, m)
                                for n, old in enumerate(old_blocks)
                                for m, k in enumerate(old.keys)
                            }
                        found = where.get(key)
                        if found is None:
                            return None  # the layout does not hold the key its entries do
                    if found < (b, j):
                        ordered = False  # moved back (or repeated): the order changed
                    b, j = found[0], found[1] + 1
                if j == len(old_blocks[b].keys):
                    b += 1
                    j = 0
                if same(before, value):
                    value = before
                else:
                    fresh[key] = value
            parsed.add(key)
            reparsed += 1
            if len(group) == size:
                end_group()
            if group:
                group_hash.update(b",\n  ")
            else:
                group_start = pos
                group_hash = hashlib.sha256()
            group_hash.update(fragment)
            group_end = end
            group.append(key)
            count += 1
            pos = end + 4 if end < last_end else new_len
        if not source.at_end():
            return None  # the file grew
        end_group()
        # The keys of the old blocks not taken whole that were not parsed either are gone.
        gone = [
            k
            for n, old in enumerate(old_blocks)
            if not taken[n]
            for k in old.keys
            if k not in parsed
        ]
        if ordered:
            entries = base.copy()
            for key in gone:
                del entries[key]
            entries.update(fresh)
        else:
            # Filled a block at a time: one dict(items) of 100,000 pairs would hold the GIL
            # ~50 ms. Unchanged entries are the previous objects; new ones are None until the
            # update, which keeps their place.
            entries = {}
            get = base.get
            for new_block in blocks:
                entries.update(zip(new_block.keys, map(get, new_block.keys), strict=True))
            entries.update(fresh)
        if len(entries) != count:
            return None  # a repeated key (the exact parser reports it)
        self._layout = Layout(blocks, entries)
        self.reparsed = reparsed
        self.fresh = list(fresh)
        return Decoded(
            entries=entries, canonical=True, delta=Delta(base, self.fresh, gone, not ordered)
        )


def _near(blocks: list[LayoutBlock], b: int, j: int, key: str) -> tuple[int, int] | None:
    """Where ``key`` is in the old blocks just after entry j of block b (an entry or a few
    removed before it), without an index of every key."""
    for n in range(b, min(b + 2, len(blocks))):
        try:
            return n, blocks[n].keys.index(key, j + 1 if n == b else 0)
        except ValueError:
            continue
    return None


_ABSENT: Any = object()


_UPDATED_AT = json_scan.UPDATED_AT  # a top-level entry's numeric updatedAt


def newest_entries(data: bytes, count: int) -> tuple[dict[str, Any], int] | None:
    """The ``count`` entries with the highest numeric ``updatedAt`` of a file in OpenClaw's
    layout, found without parsing the others, and how many entries the file holds.

    For the first screenful of a big store before the whole file is parsed: a scan
    of the bytes (~0.2 s at 100,000 entries, a parse is ~0.9 s) and a parse of those entries
    only, each accepted as ``loads`` accepts a block (re-serialized to its own bytes). None when
    the file is not in that layout, or when an entry found is not what ``dumps`` writes; the
    caller then waits for the whole parse. Never the store's truth: ``loads`` of the same bytes
    is (a repeated key, say, is only found there).
    """
    if count <= 0 or not data.startswith(_FRAME_OPEN) or not data.endswith(_FRAME_CLOSE):
        return None
    found: list[tuple[float, int]] = []
    append = found.append
    for match in _UPDATED_AT.finditer(data):  # once per entry: kept to the minimum
        text = match[1]
        try:
            append((int(text), match.start()))
        except ValueError:
            append((float(text), match.start()))
    last_end = len(data) - 2
    entries: dict[str, Any] = {}
    # -1 sorts as "no value", last, as in the table: left out before the top ``count`` are
    # taken, so an entry below it (-2) still fills the page.
    for _updated, offset in heapq.nlargest(count, (item for item in found if item[0] != -1)):
        before = data.rfind(_ENTRY_SEP, 0, offset)
        start = 4 if before < 0 else before + 4
        end = data.find(_ENTRY_SEP, offset)
        if end < 0 or end > last_end:
            end = last_end
        item = _parse_fragment(memoryview(data)[start:end])
        if item is None or item[0] in entries:
            return None
        entries[item[0]] = item[1]
    return entries, data.count(_ENTRY_SEP) + 1


def _parse_fragment(fragment: memoryview) -> tuple[str, Any] | None:
    """The one entry ``fragment`` spells, if it is exactly what ``dumps`` writes for it."""
    wrapped = b"".join((b"{\n  ", fragment, b"\n}"))
    try:
        value = orjson.loads(wrapped)
    except orjson.JSONDecodeError:
        return None
    if type(value) is not dict or len(value) != 1:
        return None
    try:
        if orjson.dumps(value, option=_INDENT) != wrapped:
            return None
    except TypeError:
        return None
    return next(iter(value.items()))


@dataclass(slots=True)
class EntryIndex:
    """Where every entry of a file in OpenClaw's layout is, from one scan of its bytes
    (``backends/json_scan.py``), with nothing parsed: entry ``i`` (file order) is the fragment
    ``span(i)``, ``updated[i]`` its top-level numeric ``updatedAt`` as written (None: none),
    ``order`` the entry numbers newest first as the table sorts them (-1 as none, last; ties
    by key, ``keys`` holding the keys of the entries that tie). Holds no bytes: ~3 MiB at
    100,000 entries, against ~80 MiB of file."""

    size: int
    starts: list[int]
    updated: list[int | float | None]
    keys: dict[int, str]
    order: list[int]

    def __len__(self) -> int:
        return len(self.starts)

    def span(self, i: int) -> tuple[int, int]:
        """The byte range of entry ``i``: from its key's opening quote to its value's end."""
        starts = self.starts
        end = starts[i + 1] - 4 if i + 1 < len(starts) else self.size - 2
        return starts[i], end

    @classmethod
    def of(cls, found: Any) -> EntryIndex | None:
        """The index ``json_scan.scan`` found (or another process marshalled), checked for its
        shape; None for nothing, or for anything else."""
        if found is None:
            return None
        try:
            size, starts, updated, keys, order = found
        except (TypeError, ValueError):
            return None
        try:
            count = len(starts)
            if not (
                type(size) is int
                and type(starts) is list
                and type(updated) is list
                and type(keys) is dict
                and type(order) is list
                and len(updated) == len(order) == count > 0
                and set(map(type, starts)) == {int}
                and starts[0] == 4
                and all(map(operator.lt, starts, starts[1:]))
                and starts[-1] < size
                # Every entry once (an index, as drawn, never out of range), in C: ~5 ms at
                # 100,000 entries.
                and set(map(type, order)) == {int}
                and len(set(order)) == count
                and min(order) == 0
                and max(order) == count - 1
            ):
                return None
        except TypeError:  # e.g. starts that are not a sequence
            return None
        return cls(size, starts, updated, keys, order)


entry_key = json_scan.entry_key


def index_entries(data: bytes) -> EntryIndex | None:
    """An ``EntryIndex`` of a file in OpenClaw's layout, None for anything else (then only the
    whole parse can say what the file holds). Nothing is checked but the frame and one
    ``updatedAt`` at most per entry: an entry is checked when it is parsed (``parse_entry``),
    as ``loads`` checks a block."""
    return EntryIndex.of(json_scan.scan(data))


def parse_entry(fragment: bytes | memoryview) -> tuple[str, Any] | None:
    """The one entry ``fragment`` spells, if it is exactly what ``dumps`` writes for it (as
    ``loads`` accepts a block); None otherwise."""
    return _parse_fragment(memoryview(fragment))
