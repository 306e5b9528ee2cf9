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
import json
import math
import re
from collections.abc import Mapping, Reversible
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, TypeGuard

import orjson

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


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        # JavaScript reads it as Infinity and writes it back as null: refuse rather than lose it.
        raise ValueError(f"the number {text[:40]} is out of range for a 64-bit float")
    return value


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON (OpenClaw cannot read it either)")


def loads(raw: bytes, path: str) -> Decoded:
    """Parse store bytes. Raises ``StoreCorruptError`` naming the path and the position."""
    if raw.startswith(BOM):
        raise StoreCorruptError(
            path,
            "the file starts with a UTF-8 byte order mark (BOM); OpenClaw reads such a file as "
            "an empty store, so writing is refused",
            position=0,
            fix="remove the first three bytes, or run recovery (/recover in openclaw-tui: it "
            "keeps a copy, then strips the BOM)",
        )
    if not raw.strip():
        raise StoreCorruptError(path, "the file is empty (0 bytes of JSON)", position=0)
    gc_was_enabled = gc.isenabled()
    # Parsing builds millions of objects; collections during that are pure overhead.
    gc.disable()
    try:
        decoded = _loads_fast(raw)
        if decoded is None:
            decoded = _loads_exact(raw, path)
    finally:
        if gc_was_enabled:
            gc.enable()
    return decoded


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
    __slots__ = ("data", "keys")

    def __init__(self, keys: list[str]) -> None:
        self.keys = keys
        self.data: bytes | None = None  # None: re-serialize before the next join


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

    __slots__ = ("_blocks", "_where", "block_size")

    def __init__(self, block_size: int = 256) -> None:
        self.block_size = block_size
        self._blocks: list[_Block] | None = None
        self._where: dict[str, _Block] = {}

    @property
    def primed(self) -> bool:
        return self._blocks is not None

    def reset(self) -> None:
        self._blocks = None
        self._where = {}

    def full(self, entries: Mapping[str, Any]) -> bytes:
        """Serialize everything and remember the blocks for the next ``update``."""
        self.reset()
        size = self.block_size
        keys = list(entries)
        blocks = [_Block(keys[i : i + size]) for i in range(0, len(keys), size)]
        where: dict[str, _Block] = {}
        for block in blocks:
            for key in block.keys:
                where[key] = block
        if not _serialize_blocks(blocks, entries):
            return dumps(entries)
        self._blocks = blocks
        self._where = where
        return _join(blocks)

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
        if blocks is None or reordered:
            return self.full(entries)
        where = self._where
        added = [key for key in upserts if key not in where]
        if len(entries) != len(where) - len(removed) + len(added) or any(
            key not in where for key in removed
        ):
            return self.full(entries)
        if added:
            # New keys go to the end of the dict, in insertion order: check, then append.
            keys = entries.keys()
            if not isinstance(keys, Reversible):  # a dict's keys are; other mappings start over
                return self.full(entries)
            tail = list(islice(reversed(keys), len(added)))
            tail.reverse()
            if set(tail) != set(added):
                return self.full(entries)
            added = tail
        for key in removed:
            block = where.pop(key)
            block.keys.remove(key)
            block.data = None
        for key in upserts:
            changed = where.get(key)
            if changed is not None:
                changed.data = None
        size = self.block_size
        for key in added:
            last = blocks[-1] if blocks else None
            if last is None or len(last.keys) >= size:
                last = _Block([])
                blocks.append(last)
            last.keys.append(key)
            last.data = None
            where[key] = last
        if removed:
            blocks[:] = [block for block in blocks if block.keys]
        if not _serialize_blocks(blocks, entries):
            self.reset()
            return dumps(entries)
        return _join(blocks)


def _serialize_blocks(blocks: list[_Block], entries: Mapping[str, Any]) -> bool:
    """Fill in the missing block bytes; False if orjson refuses a value (exact path needed)."""
    for block in blocks:
        if block.data is None:
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


_FRAME_OPEN = b'{\n  "'
_FRAME_CLOSE = b"\n}"
_ENTRY_SEP = b',\n  "'  # between two top-level entries, and only there, in OpenClaw's layout


