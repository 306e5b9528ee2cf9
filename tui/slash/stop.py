"""``/stop`` (alias ``/abort``, OpenClaw's words): stop the selected sessions' runs, verified.

Every store kind has ``stop_run`` (store/api.py): a gateway sends ``sessions.abort`` and waits
until it reports the run ended (lifecycle end, chat aborted, or the row leaving ``running``),
so "stopped" is said only then; a file store answers that runs live in the gateway process and
names ``--gateway``. A run still going after the wait, a refusal (with the gateway's own
message) and anything not sent are failures, shown inline like every other command's.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from openclaw_tui.store.abort import AbortResult
from openclaw_tui.store.bulk import BULK_CONCURRENCY
from openclaw_tui.store.errors import describe_error
from openclaw_tui.tui.slash.parse import ParsedCommand
from openclaw_tui.tui.slash.plans import Context, Plan, StoreLike, unexpected
from openclaw_tui.tui.slash.results import Outcome, combine

DEFAULT_STOP_WAIT = 10.0
"""Seconds to wait for the gateway to report a stopped run before saying it still runs."""


@dataclass(frozen=True, slots=True)
class StopPlan:
    """Stop each selected session's run and wait up to ``timeout`` seconds for it to end."""

    timeout: float = DEFAULT_STOP_WAIT


def plan_stop(cmd: ParsedCommand, ctx: Context) -> Plan | StopPlan:
    if cmd.args:
        return unexpected(cmd.args[0], cmd.invoked)
    return StopPlan(ctx.config.stop_wait)


def _line(result: AbortResult) -> str:
    return f"{result.message}; {result.fix}" if result.fix else result.message


async def stop_runs(
    cmd: ParsedCommand, plan: StopPlan, ctx: Context, store: StoreLike, keys: tuple[str, ...]
) -> Outcome:
    found = [key for key in keys if ctx.entries.get(key) is not None]
    missing = {key: f"Session {key} is not in the store." for key in keys if key not in found}

    # As every bulk action: a few hundred marked rows must not become a few hundred requests
    # (and waits) in flight on one connection.
    gate = asyncio.Semaphore(BULK_CONCURRENCY)

    async def stop(key: str) -> AbortResult | str:
        try:
            async with gate:
                return await store.stop_run(key, timeout=plan.timeout)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the store promises an AbortResult; never a traceback
            return f"Not stopped: {describe_error(exc)}"

    results = await asyncio.gather(*(stop(key) for key in found))
    acks: dict[str, str] = {}
    failures: dict[str, str] = {}
    for key, result in zip(found, results, strict=True):
        if isinstance(result, str):
            failures[key] = result
        elif result.ok:
            acks[key] = "⏹ " + result.message if result.outcome == "stopped" else result.message
        else:
            failures[key] = _line(result)
    failures.update(missing)
    ok, message = combine(acks, failures)
    return Outcome(ok, message, keys=tuple(acks), command=cmd.name, failures=failures)
