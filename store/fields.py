"""The editable fields of a session entry: one ``FieldSpec`` each, the one place to add a field.

A spec says what the field is called, which slash command sets it and how that command spells
"clear the override", how operator input becomes the stored value, which stored values the
editors offer (for one session: ``choices``, e.g. the thinking levels of its model), what
``sessions.patch`` calls it on a gateway, and how ``validate_entry`` (model.py) judges a stored
value. The command bar, the editors, the edit menu, the table, the
gateway store and the validator read these specs rather than keeping their own tables.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from openclaw_tui.store import semantics as sem


@dataclass(frozen=True, slots=True)
class LevelWording:
    """How a level command (``/verbose``, ``/reasoning``, ``/elevated``) speaks: OpenClaw's own
    words, so the command's usage line, replies and completion are built from here alone."""

    what: str
    """The level's name in messages: "Current {what} level", "Unrecognized {what} level"."""
    summary: str
    """The command's one-line help."""
    acks: Mapping[str, str]
    """Stored value -> the acknowledgement of setting it."""
    cleared: str
    """The acknowledgement of the clear word."""
    words: tuple[str, ...]
    """The values in the order OpenClaw's usage line and "Options:" list them (the clear word
    follows)."""
    listing: tuple[str, ...] | None = None
    """The values in the order an "Unrecognized" error lists them; None: ``values``' order."""
    aliases: tuple[str, ...] = ()
    """Other names of the command (``/v`` for ``/verbose``)."""


@dataclass(frozen=True, slots=True)
class StatusLine:
    """How ``/status`` names the field's value in its "Settings:" list."""

    word: str
    """The setting's name there ("thinking")."""
    rank: int
    """Its place in that list (ascending); a new field's rank puts it where it reads best."""
    show: Callable[[object], str] | None = None
    """Stored value (None if absent) -> the word shown; None: the value as stored, or
    "default"."""
    groups_only: bool = False
    """Shown only for group sessions (``/activation``)."""


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
    noun: str = ""
    """How a validation problem names a stored value ("thinking level"); empty: the validator
    checks only the value's type."""
    valid_in_file: tuple[str, ...] = ()
    """The stored values OpenClaw accepts in a file (may be more than ``values`` offers)."""
    read_normalize: Callable[[object], str | None] | None = None
    """How OpenClaw reads another spelling found in a file; None: it ignores it and uses the
    default. Not ``normalize``: operator input accepts words a file reader does not."""
    fix: str = ""
    """How the operator fixes an invalid stored value, for the validator's message."""
    patch_since: tuple[int, int] | None = (2026, 7)
    """The first OpenClaw release (year, month) whose ``sessions.patch`` accepts ``patch_name``;
    None: no release does (the edit is refused on a gateway). 2026.7 is the oldest supported."""
    offered_for: Callable[[Mapping[str, Any] | None], tuple[str, ...]] | None = None
    """The values offered for one session when they depend on it (the thinking levels its model
    supports); None: always ``values``."""
    level: LevelWording | None = None
    """For a level command: its wording, and ``tui/slash/plans.py``'s ``plan_level`` plans it
    (usage, parse, acks, completion and bulk all follow). None: the command has a planner of its
    own there, named by ``command``."""
    status: StatusLine | None = None
    """How ``/status`` shows it; None: it does not."""

    def choices(self, entry: Mapping[str, Any] | None) -> tuple[str, ...]:
        """The values the editors, the edit menu and slash completion offer for ``entry``."""
        if self.offered_for is None:
            return self.values
        return self.offered_for(entry)


def choice_field(
    name: str,
    label: str,
    command: str,
    values: tuple[str, ...],
    normalize: Callable[[object], str | None] | None,
    *,
    clear_word: str = "inherit",
    noun: str,
    fix: str,
    valid_in_file: tuple[str, ...] | None = None,
    read_in_file: bool = True,
    offered_for: Callable[[Mapping[str, Any] | None], tuple[str, ...]] | None = None,
    patch_since: tuple[int, int] | None = (2026, 7),
    level: LevelWording | None = None,
    status: StatusLine | None = None,
) -> FieldSpec:
    """A field with a set of values (patched and stored under its own name). ``read_in_file``:
    OpenClaw reads the other spellings of ``normalize`` in a file too (False:
    it ignores them there and uses the default)."""
    return FieldSpec(
        name,
        label,
        command,
        clear_word,
        values,
        normalize,
        name,
        (name,),
        noun=noun,
        valid_in_file=values if valid_in_file is None else valid_in_file,
        read_normalize=normalize if read_in_file else None,
        fix=fix,
        offered_for=offered_for,
        patch_since=patch_since,
        level=level,
        status=status,
    )


def usage_line(spec: FieldSpec) -> str:
    """A level command's usage line, e.g. ``/verbose on|full|off|inherit``."""
    assert spec.level is not None
    return f"/{spec.command} " + "|".join((*spec.level.words, spec.clear_word))


def level_options(spec: FieldSpec) -> tuple[str, ...]:
    """A level command's arguments as its "Options:" reply and completion list them."""
    assert spec.level is not None
    return (*spec.level.words, spec.clear_word)


def level_listing(spec: FieldSpec) -> tuple[str, ...]:
    """The valid levels as an "Unrecognized ... level" error lists them."""
    assert spec.level is not None
    return spec.level.listing if spec.level.listing is not None else spec.values


