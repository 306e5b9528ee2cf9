"""OpenClaw 2026.7.35 JSONL transcripts: the active branch, read from the end, followed live.

A transcript is a tree: every entry has an ``id`` and a ``parentId``; the active leaf is the last
entry, or a ``leaf`` entry's ``targetId`` when the last entry is one. The active branch is the
chain of ``parentId`` links from that leaf up to the root.

Reading from the end (``tail``): the file is read backwards in blocks, one line at a time, and the
chain is walked as far as the screen needs. In a linear transcript — almost every turn — an
entry's parent is the line just above it, so showing the last N items reads just those lines. The
trade-off: when the branch jumps (a side append, a rewind to an earlier point), the parent can be
anywhere above, and the reader keeps reading backwards until it finds it, up to the whole file in
the worst case. Lines read on the way that are not on the branch are kept only as small stubs
(id, parent, offset), not as items, so memory stays bounded; a stub that turns out to be needed
is re-read from its offset. Entries without an ``id`` (pre-v2 files) are not shown.

Lines are data and may be anything: a line cut short (a crash mid-write) or that is not JSON is
skipped and counted; invalid UTF-8 is decoded with replacement characters; a line over
``HUGE_LINE_BYTES`` is never loaded whole: its first ``HEAD_BYTES`` give its id, parent, role and
a preview. A trailing line without its newline is being written and is left for ``follow``.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import anyio
import orjson

from openclaw_tui.store.errors import describe_oserror
from openclaw_tui.store.transcript_model import TranscriptItem, TranscriptKind
from openclaw_tui.store.transcripts.base import (
    MAX_TEXT_CHARS,
    RETAIL,
    FileTranscript,
    PollResult,
    TranscriptPage,
    TranscriptUnavailable,
)
from openclaw_tui.store.transcripts.entries import Node, entry_node

BLOCK_BYTES = 256 * 1024
HUGE_LINE_BYTES = 4 * 1024 * 1024
HEAD_BYTES = 64 * 1024
FOLLOW_HEARTBEAT_S = 2.0
"""Re-stat the file at least this often while following, whatever the watcher says."""


@dataclass(frozen=True, slots=True)
class _Line:
    start: int
    end: int  # exclusive, the newline not included
    data: bytes  # the whole line, or its first HEAD_BYTES when ``huge``
    huge: bool = False
    tail: bytes = b""  # a huge line's last HEAD_BYTES (fields written after the big text)


@dataclass(frozen=True, slots=True)
class _Stub:
    parent_id: str | None
    start: int
    end: int
    leaf_target: str | None


class _Moved(Exception):
    """The file shrank or was replaced while being read: start again."""


# -- parsing --------------------------------------------------------------------------------------


def _loads(data: bytes) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        pass
    try:  # invalid UTF-8 inside an otherwise valid line: show it with replacement characters
        return json.loads(data.decode("utf-8", "replace"))
    except ValueError:
        return None


_FIELD = {
    name: re.compile(rb'"' + name.encode() + rb'"\s*:\s*"((?:[^"\\]|\\.){0,512})"')
    for name in ("id", "parentId", "type", "role", "toolName", "toolCallId")
}
_TEXT = re.compile(rb'"text"\s*:\s*"')


def _unescape(fragment: bytes) -> str:
    text = fragment.decode("utf-8", "replace")
    decoded: str  # a JSON string literal decodes to a str
    with contextlib.suppress(ValueError):
        decoded = json.loads(f'"{text}"')
        return decoded
    # Cut inside an escape: drop the dangling part and try once more.
    cut = text[: text.rfind("\\")] if "\\" in text[-12:] else text
    with contextlib.suppress(ValueError):
        decoded = json.loads(f'"{cut}"')
        return decoded
    return cut


def _huge_node(line: _Line) -> Node:
    """What the first bytes of a line too big to load say: ids, role, a preview, the size."""
    fields: dict[str, str] = {}
    for name, pattern in _FIELD.items():
        match = pattern.search(line.data) or pattern.search(line.tail)
        if match:
            fields[name] = _unescape(match.group(1))
    size = line.end - line.start
    preview = ""
    match = _TEXT.search(line.data)
    if match:
        raw = line.data[match.end() : match.end() + MAX_TEXT_CHARS * 2]
        closing = re.search(rb'(?<!\\)"', raw)
        preview = _unescape(raw[: closing.start()] if closing else raw)[:MAX_TEXT_CHARS]
    note = f"\n… [a {size:,}-byte transcript line, not shown in full]"
    if fields.get("type") == "leaf":
        return Node(fields.get("id"), fields.get("parentId"), ())
    kind = {"toolResult": "tool_result", "user": "user", "assistant": "assistant"}.get(
        fields.get("role", ""), "system"
    )
    item = TranscriptItem(
        kind=cast(TranscriptKind, kind),
        text=preview + note,
        tool_name=fields.get("toolName"),
        message_id=fields.get("id"),
        tool_call_id=fields.get("toolCallId") if kind == "tool_result" else None,
    )
    return Node(fields.get("id"), fields.get("parentId"), (item,))


def _node_of(line: _Line) -> Node | None:
    if line.huge:
        return _huge_node(line)
    return entry_node(_loads(line.data))


# -- reading lines ----------------------------------------------------------------------------


class _NotAFile(OSError):
    """The transcript path is a directory, FIFO, socket or device, not a regular file."""

    def __init__(self, mode: int) -> None:
        if stat.S_ISDIR(mode):
            self.what, self.noun = "a directory", "directory"
        elif stat.S_ISFIFO(mode):
            self.what, self.noun = "a FIFO (named pipe)", "FIFO"
        elif stat.S_ISSOCK(mode):
            self.what, self.noun = "a socket", "socket"
        else:
            self.what, self.noun = "a device or other special file", "file"
        super().__init__(errno.EISDIR if stat.S_ISDIR(mode) else errno.EINVAL, self.what)


def _pread(fd: int, size: int, offset: int) -> bytes:
    data = os.pread(fd, size, offset)
    if len(data) < size:
        raise _Moved
    return data


def _huge_line(fd: int, start: int, end: int) -> _Line:
    """A line too big to load: its first and last ``HEAD_BYTES`` only."""
    keep = min(HEAD_BYTES, end - start)
    return _Line(start, end, _pread(fd, keep, start), True, _pread(fd, keep, end - keep))


def _lines_backward(fd: int, end: int) -> Iterator[_Line]:
    """Complete lines of ``[0, end)``, newest first (``end`` is just past a newline, or 0)."""
    pos = end
    pieces: list[bytes] = []  # of the line being assembled, newest piece first
    size = 0
    line_end = end
    huge = False
    while pos > 0:
        start = max(0, pos - BLOCK_BYTES)
        chunk = _pread(fd, pos - start, start)
        pos = start
        stop = len(chunk)
        while True:
            newline = chunk.rfind(b"\n", 0, stop)
            if newline < 0:
                if not huge:
                    pieces.append(chunk[:stop])
                    size += stop
                    if size > HUGE_LINE_BYTES:
                        huge, pieces = True, []
                break
            line_start = start + newline + 1
            if huge:
                yield _huge_line(fd, line_start, line_end)
            else:
                pieces.append(chunk[newline + 1 : stop])
                data = b"".join(reversed(pieces))
                if data.strip():
                    yield _Line(line_start, line_end, data)
            pieces, size, huge = [], 0, False
            line_end = start + newline
            stop = newline
    if huge:
        yield _huge_line(fd, 0, line_end)
    elif pieces:
        data = b"".join(reversed(pieces))
        if data.strip():
            yield _Line(0, line_end, data)


def _lines_forward(fd: int, offset: int, end: int) -> tuple[list[_Line], int]:
    """Complete lines of ``[offset, end)`` and the offset just past the last one."""
    lines: list[_Line] = []
    pos = offset
    line_start = offset
    pieces: list[bytes] = []
    size = 0
    huge = False
    while pos < end:
        chunk = _pread(fd, min(BLOCK_BYTES, end - pos), pos)
        begin = 0
        while True:
            newline = chunk.find(b"\n", begin)
            if newline < 0:
                if not huge:
                    pieces.append(chunk[begin:])
                    size += len(chunk) - begin
                    huge = size > HUGE_LINE_BYTES
                    if huge:
                        pieces = []
                break
            line_end = pos + newline
            if huge:
                lines.append(_huge_line(fd, line_start, line_end))
            else:
                pieces.append(chunk[begin:newline])
                data = b"".join(pieces)
                if data.strip():
                    lines.append(_Line(line_start, line_end, data))
            pieces, size, huge = [], 0, False
            begin = newline + 1
            line_start = pos + begin
        pos += len(chunk)
    return lines, line_start


# -- the source -------------------------------------------------------------------------------

FOLLOW_MAX_GROWTH = 32 * 1024 * 1024
"""More new bytes than this at once are not replayed item by item: the tail is read again."""
_ANCHOR_BYTES = 64


class JsonlTranscript(FileTranscript):
    """``TranscriptSource`` of one JSONL file (already resolved inside the sessions directory)."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self._path = path
        self._fd: int | None = None
        self._ident: tuple[int, int] | None = None
        self._reset_state()

    @property
    def path(self) -> str:
        return str(self._path)

    def _reset_state(self) -> None:
        self._end = 0  # just past the last complete line read
        self._anchor = b""  # the bytes just before _end: a rewrite in place changes them
        self._reader: Iterator[_Line] | None = None
        self._stubs: dict[str, _Stub] = {}
        self._fresh: dict[str, Node] = {}  # parsed nodes the walk is about to use
        self._bof = False
        self._cursor: str | None = None  # next node up the branch, for ``earlier``
        self._visited: set[str] = set()
        self._held: list[TranscriptItem] = []  # walked but not yet returned, newest first
        self._leaf: str | None = None  # the active leaf of what was returned
        self._child_start = 0  # offset of the last entry walked (whose parent comes next)
        self._skipped = 0

    # -- files (worker thread, under the mutex) --

    def _unavailable(self, exc: OSError) -> TranscriptUnavailable:
        if isinstance(exc, FileNotFoundError | NotADirectoryError):
            return TranscriptUnavailable(
                self.path, "missing", "no transcript file yet (the session has not run?)"
            )
        if isinstance(exc, _NotAFile):
            # Permissions are not the problem here: the path names something else than a file.
            return TranscriptUnavailable(
                self.path,
                "unreadable",
                f"this is {exc.what}, not a transcript file, so it is not read",
                f"move the {exc.noun} out of the way, or point the entry's sessionFile at the "
                "session's .jsonl file; without sessionFile OpenClaw reads <sessionId>.jsonl",
            )
        return TranscriptUnavailable(
            self.path,
            "unreadable",
            f"cannot read the transcript: {describe_oserror(exc)}",
            "check the file's permissions",
        )

    def _open(self) -> os.stat_result:
        """Open the file afresh and forget what was read. Raises OSError."""
        self._close_fd()
        fd = os.open(self._path, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW | os.O_NONBLOCK)
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            os.close(fd)
            raise _NotAFile(st.st_mode)
        self._fd, self._ident = fd, (st.st_dev, st.st_ino)
        self._reset_state()
        return st

    def _close_fd(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
        self._fd = None
        self._ident = None

    def _set_end(self, end: int) -> None:
        assert self._fd is not None
        self._end = end
        size = min(end, _ANCHOR_BYTES)
        self._anchor = _pread(self._fd, size, end - size)

    def _complete_end(self, size: int) -> int:
        """Offset just past the last newline (a trailing line being written is left out)."""
        assert self._fd is not None
        pos = size
        while pos > 0:
            start = max(0, pos - BLOCK_BYTES)
            chunk = _pread(self._fd, pos - start, start)
            newline = chunk.rfind(b"\n")
            if newline >= 0:
                return start + newline + 1
            pos = start
        return 0

    # -- the walk --

    def _read_older(self, keep: str | None) -> str | None:
        """Index one more line, reading backwards; its id (None at the start of the file).

        Only the node with id ``keep`` is kept parsed; the others become stubs.
        """
        assert self._reader is not None
        for line in self._reader:
            node = _node_of(line)
            if node is None:
                self._skipped += 1
                continue
            if node.is_header or node.id is None:
                continue
            self._stubs[node.id] = _Stub(node.parent_id, line.start, line.end, node.leaf_target)
            if keep is None or node.id == keep:
                self._fresh[node.id] = node
            return node.id
        self._bof = True
        return None

    def _node(self, key: str) -> Node | None:
        while key not in self._stubs and not self._bof:
            self._read_older(key)
        node = self._fresh.pop(key, None)
        if node is not None:
            return node
        stub = self._stubs.get(key)
        if stub is None:
            return None
        assert self._fd is not None
        if stub.end - stub.start > HUGE_LINE_BYTES:
            return _node_of(_huge_line(self._fd, stub.start, stub.end))
        data = _pread(self._fd, stub.end - stub.start, stub.start)
        return _node_of(_Line(stub.start, stub.end, data))

    def _walk(self, n_items: int) -> list[TranscriptItem]:
        """Up to ``n_items`` items from ``self._cursor`` upwards, oldest first."""
        found = self._held  # newest first
        self._held = []
        while len(found) < n_items and self._cursor is not None:
            key = self._cursor
            if key in self._visited:  # a cycle in a corrupt tree: the branch ends here
                self._cursor = None
                break
            self._visited.add(key)
            node = self._node(key)
            if node is None:
                # The parent is not in the file. If lines were unreadable it was most likely one
                # of them: go on with the entry just above the child, so one cut line does not
                # hide all the history above it. Otherwise the branch starts here.
                above = self._entry_above(self._child_start) if self._skipped else None
                self._cursor = above
                if above is None:
                    break
                continue
            self._cursor = node.parent_id
            self._child_start = self._stubs[key].start if key in self._stubs else 0
            found.extend(reversed(node.items))
        self._held = found[n_items:]
        return list(reversed(found[:n_items]))

    def _entry_above(self, start: int) -> str | None:
        """The id of the nearest entry that starts before ``start`` and is not walked yet."""
        candidates = [
            (stub.start, key)
            for key, stub in self._stubs.items()
            if stub.start < start and key not in self._visited and stub.leaf_target is None
        ]
        return max(candidates)[1] if candidates else None

    def _find_leaf(self) -> str | None:
        """The active leaf: the newest entry, or where a newest ``leaf`` entry points."""
        newest = self._read_older(None)
        if newest is None:
            return None
        target = self._stubs[newest].leaf_target
        if target is not None:
            self._fresh.pop(newest, None)
            return target
        return newest

    def _page(self, items: list[TranscriptItem]) -> TranscriptPage:
        return TranscriptPage(
            self.path,
            tuple(items),
            has_earlier=bool(self._held) or self._cursor is not None,
            skipped=self._skipped,
        )

    def _tail_locked(self, n_items: int) -> TranscriptPage | TranscriptUnavailable:
        for _attempt in range(3):
            try:
                st = self._open()
                self._set_end(self._complete_end(st.st_size))
                assert self._fd is not None
                self._reader = _lines_backward(self._fd, self._end)
                self._leaf = self._find_leaf()
                self._cursor = self._leaf
                return self._page(self._walk(n_items))
            except _Moved:
                continue
            except OSError as exc:
                self._close_fd()
                return self._unavailable(exc)
        self._close_fd()
        return TranscriptUnavailable(
            self.path, "unreadable", "the transcript kept changing while it was read"
        )

    def _tail_sync(self, n_items: int) -> TranscriptPage | TranscriptUnavailable:
        with self._mutex:
            return self._tail_locked(n_items)

    def _earlier_sync(self, n_items: int) -> TranscriptPage | TranscriptUnavailable:
        with self._mutex:
            if self._reader is None or self._fd is None:
                return self._tail_locked(n_items)
            try:
                return self._page(self._walk(n_items))
            except _Moved:
                return self._tail_locked(n_items)
            except OSError as exc:
                self._close_fd()
                return self._unavailable(exc)

    # -- following (worker thread) --

    def _poll_sync(self) -> PollResult:
        """What changed since the last look: new items, 'read the tail again', a problem, or
        nothing."""
        with self._mutex:
            try:
                st = os.stat(self._path)
            except OSError as exc:
                self._close_fd()
                return self._unavailable(exc)
            if self._fd is None or self._ident != (st.st_dev, st.st_ino):
                return RETAIL  # created, replaced or rotated
            if st.st_size < self._end or st.st_size - self._end > FOLLOW_MAX_GROWTH:
                return RETAIL  # truncated, or too much at once to replay
            try:
                size = len(self._anchor)
                if _pread(self._fd, size, self._end - size) != self._anchor:
                    return RETAIL  # rewritten in place
                if st.st_size == self._end:
                    return None
                lines, end = _lines_forward(self._fd, self._end, st.st_size)
                self._set_end(end)
            except _Moved:
                return RETAIL
            except OSError as exc:
                self._close_fd()
                return self._unavailable(exc)
            return self._extend(lines)

    def _extend(self, lines: list[_Line]) -> PollResult:
        new: dict[str, Node] = {}
        leaf = self._leaf
        for line in lines:
            node = _node_of(line)
            if node is None:
                self._skipped += 1
                continue
            if node.is_header or node.id is None:
                continue
            self._stubs[node.id] = _Stub(node.parent_id, line.start, line.end, node.leaf_target)
            if node.leaf_target is not None:
                leaf = node.leaf_target
            else:
                new[node.id] = node
                leaf = node.id
        if leaf == self._leaf:
            return None
        chain: list[Node] = []
        key = leaf
        while key is not None and key != self._leaf and key in new:
            chain.append(new.pop(key))
            key = chain[-1].parent_id
        if key != self._leaf:
            return RETAIL  # the branch moved (e.g. 7.35's side-appended abort reply)
        self._leaf = leaf
        items = tuple(item for node in reversed(chain) for item in node.items)
        return items or None

    # -- waiting for the next change (FileTranscript) --

    async def _wait_for_change(self) -> None:
        from watchfiles import awatch

        directory, name = self._path.parent, self._path.name

        def interesting(_change: object, changed: str) -> bool:
            return os.path.basename(changed) == name

        if not await anyio.to_thread.run_sync(directory.is_dir):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), FOLLOW_HEARTBEAT_S)
            return
        try:
            async for _changes in awatch(
                directory,
                watch_filter=interesting,
                recursive=False,
                stop_event=self._stop,
                step=20,
                debounce=60,
                rust_timeout=int(FOLLOW_HEARTBEAT_S * 1000),
                yield_on_timeout=True,
            ):
                return  # a change, or the heartbeat: look at the file again
        except (OSError, RuntimeError):  # the directory vanished under the watcher
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), FOLLOW_HEARTBEAT_S / 4)

    def _close_sync(self) -> None:
        with self._mutex:
            self._close_fd()
