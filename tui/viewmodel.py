"""The session browser's view model: rows keyed by session key, filter, sort, live apply.

Pure Python (no Textual, no Rich) so it can be unit-tested and benchmarked on its own.

Per-event cost does not grow with the store: the visible rows live in a ``SortedKeyList``
ordered by ``(sort value, key)``; a change removes and re-inserts only the touched key
(O(log n)) and re-evaluates the filter for that key only. A rebuild (new filter, new sort,
``Resync``, ``StoreReloaded``) is the only O(n) path.
"""

from __future__ import annotations

import gc
import heapq
import itertools
import json
import math
import re
import shlex
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from operator import attrgetter
from types import MappingProxyType
from typing import Any

from sortedcontainers import SortedKeyList, SortedList

from openclaw_tui.store.checks import entry_issues
from openclaw_tui.store.events import (
    EntryAdded,
    EntryChanged,
    EntryRemoved,
    Resync,
    StoreEvent,
    StoreReloaded,
)
from openclaw_tui.store.fields import FIELDS, MODEL, REASONING, THINKING, VERBOSE
from openclaw_tui.store.fleet import ENDED_BADLY
from openclaw_tui.store.keys import channel_of, classify_key, namespace_of, split_namespace
from openclaw_tui.store.runs import (
    DEFAULT_STALL_SECONDS,
    RUN_FIELD,
    ActivityMarks,
    RunState,
    RunStatus,
    last_activity_ms,
    run_state,
    stalled,
)
from openclaw_tui.store.usage import format_cost
from openclaw_tui.tui.format import relative_age

Entry = Mapping[str, Any]
Clock = Callable[[], float]
"""Returns wall-clock seconds since the epoch; injectable so ages are fixed in snapshots."""


def invalid_fields(entry: Entry) -> dict[str, str]:
    """Fields whose value OpenClaw would not accept, with why. The values are kept as they are.

    The store's own validation, so the table, the detail pane and the store agree.
    """
    try:
        return entry_issues(entry)
    except Exception as exc:  # a validator bug must not hide the session or crash the screen
        return {"": f"could not validate this entry: {exc}"}


# --- cell formatting --------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def label_of(entry: Entry) -> str:
    """What a person calls the session: label, else displayName, subject, origin label."""
    for name in ("label", "displayName", "subject"):
        value = entry.get(name)
        if value not in (None, ""):
            return _text(value)
    origin = entry.get("origin")
    if isinstance(origin, Mapping) and origin.get("label"):
        return _text(origin["label"])
    return ""


def model_of(entry: Entry) -> str:
    """The model override as provider/model, marked ``(auto)`` when the runtime chose it."""
    provider = entry.get("providerOverride")
    model = entry.get("modelOverride")
    if not provider and not model:
        return ""
    text = f"{_text(provider)}/{_text(model)}" if provider else _text(model)
    if entry.get("modelOverrideSource") == "auto":
        text += " (auto)"
    return text


def _number(value: Any) -> float | None:
    kind = type(value)
    if kind is int or kind is float:  # the JSON cases first: this runs ~300k times per rebuild
        return float(value)
    if kind is bool or not isinstance(value, int | float):
        return None
    return float(value)


def compact_count(n: float) -> str:
    if n < 1000:
        return str(int(n))
    if n < 10_000:
        return f"{n / 1000:.1f}k"
    if n < 1_000_000:
        return f"{n / 1000:.0f}k"
    return f"{n / 1_000_000:.1f}M"


def tokens_of(entry: Entry) -> str:
    """Total tokens and the share of the context window ("?" when the total is stale)."""
    total = _number(entry.get("totalTokens"))
    if total is None:
        inp = _number(entry.get("inputTokens")) or 0.0
        out = _number(entry.get("outputTokens")) or 0.0
        total = inp + out if (inp or out) else None
    if total is None:
        return ""
    text = compact_count(total)
    context = _number(entry.get("contextTokens"))
    if entry.get("totalTokensFresh") is False:
        text += " ?%"
    elif context:
        text += f" {round(100 * total / context)}%"
    return text


def tokens_sort_value(entry: Entry) -> float:
    # As OpenClaw's Control UI: total, else input, else output.
    for name in ("totalTokens", "inputTokens", "outputTokens"):
        value = _number(entry.get(name))
        if value is not None:
            return value
    return -1.0


def levels_of(entry: Entry) -> str:
    verbose = entry.get(VERBOSE.name)
    reasoning = entry.get(REASONING.name)
    if verbose is None and reasoning is None:
        return ""
    return f"{_text(verbose) or '·'}/{_text(reasoning) or '·'}"


# --- run state ------------------------------------------------------------------------------

# Fields a run state is read from; an entry with none of them has no run to show (cheap check).
RUN_FIELDS = frozenset(
    {RUN_FIELD, "status", "startedAt", "endedAt", "runtimeMs", "abortedLastRun", "hasActiveRun"}
)

# Sort rank of each status: the ones an operator acts on first.
_RUN_RANK: dict[RunStatus | None, int] = {
    RunStatus.RUNNING: 7,
    RunStatus.QUEUED: 6,
    RunStatus.FAILED: 5,
    RunStatus.TIMEOUT: 4,
    RunStatus.KILLED: 3,
    RunStatus.DONE: 2,
    None: 1,
}


def entry_run(entry: Entry) -> RunState | None:
    """``run_state`` with a fast path for the (many) entries that say nothing about runs."""
    if RUN_FIELDS.isdisjoint(entry):
        return None
    try:
        return run_state(entry)
    except Exception:  # a hostile row must not break the table
        return None


def at_rest(entry: Entry) -> bool:
    """A gateway row that says no run is active, with no status of an earlier one and nothing
    an event added: its run state has nothing to show (see row_run_state). It is the common
    row of a big gateway, checked 100,000 times while one is listed and per change after."""
    return (
        entry.get("hasActiveRun") is False
        and RUN_FIELD not in entry
        and "status" not in entry
        and "abortedLastRun" not in entry
    )


def is_running(entry: Entry) -> bool:
    if at_rest(entry):
        return False
    state = entry_run(entry)
    return state is not None and state.is_running


