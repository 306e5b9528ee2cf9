"""What ``execute`` returns (``Outcome``), and how per-session acks and failures become one
message."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result of ``execute``.

    ``ok`` is False when anything was refused or failed; the bar then keeps the typed text.
    ``needs_confirmation`` (with ``ok`` False, nothing done yet) asks the UI to confirm the
    destructive command and call ``execute(..., confirmed=True)``. ``keys`` are the sessions the
    command changed (or reported on); ``failures`` maps a key to why it was not changed.
    """

    ok: bool
    message: str
    keys: tuple[str, ...] = ()
    needs_confirmation: bool = False
    command: str | None = None
    failures: Mapping[str, str] = field(default_factory=dict)
    detail: str = ""
    """With ``needs_confirmation``: what confirming will do, shown under the question."""


def combine(acks: Mapping[str, str], failures: Mapping[str, str]) -> tuple[bool, str]:
    lines: list[str] = []
    distinct = set(acks.values())
    if len(distinct) == 1:
        ack = next(iter(distinct))
        lines.append(ack if len(acks) == 1 else f"{ack} ({len(acks)} sessions)")
    else:
        lines += [f"{key}: {ack}" for key, ack in acks.items()]
    if failures:
        if acks:
            lines.append(f"Not applied to {len(failures)} of {len(failures) + len(acks)}:")
        distinct_failures = set(failures.values())
        if len(failures) > 1 and len(distinct_failures) == 1:
            lines.append(f"{next(iter(distinct_failures))} ({len(failures)} sessions)")
        elif len(failures) == 1 and not acks:
            lines.append(next(iter(failures.values())))
        else:
            lines += [f"{key}: {reason}" for key, reason in failures.items()]
    return not failures, "\n".join(lines)
