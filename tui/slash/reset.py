"""``/reset`` and ``/new``: the store's own ``reset_session``, whichever kind of store it is.

The store declares what a reset does (``store.reset_policy``): a file store gives the selected
sessions a new session id in place; a gateway resets them itself (``sessions.reset``), and its
``/new`` creates one separate session per gateway of the selected rows (``sessions.create``),
which loses nothing and so is not confirmed. A model given to ``/new`` is then set on each fresh
session like ``/model`` would.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from openclaw_tui.store.errors import StoreError, describe_error
from openclaw_tui.store.keys import namespace_of
from openclaw_tui.tui.slash.parse import ParsedCommand, SlashError
from openclaw_tui.tui.slash.plans import (
    Context,
    Edit,
    Plan,
    StoreLike,
    apply_edit,
    model_edit,
    unexpected,
)
from openclaw_tui.tui.slash.results import Outcome, combine


@dataclass(frozen=True, slots=True)
class ResetPlan:
    """``/reset`` (``new`` False) or ``/new``, with the model ``/new <model>`` sets afterwards."""

    new: bool
    model: Edit | None = None


def plan_reset(cmd: ParsedCommand, ctx: Context) -> Plan | ResetPlan:
    if cmd.name == "reset" and cmd.args:
        return unexpected(cmd.args[0], "reset")
    model: Edit | None = None
    if cmd.name == "new" and cmd.args:
        if len(cmd.args) > 1:
            return unexpected(cmd.args[1], "new")
        planned = model_edit(cmd.args[0], ctx)
        if isinstance(planned, SlashError):
            return planned
        model = planned
    return ResetPlan(new=cmd.name == "new", model=model)


async def reset_sessions(
    cmd: ParsedCommand,
    plan: ResetPlan,
    ctx: Context,
    store: StoreLike,
    keys: tuple[str, ...],
    *,
    confirmed: bool,
) -> Outcome:
    policy = store.reset_policy
    found = [key for key in keys if ctx.entries.get(key) is not None]
    missing = {key: f"Session {key} is not in the store." for key in keys if key not in found}
    creates = plan.new and policy.new_creates
    if not creates and not confirmed and found:
        target = found[0] if len(found) == 1 else f"{len(found)} sessions"
        return Outcome(
            False,
            f"/{cmd.name} {target}? {policy.effect}",
            keys=tuple(found),
            needs_confirmation=True,
            command=cmd.name,
        )
    if creates:
        # One new session per gateway of the selected rows, not one per row.
        first_of: dict[str, str] = {}
        for key in found:
            first_of.setdefault(namespace_of(key), key)
        found = list(first_of.values())
    config = ctx.config

    async def reset(key: str) -> tuple[str | None, str | None, str | None]:
        """-> (the fresh session's key, acknowledgement, failure)."""
        try:
            done = await store.reset_session(
                key, new=plan.new, session_id=config.new_session_id(), now_ms=config.now_ms()
            )
        except StoreError as exc:
            what = "No new session" if creates else "Not reset"
            return None, None, f"{what}: {describe_error(exc)}"
        except Exception as exc:
            return None, None, f"Command failed: {describe_error(exc)}"
        if done is None:
            gone = f"Session {key} no longer exists (removed meanwhile); nothing was changed."
            return None, None, gone
        if plan.model is None:
            return done.key, done.message, None
        ack, failure = await apply_edit(store, done.key, plan.model)
        if failure is not None:
            return done.key, done.message, f"Model not set: {failure}"
        return done.key, f"{done.message}\n{ack}" if ack else done.message, None

    results = await asyncio.gather(*(reset(key) for key in found))
    if not creates:
        acks: dict[str, str] = {}
        failures: dict[str, str] = {}
        for key, (_new_key, ack, failure) in zip(found, results, strict=True):
            if failure is None:
                acks[key] = ack or ""
            else:  # a reset that happened but whose model was refused says both
                failures[key] = f"{ack}\n{failure}" if ack else failure
        failures.update(missing)
        ok, message = combine(acks, failures)
        return Outcome(ok, message, keys=tuple(acks), command=cmd.name, failures=failures)

    created = [new_key for new_key, _a, _f in results if new_key is not None]
    lines = [ack for _n, ack, _f in results if ack]
    not_done = dict(missing)
    for key, (new_key, _a, failure) in zip(found, results, strict=True):
        if failure is not None:
            not_done[new_key or key] = failure
    if not_done:
        if lines:
            lines.append("Not done:")
        lines += [
            reason if len(not_done) == 1 else f"{k}: {reason}" for k, reason in not_done.items()
        ]
    return Outcome(
        not not_done, "\n".join(lines), keys=tuple(created), command=cmd.name, failures=not_done
    )