class IncrementalLoads:
    """``loads`` that re-parses only the entries whose bytes changed since the previous call.

    A store in OpenClaw's layout (``JSON.stringify(store, null, 2)``, which is what ``dumps``
    writes) is ``{\\n  `` + the entries' fragments joined by ``,\\n  `` + ``\\n}``, and
    ``,\\n  "`` occurs nowhere else (deeper lines are indented further, strings hold no raw
    newline). So the new bytes are cut at those separators and compared with the previous file's
    fragments, many entries at a time (one ``startswith`` per block, at C speed); only fragments
    that differ are parsed, each on its own. A fragment is accepted only if re-serializing it
    reproduces its bytes, exactly as ``loads`` accepts orjson's result for the whole file, so the
    result is always the one ``loads`` gives; anything else (another layout, a repeated key, a
    value orjson cannot reproduce) goes through ``loads`` itself.

    The work is many short calls instead of one long ``orjson.loads``: in a worker thread the
    event loop gets the GIL back between them (a whole-file parse of 76 MB held it ~0.7 s).
    Not thread safe: one reader at a time (the store's writer slot serializes reads).
    """

    __slots__ = ("_index", "_items", "_raw", "_starts", "block", "fresh", "reparsed")

    def __init__(self, block: int = 64) -> None:
        self.block = block
        self._raw: bytes | None = None
        self._items: list[tuple[str, Any]] = []
        self._starts: list[int] | None = None  # offset of each entry's fragment in ``_raw``
        self._index: dict[str, int] | None = None  # key -> position in ``_items``
        self.reparsed: int | None = None  # fragments parsed by the last call; None: whole file
        # The keys of the fragments the last call parsed (the others are the previous call's
        # objects, unchanged); None when it parsed the whole file.
        self.fresh: list[str] | None = None

    def reset(self) -> None:
        self._raw = None
        self._items = []
        self._starts = None
        self._index = None

    def loads(self, raw: bytes, path: str) -> Decoded:
        decoded = None
        if self._raw is not None and raw.startswith(_FRAME_OPEN) and raw.endswith(_FRAME_CLOSE):
            gc_was_enabled = gc.isenabled()
            gc.disable()
            try:
                decoded = self._loads_incremental(raw)
            finally:
                if gc_was_enabled:
                    gc.enable()
        if decoded is not None:
            return decoded
        self.reset()
        self.reparsed = None
        self.fresh = None
        decoded = loads(raw, path)
        if decoded.canonical and decoded.entries:
            # Fragment offsets are found on the next call, off the first load's path.
            self._raw = raw
            self._items = list(decoded.entries.items())
        return decoded

    def _old_starts(self) -> list[int] | None:
        if self._starts is None and self._raw is not None:
            starts = _fragment_starts(self._raw)
            self._starts = starts if len(starts) == len(self._items) else None
        return self._starts

    def _loads_incremental(self, new: bytes) -> Decoded | None:
        old = self._raw
        old_starts = self._old_starts()
        if old is None or old_starts is None:
            return None
        old_items = self._items
        count = len(old_items)
        old_len = len(old)
        new_len = len(new)
        block = self.block
        startswith = new.startswith
        find = new.find
        old_view = memoryview(old)
        items: list[tuple[str, Any]] = []
        # Filled a block at a time: one dict(items) of 100,000 pairs would hold the GIL ~50 ms.
        entries: dict[str, Any] = {}
        starts: list[int] = []
        index = self._index
        fresh: list[str] = []
        i = 0  # the old entry expected at ``pos``
        pos = 4  # the start of the next fragment of ``new`` (after '{\n  ')
        while pos < new_len:
            # Blocks of unchanged entries: one comparison, including the next fragment's quote.
            while i < count:
                j = min(i + block, count)
                start = old_starts[i]
                stop = old_starts[j] + 1 if j < count else old_len
                length = stop - start
                if new_len - pos < length or not startswith(old_view[start:stop], pos):
                    break
                if j == count and new_len - pos != length:
                    break
                delta = pos - start
                starts.extend([s + delta for s in old_starts[i:j]])
                reused = old_items[i:j]
                items.extend(reused)
                entries.update(reused)
                pos += length - 1 if j < count else length
                i = j
            if pos >= new_len:
                break
            end = find(_ENTRY_SEP, pos)
            last = end < 0
            if last:
                end = new_len - 2
                if end < pos:
                    return None
            # The expected old entry, or the one after it (the expected one was removed).
            for candidate in (i, i + 1):
                if candidate >= count:
                    break
                start = old_starts[candidate]
                stop = old_starts[candidate + 1] - 4 if candidate + 1 < count else old_len - 2
                if stop - start == end - pos and startswith(old_view[start:stop], pos):
                    break
            else:
                candidate = -1
            if 0 <= candidate < count:
                starts.append(pos)
                pair = old_items[candidate]
                items.append(pair)
                entries[pair[0]] = pair[1]
                i = candidate + 1
                pos = new_len if last else end + 4
                continue
            item = _parse_fragment(new, pos, end)
            if item is None:
                return None
            starts.append(pos)
            items.append(item)
            key = item[0]
            entries[key] = item[1]
            fresh.append(key)
            if i < count and old_items[i][0] == key:
                i += 1
            else:
                if index is None:
                    index = {k: n for n, (k, _) in enumerate(old_items)}
                found = index.get(key)
                if found is not None:
                    i = found + 1
            pos = new_len if last else end + 4
        if len(entries) != len(items):
            return None  # a repeated key: the exact parser reports it
        self._raw = new
        self._items = items
        self._starts = starts
        self._index = None
        self.reparsed = len(fresh)
        self.fresh = fresh
        return Decoded(entries=entries, canonical=True)


def _fragment_starts(raw: bytes) -> list[int]:
    starts = [4]
    find = raw.find
    at = find(_ENTRY_SEP, 4)
    while at >= 0:
        starts.append(at + 4)
        at = find(_ENTRY_SEP, at + 4)
    return starts


def _parse_fragment(raw: bytes, start: int, end: int) -> tuple[str, Any] | None:
    """The one entry ``raw[start:end]`` spells, if it is exactly what ``dumps`` writes for it."""
    wrapped = b"{\n  " + raw[start:end] + b"\n}"
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
