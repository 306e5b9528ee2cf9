"""``/recover``: keep a copy of an unreadable store, then start it over (after confirmation).

Every corrupt-store message advises running recovery; this is where the operator does it. The
store's ``recover()`` does the work (a durable timestamped copy first, then the safe content:
valid JSON behind a BOM, else the last good sessions this process saw, else an empty store).
Nothing is written before the operator confirms, and a readable store is never touched.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass

from openclaw_tui.store.api import SessionStoreAPI
from openclaw_tui.store.errors import StoreError, describe_error
from openclaw_tui.tui.slash.parse import ParsedCommand, SlashError
from openclaw_tui.tui.slash.plans import Context
from openclaw_tui.tui.slash.results import Outcome


@dataclass(frozen=True, slots=True)
class RecoverPlan:
    """Recover the whole store (no session involved)."""


def plan_recover(cmd: ParsedCommand, _ctx: Context) -> RecoverPlan | SlashError:
    if cmd.args:
        return SlashError("/recover takes no arguments: it recovers the store that is open.")
    return RecoverPlan()


def _sessions(count: int) -> str:
    return f"{count:,} session" if count == 1 else f"{count:,} sessions"


async def recover_store(store: SessionStoreAPI, *, read_only: bool, confirmed: bool) -> Outcome:
    """Ask first, then run ``store.recover()`` and say where the copy was kept."""
    health = store.health
    where = health.path or "the store"
    error = health.error
    if error is None or health.operation != "read":
        return Outcome(
            True, f"Nothing to recover: {where} reads fine; nothing was changed.", command="recover"
        )
    if read_only:
        return Outcome(
            False,
            "Read-only mode: /recover would replace the store file and was not run. "
            "Restart without --read-only to recover it.",
            command="recover",
        )
    if not confirmed:
        return Outcome(
            False,
            f"Recover the unreadable store {where}?",
            needs_confirmation=True,
            command="recover",
            detail=(
                f"It cannot be read: {error.message or error}.\n"
                "A timestamped copy of the file is kept beside it first; then the store starts "
                "over with what can be saved safely (valid JSON behind a byte order mark, else "
                "the last sessions this app read, else none)."
            ),
        )
    existed = bool(where) and os.path.lexists(where)
    try:
        kept = await store.recover()
    except asyncio.CancelledError:
        raise
    except StoreError as exc:
        return Outcome(False, f"Not recovered: {describe_error(exc)}", command="recover")
    still_failing = store.health.error
    if still_failing is not None:
        return Outcome(False, f"Not recovered: {describe_error(still_failing)}", command="recover")
    count = _sessions(len(store.load()))
    if kept is not None:
        message = (
            f"Recovered {where}: the unreadable file was kept as {kept}; the store started over "
            f"with {count}."
        )
    elif existed:
        # recover() read the file again first: someone fixed it while the question was shown.
        message = f"Nothing needed recovering: {where} reads fine again; nothing was changed."
    else:
        message = (
            f"Recovered {where}: there was no file to keep a copy of; the store started over "
            f"with {count}."
        )
    return Outcome(True, message, command="recover")
