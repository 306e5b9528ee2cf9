"""Acting on many sessions at once: what each session's part of a batch came to (``EntryResult``)
and the bounded concurrency a store without a batch request uses.

Every kind of store offers ``update_entries``, ``delete_entries`` and ``reset_entries``
(``api.SessionStoreAPI``) and does them its own way: a file store commits the whole batch in one
group commit, a gateway that offers ``sessions.patchMany`` sends one request per batch of
targets, any other gateway request sends ``BULK_CONCURRENCY`` requests at a time. Each session's
result is reported as soon as it is known (``on_result``), so a UI can show them live.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from openclaw_tui.store.errors import StoreError, describe_error, error_message

Outcome = Literal["applied", "unchanged", "refused", "missing"]

BULK_CONCURRENCY = 8
"""Requests in flight at once to a gateway that has no batch request for the operation."""
PATCH_MANY_LIMIT = 100
"""Targets per ``sessions.patchMany`` request (OpenClaw's params schema allows 100)."""


@dataclass(frozen=True, slots=True)
class EntryResult:
    """One session's part of a batch."""

    key: str
    outcome: Outcome
    message: str = ""
    """For ``refused``: why, in the store's or gateway's own words; otherwise usually empty."""
    error: BaseException | None = None
    """For ``refused``: the exception itself (a caller's own refusal keeps its type)."""


ResultSink = Callable[[EntryResult], None]


def refusal(key: str, exc: BaseException, message: str | None = None) -> EntryResult:
    """``exc`` as a refused result. ``message`` (a gateway's own text, verbatim) wins; else a
    store error names its path and fix, and anything else says its own message."""
    if message is None:
        described = describe_error(exc)
        message = described if isinstance(exc, StoreError) else error_message(exc, described)
    return EntryResult(key, "refused", message, exc)


def report(result: EntryResult, on_result: ResultSink | None) -> EntryResult:
    if on_result is not None:
        on_result(result)
    return result


async def bounded(
    keys: Iterable[str],
    run: Callable[[str], Awaitable[EntryResult]],
    *,
    limit: int = BULK_CONCURRENCY,
    on_result: ResultSink | None = None,
) -> list[EntryResult]:
    """``run(key)`` for every key, at most ``limit`` at a time; results in the keys' order.

    ``run`` may raise: the key is then refused with the exception's message (never raised).
    """
    gate = asyncio.Semaphore(max(1, limit))

    async def one(key: str) -> EntryResult:
        async with gate:
            try:
                result = await run(key)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                result = refusal(key, exc)
        return report(result, on_result)

    return list(await asyncio.gather(*(one(key) for key in dict.fromkeys(keys))))
