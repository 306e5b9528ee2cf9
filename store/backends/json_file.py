"""``sessions.json``: the OpenClaw <= 2026.7.35 store, one JSON object written whole."""

from __future__ import annotations

import contextlib
import errno as errno_mod
import os
import stat as stat_mod
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from openclaw_tui.store import codec
from openclaw_tui.store.atomic import (
    DEFAULT_SYSCALLS,
    CopyRange,
    Syscalls,
    atomic_write,
    may_write,
    pieces_size,
    remove_stale_temps,
)
from openclaw_tui.store.backends import json_scan, scan_process
from openclaw_tui.store.backends.base import (
    DUPLICATE_KEYS,
    Backend,
    Changes,
    ConflictError,
    Issue,
    Signature,
    Snapshot,
    entry_issues,
)
from openclaw_tui.store.errors import (
    TOO_LARGE_FIX,
    StoreReadOnlyError,
    StoreTooLargeError,
    StoreUnreadableError,
    describe_oserror,
    write_too_large,
)
from openclaw_tui.store.lock import StoreLock

DEFAULT_MAX_BYTES = scan_process.DEFAULT_MAX_BYTES


def file_signature(st: os.stat_result) -> Signature:
    return Signature((st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns))


class JsonFileBackend(Backend):
    kind: ClassVar[str] = "json"

    def __init__(
        self,
        path: Path,
        *,
        read_only: bool = False,
        max_bytes: int | None = DEFAULT_MAX_BYTES,
        syscalls: Syscalls = DEFAULT_SYSCALLS,
        lock_timeout: float = 10.0,
        lock_stale_after: float = 30.0,
        check_fingerprint: bool = True,
        incremental_parse: bool = True,
    ) -> None:
        super().__init__(path, read_only=read_only, max_bytes=max_bytes)
        self.syscalls = syscalls
        # False only to measure what the check saves beside a lock-free writer (bench/tests):
        # the commit then overwrites whatever another process renamed in meanwhile.
        self.check_fingerprint = check_fingerprint
        self.lock = StoreLock(
            path, timeout=lock_timeout, stale_after=lock_stale_after, syscalls=syscalls
        )
        self.last_written_size: int | None = None
        # Serialized blocks of the file we last wrote (``_serialized_signature``): a commit
        # re-serializes only the entries its batch changed (byte-identical to a full dump).
        # After a write the blocks keep only where they are in that file, held open as
        # ``_source``: the next commit copies the unchanged ones from it in the kernel, so the
        # ~80 MiB of a 100,000-entry store's bytes are neither kept nor joined in memory.
        self._serializer = codec.IncrementalDumps()
        self._serialized_signature: Signature | None = None
        self._source: int | None = None  # read-only fd of the file at _serialized_signature
        self._temps_swept = False
        # The previous read's layout (per-block digests, not its bytes): a foreign rewrite
        # (OpenClaw rewrites the whole file for every change) re-parses only the blocks whose
        # bytes changed. False: every read parses the whole file (the benchmark's baseline).
        self._parser = codec.IncrementalLoads() if incremental_parse else None
        self._problems: dict[str, Issue] = {}  # the last read's quarantine issues, by key

    # -- reading -------------------------------------------------------------------------------

    def signature(self) -> Signature | None:
        try:
            return file_signature(os.stat(self.path))
        except FileNotFoundError:
            return None
        except NotADirectoryError:
            return None
        except OSError as exc:
            # Unstattable is not "missing": give a distinct signature so a reload is attempted
            # and reports the real error.
            return Signature(("error", exc.errno))

    def read(self) -> Snapshot:
        path = self.path
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        except (FileNotFoundError, NotADirectoryError):
            return Snapshot(entries={}, signature=None)
        except OSError as exc:
            raise StoreUnreadableError(
                path, f"cannot open the store: {describe_oserror(exc)}", fix=_read_fix(exc)
            ) from None
        try:
            st = os.fstat(fd)
            if stat_mod.S_ISDIR(st.st_mode):
                raise StoreUnreadableError(
                    path,
                    "the store path is a directory, not a file",
                    fix="move the directory away; the store is recreated on the next write",
                )
            if not stat_mod.S_ISREG(st.st_mode):
                raise StoreUnreadableError(
                    path,
                    "the store path is not a regular file (a FIFO, socket or device)",
                    fix="replace it with the real sessions.json",
                )
            if self.max_bytes is not None and st.st_size > self.max_bytes:
                raise StoreTooLargeError(
                    path,
                    f"the store is {st.st_size:,} bytes, over the {self.max_bytes:,}-byte limit",
                    fix=TOO_LARGE_FIX,
                )
        except OSError as exc:
            os.close(fd)
            raise StoreUnreadableError(
                path, f"cannot read the store: {describe_oserror(exc)}", fix=_read_fix(exc)
            ) from None
        except BaseException:
            os.close(fd)
            raise
        # Read as it is parsed, a few MiB at a time: a file in OpenClaw's layout is never held
        # whole beside what it parses into (other files are read whole, as before).
        source = codec.Source(fd, st.st_size)
        try:
            if self._parser is not None:
                decoded = self._parser.loads(source, str(path))
            else:
                decoded = codec.loads(source, str(path))
        except OSError as exc:
            os.close(fd)
            raise StoreUnreadableError(
                path, f"cannot read the store: {describe_oserror(exc)}", fix=_read_fix(exc)
            ) from None
        except BaseException:
            os.close(fd)
            raise
        self._prime_serializer(fd, file_signature(st))
        issues = self._entry_issues(decoded.entries, decoded.delta)
        read_only_reason = self.write_refusal
        if decoded.duplicate_keys:
            names = ", ".join(sorted({repr(k) for _, k in decoded.duplicate_keys})[:5])
            message = (
                f"the file repeats keys ({names}); only the last of each is shown, and writing "
                "is refused because it would drop the others"
            )
            issues.append(Issue(None, DUPLICATE_KEYS, message))
            read_only_reason = (
                read_only_reason or f"{path}: {message} (remove the duplicates by hand)"
            )
        elif read_only_reason is None and not self.read_only and not may_write(path):
            # A writable directory would let the rename replace it anyway, taking it over:
            # permission on the file itself decides, as for the SQLite backend.
            read_only_reason = (
                f"{path}: no write permission on the store file; it is shown read-only "
                "(check the owner and mode of the file)"
            )
        return Snapshot(
            entries=decoded.entries,
            signature=file_signature(st),
            issues=issues,
            read_only_reason=read_only_reason,
            size=source.size,
            delta=decoded.delta,
        )

    def _prime_serializer(self, fd: int, signature: Signature) -> None:
        """Keep ``fd`` (the file just read) as the source of the next commit's unchanged
        blocks, when the file has OpenClaw's layout; else close it."""
        # Whatever was kept before describes an older file: never hold its inode open.
        self._forget_source()
        layout = self._parser.layout if self._parser is not None else None
        if layout is None or self.read_only or not self.check_fingerprint:
            os.close(fd)
            return
        self._serializer.prime(layout)
        if not self._serializer.primed:
            os.close(fd)
            return
        self._source = fd
        self._serialized_signature = signature

    def _entry_issues(self, entries: dict[str, Any], delta: codec.Delta | None) -> list[Issue]:
        """``entry_issues(entries)``; after an incremental parse only the re-parsed entries are
        checked (the others are the previous read's objects, with the previous verdict)."""
        if delta is None:
            issues = entry_issues(entries)
        else:
            known = self._problems
            problems = dict(known)
            for key in delta.gone:
                problems.pop(key, None)
            for key in delta.fresh:
                problems.pop(key, None)
            for issue in entry_issues({k: entries[k] for k in delta.fresh}):
                if issue.key is not None:
                    problems[issue.key] = issue
            if (
                not delta.reordered
                and problems.keys() == known.keys()
                and all(problems[k] is known[k] for k in known)
            ):
                issues = list(known.values())  # the same verdicts in the same order
            else:
                issues = [problems[k] for k in entries if k in problems] if problems else []
        self._problems = {i.key: i for i in issues if i.key is not None}
        return issues

    # -- writing -------------------------------------------------------------------------------

    def commit(self, base: Signature | None, changes: Changes) -> Signature:
        if self.read_only:
            raise StoreReadOnlyError(self.path, "the store is open read-only")
        serializer = self._serializer
        source = self._source
        pieces: list[bytes | CopyRange]
        if serializer.primed and base is not None and base == self._serialized_signature:
            if source is not None:
                # The blocks describe exactly the file at ``base`` (our last write), which
                # ``source`` holds open: splice the batch, copy the rest from the file. Should
                # the file change before the rename, the fingerprint check refuses the write
                # (the inode's ctime moves with any change): a copy is never of foreign bytes.
                pieces = [
                    (source, *piece) if isinstance(piece, tuple) else piece
                    for piece in serializer.parts(
                        changes.entries,
                        changes.upserts,
                        changes.removed,
                        reordered=changes.reordered,
                    )
                ]
            else:  # the blocks kept their bytes (no fingerprint check: nothing is copied)
                pieces = [
                    serializer.update(
                        changes.entries,
                        changes.upserts,
                        changes.removed,
                        reordered=changes.reordered,
                    )
                ]
        else:
            fresh = serializer.full_parts(changes.entries)
            pieces = [piece for piece in fresh if type(piece) is bytes]
            assert len(pieces) == len(fresh)  # every block freshly serialized: no span
        self._serialized_signature = None
        self._source = None
        try:
            signature = self.write_bytes(base, pieces)
        except BaseException:
            serializer.reset()
            raise
        finally:
            if source is not None:
                with contextlib.suppress(OSError):
                    os.close(source)
        if serializer.primed:
            if self.check_fingerprint and self._keep_source(signature):
                serializer.settle()
            self._serialized_signature = signature
        return signature

    def _keep_source(self, signature: Signature) -> bool:
        """Open the file just written, if it is still the one we wrote (nobody replaced it
        between our rename and now)."""
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError:
            return False
        try:
            same = file_signature(os.fstat(fd)) == signature
        except OSError:
            same = False
        if not same:
            os.close(fd)
            return False
        self._source = fd
        return True

    def _forget_source(self) -> None:
        self._serialized_signature = None
        if self._source is not None:
            fd, self._source = self._source, None
            with contextlib.suppress(OSError):
                os.close(fd)

    def close(self) -> None:
        self._forget_source()
        self._serializer.reset()

    def write_bytes(
        self, base: Signature | None, data: bytes | Sequence[bytes | CopyRange]
    ) -> Signature:
        if self.write_refusal is not None:  # also the recovery path, which has no commit()
            raise StoreReadOnlyError(self.path, self.write_refusal)
        size = pieces_size(data)
        if self.max_bytes is not None and size > self.max_bytes:
            raise write_too_large(self.path, size, self.max_bytes)

        def unchanged_since_base() -> None:
            # Lock-free writers (OpenClaw 2026.7.35) do not take our lock: re-check right
            # before the rename. The remaining window is the rename itself.
            if self.check_fingerprint and self.signature() != base:
                raise ConflictError(str(self.path))

        with self.lock.hold():
            unchanged_since_base()
            if not self._temps_swept:
                remove_stale_temps(self.path, self.syscalls)
                remove_stale_temps(self.lock.path, self.syscalls)
                self._temps_swept = True
            st = atomic_write(
                self.path, data, sys=self.syscalls, before_replace=unchanged_since_base
            )
        self.last_written_size = size
        return file_signature(st)

    def watch_paths(self) -> list[Path]:
        return [self.path.parent]


