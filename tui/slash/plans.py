"""Per-command planners: a ``ParsedCommand`` -> a plan (an edit, a report or a reply).

Behaviour, aliases and wording follow OpenClaw's own slash commands. An ``Edit`` computes a patch
of only the fields that change, from the entry as it is in the store at the moment of the write
(``apply_edit`` runs it inside ``store.update_entry``), so a concurrent change to another field of
the same entry survives.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from openclaw_tui.store import fields
from openclaw_tui.store import semantics as sem
from openclaw_tui.store.api import SessionStoreAPI
from openclaw_tui.store.errors import StoreError, describe_error
from openclaw_tui.store.fields import FieldSpec
from openclaw_tui.store.keys import classify_key
from openclaw_tui.tui.slash.parse import BY_NAME, COMMANDS, ParsedCommand, SlashError

Entry = Mapping[str, Any]
Patch = dict[str, Any]


StoreLike = SessionStoreAPI
"""The store commands run against: any kind (file, gateway, several gateways)."""


# -- configuration ------------------------------------------------------------------------------

DEFAULT_MODELS: Final[tuple[str, ...]] = (
    "anthropic/claude-opus-4-5",
    "anthropic/claude-sonnet-4-5",
    "openai/gpt-5.5",
    "openai/gpt-5.2",
    "openai/gpt-5-mini",
    "openai/gpt-4.1",
)
"""The models offered (model editor, ``/model`` completion) besides those seen in the store and
``OPENCLAW_TUI_MODELS``; ``DEFAULT_MODEL_ALIASES`` names some of them."""

DEFAULT_MODEL_ALIASES: Final[dict[str, str]] = {
    "opus": "anthropic/claude-opus-4-5",
    "sonnet": "anthropic/claude-sonnet-4-5",
    "gpt": "openai/gpt-5.5",
    "gpt-mini": "openai/gpt-5-mini",
}
"""Model aliases accepted by ``/model`` (OpenClaw's are configurable too: ``SlashConfig``)."""


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass(slots=True)
class SlashConfig:
    model_aliases: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_MODEL_ALIASES))
    models: Sequence[str] = ()
    """Extra ``provider/model`` refs offered by ``/model`` and completion."""
    default_model: str | None = None
    """The configured default ``provider/model`` if known (for ``/model default``'s reply)."""
    now_ms: Callable[[], int] = _now_ms
    new_session_id: Callable[[], str] = field(default=lambda: str(uuid.uuid4()))
    stop_wait: float = 10.0
    """How long ``/stop`` waits for the gateway to report the run ended, in seconds."""