def format_elapsed(ms: int | None) -> str:
    """``12s``, ``1m12s``, ``1h02m``, ``2d03h``; "" when unknown."""
    if ms is None:
        return ""
    seconds = max(0, int(ms // 1000))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h{minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d{hours:02d}h"


def run_word(key: str, entry: Entry) -> str:
    """OpenClaw's word for the session's (last) run, "" when it never ran."""
    state = entry_run(entry)
    if state is None or state.status is None:
        return ""
    return state.status.value


def is_stalled(entry: Entry, now_ms: float, limit_ms: int, activity_ms: int | None = None) -> bool:
    """Running past ``limit_ms`` with no activity of any kind within it: its events and row,
    and ``activity_ms`` (when its transcript was last written, ``vm.activity``)."""
    state = entry_run(entry)
    if state is None or not state.is_running:
        return False
    return stalled(state, last_activity_ms(entry, activity_ms, state=state), now_ms, limit_ms)


def stall_deadline(
    state: RunState | None, entry: Entry, limit_ms: int, activity_ms: int | None = None
) -> int | None:
    """The last whole millisecond at which this run is not stalled yet: ``is_stalled`` is true
    exactly when a whole-millisecond ``now_ms`` is past it; None when it never stalls as it is
    (not running, no limit, or neither a start nor any activity known).

    ``stalled()`` asks for elapsed > limit (``int(now) - started > limit``) and, when activity
    is known, ``now - activity > limit``; at a whole-millisecond ``now`` both are exact integer
    comparisons, so the two thresholds combine into one: ``now > max(...) + limit``.
    """
    if state is None or not state.is_running or limit_ms <= 0:
        return None
    activity = last_activity_ms(entry, activity_ms, state=state)
    known = [t for t in (state.started_at_ms, activity) if t is not None]
    if not known:
        return None
    return max(known) + limit_ms


def run_cell_of(
    state: RunState | None,
    entry: Entry,
    now_ms: float,
    limit_ms: int,
    activity_ms: int | None = None,
) -> str:
    """``run_cell`` from a run state already read from ``entry``."""
    if state is None or state.status is None:
        return ""
    if not state.is_running:
        return state.status.value
    elapsed = format_elapsed(state.elapsed_ms(now_ms))
    word = state.status.value
    if state.status is RunStatus.RUNNING and stalled(
        state, last_activity_ms(entry, activity_ms, state=state), now_ms, limit_ms
    ):
        word = "stalled"
    return f"{word} {elapsed}" if elapsed else word


def run_cell(entry: Entry, now_ms: float, limit_ms: int, activity_ms: int | None = None) -> str:
    """``running 1m12s`` (ticking), ``stalled 14m03s``, ``queued``, ``done``, ``killed``...
    (``activity_ms`` as for ``is_stalled``)."""
    return run_cell_of(entry_run(entry), entry, now_ms, limit_ms, activity_ms)


def _run_sort(key: str, entry: Entry) -> float:
    # Not clock-dependent (sort keys are computed once per change): rank first, then the
    # longest-running (oldest start) or the most recently ended.
    state = entry_run(entry)
    if state is None:
        return -1.0
    rank = _RUN_RANK.get(state.status, 1)
    if state.is_running:
        within = 1e13 - (state.started_at_ms or 0)
    else:
        within = float(state.ended_at_ms or state.started_at_ms or 0)
    return rank * 1e14 + within


def parent_key(entry: Entry) -> str | None:
    """The session that spawned this one (a subagent's parent), if the entry names one."""
    for name in ("spawnedBy", "parentSessionKey"):
        value = entry.get(name)
        if isinstance(value, str) and value:
            return value
    return None


def cost_value(entry: Entry) -> float | None:
    value = _number(entry.get("estimatedCostUsd"))
    if value is not None and math.isfinite(value) and value >= 0:
        return value
    return None


def _cost_sort(key: str, entry: Entry) -> float:
    value = cost_value(entry)
    return -1.0 if value is None else value


def token_count(entry: Entry) -> int:
    """Tokens as the Tokens column shows them (total, else input + output), 0 when none."""
    total = _number(entry.get("totalTokens"))
    if total is None:
        inp = _number(entry.get("inputTokens")) or 0.0
        out = _number(entry.get("outputTokens")) or 0.0
        total = inp + out
    return int(total) if math.isfinite(total) and total > 0 else 0


# --- columns ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Column:
    """One table column, data-driven so callers can add some (e.g. Gateway).

    ``cell`` formats the value shown; ``sort`` gives the sort value (defaults to the cell text,
    case-folded). ``live`` cells depend on the clock and are formatted at render time.
    ``fields`` names the entry fields the cell shows or stands for: the table marks the cell
    when one of them holds an invalid value.
    """

    id: str
    title: str
    width: int
    cell: Callable[[str, Entry], str]
    sort: Callable[[str, Entry], Any] | None = None
    fields: frozenset[str] = frozenset()
    flex: bool = False
    live: bool = False
    descending_first: bool = False


def _kind(key: str, entry: Entry) -> str:
    return classify_key(key, entry)


def _channel(key: str, entry: Entry) -> str:
    return channel_of(key, entry) or ""


def _updated_sort(key: str, entry: Entry) -> float:
    value = entry.get("updatedAt")
    kind = type(value)
    if kind is int or kind is float:
        return value  # type: ignore[return-value]
    return -1.0


DEFAULT_COLUMNS: tuple[Column, ...] = (
    Column("key", "Key", 30, lambda k, e: k, fields=frozenset({"sessionId"})),
    Column("kind", "Kind", 8, _kind, fields=frozenset({"chatType", "origin"})),
    Column("channel", "Channel", 9, _channel, fields=frozenset({"channel", "origin"})),
    Column(
        "label",
        "Label",
        20,
        lambda k, e: label_of(e),
        fields=frozenset({"label", "displayName", "subject", "origin"}),
        flex=True,
    ),
    Column(
        "run",
        "Run",
        14,
        run_word,
        sort=_run_sort,
        fields=frozenset(RUN_FIELDS - {RUN_FIELD}),
        live=True,
        descending_first=True,
    ),
    Column(
        "thinking",
        "Think",
        8,
        lambda k, e: _text(e.get(THINKING.name)),
        fields=frozenset(THINKING.stored),
    ),
    Column(
        "model",
        "Model override",
        22,
        lambda k, e: model_of(e),
        fields=frozenset({*MODEL.stored, "modelOverrideSource"}),
    ),
    Column(
        "levels",
        "Verb/Reas",
        11,
        lambda k, e: levels_of(e),
        fields=frozenset({VERBOSE.name, REASONING.name}),
    ),
    Column(
        "tokens",
        "Tokens",
        10,
        lambda k, e: tokens_of(e),
        sort=lambda k, e: tokens_sort_value(e),
        fields=frozenset(
            {"totalTokens", "inputTokens", "outputTokens", "contextTokens", "totalTokensFresh"}
        ),
        descending_first=True,
    ),
    Column(
        "cost",
        "Cost",
        8,
        lambda k, e: format_cost(cost_value(e)),
        sort=_cost_sort,
        fields=frozenset({"estimatedCostUsd"}),
        descending_first=True,
    ),
    Column(
        "updated",
        "Updated",
        9,
        lambda k, e: "",
        sort=_updated_sort,
        fields=frozenset({"updatedAt"}),
        live=True,
        descending_first=True,
    ),
)


def shown_totals(vm: SessionViewModel) -> str:
    """``38.4k tok $0.12``: tokens and cost of the rows shown; "" when they have neither."""
    if not vm.shown_tokens and not vm.shown_with_cost:
        return ""
    text = f"{compact_count(vm.shown_tokens)} tok"
    if vm.shown_with_cost:
        text += f" {format_cost(vm.shown_cost_usd)}"
    return text


def gateway_column(gateway_of: Callable[[str, Entry], str]) -> Column:
    """A Gateway column for rows merged from several gateways."""
    return Column("gateway", "Gateway", 12, gateway_of)


# --- filter -----------------------------------------------------------------------------------

LEVEL_FIELDS: dict[str, str] = {spec.command: spec.name for spec in FIELDS if spec.values}
"""The editable fields with fixed values, by their slash command's name (``think:high``,
``queue:collect``, ``send:deny``), from the field registry: a field added there filters too."""

FIELD_ALIASES: dict[str, str] = {
    "channel": "channel",
    "ch": "channel",
    "kind": "kind",
    "type": "kind",
    "model": "model",
    "label": "label",
    "name": "label",
    "key": "key",
    "source": "source",
    "id": "sessionId",
    "session": "sessionId",
    "gateway": "gateway",
    "gw": "gateway",
    "run": "run",
    "status": "run",
    "updated": "updated",
    "updatedat": "updated",
    "age": "updated",
    **LEVEL_FIELDS,
    **{name.lower(): name for name in LEVEL_FIELDS.values()},  # thinkingLevel:high
    "thinking": THINKING.name,
}
_EXACT = {"channel", "kind", "source", "gateway", "run", *LEVEL_FIELDS.values()}
_INHERIT = {"inherit", "none", "unset", "-"}

FILTER_GRAMMAR: tuple[tuple[str, str], ...] = (
    ("telegram", "sessions whose key, label, kind, channel, model or id contains 'telegram'"),
    ("!cron", "sessions that do NOT match 'cron'"),
    ("~fmlycht", "fuzzy: the letters in this order (matches 'family chat')"),
    ("channel:discord", "one field: channel kind model label key source id gateway run"),
    (
        "think:high",
        # The editable fields' names come from the registry (store/fields.py).
        f"an edit's level, matched exactly: {' '.join(LEVEL_FIELDS)}; think:inherit = none set",
    ),
    ("model:gpt-4.1", "the model override (or runtime model) contains 'gpt-4.1'"),
    ("gw:lab", "rows of one gateway (gateway:), when several are open"),
    (
        "run:running !run:done",
        "the Run column's word (running queued done failed killed timeout); run:none: never ran",
    ),
    (
        "updated:>7d updated:<2h",
        "last updated more than 7 days / less than 2 hours ago (> < >= <=; s m h d w)",
    ),
    ("sendPolicy:deny", "any raw entry field by its name"),
    ("kind:cron !label:nightly", "terms combine with AND"),
)
"""The filter grammar by example: the help screen shows it and the README's table lists the same
examples (tests/tui/test_filter_age.py checks both)."""


def filter_grammar_markdown() -> str:
    """``FILTER_GRAMMAR`` as the README's Markdown table (a test keeps the README equal)."""
    lines = ["| Filter | Matches |", "|---|---|"]
    for example, meaning in FILTER_GRAMMAR:
        words = "` `".join(example.split())
        lines.append(f"| `{words}` | {meaning.replace('|', chr(92) + '|')} |")
    return "\n".join(lines) + "\n"


AGE_UNITS: dict[str, int] = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}
_AGE = re.compile(r"^(>=|<=|>|<)(\d+(?:\.\d+)?)([smhdw])$")
AGE_HINT = (
    "updated: takes a comparison with an age, e.g. updated:>7d (older than 7 days), "
    "updated:<2h (changed in the last 2 hours), updated:>=30m; units s m h d w"
)


class FilterError(ValueError):
    """The filter text could not be understood; the message says how to write it."""


@dataclass(frozen=True, slots=True)
class Term:
    field: str | None  # None: free text over the key and the visible cells
    value: str
    negate: bool = False
    fuzzy: bool = False
    compare: str | None = None
    """``updated:`` only: ``>``, ``<``, ``>=`` or ``<=`` against ``age_s``."""
    age_s: float = 0.0
    """``updated:>7d``: the age in seconds the session's ``updatedAt`` is compared with."""


def _age_term(value: str, negate: bool) -> Term:
    match = _AGE.match(value.strip().lower())
    if match is None:
        raise FilterError(f'"updated:{value}" is not an age comparison. {AGE_HINT}')
    compare, number, unit = match.groups()
    return Term(
        "updated", value.lower(), negate, compare=compare, age_s=float(number) * AGE_UNITS[unit]
    )


def has_age_terms(terms: Iterable[Term]) -> bool:
    """Whether the filter's result changes with time alone (``updated:`` comparisons)."""
    return any(term.compare is not None for term in terms)


def parse_filter(text: str) -> list[Term]:
    """``telegram !cron think:high model:gpt-4.1 ~fmlycht "two words"``.

    - a plain word matches when it is a substring of the key, label, kind, channel, model, or
      session id (case-insensitive);
    - ``field:value`` matches one field: channel, kind, think, model, label, key, verbose,
      reasoning, source, id, gateway, run (``run:running``, ``!run:done``: the Run column's
      word; ``run:none`` for sessions that never ran), or any raw entry field name
      (``sendPolicy:deny``);
      ``think:inherit`` matches sessions with no value;
    - ``updated:>7d`` (last updated more than 7 days ago), ``updated:<2h``, ``updated:>=30m``:
      the age of ``updatedAt`` against the model's clock (units s m h d w); a session without
      ``updatedAt`` has no age and matches no comparison;
    - ``!`` in front negates; ``~`` in front matches fuzzily (the letters in order).

    ``FILTER_GRAMMAR`` says the same by example (the help screen shows it).
    """
    try:
        words = shlex.split(text)
    except ValueError:
        # An unbalanced quote: take the words as they are instead of refusing the filter.
        words = text.split()
    terms: list[Term] = []
    for word in words:
        negate = False
        while word.startswith("!"):
            negate = not negate
            word = word[1:]
        fuzzy = word.startswith("~")
        if fuzzy:
            word = word[1:]
        field_name: str | None = None
        name, sep, value = word.partition(":")
        if sep and name and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            field_name = FIELD_ALIASES.get(name.lower(), name)
            word = value
            if field_name == "updated":
                if fuzzy:
                    raise FilterError(f"~ does not apply to updated:. {AGE_HINT}")
                terms.append(_age_term(value, negate))
                continue
        if not word and field_name is None:
            if negate or fuzzy:
                raise FilterError(
                    "a '!' or '~' needs a word after it, e.g. !cron or ~fmly "
                    "(Esc clears the filter)"
                )
            continue
        terms.append(Term(field_name, word.lower(), negate, fuzzy))
    return terms


def _word_term(word: str) -> Term | None:
    try:
        terms = parse_filter(shlex.quote(word))
    except FilterError:
        return None
    return terms[0] if len(terms) == 1 else None


def _is_scope(term: Term | None) -> bool:
    return term is not None and term.field == "gateway" and not term.negate and not term.fuzzy


def gateway_scope(text: str) -> str | None:
    """The one gateway a filter limits the table to (its ``gw:NAME`` term), else None."""
    try:
        terms = [t for t in parse_filter(text) if _is_scope(t)]
    except FilterError:
        return None
    return terms[0].value if len(terms) == 1 else None


def scoped_filter(text: str, gateway: str | None) -> str:
    """``text`` limited to ``gateway`` (None: every gateway): its ``gw:``/``gateway:`` terms are
    replaced by one ``gw:NAME`` in front; the other terms stay as typed."""
    try:
        words = shlex.split(text)
    except ValueError:
        words = text.split()
    kept = [w for w in words if not _is_scope(_word_term(w))]
    if gateway is not None:
        kept.insert(0, f"gw:{gateway}")
    return " ".join(shlex.quote(w) if any(c.isspace() for c in w) else w for w in kept)


def _fuzzy(needle: str, haystack: str) -> bool:
    it = iter(haystack)
    return all(ch in it for ch in needle)


def _field_text(term_field: str, key: str, entry: Entry) -> str | None:
    if term_field == "gateway":
        # Rows of a multi-gateway view are named <gateway>/<session key>.
        return namespace_of(key) or None
    if term_field == "run":
        return run_word(key, entry) or None
    if term_field == "kind":
        return classify_key(key, entry)
    if term_field == "channel":
        return channel_of(key, entry)
    if term_field == "source":
        return _opt(entry.get("modelOverrideSource"))
    if term_field == "model":
        text = model_of(entry)
        runtime = entry.get("model")
        if runtime:
            text += f" {_text(entry.get('modelProvider'))}/{_text(runtime)}"
        return text or None
    if term_field == "label":
        return label_of(entry) or None
    if term_field == "key":
        return key
    return _opt(entry.get(term_field))


def _opt(value: Any) -> str | None:
    return None if value is None else _text(value)


def _age_matches(term: Term, entry: Entry, now_s: float) -> bool:
    updated = entry.get("updatedAt")
    if isinstance(updated, bool) or not isinstance(updated, int | float) or updated <= 0:
        return False  # no age: neither older nor newer than anything
    age = now_s - updated / 1000
    limit = term.age_s
    if term.compare == ">":
        return age > limit
    if term.compare == ">=":
        return age >= limit
    if term.compare == "<":
        return age < limit
    return age <= limit


def _term_matches(
    term: Term, key: str, entry: Entry, haystack: Callable[[], str], now_s: float
) -> bool:
    if term.compare is not None:
        return _age_matches(term, entry, now_s)
    if term.field is None:
        text = haystack()
        return _fuzzy(term.value, text) if term.fuzzy else term.value in text
    value = _field_text(term.field, key, entry)
    if value is None:
        return term.value in _INHERIT
    value = value.lower()
    if term.value == "":
        return True  # "think:" = has any value
    if term.fuzzy:
        return _fuzzy(term.value, value)
    if term.field in _EXACT:
        return value == term.value
    return term.value in value


def _searched_key(key: str) -> str:
    """The key as the table shows it: without the ``agent:<id>:`` prefix every row of an agent's
    store shares, or the filter ``main`` (or the agent's name) would match every row through a
    part the operator cannot see. ``key:`` still searches the whole key."""
    namespace, rest = split_namespace(key)
    head, sep, tail = rest.partition(":")
    if head.lower() == "agent" and sep:
        _agent, sep, tail = tail.partition(":")
        if sep and tail:
            rest = tail
    return f"{namespace}/{rest}" if namespace else rest


def matches(terms: list[Term], key: str, entry: Entry, now_s: float | None = None) -> bool:
    """Whether the entry passes every term; ``updated:`` ages are measured at ``now_s``
    (wall-clock seconds; default: now)."""
    cache: list[str] = []
    now = time.time() if now_s is None else now_s

    def haystack() -> str:
        if not cache:
            cache.append(
                " ".join(
                    (
                        _searched_key(key),
                        label_of(entry),
                        classify_key(key, entry),
                        channel_of(key, entry) or "",
                        model_of(entry),
                        _text(entry.get("sessionId")),
                    )
                ).lower()
            )
        return cache[0]

    return all(_term_matches(t, key, entry, haystack, now) != t.negate for t in terms)


# --- rows -------------------------------------------------------------------------------------


_NO_CHANGES: Mapping[str, float] = MappingProxyType({})
_UNREAD: Any = object()
"""A row's run state not read yet (None is a state: the entry tells nothing about runs)."""
CHANGE_MARK_SECONDS = 10.0
"""How long a change mark can matter (the table highlights for 2 s): older ones are dropped."""


_ROW_SORT_KEY = attrgetter("sort_key")


@dataclass(slots=True, eq=False)
class Row:
    """One session as the table shows it. ``version`` bumps whenever the entry changes.

    Cells are formatted on first use, so a 100k-row rebuild only computes sort keys and the
    table formats just the rows on screen. Compared by identity: the sorted list finds a row by
    its sort key, then by identity.
    """

    key: str
    entry: Entry
    columns: tuple[Column, ...]
    sort_key: tuple[Any, ...]
    version: int = 0
    # Column id -> monotonic time of its last change. Shared and empty until a change: a
    # 100k-row rebuild must not allocate 100k dicts.
    _changed_at: Mapping[str, float] = field(default_factory=lambda: _NO_CHANGES)
    # The row this one replaced and when: which cells changed is worked out on first look
    # (``changed_at``), so a change to a row nobody scrolls to formats no cells at all.
    _changed_from: Row | None = None
    _changed_when: float = 0.0
    _cells: tuple[str, ...] | None = None
    _invalid: dict[str, str] | None = None
    # Tree view (subagents under their parent): nesting depth, and the Cost cell of a parent
    # summed over itself and its descendants.
    depth: int = 0
    tree_cost: str | None = None
    # The entry's run state, read once (by the running-set bookkeeping, or on first use).
    _run: Any = _UNREAD

    @property
    def run(self) -> RunState | None:
        """``entry_run(entry)``, read at most once per row (the entry never changes)."""
        state = self._run
        if state is _UNREAD:
            state = self._run = entry_run(self.entry) if isinstance(self.entry, Mapping) else None
        return state  # type: ignore[no-any-return]

    @property
    def changed_at(self) -> Mapping[str, float]:
        """Column id -> monotonic time of its last change (for the change highlight)."""
        base = self._changed_from
        if base is not None:
            self._changed_from = None
            self._changed_at = _changed_cells(base, self, self._changed_when)
        return self._changed_at

    @changed_at.setter
    def changed_at(self, value: Mapping[str, float]) -> None:
        self._changed_at, self._changed_from = value, None

    def carry_changes(self, old: Row) -> None:
        """Take over ``old``'s change marks (the same entry, a new row for another sort)."""
        self._changed_at = old._changed_at
        self._changed_from, self._changed_when = old._changed_from, old._changed_when

    def forget_base(self) -> None:
        """Long after the change: nothing is highlighted any more, so the old row may go."""
        if self._changed_from is not None:
            self._changed_from = None
            self._changed_at = _NO_CHANGES

    @property
    def cells(self) -> tuple[str, ...]:
        if self._cells is None:
            cells = [c.cell(self.key, self.entry) for c in self.columns]
            if self.tree_cost is not None:
                for i, column in enumerate(self.columns):
                    if column.id == "cost":
                        cells[i] = self.tree_cost
            self._cells = tuple(cells)
        return self._cells

    @property
    def invalid(self) -> dict[str, str]:
        """Invalid fields -> why; validated on first use (only rows on screen pay for it)."""
        if self._invalid is None:
            self._invalid = invalid_fields(self.entry) if isinstance(self.entry, Mapping) else {}
        return self._invalid


def _changed_cells(old: Row, new: Row, now: float) -> Mapping[str, float]:
    """``old``'s change marks, plus ``now`` for each column whose cell ``new`` shows differently
    (the Updated column: when ``updatedAt`` changed, as its text is relative to the clock)."""
    changed_at = dict(old.changed_at)
    cells, old_cells = new.cells, old.cells
    for i, column in enumerate(new.columns):
        if column.live and column.id == "updated":
            if old.entry.get("updatedAt") != new.entry.get("updatedAt"):
                changed_at[column.id] = now
        elif old_cells[i] != cells[i]:
            changed_at[column.id] = now
    return changed_at


@dataclass(slots=True)
class ApplyResult:
    """What one flush changed; ``structural`` means rows were added, removed or reordered."""

    changed_keys: set[str] = field(default_factory=set)
    added: int = 0
    removed: int = 0
    structural: bool = False
    rebuilt: bool = False


class _Desc:
    """Wraps a sort value so that ascending order of the wrapper is descending of the value."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __lt__(self, other: _Desc) -> bool:
        less: bool = other.value < self.value  # sort values are str, numbers or tuples
        return less

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Desc) and other.value == self.value

    def __hash__(self) -> int:
        return hash(self.value)


class SessionViewModel:
    """Rows, filter, sort, marks and the pending queue of the live session table."""

    def __init__(
        self,
        columns: Iterable[Column] = DEFAULT_COLUMNS,
        *,
        clock: Clock = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        stall_seconds: float = DEFAULT_STALL_SECONDS,
    ) -> None:
        self.columns: tuple[Column, ...] = tuple(columns)
        self._stall_seconds = stall_seconds
        self._col_index = {c.id: i for i, c in enumerate(self.columns)}
        self.clock = clock
        self.monotonic = monotonic
        self.entries: dict[str, Entry] = {}
        self.rows: dict[str, Row] = {}  # only rows that pass the filter
        self.sort_column = "updated"
        self.sort_reverse = True
        self.filter_text = ""
        self._terms: list[Term] = []
        self.filtered_at = 0.0
        """Wall-clock time of the last full filter pass (``updated:`` ages were measured then)."""
        self.marked_keys: set[str] = set()
        self.paused = False
        self._pending: dict[str, Entry | None] = {}
        self._pending_per_key: dict[str, int] = {}  # events behind each pending key
        self.pending_count = 0
        self._needs_rebuild = False
        self.last_change_at: float | None = None  # wall clock
        self._change_times: list[float] = []  # monotonic flush times, for changes/s
        self._change_counts: list[int] = []  # events applied at each of those flushes
        self._reload_entries: Mapping[str, Entry] | None = None
        # Changed rows whose changed cells nobody has looked at yet, oldest first: past
        # CHANGE_MARK_SECONDS they let go of the row they replaced (bounded memory).
        self._unlooked: deque[Row] = deque()
        self._visible = self._new_sorted()
        self._sort_key_fn = self._make_sort_key_fn()
        # Kept up to date per change (never a pass over 100k rows per tick): the sessions running
        # now (all of them, whatever the filter), and the tokens/cost of the rows shown. Cost is
        # summed in integer nano-dollars so that adding and removing a row is exact.
        self.tree = False
        """Subagents under their parent (``spawnedBy`` / ``parentSessionKey``), costs summed."""
        self._tree_related: set[str] = set()
        # The tree as last arranged, kept per change (see _apply_tree_in_place): each row's
        # parent and children among the shown rows, the parents every shown row names (shown
        # or not), and per key its subtree's cost (nano-dollars) and how many rows of it have
        # a cost.
        self._tree_parent_of: dict[str, str] = {}
        self._tree_children: dict[str, list[str]] = {}
        self._tree_claimed: set[str] = set()
        self._tree_totals: dict[str, int] = {}
        self._tree_costed: dict[str, int] = {}
        self.running_keys: set[str] = set()
        # Signs of life the entries do not show (a file transcript being written), per key:
        # they keep a running session from reading "stalled". Change them through
        # ``note_activity`` (the stall deadlines below follow them).
        self.activity = ActivityMarks()
        # How many running sessions are stalled is asked every tick: each running session's
        # stall deadline (``stall_deadline``), kept per change in a sorted list, so the count is
        # one bisection instead of reading every running session's run state again.
        self._running_runs: dict[str, tuple[Entry, RunState]] = {}
        self._stall_deadline_of: dict[str, int] = {}
        self._stall_deadlines: SortedList[tuple[int, str]] = SortedList()
        self.ended_badly_keys: set[str] = set()
        """Sessions whose last run failed, timed out or was aborted (the attention view's
        candidates, with the running ones: kept per change like ``running_keys``)."""
        self.shown_tokens = 0
        self._shown_cost_nano = 0
        self.shown_with_cost = 0

    @property
    def has_age_filter(self) -> bool:
        """The filter compares ages (``updated:>7d``): rows pass or fail as time goes by."""
        return has_age_terms(self._terms)

    @property
    def stall_limit_ms(self) -> int:
        return int(self.stall_seconds * 1000)

    @property
    def stall_seconds(self) -> float:
        return self._stall_seconds

    @stall_seconds.setter
    def stall_seconds(self, seconds: float) -> None:
        self._stall_seconds = seconds
        self._reindex_stalls()

    def stalled_count(self, now_ms: int) -> int:
        """How many running sessions are stalled at ``now_ms`` (whole milliseconds): the same
        as ``is_stalled`` over ``running_keys``, in O(log n)."""
        return self._stall_deadlines.bisect_left((int(now_ms), ""))

    def note_activity(self, marks: Mapping[str, int]) -> list[str]:
        """Record signs of life (``ActivityMarks.update``); the keys whose activity moved."""
        moved = self.activity.update(marks)
        for key in moved:
            run = self._running_runs.get(key)
            if run is not None:
                self._index_stall(key, *run)
        return moved

    def _index_stall(self, key: str, entry: Entry, state: RunState) -> None:
        self._running_runs[key] = (entry, state)
        deadline = stall_deadline(state, entry, self.stall_limit_ms, self.activity.get(key))
        old = self._stall_deadline_of.get(key)
        if old == deadline:
            return
        if old is not None:
            self._stall_deadlines.remove((old, key))
            del self._stall_deadline_of[key]
        if deadline is not None:
            self._stall_deadlines.add((deadline, key))
            self._stall_deadline_of[key] = deadline

    def _unindex_stall(self, key: str) -> None:
        if self._running_runs.pop(key, None) is None:
            return
        old = self._stall_deadline_of.pop(key, None)
        if old is not None:
            self._stall_deadlines.remove((old, key))

    def _reindex_stalls(self) -> None:
        """Every deadline again (the limit or the activity marks were replaced): O(running)."""
        runs = self._running_runs
        self._running_runs, self._stall_deadline_of = {}, {}
        self._stall_deadlines = SortedList()
        for key, (entry, state) in runs.items():
            self._index_stall(key, entry, state)

    @property
    def shown_cost_usd(self) -> float:
        return self._shown_cost_nano / 1e9

    def _count_shown(self, entry: Entry, sign: int) -> None:
        self.shown_tokens += sign * token_count(entry)
        cost = cost_value(entry)
        if cost is not None:
            self._shown_cost_nano += sign * round(cost * 1e9)
            self.shown_with_cost += sign

    def _track_running(self, key: str, entry: Entry | None) -> Any:
        """Keep ``running_keys``, ``ended_badly_keys`` and the stall deadlines; returns the run
        state it read, for the row to keep (``_UNREAD`` when the entry did not need reading)."""
        read: Any = _UNREAD
        if entry is not None and isinstance(entry, Mapping) and not at_rest(entry):
            read = entry_run(entry)
        state: RunState | None = None if read is _UNREAD else read
        if state is not None and state.is_running:
            self.running_keys.add(key)
            assert entry is not None
            if (
                state.started_at_ms is None
                and key not in self.activity
                and last_activity_ms(entry, state=state) is None
            ):
                # Neither a start nor any sign of life (no updatedAt either): silent since it
                # was first seen running, so the stall limit counts from then, not never.
                self.activity.note(key, int(self.clock() * 1000))
            self._index_stall(key, entry, state)
        else:
            self.running_keys.discard(key)
            self._unindex_stall(key)
        if state is not None and (state.status in ENDED_BADLY or state.aborted):
            self.ended_badly_keys.add(key)
        else:
            self.ended_badly_keys.discard(key)
        return read

    # --- structure ----------------------------------------------------------------------------

    def _new_sorted(self) -> SortedKeyList[Row, tuple[Any, ...]]:
        # attrgetter, not a lambda: the key is taken twice per row when 100k rows are sorted.
        return SortedKeyList(key=_ROW_SORT_KEY)

    def _sort_key(self, key: str, entry: Entry) -> tuple[Any, ...]:
        # Specialised per sort setting (see _make_sort_key_fn): this runs 100k times in a rebuild.
        return self._sort_key_fn(key, entry)

    def _make_sort_key_fn(self) -> Callable[[str, Entry], tuple[Any, ...]]:
        column = self.columns[self._col_index[self.sort_column]]
        value_of = column.sort or column.cell
        reverse = self.sort_reverse

        def sort_key(key: str, entry: Entry) -> tuple[Any, ...]:
            value: Any = value_of(key, entry)  # a number, text or None: dispatched on its type
            kind = type(value)
            # Empty cells go last in both directions: "sort by thinking" shows set values first.
            # (-1 is what the numeric sort functions return for "no value".)
            if kind is int or kind is float:
                # Numbers negate natively: much faster than a wrapper at 100k rows.
                return (1 if value == -1 else 0, 0, -value if reverse else value, key)
            if value is None or value == "":
                return (1, 1, "", key)
            text = str(value).casefold()
            return (0, 1, _Desc(text) if reverse else text, key)

        return sort_key

    def _make_row(self, key: str, entry: Entry, old: Row | None) -> Row:
        row = Row(key, entry, self.columns, self._sort_key(key, entry))
        if old is not None:
            row.version = old.version + 1
            # Diffed when first looked at, against the row last looked at (a row changed
            # twice off screen is marked with its latest change).
            row._changed_from = old._changed_from or old
            row._changed_when = self.monotonic()
            self._unlooked.append(row)
            horizon = row._changed_when - CHANGE_MARK_SECONDS
            while self._unlooked and self._unlooked[0]._changed_when < horizon:
                self._unlooked.popleft().forget_base()
        return row

    def rebuild(self, entries: Mapping[str, Entry] | None = None) -> ApplyResult:
        """Recompute every row (new data, filter or sort). O(n log n); not used per event."""
        # A rebuild makes two objects per row and frees none: the cycle collector would only
        # walk them (~20% of a 100k-row rebuild). Process-wide, so put back as it was found.
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self._rebuild(entries)
        finally:
            if collecting:
                gc.enable()

    def _rebuild(self, entries: Mapping[str, Entry] | None) -> ApplyResult:
        if entries is not None:
            self.entries = dict(entries)
            self._pending.clear()
            self._pending_per_key.clear()
            self.pending_count = 0
        old_rows = self.rows
        self.rows = {}
        rows = []
        terms = self._terms
        now_s = self.clock()
        self.filtered_at = now_s
        self.running_keys = set()
        self.ended_badly_keys = set()
        self._running_runs = {}
        self._reindex_stalls()
        # This loop runs once per session (100k at start-up): _count_shown's sums are kept in
        # locals and the per-row calls bound once.
        shown_tokens = cost_nano = with_cost = 0
        columns = self.columns
        sort_key = self._sort_key_fn
        new_rows = self.rows
        count_tokens, cost_of = token_count, cost_value
        for key, entry in self.entries.items():
            if type(entry) is not dict and not isinstance(entry, Mapping):
                continue  # a quarantined non-object entry: shown by the store's issues, not here
            state: Any = _UNREAD
            if not RUN_FIELDS.isdisjoint(entry):
                state = self._track_running(key, entry)
            if terms and not matches(terms, key, entry, now_s):
                continue
            shown_tokens += count_tokens(entry)
            cost = cost_of(entry)
            if cost is not None:
                cost_nano += round(cost * 1e9)
                with_cost += 1
            old = old_rows.get(key)
            if old is None:
                row = Row(key, entry, columns, sort_key(key, entry))
            elif old.entry is entry:
                row = Row(key, entry, columns, sort_key(key, entry), old.version)
                row.carry_changes(old)
                if old.tree_cost is None:  # a summed Cost cell belongs to that tree only
                    row._cells = old._cells
                row._invalid = old._invalid
                row._run = old._run
            else:
                row = self._make_row(key, entry, old)
            if state is not _UNREAD:
                row._run = state
            new_rows[key] = row
            rows.append(row)
        self.shown_tokens = shown_tokens
        self._shown_cost_nano = cost_nano
        self.shown_with_cost = with_cost
        if self.tree:
            self._arrange_tree()
        self._visible = self._new_sorted()
        self._visible.update(rows)
        self.marked_keys &= self.entries.keys()
        return ApplyResult(structural=True, rebuilt=True, changed_keys=set(self.rows))

    def _arrange_tree(self) -> None:
        """Order the shown rows as a tree: each child right under its parent (by the current
        sort among siblings), indented, and each parent's cost summed over its subtree."""
        rows = self.rows
        parent_of: dict[str, str] = {}
        for key, row in rows.items():
            parent = parent_key(row.entry)
            if parent is not None and parent != key and parent in rows:
                parent_of[key] = parent
        self._tree_related = set(parent_of) | set(parent_of.values())
        self._tree_parent_of = parent_of
        children: dict[str, list[str]] = {}
        for child, parent in parent_of.items():
            children.setdefault(parent, []).append(child)
        self._tree_children = children
        self._tree_claimed = {
            parent for row in rows.values() if (parent := parent_key(row.entry)) is not None
        }
        base = {key: row.sort_key for key, row in rows.items()}
        totals: dict[str, int] = {}
        has_cost: set[str] = set()
        costed: dict[str, int] = {}
        for key, row in rows.items():
            chain = [key]
            seen = {key}
            while (up := parent_of.get(chain[-1])) is not None and up not in seen:
                chain.append(up)
                seen.add(up)  # a cycle of spawnedBy links stops here
            chain.reverse()
            row.sort_key = tuple(base[k] for k in chain)
            row.depth = len(chain) - 1
            cost = cost_value(row.entry)
            for ancestor in chain:
                if cost is not None:
                    totals[ancestor] = totals.get(ancestor, 0) + round(cost * 1e9)
                    has_cost.add(ancestor)
                    costed[ancestor] = costed.get(ancestor, 0) + 1
        self._tree_totals = totals
        self._tree_costed = costed
        parents = set(parent_of.values())
        for key in parents:
            row = rows[key]
            row.tree_cost = "Σ" + format_cost(totals[key] / 1e9) if key in has_cost else None
            row._cells = None

    def _tree_touches_key(self, key: str, entry: Entry | None) -> bool:
        """Whether a change to ``key`` concerns the tree: the row is a parent or a child, or
        a shown row names it as its parent, or it names one."""
        if key in self._tree_related or key in self._tree_claimed:
            return True
        return isinstance(entry, Mapping) and parent_key(entry) is not None

    def _tree_touches(self, pending: Mapping[str, Entry | None]) -> bool:
        return any(self._tree_touches_key(key, entry) for key, entry in pending.items())

    def _tree_lineage(self, key: str) -> tuple[list[str], list[str]] | None:
        """(``key`` and its ancestors, ``key`` and its descendants), or None when a cycle of
        parent links runs through them (then the tree is arranged anew)."""
        ancestors = [key]
        while (up := self._tree_parent_of.get(ancestors[-1])) is not None:
            if up in ancestors:
                return None
            ancestors.append(up)
        subtree = [key]
        seen = {key}
        for node in subtree:  # grows while walked: breadth first
            for child in self._tree_children.get(node, ()):
                if child in seen:
                    return None
                seen.add(child)
                subtree.append(child)
        return ancestors, subtree

    def _tree_in_place(self, key: str, entry: Entry | None) -> tuple[list[str], list[str]] | None:
        """The lineage of ``key`` when its change leaves the tree's shape as it is: the row is
        shown before and after, under the same parent; None otherwise."""
        old = self.rows.get(key)
        if old is None or not isinstance(entry, Mapping):
            return None
        if parent_key(entry) != parent_key(old.entry):
            return None
        if self._terms and not matches(self._terms, key, entry, self.clock()):
            return None
        return self._tree_lineage(key)

    def _apply_tree_in_place(
        self, key: str, entry: Entry, ancestors: list[str], subtree: list[str], result: ApplyResult
    ) -> None:
        """A change that keeps the tree's shape: the row and its subtree take their new sort
        keys (its own sort value is in each of theirs), and its ancestors' summed costs move
        by the change of its cost. O(subtree + depth), not a rebuild of every row."""
        rows = self.rows
        old = rows[key]
        for node in subtree:
            self._visible.remove(rows[node])
        self._count_shown(old.entry, -1)
        state = self._track_running(key, entry)
        self.entries[key] = entry
        row = self._make_row(key, entry, old)
        if state is not _UNREAD:
            row._run = state
        prefix = len(old.sort_key)
        row.sort_key = (*old.sort_key[:-1], row.sort_key)
        row.depth = old.depth
        rows[key] = row
        for node in subtree[1:]:
            below = rows[node]
            below.sort_key = (*row.sort_key, *below.sort_key[prefix:])
        old_cost, new_cost = cost_value(old.entry), cost_value(entry)
        delta = (0 if new_cost is None else round(new_cost * 1e9)) - (
            0 if old_cost is None else round(old_cost * 1e9)
        )
        counted = (new_cost is not None) - (old_cost is not None)
        for node in ancestors:
            if delta or counted:
                self._tree_totals[node] = self._tree_totals.get(node, 0) + delta
                self._tree_costed[node] = self._tree_costed.get(node, 0) + counted
            if node in self._tree_children:  # a parent: its Cost cell is the subtree's sum
                summed = rows[node]
                summed.tree_cost = (
                    "Σ" + format_cost(self._tree_totals[node] / 1e9)
                    if self._tree_costed.get(node, 0) > 0
                    else None
                )
                summed._cells = None
                result.changed_keys.add(node)
        for node in subtree:
            self._visible.add(rows[node])
        self._count_shown(entry, 1)
        result.changed_keys.add(key)
        if old.sort_key != row.sort_key:
            result.structural = True

    # --- state changes ------------------------------------------------------------------------

    def spawn(self) -> SessionViewModel:
        """An empty model with this one's columns, clock, marks, pause and tree, and the sort and
        filter the operator wants (``wanted``)."""
        other = SessionViewModel(
            self.columns,
            clock=self.clock,
            monotonic=self.monotonic,
            stall_seconds=self.stall_seconds,
        )
        other.sort_column, other.sort_reverse, other.filter_text = self.wanted()
        other._sort_key_fn = other._make_sort_key_fn()
        other._terms = (
            self._terms
            if other.filter_text == self.filter_text
            else parse_filter(other.filter_text)
        )
        other.marked_keys = set(self.marked_keys)
        other.paused = self.paused
        other.tree = self.tree
        return other

    def top_entries(self, entries: Mapping[str, Entry], count: int) -> dict[str, Entry] | None:
        """The ``count`` entries that sort first, found in O(n) without building rows.

        Only for numeric sorts (Updated, Tokens), where a cheap key exists; None otherwise.
        """
        column = self.columns[self._col_index[self.sort_column]]
        if column.sort is None:
            return None
        value_of = column.sort

        # Sessions without a value come last in either direction, as in the full sort.
        missing = -math.inf if self.sort_reverse else math.inf

        def key(item: tuple[str, Entry]) -> float:
            name, entry = item
            value = (
                value_of(name, entry) if type(entry) is dict or isinstance(entry, Mapping) else -1
            )
            kind = type(value)
            return value if (kind is int or kind is float) and value != -1 else missing

        pick = heapq.nlargest if self.sort_reverse else heapq.nsmallest
        return dict(pick(count, entries.items(), key=key))

    def configure(
        self,
        *,
        entries: Mapping[str, Entry],
        sort_column: str | None = None,
        sort_reverse: bool = True,
        filter_text: str = "",
    ) -> None:
        """Set data, sort and filter together: one rebuild instead of three.

        Changes received but not applied yet (paused) stay pending: a new sort or filter is no
        reason to forget them, and resuming must still bring the screen to what the store holds.
        """
        self._terms = parse_filter(filter_text)
        self.filter_text = filter_text
        if sort_column is not None:
            if sort_column not in self._col_index:
                raise KeyError(sort_column)
            self.sort_column, self.sort_reverse = sort_column, sort_reverse
            self._sort_key_fn = self._make_sort_key_fn()
        self.entries = dict(entries)
        self.rebuild()

    def wanted(self) -> tuple[str, bool, str]:
        """(sort column, reverse, filter) the operator wants (a preview keeps them for later)."""
        return self.sort_column, self.sort_reverse, self.filter_text

    def sort_request(self, column_id: str, reverse: bool | None = None) -> tuple[str, bool]:
        """(column, reverse) for "sort by this column": the same column again reverses it."""
        if column_id not in self._col_index:
            raise KeyError(column_id)
        if reverse is None:
            column, current, _text = self.wanted()
            if column_id == column:
                reverse = not current
            else:
                reverse = self.columns[self._col_index[column_id]].descending_first
        return column_id, reverse

    def adopt_pending(self, other: SessionViewModel) -> None:
        """Take over what ``other`` received but has not applied (when this model replaces it)."""
        self._pending = other._pending
        self._pending_per_key = other._pending_per_key
        self.pending_count = other.pending_count
        self._needs_rebuild = other._needs_rebuild
        # The activity marks go on with the model that shows the rows now (a re-sort built
        # this one in a thread, without them): the stall deadlines are worked out again.
        self.activity = other.activity
        self._reindex_stalls()
        self._reload_entries = other._reload_entries
        self.last_change_at = other.last_change_at
        self._change_times = other._change_times
        self._change_counts = other._change_counts

    def toggle_mark(self, key: str) -> bool:
        if key in self.marked_keys:
            self.marked_keys.discard(key)
            return False
        if key in self.entries:
            self.marked_keys.add(key)
            return True
        return False

    def set_paused(self, paused: bool) -> None:
        """While paused, ``flush`` applies nothing and ``pending_count`` keeps counting.

        After resuming, the caller flushes (with ``store.load()`` when ``needs_reload``).
        """
        self.paused = paused

    # --- events -------------------------------------------------------------------------------

    def enqueue(self, event: StoreEvent) -> bool:
        """Take one store event; returns True when a flush is needed (and not paused)."""
        if isinstance(event, EntryAdded | EntryChanged | EntryRemoved):
            after = event.after if isinstance(event, EntryChanged) else None
            entry = event.entry if isinstance(event, EntryAdded) else after
            if (
                self.paused
                and event.key not in self._pending
                and self.entries.get(event.key) == entry
            ):
                # Already shown (the operator's own edit, applied at once): nothing is pending.
                return False
            self._pending[event.key] = entry
            self._pending_per_key[event.key] = self._pending_per_key.get(event.key, 0) + 1
        elif isinstance(event, StoreReloaded):
            self._pending.clear()
            self._pending_per_key.clear()
            self._reload_entries = event.entries
            self._needs_rebuild = True
        elif isinstance(event, Resync):
            self._pending.clear()
            self._pending_per_key.clear()
            self._needs_rebuild = True
            self._reload_entries = None
        else:
            return False
        self.pending_count += 1
        return not self.paused

    def apply_now(self, entries: Mapping[str, Entry | None]) -> ApplyResult:
        """Show these keys' current entries at once, paused or not (the operator's own edits);
        what was pending for them is superseded and no longer counted."""
        for key in entries:
            self._pending.pop(key, None)
            self.pending_count = max(0, self.pending_count - self._pending_per_key.pop(key, 0))
        return self._apply(entries)

    @property
    def needs_reload(self) -> bool:
        """A Resync arrived: the caller must pass ``store.load()`` to ``flush``."""
        return self._needs_rebuild and self._reload_entries is None

    def flush(
        self, snapshot: Mapping[str, Entry] | None = None, *, max_rows: int | None = None
    ) -> ApplyResult:
        """Apply everything pending as one update (one table refresh for a burst).

        After a ``Resync`` (``needs_reload``) nothing is applied until a snapshot is given.
        ``max_rows``: apply at most that many pending rows (the oldest), the rest stay
        pending (``pending_count``) for the next flush: a burst of tens of thousands (ten
        gateways listing at once) must not hold the screen for a second.
        """
        if self.paused or (self.needs_reload and snapshot is None):
            return ApplyResult()
        if max_rows is not None and not self._needs_rebuild and len(self._pending) > max_rows:
            return self._flush_part(max_rows)
        count = self.pending_count
        self.pending_count = 0
        if count:
            now = self.monotonic()
            self.last_change_at = self.clock()
            self._change_times.append(now)
            self._change_counts.append(count)
        if self._needs_rebuild:
            entries = self._reload_entries if self._reload_entries is not None else snapshot
            self._needs_rebuild = False
            self._reload_entries = None
            # Only changes that came after the reload are pending (a reload clears the queue):
            # they go on top of it, as a snapshot taken at the reload need not hold them.
            later, self._pending = self._pending, {}
            self._pending_per_key = {}
            assert entries is not None  # guarded above
            result = self.rebuild(entries)
            if later:
                after = self._apply(later)
                result.changed_keys |= after.changed_keys
            return result
        pending, self._pending = self._pending, {}
        self._pending_per_key = {}
        return self._apply(pending)

    def _flush_part(self, max_rows: int) -> ApplyResult:
        pending = self._pending
        part = {key: pending.pop(key) for key in list(itertools.islice(pending, max_rows))}
        count = sum(self._pending_per_key.pop(key, 0) for key in part)
        self.pending_count = max(0, self.pending_count - count)
        if count:
            self.last_change_at = self.clock()
            self._change_times.append(self.monotonic())
            self._change_counts.append(count)
        return self._apply(part)

    def _apply(self, pending: Mapping[str, Entry | None]) -> ApplyResult:
        in_place: dict[str, tuple[list[str], list[str]]] = {}
        if self.tree:
            for key, entry in pending.items():
                if not self._tree_touches_key(key, entry):
                    continue
                lineage = self._tree_in_place(key, entry)
                if lineage is None:
                    # A row joins, leaves or changes parent: the tree's shape changes; arrange
                    # it anew (O(n log n), as a new sort).
                    for key, entry in pending.items():
                        if entry is None:
                            self.entries.pop(key, None)
                            self.marked_keys.discard(key)
                        else:
                            self.entries[key] = entry
                    return self.rebuild()
                in_place[key] = lineage
        result = ApplyResult()
        for key, lineage in in_place.items():
            # Lineages are read when applied: an earlier change of this batch kept the shape.
            entry = pending[key]
            assert entry is not None
            lineage = self._tree_lineage(key) or lineage
            self._apply_tree_in_place(key, entry, *lineage, result)
        for key, entry in pending.items():
            if key in in_place:
                continue
            old_row = self.rows.pop(key, None)
            if old_row is not None:
                self._visible.remove(old_row)
                self._count_shown(old_row.entry, -1)
            state = self._track_running(key, entry)
            if entry is None:
                if self.entries.pop(key, None) is not None:
                    result.removed += 1
                self.marked_keys.discard(key)
                result.structural = result.structural or old_row is not None
                result.changed_keys.add(key)
                continue
            if key not in self.entries:
                result.added += 1
            self.entries[key] = entry
            if not isinstance(entry, Mapping) or (
                self._terms and not matches(self._terms, key, entry, self.clock())
            ):
                result.structural = result.structural or old_row is not None
                result.changed_keys.add(key)
                continue
            row = self._make_row(key, entry, old_row)
            if state is not _UNREAD:
                row._run = state
            if self.tree:
                row.sort_key = (row.sort_key,)  # a root without children (see _arrange_tree)
            self.rows[key] = row
            self._visible.add(row)
            self._count_shown(entry, 1)
            result.changed_keys.add(key)
            if old_row is None or old_row.sort_key != row.sort_key:
                result.structural = True
        return result

    def changes_per_second(self, window: float = 5.0) -> float:
        now = self.monotonic()
        while self._change_times and now - self._change_times[0] > window:
            self._change_times.pop(0)
            self._change_counts.pop(0)
        return sum(self._change_counts) / window

    # --- queries (used by the table widget) ---------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self._visible)

    @property
    def total_count(self) -> int:
        return len(self.entries)

    def row_at(self, index: int) -> Row:
        return self._visible[index]

    def index_of(self, key: str) -> int | None:
        """Position of ``key`` among the shown rows, in O(log n); None when filtered out."""
        row = self.rows.get(key)
        if row is None:
            return None
        return self._visible.bisect_key_left(row.sort_key)

    def shown_keys(self) -> list[str]:
        return [row.key for row in self._visible]

    def column_index(self, column_id: str) -> int:
        return self._col_index[column_id]

    def live_cell(self, column: Column, row: Row) -> str:
        if column.id == "updated":
            return relative_age(row.entry.get("updatedAt"), self.clock())
        if column.id == "run":
            return run_cell_of(
                row.run,
                row.entry,
                self.clock() * 1000,
                self.stall_limit_ms,
                self.activity.get(row.key),
            )
        return column.cell(row.key, row.entry)
