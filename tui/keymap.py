"""The keymap in effect: config.toml's ``[keymap]`` remaps resolved into keys that do one thing.

Textual applies a keymap per node (the app, the screen, the focused widget each apply it to
their own bindings), so on its own a remap onto a key that another node binds does nothing: the
README's ``pause = "space"`` left space marking (the table's binding wins) and pause with no
key. Here a remap *moves* the key, as an operator expects:

- the old keys of a remapped action stop doing it (unless listed again);
- the new key does the action wherever the action is live (a *context*: the session table, the
  filter line, the help screen, ...): an action that had that key by default loses it there,
  and is told so; when it is left with no key it is bound to ``UNBOUND_KEY``, a key no terminal
  sends (the footer and help leave it out and say "no key");
- two remaps asking for one key, an id no binding has, a key name Textual does not know, a key
  that a built-in binding holds (it has no id, so cannot be moved): each becomes one message
  naming where the remap was written, the action and the fix, and the rest still applies.

Pure functions of the bindings the classes declare, so the CLI, the app and tests share them.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from textual.binding import Binding
from textual.keys import KEY_NAME_REPLACEMENTS, Keys, key_to_character

from openclaw_tui.widgets.footer import UNBOUND_KEY

MODIFIERS = frozenset({"ctrl", "shift", "alt", "meta", "super", "hyper"})
KEY_NAMES = frozenset(key.value for key in Keys) | frozenset(KEY_NAME_REPLACEMENTS.values())
KEY_EXAMPLES = '"space", "x", "ctrl+x", "f5", "question_mark", "slash"'


@dataclass(frozen=True, slots=True)
class KeyContext:
    """Bindings that are live together: what one key press may reach.

    ``owners`` are (class, priority only): a modal screen stops the app's ordinary bindings but
    not its priority ones. ``typing``: a text input has focus, so printable keys are typed, not
    bound (a remap to them cannot clash there).
    """

    name: str
    owners: tuple[tuple[type[Any], bool], ...]
    typing: bool = False


@dataclass(slots=True)
class ResolvedKeymap:
    keymap: dict[str, str] = field(default_factory=dict)
    """What ``App.set_keymap`` gets: binding id -> comma-separated keys (or ``UNBOUND_KEY``)."""
    problems: list[str] = field(default_factory=list)
    """Remaps that were not applied as written, and what to do."""
    notes: list[str] = field(default_factory=list)
    """Keys a remap took from another action (applied; said so the operator is not surprised)."""


def declared_bindings(cls: type[Any]) -> list[Binding]:
    """``cls``'s bindings merged as Textual merges ``BINDINGS``: base classes first, a
    subclass's binding taking over its key."""
    by_key: dict[str, list[Binding]] = {}
    for klass in reversed(cls.__mro__):
        declared: dict[str, list[Binding]] = {}
        for binding in Binding.make_bindings(klass.__dict__.get("BINDINGS", [])):
            declared.setdefault(binding.key, []).append(binding)
        by_key.update(declared)
    return [binding for bindings in by_key.values() for binding in bindings]


def binding_ids(contexts: Iterable[KeyContext]) -> set[str]:
    return {
        binding.id
        for context in contexts
        for cls, _priority_only in context.owners
        for binding in declared_bindings(cls)
        if binding.id
    }


def normalize_keys(keys: Iterable[str]) -> list[str]:
    """Key names as Textual stores them (``?`` -> ``question_mark``), in order, no repeats."""
    out: list[str] = []
    for key in keys:
        for binding in Binding.make_bindings([Binding(key, "noop")]):
            if binding.key not in out:
                out.append(binding.key)
    return out


def is_key_name(key: str) -> bool:
    """A key Textual can report: ``x``, ``space``, ``f5``, ``ctrl+shift+up``, ``question_mark``."""
    *modifiers, base = key.split("+")
    if not base or any(m not in MODIFIERS for m in modifiers):
        return False
    return len(base) == 1 or base in KEY_NAMES or key_to_character(base) is not None


SPARE_KEYS = ("x", "z", "w", "b", "n", "o", "i", "y", "r", "h", "ctrl+x", "ctrl+y")
"""Keys offered, first free one first, to an action a remap left with none."""


def _context_keys(context: KeyContext, effective: Mapping[str, Sequence[str]]) -> set[str]:
    """Every key bound in ``context`` with the remaps so far."""
    keys: set[str] = set()
    for cls, priority_only in context.owners:
        for binding in declared_bindings(cls):
            if priority_only and not binding.priority:
                continue
            keys.update(effective.get(binding.id, ()) if binding.id else (binding.key,))
    return keys


def _printable(key: str) -> bool:
    character = key_to_character(key)
    return character is not None and len(character) == 1 and character.isprintable()


@dataclass(slots=True)
class _Claim:
    binding_id: str | None
    description: str


