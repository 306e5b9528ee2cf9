"""Slash commands: text typed into the command bar -> a store edit and a message.

Pure logic, no Textual: the bar widget hosts it. Behaviour, aliases and wording follow OpenClaw
(``openclaw-sessions.md`` §6 and §9). Every write is ``await store.update_entry(key, fn)`` where
``fn`` computes a patch of only the fields that change, from the entry as it is in the store at
that moment, so a concurrent change to another field of the same entry survives.

``execute`` never raises (except cancellation): every failure, including a write the store
refuses, becomes an ``Outcome`` with ``ok=False`` and a message fit to show the operator.
"""

from __future__ import annotations

import asyncio
import difflib
import re
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

from openclaw_tui.store import semantics as sem
from openclaw_tui.store.errors import StoreError
from openclaw_tui.store.keys import channel_of, classify_key

Entry = Mapping[str, Any]
Patch = dict[str, Any]


class StoreLike(Protocol):
    """What commands need from a store (``SessionStore`` and the gateway client both fit)."""

    def get(self, key: str) -> Entry | None: ...

    async def update_entry(self, key: str, patch_or_fn: Any, *, create: bool = False) -> Any: ...


# -- results ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ParsedCommand:
    name: str
    """The command's canonical name, e.g. ``think`` for ``/t``."""
    invoked: str
    """The name as typed (lower case), e.g. ``t``."""
    args: tuple[str, ...]
    raw_args: str
    """Everything after the command name, stripped (``/label`` keeps inner spaces)."""
    text: str


@dataclass(frozen=True, slots=True)
class SlashError:
    message: str


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


# -- configuration ------------------------------------------------------------------------------

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


