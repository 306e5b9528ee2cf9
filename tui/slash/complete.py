"""Completion for the command bar: command names, then each command's argument values."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Final

from openclaw_tui.store import fields
from openclaw_tui.store import semantics as sem
from openclaw_tui.tui.slash.parse import BY_NAME, command_names
from openclaw_tui.tui.slash.plans import LEVELS, Entry, SlashConfig


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
    spec = BY_NAME.get(command.lower())
    if spec is None:
        return []
    name = spec.name
    config = config or SlashConfig()
    if name == "think":
        return [*fields.THINKING.choices(entry), "default"]
    if name in LEVELS:
        return list(fields.level_options(LEVELS[name]))
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
    spec = BY_NAME.get(name)
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
