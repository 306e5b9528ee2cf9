"""``/reset`` and ``/new``: a fresh session id on a file store, the gateway's own methods on a
gateway store."""

from __future__ import annotations

import asyncio
from typing import Any, Final

from openclaw_tui.store import semantics as sem
from openclaw_tui.store.errors import StoreError
from openclaw_tui.tui.slash.parse import ParsedCommand, SlashError
from openclaw_tui.tui.slash.plans import (
    Context,
    Edit,
    Entry,
    Patch,
    Plan,
    apply_edit,
    model_edit,
    unexpected,
)
from openclaw_tui.tui.slash.results import Outcome, combine, describe_error


def plan_reset(cmd: ParsedCommand, ctx: Context) -> Plan:
    model_plan: Edit | None = None
    if cmd.name == "reset" and cmd.args:
        return unexpected(cmd.args[0], "reset")
    if cmd.name == "new" and cmd.args:
        if len(cmd.args) > 1:
            return unexpected(cmd.args[1], "new")
        planned = model_edit(cmd.args[0], ctx)
        if isinstance(planned, SlashError):
            return planned
        model_plan = planned
    config = ctx.config

    def compute(key: str, entry: Entry) -> tuple[Patch | None, str]:
        now = config.now_ms()
        patch = sem.reset_patch(entry, config.new_session_id(), now)
        ack = f"session {key} reset"
        if model_plan is not None:
            after = {k: v for k, v in {**entry, **patch}.items() if v is not None}
            model_patch, model_ack = model_plan.compute(key, after)
            patch.update(model_patch or {})
            ack += f"\n{model_ack}"
        return patch, ack

    count = len(ctx.entries)
    target = next(iter(ctx.entries)) if count == 1 else f"{count} sessions"
    confirm = (
        f"/{cmd.name} {target}? Each gets a new session id and cleared token counters; "
        "thinking, reasoning and usage return to defaults, other settings are kept. "
        "The old transcript stays on disk."
    )
    return Edit(compute, destructive=True, confirm_text=confirm)


# -- /reset and /new on a gateway ----------------------------------------------------------------

GATEWAY_RESET_ACK: Final = "✅ Session reset."
GATEWAY_NEW_ACK: Final = "✅ New session started."
"""OpenClaw's own replies to /reset and /new."""


def is_gateway_store(store: object) -> bool:
    """A store whose gateway resets and creates sessions itself (``GatewayStore`` and
    ``MultiGatewayStore``): decided by what it can do, not by its class."""
    return callable(getattr(store, "reset_entry", None)) and callable(
        getattr(store, "create_session", None)
    )


def _gateway_failure(what: str, exc: BaseException) -> str:
    # Gateway errors are StoreErrors: "gateway <name> (<url>): <the gateway's message> (<fix>)".
    return f"{what}: {describe_error(exc)}"


async def gateway_session_command(
    cmd: ParsedCommand, ctx: Context, store: Any, keys: tuple[str, ...], *, confirmed: bool
) -> Outcome:
    """``/reset`` -> the gateway's ``sessions.reset`` for each session; ``/new`` -> its
    ``sessions.create`` (one new session per gateway of the selected rows, then the model, if
    one was given, through ``sessions.patch``). Refusals carry the gateway's own message."""
    found = [key for key in keys if ctx.entries.get(key) is not None]
    missing = {key: f"Session {key} is not in the store." for key in keys if key not in found}
    if cmd.name == "reset":
        if not confirmed and found:
            target = found[0] if len(found) == 1 else f"{len(found)} sessions"
            return Outcome(
                False,
                f"/reset {target}? The gateway resets it (sessions.reset): a new transcript "
                "with cleared token counters; its settings are kept. The old transcript stays "
                "on the gateway host.",
                keys=tuple(found),
                needs_confirmation=True,
                command=cmd.name,
            )

        async def reset(key: str) -> tuple[str | None, str | None]:
            try:
                await store.reset_entry(key)
            except StoreError as exc:
                return None, _gateway_failure("Not reset", exc)
            except Exception as exc:
                return None, f"Command failed: {describe_error(exc)}"
            return GATEWAY_RESET_ACK, None

        results = await asyncio.gather(*(reset(key) for key in found))
        acks = {k: a for k, (a, _f) in zip(found, results, strict=True) if a is not None}
        failures = {k: f for k, (_a, f) in zip(found, results, strict=True) if f is not None}
        failures.update(missing)
        ok, message = combine(acks, failures)
        return Outcome(ok, message, keys=tuple(acks), command=cmd.name, failures=failures)

    model_plan = model_edit(cmd.args[0], ctx) if cmd.args else None
    if isinstance(model_plan, SlashError):
        return Outcome(False, model_plan.message, command=cmd.name)
    several = callable(getattr(store, "gateway_of", None))
    gateways: dict[str, str] = {}  # gateway name ("" for a single gateway) -> a selected key
    for key in found:
        gateways.setdefault(str(store.gateway_of(key)) if several else "", key)
    created: list[str] = []
    lines: list[str] = []
    failures = dict(missing)
    for gateway, key in gateways.items():
        try:
            new_key = await (store.create_session(gateway) if several else store.create_session())
        except StoreError as exc:
            failures[key] = _gateway_failure("No new session", exc)
            continue
        except Exception as exc:
            failures[key] = f"Command failed: {describe_error(exc)}"
            continue
        created.append(new_key)
        lines.append(f"{GATEWAY_NEW_ACK} ({new_key})")
        if model_plan is not None:
            ack, failure = await apply_edit(store, new_key, model_plan)
            if failure is not None:
                failures[new_key] = f"Model not set: {failure}"
            elif ack:
                lines.append(ack)
    if failures:
        if lines:
            lines.append("Not done:")
        lines += [
            reason if len(failures) == 1 else f"{k}: {reason}" for k, reason in failures.items()
        ]
    return Outcome(
        not failures, "\n".join(lines), keys=tuple(created), command=cmd.name, failures=failures
    )