def _read_big(path: Path, max_bytes: int | None) -> tuple[int, bytes] | None:
    """(an open fd, every byte) of a regular file of ``scan_process.PEEK_MIN_BYTES`` up to
    ``max_bytes``; None otherwise (nothing left open). The caller closes the fd."""
    fd = scan_process.open_big(path, max_bytes)
    if fd is None:
        return None
    try:
        return fd, json_scan.read_fd(fd)
    except OSError:
        os.close(fd)
        return None


def peek_newest(
    path: Path, count: int, max_bytes: int | None = DEFAULT_MAX_BYTES
) -> tuple[dict[str, Any], int] | None:
    """The newest sessions of a big store, for its first screenful while the store reads it
    all: ``codec.newest_entries`` of a ``sessions.json``, ``sqlite.peek_newest`` of an
    ``openclaw-agent.sqlite``. None for anything else (a small, missing, unreadable, oversized
    or odd file, another layout): the store's own read says what is wrong with it."""
    if path.suffix == ".sqlite":
        from openclaw_tui.store.backends import sqlite

        return sqlite.peek_newest(path, count, scan_process.PEEK_MIN_BYTES, max_bytes)
    found = _read_big(path, max_bytes)
    if found is None:
        return None
    fd, data = found
    os.close(fd)
    # Read whole and dropped at once: the store's parse has not started yet, so these
    # ~80 MiB at 100,000 sessions come and go below the peak the parse reaches later.
    return codec.newest_entries(data, count)


