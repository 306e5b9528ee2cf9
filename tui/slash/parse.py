"""Command specs and parsing: text typed into the command bar -> a ``ParsedCommand``.

The one table of commands (``COMMANDS``: names, aliases, usage lines) and ``parse``, which
resolves aliases and OpenClaw's ``/think:high`` directive form. Pure: no store, no Textual.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Final

from openclaw_tui.store import fields


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
class CommandSpec:
    name: str
    aliases: tuple[str, ...]
    usage: str
    summary: str
    needs_session: bool = True
    writes: bool = True
    window: bool = False
    """Its reply is a report to read (``/status``, ``/help``): shown in a window as soon as it
    takes more than a line, where an acknowledgement would stay under the table."""


def _level_command(spec: fields.FieldSpec) -> CommandSpec:
    assert spec.level is not None
    return CommandSpec(
        spec.command, spec.level.aliases, fields.usage_line(spec), spec.level.summary
    )


COMMANDS: Final[tuple[CommandSpec, ...]] = (
    CommandSpec("think", ("thinking", "t"), "/think <level|default>", "set the thinking level"),
    # Every level field's command, from its FieldSpec (store/fields.py) alone.
    *(_level_command(spec) for spec in fields.level_fields()),
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
    CommandSpec("status", (), "/status", "summarise the session", writes=False, window=True),
    CommandSpec(
        "stop",
        ("abort",),
        "/stop",
        "stop the session's run (the gateway's sessions.abort; says stopped once it ended)",
    ),
    CommandSpec(
        "recover",
        (),
        "/recover",
        "keep a copy of an unreadable store, then start it over (asks first)",
        needs_session=False,
    ),
    CommandSpec(
        "bulk",
        (),
        "/bulk [filter] -- <command>",
        "preview a command on every session the filter matches, then apply it (asks first)",
        needs_session=False,
    ),
    CommandSpec(
        "cleanup",
        (),
        "/cleanup",
        "preview what session.maintenance would prune or cap in a file store, then apply it "
        "(asks first; transcripts are archived, never deleted)",
        needs_session=False,
    ),
    CommandSpec(
        "help",
        (),
        "/help [command]",
        "list commands",
        needs_session=False,
        writes=False,
        window=True,
    ),
)

BY_NAME: Final[dict[str, CommandSpec]] = {
    name: spec for spec in COMMANDS for name in (spec.name, *spec.aliases)
}


def command_names(*, aliases: bool = True) -> list[str]:
    """Command names (canonical first, then aliases), without the slash."""
    names = [spec.name for spec in COMMANDS]
    if aliases:
        names += [alias for spec in COMMANDS for alias in spec.aliases]
    return names


HELP_HINT: Final = "Type /help for the list of commands."


def parse(text: str) -> ParsedCommand | SlashError:
    """Split ``/name args...`` (the ``/`` is optional) and resolve aliases. Never raises."""
    if not isinstance(text, str):
        return SlashError(f"A command is text, not {type(text).__name__}.")
    stripped = text.strip()
    if stripped[:1] in ("/", ":"):
        stripped = stripped[1:].lstrip()
    if not stripped:
        return SlashError(f"Type a command, for example /think high. {HELP_HINT}")
    # Any whitespace (a tab too) separates the name from its arguments.
    parts = stripped.split(maxsplit=1)
    head = parts[0]
    rest = parts[1] if len(parts) > 1 else ""
    name = head.lower()
    # OpenClaw's directive form: /think:high.
    if name not in BY_NAME and ":" in name:
        before, _, after = head.partition(":")
        if before.lower() in BY_NAME:
            name = before.lower()
            rest = f"{after} {rest}".strip()
    spec = BY_NAME.get(name)
    if spec is None:
        close = difflib.get_close_matches(name, list(BY_NAME), n=1, cutoff=0.7)
        hint = f" Did you mean /{close[0]}?" if close else ""
        shown = head if len(head) <= 40 else head[:39] + "…"
        return SlashError(f'Unknown command "/{shown}".{hint} {HELP_HINT}')
    raw_args = rest.strip()
    return ParsedCommand(
        name=spec.name,
        invoked=name,
        args=tuple(raw_args.split()),
        raw_args=raw_args,
        text=text,
    )


def build(name: str, raw_args: str = "") -> ParsedCommand:
    """``/name raw_args`` exactly as ``parse`` reads it, built without printing text first.

    For callers that already know the command (the field editors): only the command bar parses
    what the operator typed. ``name`` is a command name or alias; an unknown one is a bug in the
    caller, so it raises ``KeyError``.
    """
    spec = BY_NAME[name.lower()]
    raw = raw_args.strip()
    return ParsedCommand(
        name=spec.name,
        invoked=name.lower(),
        args=tuple(raw.split()),
        raw_args=raw,
        text=f"/{name} {raw}".rstrip(),
    )


def field_command(field: str, value: str | None) -> ParsedCommand:
    """The command that sets ``field`` (a ``store.fields`` name) to ``value``; None clears it."""
    spec = fields.BY_NAME[field]
    return build(spec.command, spec.clear_word if value is None else value)