class Refused(Exception):
    """Raised inside an update function: this entry cannot take the change (nothing written)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# -- plans: what a parsed command does ----------------------------------------------------------

Compute = Callable[[str, Entry], tuple[Patch | None, str]]
"""(key, current entry) -> (patch or None for no change, acknowledgement). May raise Refused."""
Describe = Callable[[str, Entry], str]


@dataclass(frozen=True, slots=True)
class Edit:
    compute: Compute


@dataclass(frozen=True, slots=True)
class Report:
    describe: Describe


@dataclass(frozen=True, slots=True)
class Reply:
    """A reply that needs no session (``/help``, ``/model list``)."""

    message: str


Plan = Edit | Report | Reply | SlashError


@dataclass(frozen=True, slots=True)
class Context:
    entries: Mapping[str, Entry | None]
    config: SlashConfig
    models: Sequence[str]

    def first_entry(self) -> Entry | None:
        return next((e for e in self.entries.values() if e is not None), None)


# -- helpers for the commands -------------------------------------------------------------------


def changed(entry: Entry, patch: Patch) -> Patch | None:
    """Only the fields that differ from the entry (a delete of an absent field is no change)."""
    out: Patch = {}
    for name, value in patch.items():
        if value is None:
            if name in entry:
                out[name] = None
        elif name not in entry or entry[name] != value or type(entry[name]) is not type(value):
            out[name] = value
    return out or None


def quote(value: str) -> str:
    return value if len(value) <= 60 else value[:59] + "…"


def unexpected(extra: str, command: str) -> SlashError:
    return SlashError(f'Unexpected argument "{quote(extra)}" for /{command}.')


def set_field(field_name: str, value: str | None, ack: str) -> Edit:
    def compute(_key: str, entry: Entry) -> tuple[Patch | None, str]:
        return changed(entry, {field_name: value}), ack

    return Edit(compute)


def current(entry: Entry | None, field_name: str) -> str:
    value = entry.get(field_name) if entry is not None else None
    return str(value) if value is not None else "default"


# -- the commands -------------------------------------------------------------------------------


def plan_think(cmd: ParsedCommand, ctx: Context) -> Plan:
    if not cmd.args:

        def describe(_key: str, entry: Entry) -> str:
            levels = fields.THINKING.choices(entry)
            return (
                f"Current thinking level: {current(entry, 'thinkingLevel')}.\n"
                f"Options: {', '.join(levels)}."
            )

        return Report(describe)
    raw = " ".join(cmd.args)
    if raw.lower() in sem.CLEAR_WORDS:
        return set_field(fields.THINKING.name, None, "Thinking level reset to default.")
    level = sem.normalize_think_level(raw)
    if level is None:
        levels = fields.THINKING.choices(ctx.first_entry())
        return SlashError(
            f'Unrecognized thinking level "{quote(raw)}". Valid levels: {", ".join(levels)}.'
        )

    def compute(_key: str, entry: Entry) -> tuple[Patch | None, str]:
        provider, model = sem.effective_model(entry)
        levels = fields.THINKING.choices(entry)
        allowed = {"off", "low"} if levels == sem.BINARY_THINK_LEVELS else set(levels)
        if level not in allowed:
            raise Refused(
                f'Thinking level "{level}" is not supported for '
                f"{sem.model_ref(provider, model)}. Use one of: {', '.join(levels)}."
            )
        ack = "Thinking disabled." if level == "off" else f"Thinking level set to {level}."
        return changed(entry, {fields.THINKING.name: level}), ack

    return Edit(compute)


LEVELS: Final[dict[str, FieldSpec]] = {spec.command: spec for spec in fields.level_fields()}
"""The level commands (``/verbose``, ...) by name: each field with ``FieldSpec.level``."""


def plan_level(cmd: ParsedCommand, _ctx: Context) -> Plan:
    spec = LEVELS[cmd.name]
    wording = spec.level
    assert wording is not None
    if not cmd.args:

        def describe(_key: str, entry: Entry) -> str:
            return (
                f"Current {wording.what} level: {current(entry, spec.name)}.\n"
                f"Options: {', '.join(fields.level_options(spec))}."
            )

        return Report(describe)
    if len(cmd.args) > 1:
        return unexpected(cmd.args[1], cmd.name)
    raw = cmd.args[0]
    if raw.lower() in sem.CLEAR_WORDS:
        return set_field(spec.name, None, wording.cleared)
    level = spec.normalize(raw) if spec.normalize else None
    if level is None:
        return SlashError(
            # The bare command offers the clear word too: its own error must not leave it out.
            f'Unrecognized {wording.what} level "{quote(raw)}". Valid levels: '
            f"{', '.join(fields.level_listing(spec))} (or {spec.clear_word} for the default)."
        )
    return set_field(spec.name, level, wording.acks[level])


def _known_models(ctx: Context) -> list[str]:
    seen: dict[str, None] = {}
    for ref in (*ctx.config.models, *ctx.models):
        if isinstance(ref, str) and "/" in ref:
            seen.setdefault(ref.strip(), None)
    return list(seen)


def _in_catalog(provider: str, model: str, ctx: Context) -> bool:
    """The model is one this app knows of: built in, configured, an alias's, or in the store."""
    wanted = (sem.model_ref(provider, model) or model).lower()
    catalog = (*DEFAULT_MODELS, *ctx.config.model_aliases.values(), *_known_models(ctx))
    return any(ref.strip().lower() == wanted for ref in catalog)


def _resolve_model(ref: str, ctx: Context) -> tuple[str, str, str] | SlashError:
    """-> (provider, model, how to name it in the ack)."""
    aliases = {k.lower(): v for k, v in ctx.config.model_aliases.items()}
    known = _known_models(ctx)
    target = ref
    label = ""
    if ref.lower() in aliases:
        target = aliases[ref.lower()]
        label = ref.lower()
    elif ref.isascii() and ref.isdigit():
        index = int(ref)
        if not 1 <= index <= len(known):
            return SlashError(
                f"There is no model number {ref}: /model list shows {len(known)} models."
            )
        target = known[index - 1]
    elif "/" not in ref:
        matches = [
            m
            for m in known
            if (parts := sem.split_model_ref(m)) and parts[1].lower() == ref.lower()
        ]
        if len(matches) != 1:
            return SlashError(
                f"Unknown model: {quote(ref)}. Give it as provider/model, or use /model list "
                "to see the models known here."
            )
        target = matches[0]
    provider, model = sem.split_model_ref(target) or (None, "")
    if provider is None:
        return SlashError(f"Unknown model: {quote(ref)}. Use provider/model, e.g. openai/gpt-5.5.")
    ref = sem.model_ref(provider, model) or model
    shown = f"{label} ({ref})" if label else ref
    return provider, model, shown


