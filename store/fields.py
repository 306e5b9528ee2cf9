"""The editable fields of a session entry: one ``FieldSpec`` each, the one place to add a field.

A spec says what the field is called, which slash command sets it and how that command spells
"clear the override", how operator input becomes the stored value, which stored values the
editors offer, and what ``sessions.patch`` calls it on a gateway. The command bar, the editors,
the edit menu, the table and the gateway store read these specs rather than keeping their own
tables.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from openclaw_tui.store import semantics as sem


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    """The entry field (``model`` stands for the ``providerOverride``/``modelOverride`` pair)."""
    label: str
    """How the UI names the field."""
    command: str
    """The slash command that sets it, without the slash."""
    clear_word: str
    """The argument of ``command`` that deletes the override (the session inherits again)."""
    values: tuple[str, ...]
    """The stored values an editor offers (empty: free text, or a ``provider/model`` ref)."""
    normalize: Callable[[object], str | None] | None
    """Operator input (any of OpenClaw's spellings) -> the stored value, None if not one.
    None for free-text fields."""
    patch_name: str
    """The ``sessions.patch`` parameter that carries the field to a gateway."""
    stored: tuple[str, ...]
    """The entry fields it is stored in."""


def _spec(
    name: str,
    label: str,
    command: str,
    values: tuple[str, ...],
    normalize: Callable[[object], str | None] | None,
    *,
    clear_word: str = "inherit",
) -> FieldSpec:
    return FieldSpec(name, label, command, clear_word, values, normalize, name, (name,))


THINKING: Final = _spec(
    "thinkingLevel", "Thinking", "think", sem.THINK_LEVELS, sem.normalize_think_level
)
VERBOSE: Final = _spec(
    "verboseLevel", "Verbose", "verbose", sem.VERBOSE_LEVELS, sem.normalize_verbose_level
)
REASONING: Final = _spec(
    "reasoningLevel", "Reasoning", "reasoning", sem.REASONING_LEVELS, sem.normalize_reasoning_level
)
ELEVATED: Final = _spec(
    "elevatedLevel", "Elevated", "elevated", sem.ELEVATED_LEVELS, sem.normalize_elevated_level
)
SEND_POLICY: Final = _spec(
    "sendPolicy", "Send policy", "send", sem.SEND_POLICIES, sem.normalize_send_policy
)
QUEUE_MODE: Final = _spec(
    "queueMode",
    "Queue mode",
    "queue",
    sem.QUEUE_MODES,
    sem.normalize_queue_mode,
    clear_word="reset",
)
USAGE: Final = _spec(
    # "off" is not stored: OpenClaw deletes the field for it.
    "responseUsage",
    "Usage footer",
    "usage",
    ("tokens", "full"),
    sem.normalize_usage_mode,
)
GROUP_ACTIVATION: Final = _spec(
    "groupActivation",
    "Group activation",
    "activation",
    sem.GROUP_ACTIVATIONS,
    sem.normalize_group_activation,
)
LABEL: Final = _spec("label", "Label", "label", (), None, clear_word="clear")
MODEL: Final = FieldSpec(
    "model",
    "Model",
    "model",
    "default",
    (),
    None,
    "model",
    ("providerOverride", "modelOverride"),
)

FIELDS: Final[tuple[FieldSpec, ...]] = (
    THINKING,
    VERBOSE,
    REASONING,
    ELEVATED,
    SEND_POLICY,
    QUEUE_MODE,
    USAGE,
    GROUP_ACTIVATION,
    LABEL,
    MODEL,
)
"""Every editable field, in the order the edit menu lists them."""

BY_NAME: Final[dict[str, FieldSpec]] = {spec.name: spec for spec in FIELDS}
BY_COMMAND: Final[dict[str, FieldSpec]] = {spec.command: spec for spec in FIELDS}


def command_for(field: str, value: str | None) -> str:
    """The slash command that sets ``field`` to ``value`` (None: clear the override)."""
    spec = BY_NAME[field]
    return f"/{spec.command} {spec.clear_word if value is None else value}"