def resolve_keymap(
    requested: Mapping[str, str],
    contexts: Sequence[KeyContext],
    *,
    where: Callable[[str, str], str] | None = None,
) -> ResolvedKeymap:
    """``requested`` (binding id -> keys, as the user wrote them) as a keymap that moves keys.

    ``where(binding_id, keys)`` names the line a remap came from, e.g.
    ``~/.config/openclaw-tui/config.toml: [keymap] pause = "space"``.
    """
    located = where or (lambda binding_id, keys: f'[keymap] {binding_id} = "{keys}"')
    result = ResolvedKeymap()
    defaults: dict[str, list[str]] = {}
    described: dict[str, str] = {}
    for context in contexts:
        for cls, _priority_only in context.owners:
            for binding in declared_bindings(cls):
                if binding.id:
                    keys = defaults.setdefault(binding.id, [])
                    if binding.key not in keys:
                        keys.append(binding.key)
                    described.setdefault(binding.id, binding.description or binding.id)

    def name(binding_id: str) -> str:
        return f"{binding_id} ({described.get(binding_id, binding_id)})"

    def keys_text(keys: Sequence[str]) -> str:
        return ", ".join(keys) if keys else "no key"

    # 1. Each remap on its own: a known id, keys Textual knows.
    effective = {binding_id: list(keys) for binding_id, keys in defaults.items()}
    remapped: dict[str, list[str]] = {}
    for binding_id, raw in requested.items():
        line = located(binding_id, raw)
        if binding_id not in defaults:
            close = difflib.get_close_matches(binding_id, list(defaults), n=1)
            hint = f' (did you mean "{close[0]}"?)' if close else ""
            result.problems.append(
                f'{line}: no action has the id "{binding_id}"{hint}; the help screen (?) '
                "lists every id. This line is ignored."
            )
            continue
        wanted = [key.strip() for key in raw.split(",") if key.strip()]
        unknown = [key for key in wanted if not is_key_name(key)]
        keys = normalize_keys(key for key in wanted if is_key_name(key))
        if unknown:
            kept = (
                f"it gets {keys_text(keys)}"
                if keys
                else f"it keeps {keys_text(defaults[binding_id])}"
            )
            result.problems.append(
                f"{line}: {', '.join(repr(k) for k in unknown)} "
                f"{'is not a key name' if len(unknown) == 1 else 'are not key names'} "
                f"(key names look like {KEY_EXAMPLES}); {name(binding_id)}: {kept}."
            )
        if keys:
            remapped[binding_id] = keys
            effective[binding_id] = keys

    # 2. Per context, a key a remap asked for goes to that remap alone.
    displaced: set[str] = set()
    order = list(remapped)
    for context in contexts:
        claims: dict[str, list[_Claim]] = {}
        for cls, priority_only in context.owners:
            for binding in declared_bindings(cls):
                if priority_only and not binding.priority:
                    continue
                if binding.id is None:
                    claims.setdefault(binding.key, []).append(
                        _Claim(None, binding.description or binding.action)
                    )
        ids_here = {
            binding.id
            for cls, priority_only in context.owners
            for binding in declared_bindings(cls)
            if binding.id and not (priority_only and not binding.priority)
        }
        for binding_id in sorted(ids_here, key=lambda i: order.index(i) if i in order else -1):
            for key in effective[binding_id]:
                claims.setdefault(key, []).append(_Claim(binding_id, described[binding_id]))
        for key, claimants in claims.items():
            if len(claimants) < 2 or (context.typing and _printable(key)):
                continue
            winners = [c.binding_id for c in claimants if c.binding_id in remapped]
            if not winners:
                continue  # the defaults' own overlaps are by design (Escape closes each layer)
            winner = min(winners, key=order.index)
            line = located(winner, requested[winner])
            for claim in claimants:
                if claim.binding_id == winner:
                    continue
                if claim.binding_id is None:
                    # A built-in binding (no id) cannot be moved: the remap gives up that key.
                    effective[winner] = [k for k in effective[winner] if k != key]
                    fallback = ""
                    if not effective[winner]:
                        effective[winner] = list(defaults[winner])
                        del remapped[winner]
                        fallback = f" and keeps {keys_text(defaults[winner])}"
                    result.problems.append(
                        f'{line}: "{key}" is {claim.description!r} in {context.name}, a key that '
                        f"cannot be remapped; {name(winner)} does without it{fallback}. "
                        "Choose another key."
                    )
                    break
                loser = claim.binding_id
                if key not in effective[loser]:
                    continue
                effective[loser] = [k for k in effective[loser] if k != key]
                displaced.add(loser)
                left = effective[loser]
                if loser in remapped:
                    if not left:
                        # Left with nothing it asked for: it keeps its own keys, not none.
                        left = effective[loser] = [k for k in defaults[loser] if k != key]
                    result.problems.append(
                        f'{line}: {winner} and {loser} both ask for "{key}" in {context.name}; '
                        f"a key does one thing: it stays with {name(winner)}, and {loser} has "
                        f"{keys_text(left)}. Give one of them another key."
                    )
                elif left:
                    result.notes.append(
                        f'{line}: "{key}" no longer does {name(loser)} in {context.name}; '
                        f"it keeps {keys_text(left)}."
                    )
                else:
                    taken = {k for c in contexts for k in _context_keys(c, effective)}
                    free = next((k for k in SPARE_KEYS if k not in taken), "ctrl+x")
                    result.problems.append(
                        f'{line}: "{key}" was the only key of {name(loser)}, which now has no '
                        f'key; give it one under [keymap], e.g. {loser} = "{free}".'
                    )

    for binding_id in [*remapped, *sorted(displaced - set(remapped))]:
        result.keymap[binding_id] = ",".join(effective[binding_id]) or UNBOUND_KEY
    return result