class IndexedFile:
    """A big ``sessions.json`` kept open with an index of its entries (``codec.index_entries``)
    and none of its bytes: entry ``i`` is read (``pread``) and parsed when asked for. The fd
    keeps the file that was indexed even when OpenClaw renames a new one over it."""

    def __init__(self, path: Path, fd: int, index: codec.EntryIndex) -> None:
        self.path = path
        self.index = index
        self._fd: int | None = fd

    def __len__(self) -> int:
        return len(self.index)

    def entry(self, i: int) -> tuple[str, dict[str, Any]] | None:
        """Entry ``i`` (file order) as the whole parse reads it, or None when its bytes are
        not exactly what ``dumps`` writes for an object whose ``updatedAt`` the index read
        (then only the whole parse can say what it holds), or cannot be read any more."""
        fd = self._fd
        if fd is None:
            return None
        start, end = self.index.span(i)
        try:
            fragment = os.pread(fd, end - start, start)
        except OSError:
            return None
        if len(fragment) != end - start:
            return None
        item = codec.parse_entry(fragment)
        if item is None:
            return None
        key, value = item
        if type(value) is not dict:
            return None  # the whole parse hides it (quarantined), the index counted it
        known = self.index.keys.get(i)
        if known is not None and key != known:
            return None
        updated = value.get("updatedAt")
        indexed = self.index.updated[i]
        numeric = type(updated) is int or type(updated) is float
        if numeric != (indexed is not None) or (numeric and updated != indexed):
            return None
        return key, value

    def keys(self) -> list[str] | None:
        """Every entry's key in file order (reads the whole file again: asked for rarely)."""
        fd = self._fd
        if fd is None:
            return None
        try:
            data = os.pread(fd, self.index.size, 0)
        except OSError:
            return None
        view = memoryview(data)
        keys = []
        for i in range(len(self.index)):
            start, end = self.index.span(i)
            key = codec.entry_key(view[start:end])
            if key is None:
                return None
            keys.append(key)
        return keys

    def close(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)