def model_edit(ref: str | None, ctx: Context) -> Edit | SlashError:
    now = ctx.config.now_ms
    if ref is None or ref.lower() in sem.CLEAR_WORDS:
        default = ctx.config.default_model
        provider, model = sem.split_model_ref(default) or (None, None)
        ack = f"Model reset to default ({default})." if default else "Model reset to default."

        def compute_default(_key: str, entry: Entry) -> tuple[Patch | None, str]:
            patch = sem.apply_model_override(entry, provider, model, is_default=True, now_ms=now())
            return patch, ack

        return Edit(compute_default)
    resolved = _resolve_model(ref, ctx)
    if isinstance(resolved, SlashError):
        return resolved
    provider, model, shown = resolved
    ack = f"Model set to {shown} for this session."
    if not _in_catalog(provider, model, ctx):
        # OpenClaw accepts a model its catalog does not list (and says "Unknown model" when
        # it cannot run it): written, but a typo must not pass for a known model.
        ack += (
            f"\nUnknown model: {provider}/{model} is not in the catalog known here "
            "(/model list shows the known ones); check the spelling."
        )

    def compute(_key: str, entry: Entry) -> tuple[Patch | None, str]:
        patch = sem.apply_model_override(entry, provider, model, now_ms=now())
        return patch, ack

    return Edit(compute)


def plan_model(cmd: ParsedCommand, ctx: Context) -> Plan:
    if not cmd.args or (len(cmd.args) == 1 and cmd.args[0].lower() == "list"):
        entry = ctx.first_entry() or {}
        override = sem.override_ref(entry)
        name = override or "default"
        known = _known_models(ctx)
        lines = [f"Models (current: {name})"]
        lines += [f"{i}. {ref}" for i, ref in enumerate(known, 1)]
        if ctx.config.model_aliases:
            lines.append(
                "Aliases: "
                + ", ".join(f"{a} = {r}" for a, r in sorted(ctx.config.model_aliases.items()))
            )
        lines.append("Use /model <provider/model|alias|number>, or /model default.")
        return Reply("\n".join(lines))
    if len(cmd.args) > 1:
        return unexpected(cmd.args[1], "model")
    arg = cmd.args[0]
    return model_edit(None if arg.lower() in sem.CLEAR_WORDS else arg, ctx)


_USAGE_LINE: Final = "⚙️ Usage: /usage off|tokens|full|cost"
_USAGE_CYCLE: Final[dict[str, str]] = {"off": "tokens", "tokens": "full", "full": "off"}


def plan_usage(cmd: ParsedCommand, _ctx: Context) -> Plan:
    if len(cmd.args) > 1:
        return SlashError(_USAGE_LINE)
    if not cmd.args:

        def cycle(_key: str, entry: Entry) -> tuple[Patch | None, str]:
            current = sem.normalize_usage_mode(entry.get(fields.USAGE.name)) or "off"
            mode = _USAGE_CYCLE[current]
            return changed(entry, {fields.USAGE.name: None if mode == "off" else mode}), (
                f"⚙️ Usage footer: {mode}."
            )

        return Edit(cycle)
    raw = cmd.args[0].lower()
    if raw == "cost":
        return Report(_usage_cost)
    mode = "off" if raw in sem.CLEAR_WORDS else sem.normalize_usage_mode(raw)
    if mode is None:
        return SlashError(_USAGE_LINE)
    # OpenClaw deletes the field for off rather than storing "off".
    return set_field(fields.USAGE.name, None if mode == "off" else mode, f"⚙️ Usage footer: {mode}.")


def _usage_cost(_key: str, entry: Entry) -> str:
    cost = entry.get("estimatedCostUsd")
    session = f"${cost:.4f}" if isinstance(cost, int | float) else "n/a"
    return (
        f"💸 Usage cost\nSession: {session}\n"
        "Today: n/a (not recorded in the session store)\n"
        "Last 30d: n/a (not recorded in the session store)"
    )