def _usage_shown(value: object) -> str:
    # OpenClaw deletes the field for off: absent (or unreadable) reads as off.
    return sem.normalize_usage_mode(value) or "off"


def _send_shown(value: object) -> str:
    # /send's own words; anything else (absent included) inherits.
    return {"allow": "on", "deny": "off"}.get(str(value), "inherit")


def _thinking_levels(entry: Mapping[str, Any] | None) -> tuple[str, ...]:
    """The levels OpenClaw offers for the model the session uses (all when it is unknown)."""
    return sem.thinking_levels_for(*sem.effective_model(entry))


THINKING: Final = choice_field(
    "thinkingLevel",
    "Thinking",
    "think",
    sem.THINK_LEVELS,
    sem.normalize_think_level,
    noun="thinking level",
    valid_in_file=sem.STORED_THINK_LEVELS,
    fix="/think <level>, or /think default to clear it",
    offered_for=_thinking_levels,
    status=StatusLine("thinking", 10),
)
VERBOSE: Final = choice_field(
    "verboseLevel",
    "Verbose",
    "verbose",
    sem.VERBOSE_LEVELS,
    sem.normalize_verbose_level,
    noun="verbose level",
    fix="/verbose on|full|off",
    level=LevelWording(
        "verbose",
        "set verbose logging",
        {
            "on": "⚙️ Verbose logging enabled.",
            "full": "⚙️ Verbose logging set to full.",
            "off": "⚙️ Verbose logging disabled.",
        },
        "⚙️ Verbose logging reset to default.",
        ("on", "full", "off"),
        aliases=("v",),
    ),
    status=StatusLine("verbose", 20),
)
REASONING: Final = choice_field(
    "reasoningLevel",
    "Reasoning",
    "reasoning",
    sem.REASONING_LEVELS,
    sem.normalize_reasoning_level,
    noun="reasoning level",
    fix="/reasoning on|off|stream",
    level=LevelWording(
        "reasoning",
        "show or stream reasoning",
        {
            "on": "⚙️ Reasoning visibility enabled.",
            "stream": "⚙️ Reasoning stream enabled.",
            "off": "⚙️ Reasoning visibility disabled.",
        },
        "⚙️ Reasoning visibility reset to default.",
        ("on", "off", "stream"),
        listing=("on", "off", "stream"),
        aliases=("reason",),
    ),
    status=StatusLine("reasoning", 30),
)
ELEVATED: Final = choice_field(
    "elevatedLevel",
    "Elevated",
    "elevated",
    sem.ELEVATED_LEVELS,
    sem.normalize_elevated_level,
    noun="elevated level",
    fix="/elevated on|off|ask|full",
    level=LevelWording(
        "elevated",
        "set the elevated mode",
        {
            "off": "⚙️ Elevated mode disabled.",
            "full": "⚙️ Elevated mode set to full (auto-approve).",
            "ask": "⚙️ Elevated mode set to ask (approvals may still apply).",
            # OpenClaw's effective mode for "on" is ask.
            "on": "⚙️ Elevated mode set to ask (approvals may still apply).",
        },
        "⚙️ Elevated mode reset to default.",
        ("on", "off", "ask", "full"),
        aliases=("elev",),
    ),
    status=StatusLine("elevated", 40),
)
SEND_POLICY: Final = choice_field(
    # A file's "on" is not read as "allow": /send's words are operator input only.
    "sendPolicy",
    "Send policy",
    "send",
    sem.SEND_POLICIES,
    sem.normalize_send_policy,
    noun="send policy",
    read_in_file=False,
    fix="/send on|off|inherit",
    status=StatusLine("send", 60, _send_shown),
)
QUEUE_MODE: Final = choice_field(
    "queueMode",
    "Queue mode",
    "queue",
    sem.QUEUE_MODES,
    sem.normalize_queue_mode,
    clear_word="reset",
    noun="queue mode",
    fix="/queue <mode>, or /queue reset",
    patch_since=None,  # neither the 2026.7 nor the 2026.9 patch schema has queueMode
    status=StatusLine("queue", 70),
)
USAGE: Final = choice_field(
    # "off" is not offered: OpenClaw deletes the field for it (older files may hold on/off).
    "responseUsage",
    "Usage footer",
    "usage",
    ("tokens", "full"),
    sem.normalize_usage_mode,
    noun="usage mode",
    valid_in_file=sem.STORED_USAGE_MODES,
    fix="/usage off|tokens|full",
    status=StatusLine("usage", 50, _usage_shown),
)
GROUP_ACTIVATION: Final = choice_field(
    "groupActivation",
    "Group activation",
    "activation",
    sem.GROUP_ACTIVATIONS,
    sem.normalize_group_activation,
    noun="group activation",
    read_in_file=False,
    fix="/activation mention|always",
    status=StatusLine("activation", 80, groups_only=True),
)
LABEL: Final = FieldSpec("label", "Label", "label", "clear", (), None, "label", ("label",))
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


def level_fields() -> tuple[FieldSpec, ...]:
    """The fields whose command is a level command (``FieldSpec.level``), in ``FIELDS`` order."""
    return tuple(spec for spec in FIELDS if spec.level is not None)


def status_fields() -> tuple[FieldSpec, ...]:
    """The fields ``/status`` shows, in its order (``StatusLine.rank``)."""
    shown = [spec for spec in FIELDS if spec.status is not None]
    return tuple(sorted(shown, key=lambda spec: spec.status.rank if spec.status else 0))