def peek_indexed(
    path: Path,
    count: int,
    max_bytes: int | None = DEFAULT_MAX_BYTES,
    *,
    elsewhere: bool = True,
    scan: scan_process.ScanProcess | None = None,
) -> IndexedFile | tuple[dict[str, Any], int] | None:
    """Every session of a big ``sessions.json`` in OpenClaw's layout, indexed and none parsed
    (``IndexedFile``); for another layout or an ``openclaw-agent.sqlite`` what ``peek_newest``
    gives (the newest ``count`` sessions and how many there are), else None. The scan runs in
    another process: ``scan``'s, when it is the scan of ``path`` started earlier (the command
    line starts it before the app's imports), else one started here (``elsewhere``); here
    when that fails. ``scan`` is taken or closed either way."""
    taken = scan.take() if scan is not None and scan.path == path else None
    if scan is not None and taken is None:
        scan.close()  # another path's (or closed already): nothing of it is used
    if path.suffix == ".sqlite":
        if taken is not None:
            os.close(taken[0])
        return peek_newest(path, count, max_bytes)
    if taken is not None:
        fd, found = taken
    else:
        opened = scan_process.open_big(path, max_bytes)
        if opened is None:
            return None
        fd = opened
        found = scan_process.NOT_SCANNED
        if elsewhere:
            found = scan_process.scan_elsewhere(fd)
    try:
        if found is scan_process.NOT_SCANNED or found is None:
            data = json_scan.read_fd(fd)
            index = codec.index_entries(data) if found is scan_process.NOT_SCANNED else None
            if index is None:
                os.close(fd)
                return codec.newest_entries(data, count)
        else:
            index = codec.EntryIndex.of(found)
            if index is None or index.size != os.fstat(fd).st_size:
                # The same file as the scan's, read here (not reopened by name: OpenClaw may
                # have renamed another one over it since).
                data = json_scan.read_fd(fd)
                os.close(fd)
                return codec.newest_entries(data, count)
    except OSError:
        with contextlib.suppress(OSError):
            os.close(fd)
        return None
    return IndexedFile(path, fd, index)


def _read_fix(exc: OSError) -> str | None:
    if exc.errno in (errno_mod.EACCES, errno_mod.EPERM):
        return "check the owner and mode of the file and its directory"
    if exc.errno == errno_mod.EIO:
        return "an I/O error from the device: check the disk"
    return None