_SEND_LINE: Final = "⚙️ Usage: /send on|off|inherit"


def plan_send(cmd: ParsedCommand, _ctx: Context) -> Plan:
    if len(cmd.args) != 1:
        return SlashError(_SEND_LINE)
    raw = cmd.args[0].lower()
    if raw in sem.CLEAR_WORDS:
        return set_field(fields.SEND_POLICY.name, None, "⚙️ Send policy set to inherit.")
    policy = sem.normalize_send_policy(raw)
    if policy is None:
        return SlashError(_SEND_LINE)
    word = "on" if policy == "allow" else "off"
    return set_field(fields.SEND_POLICY.name, policy, f"⚙️ Send policy set to {word}.")


_ACTIVATION_LINE: Final = "⚙️ Usage: /activation mention|always"
_GROUP_KINDS: Final = frozenset({"group", "channel", "thread", "topic"})


def is_group(key: str, entry: Entry) -> bool:
    return classify_key(key, entry) in _GROUP_KINDS


def plan_activation(cmd: ParsedCommand, _ctx: Context) -> Plan:
    if len(cmd.args) != 1:
        return SlashError(_ACTIVATION_LINE)
    raw = cmd.args[0].lower()
    clear = raw in sem.CLEAR_WORDS
    mode = None if clear else sem.normalize_group_activation(raw)
    if mode is None and not clear:
        return SlashError(_ACTIVATION_LINE)

    def compute(key: str, entry: Entry) -> tuple[Patch | None, str]:
        if not is_group(key, entry):
            raise Refused("⚙️ Group activation only applies to group chats.")
        if mode is None:
            return changed(entry, {fields.GROUP_ACTIVATION.name: None}), (
                "⚙️ Group activation reset to default."
            )
        patch = {fields.GROUP_ACTIVATION.name: mode, "groupActivationNeedsSystemIntro": True}
        return changed(entry, patch), f"⚙️ Group activation set to {mode}."

    return Edit(compute)


_DEBOUNCE = re.compile(r"^\d+(?:\.\d+)?\s*(?:ms|s|m)?$", re.ASCII)
_QUEUE_FIELDS: Final = (fields.QUEUE_MODE.name, "queueDebounceMs", "queueCap", "queueDrop")


def plan_queue(cmd: ParsedCommand, _ctx: Context) -> Plan:
    if not cmd.args:
        return Report(_queue_settings)
    if len(cmd.args) == 1 and cmd.args[0].lower() in ("reset", *sem.CLEAR_WORDS):
        patch: Patch = dict.fromkeys(_QUEUE_FIELDS)
        return Edit(lambda _k, entry: (changed(entry, patch), "⚙️ Queue mode reset to default."))
    values: Patch = {}
    acks: list[str] = []
    for token in cmd.args:
        name, sep, value = token.partition(":")
        if not sep:
            name, sep, value = token.partition("=")
        lname = name.lower()
        if sep and lname == "debounce":
            ms = sem.parse_duration_ms(value) if _DEBOUNCE.match(value.lower()) else None
            if ms is None or ms > sem.MAX_SAFE_INTEGER:
                return SlashError(
                    f'Invalid debounce "{quote(value)}". Use ms/s/m '
                    "(e.g. debounce:1500ms, debounce:2s)."
                )
            values["queueDebounceMs"] = ms
            acks.append(f"⚙️ Queue debounce set to {ms}ms.")
        elif sep and lname == "cap":
            digits = value.isascii() and value.isdigit()
            if not digits or not 0 < int(value) <= sem.MAX_SAFE_INTEGER:
                return SlashError(
                    f'Invalid cap "{quote(value)}". Use a positive integer (e.g. cap:10).'
                )
            values["queueCap"] = int(value)
            acks.append(f"⚙️ Queue cap set to {int(value)}.")
        elif sep and lname == "drop":
            drop = sem.normalize_queue_drop(value)
            if drop is None:
                return SlashError(
                    f'Invalid drop policy "{quote(value)}". '
                    "Use drop:old, drop:new, or drop:summarize."
                )
            values["queueDrop"] = drop
            acks.append(f"⚙️ Queue drop set to {drop}.")
        else:
            mode = sem.normalize_queue_mode(token)
            given = values.get(fields.QUEUE_MODE.name)
            if given is not None and mode is not None:
                return SlashError(f'Two queue modes ("{given}" and "{mode}"): give one.')
            if given is not None:
                return SlashError(
                    f'"{quote(token)}" after queue mode "{given}" is neither an option nor a '
                    "mode: give one mode, then options such as debounce:2s, cap:10, "
                    "drop:summarize."
                )
            if mode is None:
                return SlashError(
                    f'Unrecognized queue mode "{quote(token)}". '
                    f"Valid modes: {', '.join(sem.QUEUE_MODE_WORDS)}."
                )
            values[fields.QUEUE_MODE.name] = mode
            acks.insert(0, f"⚙️ Queue mode set to {mode}.")
    ack = "\n".join(acks)
    return Edit(lambda _k, entry: (changed(entry, values), ack))


