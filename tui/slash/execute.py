"""The executor: parse, plan, confirm and apply one command to the selected sessions.

``execute`` never raises (except cancellation): every failure, including a write the store
refuses, becomes an ``Outcome`` with ``ok=False`` and a message fit to show the operator.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from typing import Final

from openclaw_tui.store.errors import describe_error
from openclaw_tui.tui.slash.bulk import parse_bulk
from openclaw_tui.tui.slash.complete import models_in_store
from openclaw_tui.tui.slash.parse import BY_NAME, ParsedCommand, SlashError, parse
from openclaw_tui.tui.slash.plans import (
    FIELD_PLANNERS,
    Context,
    Entry,
    Plan,
    Reply,
    Report,
    SlashConfig,
    StoreLike,
    apply_edit,
    plan_help,
)
from openclaw_tui.tui.slash.recover import RecoverPlan, plan_recover, recover_store
from openclaw_tui.tui.slash.reset import ResetPlan, plan_reset, reset_sessions
from openclaw_tui.tui.slash.results import Outcome, combine
from openclaw_tui.tui.slash.status import plan_status
from openclaw_tui.tui.slash.stop import StopPlan, plan_stop, stop_runs


def plan_bulk(cmd: ParsedCommand, ctx: Context) -> Plan:
    """``/bulk`` is checked here; it runs only from the app, which shows its preview first
    (``tui/bulk_screen.py``): nothing is applied without one."""
    request = parse_bulk(cmd.raw_args, config=ctx.config)
    if isinstance(request, SlashError):
        return request
    return SlashError(
        "/bulk previews its changes before applying them: type it in the app's command bar."
    )


def plan_cleanup(cmd: ParsedCommand, ctx: Context) -> Plan:
    """``/cleanup`` runs only from the app too: its preview comes before anything is removed."""
    if cmd.args:
        return SlashError(f'Unexpected argument "{cmd.args[0]}" for /cleanup.')
    return SlashError(
        "/cleanup previews what it removes before applying it: type it in the app's command bar."
    )


AnyPlanOf = Callable[[ParsedCommand, Context], Plan | ResetPlan | RecoverPlan | StopPlan]
PLANNERS: Final[dict[str, AnyPlanOf]] = {
    **FIELD_PLANNERS,
    "reset": plan_reset,
    "new": plan_reset,
    "status": plan_status,
    "stop": plan_stop,
    "help": plan_help,
    "recover": plan_recover,
    "bulk": plan_bulk,
    "cleanup": plan_cleanup,
}
"""Each command's planner, by canonical name (every name in ``parse.COMMANDS`` has one)."""


def _session_keys(keys: Sequence[str] | str | None) -> tuple[str, ...]:
    if keys is None:
        return ()
    if isinstance(keys, str):
        return (keys,)
    out: dict[str, None] = {}
    for key in keys:
        if isinstance(key, str) and key:
            out.setdefault(key, None)
    return tuple(out)


def _read(store: StoreLike, key: str) -> Entry | None:
    entry = store.get(key)
    return entry if isinstance(entry, Mapping) else None


async def execute(
    command: str | ParsedCommand,
    store: StoreLike,
    keys: Sequence[str] | str | None,
    *,
    read_only: bool = False,
    confirmed: bool = False,
    config: SlashConfig | None = None,
    models: Sequence[str] = (),
) -> Outcome:
    """Run one command on the given sessions. Never raises (cancellation aside).

    ``command`` is typed text (parsed here) or a command built with ``build``/``field_command``.

    ``models`` are ``provider/model`` refs seen in the store (see ``models_in_store``); with
    ``config.models`` they are what ``/model <name>``, numbers and ``/model list`` resolve.
    """
    try:
        return await _execute(
            command,
            store,
            _session_keys(keys),
            read_only=read_only,
            confirmed=confirmed,
            config=config or SlashConfig(),
            models=models,
        )
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # the promise: no traceback ever reaches the operator
        return Outcome(False, f"Command failed: {describe_error(exc)}")


async def _execute(
    command: str | ParsedCommand,
    store: StoreLike,
    keys: tuple[str, ...],
    *,
    read_only: bool,
    confirmed: bool,
    config: SlashConfig,
    models: Sequence[str],
) -> Outcome:
    parsed = parse(command) if isinstance(command, str) else command
    if isinstance(parsed, SlashError):
        return Outcome(False, parsed.message)
    spec = BY_NAME[parsed.name]
    if spec.needs_session and not keys:
        return Outcome(
            False,
            "No session selected: highlight a session (or mark several with space) first.",
            command=parsed.name,
        )
    entries = {key: _read(store, key) for key in keys}
    if not models and parsed.name in ("model", "new"):
        # Only /model needs the models seen in the store; the caller usually caches them.
        models = models_in_store(store.load().values())
    ctx = Context(entries=entries, config=config, models=models)
    plan = PLANNERS[parsed.name](parsed, ctx)

    if isinstance(plan, SlashError):
        return Outcome(False, plan.message, command=parsed.name)
    if isinstance(plan, Reply):
        return Outcome(True, plan.message, command=parsed.name)
    if isinstance(plan, Report):
        found = {key: entry for key, entry in entries.items() if entry is not None}
        missing = {key: f"Session {key} is not in the store." for key in keys if key not in found}
        reports = [plan.describe(key, entry) for key, entry in found.items()]
        if len(found) > 1:
            reports = [f"{key}: {report}" for key, report in zip(found, reports, strict=True)]
        message = "\n".join([*reports, *missing.values()])
        return Outcome(
            not missing, message, keys=tuple(found), command=parsed.name, failures=missing
        )

    if isinstance(plan, RecoverPlan):  # the whole store, not a session
        return await recover_store(store, read_only=read_only, confirmed=confirmed)
    if isinstance(plan, StopPlan):
        # Not a write to the session: the store says what it can do (a gateway opened
        # read-only, or a file store, explains and sends nothing).
        return await stop_runs(parsed, plan, ctx, store, keys)
    if read_only or store.read_only:
        return Outcome(
            False,
            f"Read-only mode: /{parsed.name} changes the session and was not applied. "
            "Restart without --read-only to edit.",
            command=parsed.name,
        )
    if isinstance(plan, ResetPlan):
        return await reset_sessions(parsed, plan, ctx, store, keys, confirmed=confirmed)
    results = await asyncio.gather(*(apply_edit(store, key, plan) for key in keys))
    acks = {key: ack for key, (ack, _f) in zip(keys, results, strict=True) if ack is not None}
    failures = {key: f for key, (_a, f) in zip(keys, results, strict=True) if f is not None}
    ok, message = combine(acks, failures)
    return Outcome(ok, message, keys=tuple(acks), command=parsed.name, failures=failures)