class _Refused(Exception):
    """Raised inside an update function: this entry cannot take the change (nothing written)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# -- plans: what a parsed command does ----------------------------------------------------------

Compute = Callable[[str, Entry], tuple[Patch | None, str]]
"""(key, current entry) -> (patch or None for no change, acknowledgement). May raise _Refused."""
Describe = Callable[[str, Entry], str]


@dataclass(frozen=True, slots=True)
class _Edit:
    compute: Compute
    destructive: bool = False
    confirm_text: str = ""


@dataclass(frozen=True, slots=True)
class _Report:
    describe: Describe


@dataclass(frozen=True, slots=True)
class _Reply:
    """A reply that needs no session (``/help``, ``/model list``)."""

    message: str


_Plan = _Edit | _Report | _Reply | SlashError


@dataclass(frozen=True, slots=True)
class _Context:
    entries: Mapping[str, Entry | None]
    config: SlashConfig
    models: Sequence[str]

    def first_entry(self) -> Entry | None:
        return next((e for e in self.entries.values() if e is not None), None)


@dataclass(frozen=True, slots=True)
class CommandSpec:
    name: str
    aliases: tuple[str, ...]
    usage: str
    summary: str
    needs_session: bool = True
    writes: bool = True


COMMANDS: Final[tuple[CommandSpec, ...]] = (
    CommandSpec("think", ("thinking", "t"), "/think <level|default>", "set the thinking level"),
    CommandSpec("verbose", ("v",), "/verbose on|full|off|inherit", "set verbose logging"),
    CommandSpec(
        "reasoning", ("reason",), "/reasoning on|off|stream|inherit", "show or stream reasoning"
    ),
    CommandSpec(
        "elevated", ("elev",), "/elevated on|off|ask|full|inherit", "set the elevated mode"
    ),
    CommandSpec(
        "model", (), "/model <provider/model|alias|number|default|list>", "set the model override"
    ),
    CommandSpec("usage", (), "/usage off|tokens|full|cost", "set the usage footer (bare: cycle)"),
    CommandSpec("send", (), "/send on|off|inherit", "set the send policy"),
    CommandSpec("activation", (), "/activation mention|always", "group activation (groups only)"),
    CommandSpec(
        "queue",
        (),
        "/queue <mode> [debounce:<ms|s|m>] [cap:<n>] [drop:old|new|summarize] | reset",
        "set the message queue",
    ),
    CommandSpec("label", (), "/label <text>|clear", "set or clear the label"),
    CommandSpec("reset", (), "/reset", "start a new session id (asks first)"),
    CommandSpec("new", (), "/new [provider/model]", "like /reset, optionally switching model"),
    CommandSpec("status", (), "/status", "summarise the session", writes=False),
    CommandSpec("help", (), "/help [command]", "list commands", needs_session=False, writes=False),
)

_BY_NAME: Final[dict[str, CommandSpec]] = {
    name: spec for spec in COMMANDS for name in (spec.name, *spec.aliases)
}


def command_names(*, aliases: bool = True) -> list[str]:
    """Command names (canonical first, then aliases), without the slash."""
    names = [spec.name for spec in COMMANDS]
    if aliases:
        names += [alias for spec in COMMANDS for alias in spec.aliases]
    return names


# -- parsing ------------------------------------------------------------------------------------

_HELP_HINT: Final = "Type /help for the list of commands."


def parse(text: str) -> ParsedCommand | SlashError:
    """Split ``/name args...`` (the ``/`` is optional) and resolve aliases. Never raises."""
    if not isinstance(text, str):
        return SlashError(f"A command is text, not {type(text).__name__}.")
    stripped = text.strip()
    if stripped[:1] in ("/", ":"):
        stripped = stripped[1:].lstrip()
    if not stripped:
        return SlashError(f"Type a command, for example /think high. {_HELP_HINT}")
    # Any whitespace (a tab too) separates the name from its arguments.
    parts = stripped.split(maxsplit=1)
    head = parts[0]
    rest = parts[1] if len(parts) > 1 else ""
    name = head.lower()
    # OpenClaw's directive form: /think:high.
    if name not in _BY_NAME and ":" in name:
        before, _, after = head.partition(":")
        if before.lower() in _BY_NAME:
            name = before.lower()
            rest = f"{after} {rest}".strip()
    spec = _BY_NAME.get(name)
    if spec is None:
        close = difflib.get_close_matches(name, list(_BY_NAME), n=1, cutoff=0.7)
        hint = f" Did you mean /{close[0]}?" if close else ""
        shown = head if len(head) <= 40 else head[:39] + "…"
        return SlashError(f'Unknown command "/{shown}".{hint} {_HELP_HINT}')
    raw_args = rest.strip()
    return ParsedCommand(
        name=spec.name,
        invoked=name,
        args=tuple(raw_args.split()),
        raw_args=raw_args,
        text=text,
    )


# -- helpers for the commands -------------------------------------------------------------------


def _changed(entry: Entry, patch: Patch) -> Patch | None:
    """Only the fields that differ from the entry (a delete of an absent field is no change)."""
    out = {}
    for name, value in patch.items():
        if value is None:
            if name in entry:
                out[name] = None
        elif name not in entry or entry[name] != value or type(entry[name]) is not type(value):
            out[name] = value
    return out or None


def _quote(value: str) -> str:
    return value if len(value) <= 60 else value[:59] + "…"


def _unexpected(extra: str, command: str) -> SlashError:
    return SlashError(f'Unexpected argument "{_quote(extra)}" for /{command}.')


def _set_field(field_name: str, value: str | None, ack: str) -> _Edit:
    def compute(_key: str, entry: Entry) -> tuple[Patch | None, str]:
        return _changed(entry, {field_name: value}), ack

    return _Edit(compute)


def _current(entry: Entry | None, field_name: str) -> str:
    value = entry.get(field_name) if entry is not None else None
    return str(value) if value is not None else "default"


def _model_ref(provider: str | None, model: str | None) -> str | None:
    if not model:
        return None
    return f"{provider}/{model}" if provider else model


# -- the commands -------------------------------------------------------------------------------


def _think(cmd: ParsedCommand, ctx: _Context) -> _Plan:
    if not cmd.args:

        def describe(_key: str, entry: Entry) -> str:
            levels = sem.thinking_levels_for(*sem.effective_model(entry))
            return (
                f"Current thinking level: {_current(entry, 'thinkingLevel')}.\n"
                f"Options: {', '.join(levels)}."
            )

        return _Report(describe)
    raw = " ".join(cmd.args)
    if raw.lower() in sem.CLEAR_WORDS:
        return _set_field("thinkingLevel", None, "Thinking level reset to default.")
    level = sem.normalize_think_level(raw)
    if level is None:
        levels = sem.thinking_levels_for(*sem.effective_model(ctx.first_entry()))
        return SlashError(
            f'Unrecognized thinking level "{_quote(raw)}". Valid levels: {", ".join(levels)}.'
        )

    def compute(_key: str, entry: Entry) -> tuple[Patch | None, str]:
        provider, model = sem.effective_model(entry)
        levels = sem.thinking_levels_for(provider, model)
        allowed = {"off", "low"} if levels == sem.BINARY_THINK_LEVELS else set(levels)
        if level not in allowed:
            raise _Refused(
                f'Thinking level "{level}" is not supported for '
                f"{_model_ref(provider, model)}. Use one of: {', '.join(levels)}."
            )
        ack = "Thinking disabled." if level == "off" else f"Thinking level set to {level}."
        return _changed(entry, {"thinkingLevel": level}), ack

    return _Edit(compute)


@dataclass(frozen=True, slots=True)
class _LevelCommand:
    field: str
    what: str
    normalize: Callable[[object], str | None]
    listing: str
    acks: Mapping[str, str]
    options: str
    cleared: str


_LEVELS: Final[dict[str, _LevelCommand]] = {
    "verbose": _LevelCommand(
        "verboseLevel",
        "verbose",
        sem.normalize_verbose_level,
        "off, on, full",
        {
            "on": "⚙️ Verbose logging enabled.",
            "full": "⚙️ Verbose logging set to full.",
            "off": "⚙️ Verbose logging disabled.",
        },
        "on, full, off, inherit",
        "⚙️ Verbose logging reset to default.",
    ),
    "reasoning": _LevelCommand(
        "reasoningLevel",
        "reasoning",
        sem.normalize_reasoning_level,
        "on, off, stream",
        {
            "on": "⚙️ Reasoning visibility enabled.",
            "stream": "⚙️ Reasoning stream enabled.",
            "off": "⚙️ Reasoning visibility disabled.",
        },
        "on, off, stream, inherit",
        "⚙️ Reasoning visibility reset to default.",
    ),
    "elevated": _LevelCommand(
        "elevatedLevel",
        "elevated",
        sem.normalize_elevated_level,
        "off, on, ask, full",
        {
            "off": "⚙️ Elevated mode disabled.",
            "full": "⚙️ Elevated mode set to full (auto-approve).",
            "ask": "⚙️ Elevated mode set to ask (approvals may still apply).",
            # OpenClaw's effective mode for "on" is ask.
            "on": "⚙️ Elevated mode set to ask (approvals may still apply).",
        },
        "on, off, ask, full, inherit",
        "⚙️ Elevated mode reset to default.",
    ),
}


def _level_command(cmd: ParsedCommand, _ctx: _Context) -> _Plan:
    spec = _LEVELS[cmd.name]
    if not cmd.args:

        def describe(_key: str, entry: Entry) -> str:
            return (
                f"Current {spec.what} level: {_current(entry, spec.field)}.\n"
                f"Options: {spec.options}."
            )

        return _Report(describe)
    if len(cmd.args) > 1:
        return _unexpected(cmd.args[1], cmd.name)
    raw = cmd.args[0]
    if raw.lower() in sem.CLEAR_WORDS:
        return _set_field(spec.field, None, spec.cleared)
    level = spec.normalize(raw)
    if level is None:
        return SlashError(
            f'Unrecognized {spec.what} level "{_quote(raw)}". Valid levels: {spec.listing}.'
        )
    return _set_field(spec.field, level, spec.acks[level])


def _known_models(ctx: _Context) -> list[str]:
    seen: dict[str, None] = {}
    for ref in (*ctx.config.models, *ctx.models):
        if isinstance(ref, str) and "/" in ref:
            seen.setdefault(ref.strip(), None)
    return list(seen)


def _resolve_model(ref: str, ctx: _Context) -> tuple[str, str, str] | SlashError:
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
        matches = [m for m in known if m.split("/", 1)[1].lower() == ref.lower()]
        if len(matches) != 1:
            return SlashError(
                f"Unknown model: {_quote(ref)}. Give it as provider/model, or use /model list "
                "to see the models known here."
            )
        target = matches[0]
    provider, _, model = target.partition("/")
    provider, model = provider.strip(), model.strip()
    if not provider or not model or any(c.isspace() or ord(c) < 32 for c in target):
        return SlashError(f"Unknown model: {_quote(ref)}. Use provider/model, e.g. openai/gpt-5.5.")
    shown = f"{label} ({provider}/{model})" if label else f"{provider}/{model}"
    return provider, model, shown


def _model_plan(ref: str | None, ctx: _Context) -> _Edit | SlashError:
    now = ctx.config.now_ms
    if ref is None or ref.lower() in sem.CLEAR_WORDS:
        default = ctx.config.default_model
        provider, _, model = (default or "").partition("/")
        ack = f"Model reset to default ({default})." if default else "Model reset to default."

        def compute_default(_key: str, entry: Entry) -> tuple[Patch | None, str]:
            patch = sem.apply_model_override(
                entry, provider or None, model or None, is_default=True, now_ms=now()
            )
            return patch, ack

        return _Edit(compute_default)
    resolved = _resolve_model(ref, ctx)
    if isinstance(resolved, SlashError):
        return resolved
    provider, model, shown = resolved

    def compute(_key: str, entry: Entry) -> tuple[Patch | None, str]:
        patch = sem.apply_model_override(entry, provider, model, now_ms=now())
        return patch, f"Model set to {shown} for this session."

    return _Edit(compute)


def _model(cmd: ParsedCommand, ctx: _Context) -> _Plan:
    if not cmd.args or (len(cmd.args) == 1 and cmd.args[0].lower() == "list"):
        entry = ctx.first_entry() or {}
        override = _model_ref(entry.get("providerOverride"), entry.get("modelOverride"))
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
        return _Reply("\n".join(lines))
    if len(cmd.args) > 1:
        return _unexpected(cmd.args[1], "model")
    arg = cmd.args[0]
    return _model_plan(None if arg.lower() in sem.CLEAR_WORDS else arg, ctx)


_USAGE_LINE: Final = "⚙️ Usage: /usage off|tokens|full|cost"
_USAGE_CYCLE: Final[dict[str, str]] = {"off": "tokens", "tokens": "full", "full": "off"}


def _usage(cmd: ParsedCommand, _ctx: _Context) -> _Plan:
    if len(cmd.args) > 1:
        return SlashError(_USAGE_LINE)
    if not cmd.args:

        def cycle(_key: str, entry: Entry) -> tuple[Patch | None, str]:
            current = sem.normalize_usage_mode(entry.get("responseUsage")) or "off"
            mode = _USAGE_CYCLE[current]
            return _changed(entry, {"responseUsage": None if mode == "off" else mode}), (
                f"⚙️ Usage footer: {mode}."
            )

        return _Edit(cycle)
    raw = cmd.args[0].lower()
    if raw == "cost":
        return _Report(_usage_cost)
    mode = "off" if raw in sem.CLEAR_WORDS else sem.normalize_usage_mode(raw)
    if mode is None:
        return SlashError(_USAGE_LINE)
    # OpenClaw deletes the field for off rather than storing "off".
    return _set_field("responseUsage", None if mode == "off" else mode, f"⚙️ Usage footer: {mode}.")


def _usage_cost(_key: str, entry: Entry) -> str:
    cost = entry.get("estimatedCostUsd")
    session = f"${cost:.4f}" if isinstance(cost, int | float) else "n/a"
    return (
        f"💸 Usage cost\nSession: {session}\n"
        "Today: n/a (not recorded in the session store)\n"
        "Last 30d: n/a (not recorded in the session store)"
    )


_SEND_LINE: Final = "⚙️ Usage: /send on|off|inherit"


def _send(cmd: ParsedCommand, _ctx: _Context) -> _Plan:
    if len(cmd.args) != 1:
        return SlashError(_SEND_LINE)
    raw = cmd.args[0].lower()
    if raw in sem.CLEAR_WORDS:
        return _set_field("sendPolicy", None, "⚙️ Send policy set to inherit.")
    policy = sem.normalize_send_policy(raw)
    if policy is None:
        return SlashError(_SEND_LINE)
    word = "on" if policy == "allow" else "off"
    return _set_field("sendPolicy", policy, f"⚙️ Send policy set to {word}.")


_ACTIVATION_LINE: Final = "⚙️ Usage: /activation mention|always"
_GROUP_KINDS: Final = frozenset({"group", "channel", "thread", "topic"})


def _is_group(key: str, entry: Entry) -> bool:
    return classify_key(key, entry) in _GROUP_KINDS


def _activation(cmd: ParsedCommand, _ctx: _Context) -> _Plan:
    if len(cmd.args) != 1:
        return SlashError(_ACTIVATION_LINE)
    raw = cmd.args[0].lower()
    clear = raw in sem.CLEAR_WORDS
    mode = None if clear else sem.normalize_group_activation(raw)
    if mode is None and not clear:
        return SlashError(_ACTIVATION_LINE)

    def compute(key: str, entry: Entry) -> tuple[Patch | None, str]:
        if not _is_group(key, entry):
            raise _Refused("⚙️ Group activation only applies to group chats.")
        if mode is None:
            return _changed(entry, {"groupActivation": None}), (
                "⚙️ Group activation reset to default."
            )
        patch = {"groupActivation": mode, "groupActivationNeedsSystemIntro": True}
        return _changed(entry, patch), f"⚙️ Group activation set to {mode}."

    return _Edit(compute)


_DEBOUNCE = re.compile(r"^\d+(?:\.\d+)?\s*(?:ms|s|m)?$", re.ASCII)
_QUEUE_FIELDS: Final = ("queueMode", "queueDebounceMs", "queueCap", "queueDrop")


def _queue(cmd: ParsedCommand, _ctx: _Context) -> _Plan:
    if not cmd.args:
        return _Report(_queue_settings)
    if len(cmd.args) == 1 and cmd.args[0].lower() in ("reset", *sem.CLEAR_WORDS):
        patch: Patch = dict.fromkeys(_QUEUE_FIELDS)
        return _Edit(lambda _k, entry: (_changed(entry, patch), "⚙️ Queue mode reset to default."))
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
                    f'Invalid debounce "{_quote(value)}". Use ms/s/m '
                    "(e.g. debounce:1500ms, debounce:2s)."
                )
            values["queueDebounceMs"] = ms
            acks.append(f"⚙️ Queue debounce set to {ms}ms.")
        elif sep and lname == "cap":
            digits = value.isascii() and value.isdigit()
            if not digits or not 0 < int(value) <= sem.MAX_SAFE_INTEGER:
                return SlashError(
                    f'Invalid cap "{_quote(value)}". Use a positive integer (e.g. cap:10).'
                )
            values["queueCap"] = int(value)
            acks.append(f"⚙️ Queue cap set to {int(value)}.")
        elif sep and lname == "drop":
            drop = sem.normalize_queue_drop(value)
            if drop is None:
                return SlashError(
                    f'Invalid drop policy "{_quote(value)}". '
                    "Use drop:old, drop:new, or drop:summarize."
                )
            values["queueDrop"] = drop
            acks.append(f"⚙️ Queue drop set to {drop}.")
        else:
            mode = sem.normalize_queue_mode(token)
            if mode is None or "queueMode" in values:
                return SlashError(
                    f'Unrecognized queue mode "{_quote(token)}". '
                    f"Valid modes: {', '.join(sem.QUEUE_MODE_WORDS)}."
                )
            values["queueMode"] = mode
            acks.insert(0, f"⚙️ Queue mode set to {mode}.")
    ack = "\n".join(acks)
    return _Edit(lambda _k, entry: (_changed(entry, values), ack))


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


def _label(cmd: ParsedCommand, _ctx: _Context) -> _Plan:
    text = cmd.raw_args
    if not text:
        return SlashError(_LABEL_LINE)
    if text.lower() == "clear":
        return _set_field("label", None, "⚙️ Label cleared.")
    if _CONTROL.search(text):
        return SlashError(
            "A label cannot contain control or direction-changing characters: retype it."
        )
    if len(text) > LABEL_MAX_LENGTH:
        return SlashError(
            f"That label is {len(text)} characters long; keep it under {LABEL_MAX_LENGTH}."
        )
    return _set_field("label", text, f'⚙️ Label set to "{text}".')


def _reset(cmd: ParsedCommand, ctx: _Context) -> _Plan:
    model_plan: _Edit | None = None
    if cmd.name == "reset" and cmd.args:
        return _unexpected(cmd.args[0], "reset")
    if cmd.name == "new" and cmd.args:
        if len(cmd.args) > 1:
            return _unexpected(cmd.args[1], "new")
        planned = _model_plan(cmd.args[0], ctx)
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
    return _Edit(compute, destructive=True, confirm_text=confirm)


def _status(_cmd: ParsedCommand, ctx: _Context) -> _Plan:
    now = ctx.config.now_ms()
    return _Report(lambda key, entry: status_summary(key, entry, now_ms=now))


def _help(cmd: ParsedCommand, _ctx: _Context) -> _Plan:
    if cmd.args:
        spec = _BY_NAME.get(cmd.args[0].lstrip("/").lower())
        if spec is None:
            return SlashError(f'Unknown command "/{_quote(cmd.args[0].lstrip("/"))}". {_HELP_HINT}')
        aliases = f" (also {', '.join('/' + a for a in spec.aliases)})" if spec.aliases else ""
        return _Reply(f"{spec.usage}{aliases}: {spec.summary}.")
    lines = ["Commands (the leading / is optional after :):"]
    for spec in COMMANDS:
        aliases = f" ({', '.join('/' + a for a in spec.aliases)})" if spec.aliases else ""
        lines.append(f"{spec.usage}{aliases} – {spec.summary}")
    return _Reply("\n".join(lines))


_HANDLERS: Final[dict[str, Callable[[ParsedCommand, _Context], _Plan]]] = {
    "think": _think,
    "verbose": _level_command,
    "reasoning": _level_command,
    "elevated": _level_command,
    "model": _model,
    "usage": _usage,
    "send": _send,
    "activation": _activation,
    "queue": _queue,
    "label": _label,
    "reset": _reset,
    "new": _reset,
    "status": _status,
    "help": _help,
}


# -- /status ------------------------------------------------------------------------------------


def _age(updated: object, now_ms: int) -> str:
    if not isinstance(updated, int | float) or isinstance(updated, bool) or updated <= 0:
        return "at an unknown time"
    seconds = max(0, (now_ms - updated) / 1000)
    for size, unit in ((86_400, "d"), (3_600, "h"), (60, "m")):
        if seconds >= size:
            return f"{int(seconds // size)}{unit} ago"
    return "just now"


def status_summary(key: str, entry: Entry, *, now_ms: int) -> str:
    """A one-paragraph summary of a session (``/status``)."""
    parts = [f"{key} ({classify_key(key, entry)}"]
    channel = channel_of(key, entry)
    parts[0] += f", {channel})." if channel else ")."
    label, display = entry.get("label"), entry.get("displayName")
    if isinstance(label, str) and label:
        parts.append(f'Label "{_quote(label)}".')
    elif isinstance(display, str) and display:
        parts.append(f'Name "{_quote(display)}".')
    parts.append(
        f"Session {entry.get('sessionId', 'without id')} updated "
        f"{_age(entry.get('updatedAt'), now_ms)}."
    )
    override = _model_ref(entry.get("providerOverride"), entry.get("modelOverride"))
    runtime = _model_ref(entry.get("modelProvider"), entry.get("model"))
    if override:
        model = f"{override} (override)"
    elif runtime:
        model = f"{runtime} (last used)"
    else:
        model = "default"
    parts.append(f"Model {model}.")
    settings = [
        f"thinking {_current(entry, 'thinkingLevel')}",
        f"verbose {_current(entry, 'verboseLevel')}",
        f"reasoning {_current(entry, 'reasoningLevel')}",
        f"elevated {_current(entry, 'elevatedLevel')}",
        f"usage {sem.normalize_usage_mode(entry.get('responseUsage')) or 'off'}",
        f"send {dict(allow='on', deny='off').get(str(entry.get('sendPolicy')), 'inherit')}",
        f"queue {_current(entry, 'queueMode')}",
    ]
    if _is_group(key, entry):
        settings.append(f"activation {_current(entry, 'groupActivation')}")
    parts.append("Settings: " + ", ".join(settings) + ".")
    total, ctx_tokens = entry.get("totalTokens"), entry.get("contextTokens")
    if isinstance(total, int | float) and not isinstance(total, bool):
        tokens = f"Tokens {int(total)}"
        fresh = entry.get("totalTokensFresh") is not False  # only false marks it stale (§4)
        if isinstance(ctx_tokens, int | float) and ctx_tokens and fresh:
            tokens += f"/{int(ctx_tokens)} ({min(999, round(100 * total / ctx_tokens))}%)"
        elif isinstance(ctx_tokens, int | float) and ctx_tokens:
            tokens += f"/{int(ctx_tokens)} (?%)"
        parts.append(tokens + ".")
    flags = [
        word
        for word, field_name in (("system", "systemSent"), ("aborted", "abortedLastRun"))
        if entry.get(field_name) is True
    ]
    if flags:
        parts.append("Flags: " + ", ".join(flags) + ".")
    return " ".join(parts)


# -- execution ----------------------------------------------------------------------------------


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


def _describe_error(exc: BaseException) -> str:
    if isinstance(exc, StoreError):
        return exc.describe()
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _combine(acks: Mapping[str, str], failures: Mapping[str, str]) -> tuple[bool, str]:
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


async def _apply(store: StoreLike, key: str, plan: _Edit) -> tuple[str | None, str | None]:
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
    except _Refused as refused:
        return None, refused.message
    except StoreError as exc:
        return None, f"Not saved: {_describe_error(exc)}"
    except Exception as exc:
        return None, f"Command failed: {_describe_error(exc)}"
    if not seen:
        return None, f"Session {key} no longer exists (removed meanwhile); nothing was changed."
    return ack, None


async def execute(
    text: str,
    store: StoreLike,
    keys: Sequence[str] | str | None,
    *,
    read_only: bool = False,
    confirmed: bool = False,
    config: SlashConfig | None = None,
    models: Sequence[str] = (),
) -> Outcome:
    """Run one command on the given sessions. Never raises (cancellation aside).

    ``models`` are ``provider/model`` refs seen in the store (see ``models_in_store``); with
    ``config.models`` they are what ``/model <name>``, numbers and ``/model list`` resolve.
    """
    try:
        return await _execute(
            text,
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
        return Outcome(False, f"Command failed: {_describe_error(exc)}")


async def _execute(
    text: str,
    store: StoreLike,
    keys: tuple[str, ...],
    *,
    read_only: bool,
    confirmed: bool,
    config: SlashConfig,
    models: Sequence[str],
) -> Outcome:
    parsed = parse(text)
    if isinstance(parsed, SlashError):
        return Outcome(False, parsed.message)
    spec = _BY_NAME[parsed.name]
    if spec.needs_session and not keys:
        return Outcome(
            False,
            "No session selected: highlight a session (or mark several with space) first.",
            command=parsed.name,
        )
    entries = {key: _read(store, key) for key in keys}
    if not models and parsed.name in ("model", "new") and callable(getattr(store, "load", None)):
        # Only /model needs the models seen in the store; the caller usually caches them.
        models = models_in_store(store.load().values())
    ctx = _Context(entries=entries, config=config, models=models)
    plan = _HANDLERS[parsed.name](parsed, ctx)

    if isinstance(plan, SlashError):
        return Outcome(False, plan.message, command=parsed.name)
    if isinstance(plan, _Reply):
        return Outcome(True, plan.message, command=parsed.name)
    if isinstance(plan, _Report):
        found = {key: entry for key, entry in entries.items() if entry is not None}
        missing = {key: f"Session {key} is not in the store." for key in keys if key not in found}
        reports = [plan.describe(key, entry) for key, entry in found.items()]
        if len(found) > 1:
            reports = [f"{key}: {report}" for key, report in zip(found, reports, strict=True)]
        message = "\n".join([*reports, *missing.values()])
        return Outcome(
            not missing, message, keys=tuple(found), command=parsed.name, failures=missing
        )

    if read_only or getattr(store, "read_only", False) is True:
        return Outcome(
            False,
            f"Read-only mode: /{parsed.name} changes the session and was not applied. "
            "Restart without --read-only to edit.",
            command=parsed.name,
        )
    if parsed.name in ("reset", "new") and is_gateway_store(store):
        return await _gateway_session_command(parsed, ctx, store, keys, confirmed=confirmed)
    if plan.destructive and not confirmed:
        return Outcome(
            False,
            plan.confirm_text,
            keys=keys,
            needs_confirmation=True,
            command=parsed.name,
        )
    results = await asyncio.gather(*(_apply(store, key, plan) for key in keys))
    acks = {key: ack for key, (ack, _f) in zip(keys, results, strict=True) if ack is not None}
    failures = {key: f for key, (_a, f) in zip(keys, results, strict=True) if f is not None}
    ok, message = _combine(acks, failures)
    return Outcome(ok, message, keys=tuple(acks), command=parsed.name, failures=failures)


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
    return f"{what}: {_describe_error(exc)}"


async def _gateway_session_command(
    cmd: ParsedCommand, ctx: _Context, store: Any, keys: tuple[str, ...], *, confirmed: bool
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
                return None, f"Command failed: {_describe_error(exc)}"
            return GATEWAY_RESET_ACK, None

        results = await asyncio.gather(*(reset(key) for key in found))
        acks = {k: a for k, (a, _f) in zip(found, results, strict=True) if a is not None}
        failures = {k: f for k, (_a, f) in zip(found, results, strict=True) if f is not None}
        failures.update(missing)
        ok, message = _combine(acks, failures)
        return Outcome(ok, message, keys=tuple(acks), command=cmd.name, failures=failures)

    model_plan = _model_plan(cmd.args[0], ctx) if cmd.args else None
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
            failures[key] = f"Command failed: {_describe_error(exc)}"
            continue
        created.append(new_key)
        lines.append(f"{GATEWAY_NEW_ACK} ({new_key})")
        if model_plan is not None:
            ack, failure = await _apply(store, new_key, model_plan)
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


# -- completion ---------------------------------------------------------------------------------


def models_in_store(entries: Iterable[Entry]) -> list[str]:
    """``provider/model`` refs found in entries (overrides and runtime models), sorted."""
    seen: set[str] = set()
    for entry in entries:
        if not isinstance(entry, Mapping):
            continue
        for provider_field, model_field in (
            ("providerOverride", "modelOverride"),
            ("modelProvider", "model"),
        ):
            provider, model = entry.get(provider_field), entry.get(model_field)
            if isinstance(provider, str) and isinstance(model, str) and provider and model:
                seen.add(f"{provider.strip()}/{model.strip()}")
    return sorted(seen)


def argument_values(
    command: str,
    *,
    models: Sequence[str] = (),
    entry: Entry | None = None,
    config: SlashConfig | None = None,
) -> list[str]:
    """The values offered after ``/<command> `` (per-model thinking levels when entry given)."""
    spec = _BY_NAME.get(command.lower())
    if spec is None:
        return []
    name = spec.name
    config = config or SlashConfig()
    if name == "think":
        return [*sem.thinking_levels_for(*sem.effective_model(entry)), "default"]
    if name in _LEVELS:
        return [v.strip() for v in _LEVELS[name].options.split(",")]
    if name in ("model", "new"):
        refs = dict.fromkeys([*config.model_aliases, *config.models, *models])
        return (["default", "list"] if name == "model" else []) + list(refs)
    return {
        "usage": [*sem.USAGE_MODES, "cost"],
        "send": ["on", "off", "inherit"],
        "activation": list(sem.GROUP_ACTIVATIONS),
        "queue": [
            *sem.QUEUE_MODE_WORDS,
            "reset",
            "debounce:",
            "cap:",
            *(f"drop:{drop}" for drop in sem.QUEUE_DROPS),
        ],
        "label": ["clear"],
        "help": command_names(aliases=False),
    }.get(name, [])


_MULTI_ARG: Final = frozenset({"queue"})


def complete(
    text: str,
    *,
    models: Sequence[str] = (),
    entry: Entry | None = None,
    config: SlashConfig | None = None,
) -> list[str]:
    """Whole-text completions for the bar, best first. Never raises.

    Without a space: command names (canonical names, then aliases) extending what was typed.
    After the command: its argument values (levels, modes, models seen in the store plus the
    configured list), keeping the typed text before the argument as it is.
    """
    if not isinstance(text, str):
        return []
    lead = len(text) - len(text.lstrip())
    body = text[lead:]
    slash = ""
    if body[:1] in ("/", ":"):
        slash, body = body[0], body[1:]
    prefix = text[:lead] + slash
    if not any(c.isspace() for c in body):
        word = body.lower()
        return [prefix + name for name in command_names() if name.startswith(word)]
    name = body.split(maxsplit=1)[0].lower()
    spec = _BY_NAME.get(name)
    if spec is None:
        return []
    # The argument being typed is the text after the last whitespace.
    cut = max(body.rfind(" "), body.rfind("\t")) + 1
    before, partial = body[:cut], body[cut:]
    typed_args = before.split()[1:]
    if typed_args and spec.name not in _MULTI_ARG:
        return []
    values = argument_values(spec.name, models=models, entry=entry, config=config)
    lower = partial.lower()
    return [prefix + before + v for v in values if v.lower().startswith(lower) and v != partial]


def suggest(
    text: str,
    *,
    models: Sequence[str] = (),
    entry: Entry | None = None,
    config: SlashConfig | None = None,
) -> str | None:
    """The whole completed value for a Suggester (typed prefix kept as typed), or None."""
    for candidate in complete(text, models=models, entry=entry, config=config):
        if len(candidate) > len(text) and candidate.lower().startswith(text.lower()):
            return text + candidate[len(text) :]
    return None