def _queue_settings(_key: str, entry: Entry) -> str:
    def shown(name: str, suffix: str = "") -> str:
        value = entry.get(name)
        return f"{value}{suffix}" if value is not None else "default"

    return (
        f"Current queue settings: mode={shown('queueMode')}, "
        f"debounce={shown('queueDebounceMs', 'ms')}, cap={shown('queueCap')}, "
        f"drop={shown('queueDrop')}.\n"
        f"Options: {', '.join(sem.QUEUE_MODE_WORDS)}, reset; debounce:<ms|s|m>, cap:<n>, "
        "drop:old|new|summarize."
    )


_LABEL_LINE: Final = "⚙️ Usage: /label <text>|clear"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
LABEL_MAX_LENGTH: Final = 200


def plan_label(cmd: ParsedCommand, _ctx: Context) -> Plan:
    text = cmd.raw_args
    if not text:
        return SlashError(_LABEL_LINE)
    if text.lower() == "clear":
        return set_field(fields.LABEL.name, None, "⚙️ Label cleared.")
    if _CONTROL.search(text):
        return SlashError(
            "A label cannot contain control or direction-changing characters: retype it."
        )
    if len(text) > LABEL_MAX_LENGTH:
        return SlashError(
            f"That label is {len(text)} characters long; keep it under {LABEL_MAX_LENGTH}."
        )
    return set_field(fields.LABEL.name, text, f'⚙️ Label set to "{text}".')


def plan_help(cmd: ParsedCommand, _ctx: Context) -> Plan:
    if cmd.args:
        spec = BY_NAME.get(cmd.args[0].lstrip("/").lower())
        if spec is None:
            return SlashError(
                f'/help has no command "/{quote(cmd.args[0].lstrip("/"))}" to explain. '
                "Type /help for the list of commands, or /help think for one."
            )
        aliases = f" (also {', '.join('/' + a for a in spec.aliases)})" if spec.aliases else ""
        return Reply(f"{spec.usage}{aliases}: {spec.summary}.")
    lines = ["Commands (the leading / is optional after :):"]
    for spec in COMMANDS:
        aliases = f" ({', '.join('/' + a for a in spec.aliases)})" if spec.aliases else ""
        lines.append(f"{spec.usage}{aliases} – {spec.summary}")
    return Reply("\n".join(lines))


PlanOf = Callable[[ParsedCommand, Context], Plan]

_OWN_PLANNERS: Final[dict[str, PlanOf]] = {
    "think": plan_think,
    "model": plan_model,
    "usage": plan_usage,
    "send": plan_send,
    "activation": plan_activation,
    "queue": plan_queue,
    "label": plan_label,
}
"""The field commands that are not level commands, each with its own rules."""

FIELD_PLANNERS: Final[dict[str, PlanOf]] = {
    spec.command: plan_level if spec.level is not None else _OWN_PLANNERS[spec.command]
    for spec in fields.FIELDS
}
"""The planner of every field's command (``store/fields.py``), by command name; the executor
and ``/bulk`` both use it. A field without ``level`` and without a planner here fails at
import."""


async def apply_edit(store: StoreLike, key: str, plan: Edit) -> tuple[str | None, str | None]:
    """-> (acknowledgement, None) or (None, failure)."""
    seen = False
    ack = ""

    def update(current: Entry) -> Patch | None:
        nonlocal seen, ack
        seen = True
        patch, ack = plan.compute(key, current)
        return patch

    try:
        await store.update_entry(key, update)
    except Refused as refused:
        return None, refused.message
    except StoreError as exc:
        return None, f"Not saved: {describe_error(exc)}"
    except Exception as exc:
        return None, f"Command failed: {describe_error(exc)}"
    if not seen:
        return None, f"Session {key} no longer exists (removed meanwhile); nothing was changed."
    return ack, None
