"""``/bulk <filter> -- <command>``: a command on every session a filter matches, previewed first.

Pure, no Textual. ``parse_bulk`` reads the request (the filter is the table's own grammar,
``viewmodel.parse_filter``; an empty filter means the table's current one, or the marked rows
when rows are marked: a filter then narrows the marked rows, never widens them), ``preview``
says per session what the command would change (before -> after) without writing anything, and
``apply`` runs it through the store's batch methods (``update_entries``, ``reset_entries``,
``delete_entries``: one group commit on a file, ``sessions.patchMany`` or bounded concurrency on
a gateway), reporting each session's result as it arrives. The preview screen
(``tui/bulk_screen.py``) shows both and asks the one confirmation in between.

The commands: any field command (``/think``, ``/model``, ``/label``, ... as ``store/fields.py``
lists them, with their usual values and refusals), ``/reset``, ``delete``, ``archive`` and
``unarchive`` (gateways that support ``archived``; a file store says it has no archive).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from openclaw_tui.store import fields
from openclaw_tui.store.bulk import EntryResult, ResultSink
from openclaw_tui.tui.slash.parse import BY_NAME, SlashError, parse
from openclaw_tui.tui.slash.plans import (
    FIELD_PLANNERS,
    Context,
    Edit,
    Refused,
    SlashConfig,
    StoreLike,
)
from openclaw_tui.tui.viewmodel import FilterError, matches, model_of, parse_filter

Entry = Mapping[str, Any]
Action = Literal["edit", "reset", "delete", "archive", "unarchive"]
Status = Literal["change", "unchanged", "refused"]

USAGE: Final = (
    "/bulk [filter] -- <command>, e.g. /bulk kind:cron updated:>7d gw:lab -- /think low "
    "(commands: a field command such as /think /model /label /send, /reset, delete, archive, "
    "unarchive; no filter: the table's current one)"
)
VERBS: Final[dict[str, Action]] = {
    "delete": "delete",
    "archive": "archive",
    "unarchive": "unarchive",
}


@dataclass(frozen=True, slots=True)
class BulkRequest:
    filter_text: str
    command_text: str
    action: Action
    edit: Edit | None = None
    """For ``edit``: the field command's plan, computed per session from its current entry."""
    spec: fields.FieldSpec | None = None
    """For ``edit``: the field it sets."""
    marked: tuple[str, ...] | None = None
    """The rows marked when it was asked: then it acts on these (those the filter matches,
    if it has one), never on an unmarked row. None: no row was marked, the filter decides."""

    @property
    def what(self) -> str:
        return self.command_text if self.action in ("edit", "reset") else self.action


def split_request(raw_args: str) -> tuple[str, str] | None:
    """``kind:cron -- /think low`` -> (filter, command); None without the ``--``."""
    words = raw_args.split()
    if "--" not in words:
        return None
    head, _sep, tail = f" {raw_args.strip()} ".partition(" -- ")
    return head.strip(), tail.strip()


def parse_bulk(
    raw_args: str,
    *,
    current_filter: str = "",
    marked_keys: Sequence[str] = (),
    config: SlashConfig | None = None,
) -> BulkRequest | SlashError:
    """Read ``/bulk``'s arguments. Never raises: a mistake is a ``SlashError`` saying the fix.

    With ``marked_keys`` the request acts on those rows, as every command does on marked rows:
    no filter means all of them (not the table's filter, which may hide some of them), a filter
    keeps only the marked rows it matches."""
    parts = split_request(raw_args)
    if parts is None:
        return SlashError(f"/bulk needs a command after --. Usage: {USAGE}")
    filter_text, command_text = parts
    # Sorted: the marks are a set, and the preview lists them in one order every time.
    marked = tuple(sorted(set(marked_keys))) or None
    if marked is None:
        filter_text = filter_text or current_filter
    try:
        parse_filter(filter_text)
    except FilterError as exc:
        return SlashError(f"/bulk filter: {exc}")
    if not command_text:
        return SlashError(f"/bulk needs a command after --. Usage: {USAGE}")
    word = command_text.lstrip("/:").strip().lower()
    if word in VERBS:
        return BulkRequest(filter_text, word, VERBS[word], marked=marked)
    parsed = parse(command_text)
    if isinstance(parsed, SlashError):
        return SlashError(f"/bulk: {parsed.message}")
    if parsed.name == "reset":
        if parsed.args:
            return SlashError(f'Unexpected argument "{parsed.args[0]}" for /reset.')
        return BulkRequest(filter_text, "/reset", "reset", marked=marked)
    planner = FIELD_PLANNERS.get(parsed.name)
    if planner is None:
        return SlashError(
            f"/{parsed.name} is not a bulk command. /bulk runs a field command (/think, "
            "/model, /label, /send, ...), /reset, delete, archive or unarchive."
        )
    plan = planner(parsed, Context(entries={}, config=config or SlashConfig(), models=()))
    if isinstance(plan, SlashError):
        return plan
    if not isinstance(plan, Edit):
        return SlashError(f"/bulk needs a value to set: {BY_NAME[parsed.name].usage}")
    field_spec = fields.BY_COMMAND.get(parsed.name)
    return BulkRequest(filter_text, parsed.text.strip(), "edit", plan, field_spec, marked)


# -- the preview ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PreviewRow:
    key: str
    before: str
    after: str
    status: Status
    note: str = ""
    """For ``refused``: why (the command's own refusal, or the store cannot do it)."""


@dataclass(slots=True)
class BulkPreview:
    request: BulkRequest
    rows: list[PreviewRow]
    total: int
    """Sessions in the store when the preview was made."""
    gone: int = 0
    """Marked rows no longer in the store (deleted meanwhile): not in ``rows``, said in the
    summary."""
    counts: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.counts = {"change": 0, "unchanged": 0, "refused": 0}
        for row in self.rows:
            self.counts[row.status] += 1

    @property
    def changing(self) -> list[str]:
        return [row.key for row in self.rows if row.status == "change"]

    def summary(self) -> str:
        matched = len(self.rows)
        request = self.request
        matching_ = f"matching {request.filter_text}" if request.filter_text else ""
        parts = [f"{self.counts['change']} will change"]
        if self.counts["unchanged"]:
            parts.append(f"{self.counts['unchanged']} unchanged")
        if self.counts["refused"]:
            parts.append(f"{self.counts['refused']} refused")
        if request.marked is not None:
            marked = len(request.marked)
            noun = "session" if marked == 1 else "sessions"
            if matched == marked and not matching_:
                subject = f"the {marked:,} marked {noun}"
            else:
                subject = f"{matched:,} of the {marked:,} marked {noun} {matching_}".rstrip()
            if self.gone:
                parts.append(f"{self.gone} marked no longer in the store")
        else:
            subject = f"{matched:,} of {self.total:,} sessions {matching_ or '(no filter)'}"
        return f"{request.what} on {subject}: " + ", ".join(parts)


def _shown(value: Any, empty: str) -> str:
    if value is None or value == "":
        return empty
    return value if isinstance(value, str) else str(value)


MODEL_RELATED: Final = frozenset(
    {
        *fields.MODEL.stored,
        "modelOverrideSource",
        "liveModelSwitchPending",
        "model",
        "modelProvider",
        "contextTokens",
        "contextBudgetStatus",
        "authProfileOverrideCompactionCount",
    }
)
"""What a model switch writes (``semantics.apply_model_override``): shown as one "model" change."""


def _field_text(spec: fields.FieldSpec, entry: Entry) -> str:
    if spec is fields.MODEL:
        return model_of(entry) or "default"
    return _shown(entry.get(spec.name), "(none)" if spec is fields.LABEL else "inherit")


class _After(Mapping[str, Any]):
    """``entry`` with ``patch`` applied (``None`` removes), read without copying the entry:
    the preview describes every matching row of a big store."""

    __slots__ = ("entry", "patch")

    def __init__(self, entry: Entry, patch: Mapping[str, Any]) -> None:
        self.entry, self.patch = entry, patch

    def __getitem__(self, name: str) -> Any:
        if name in self.patch:
            value = self.patch[name]
            if value is None:
                raise KeyError(name)
            return value
        return self.entry[name]

    def __iter__(self) -> Iterator[str]:
        seen = set(self.patch)
        yield from (n for n, v in self.patch.items() if v is not None)
        yield from (n for n in self.entry if n not in seen)

    def __len__(self) -> int:
        return sum(1 for _ in self)


_SPEC_FIELDS: Final = tuple(
    (spec, MODEL_RELATED if spec is fields.MODEL else frozenset(spec.stored))
    for spec in fields.FIELDS
)


def describe_change(entry: Entry, patch: Mapping[str, Any]) -> tuple[str, str]:
    """(before, after) of the fields ``patch`` changes, named as the editors name them."""
    after = _After(entry, patch)
    before_parts: list[str] = []
    after_parts: list[str] = []
    covered: set[str] = set()
    names = patch.keys()
    for spec, stored in _SPEC_FIELDS:
        if not stored.isdisjoint(names):
            covered |= stored
            label = spec.label.lower()
            before_parts.append(f"{label}: {_field_text(spec, entry)}")
            after_parts.append(f"{label}: {_field_text(spec, after)}")
    for name in sorted(set(names) - covered):
        if name.startswith("_") or name in ("updatedAt", "sessionId"):
            continue
        before_parts.append(f"{name}: {_shown(entry.get(name), '-')}")
        after_parts.append(f"{name}: {_shown(after.get(name), '-')}")
    return ", ".join(before_parts), ", ".join(after_parts)


def _short_id(entry: Entry) -> str:
    session_id = entry.get("sessionId")
    return f"id {session_id[:8]}" if isinstance(session_id, str) and session_id else "no id"


def matching(filter_text: str, entries: Mapping[str, Any], now_s: float) -> list[tuple[str, Entry]]:
    terms = parse_filter(filter_text)
    return [
        (key, entry)
        for key, entry in entries.items()
        if isinstance(entry, Mapping) and (not terms or matches(terms, key, entry, now_s))
    ]


def matching_marked(
    filter_text: str, marked: Sequence[str], entries: Mapping[str, Any], now_s: float
) -> tuple[list[tuple[str, Entry]], int]:
    """The marked rows (sorted by key) the filter matches, and how many are gone."""
    terms = parse_filter(filter_text)
    found: list[tuple[str, Entry]] = []
    gone = 0
    for key in marked:
        entry = entries.get(key)
        if not isinstance(entry, Mapping):
            gone += 1
        elif not terms or matches(terms, key, entry, now_s):
            found.append((key, entry))
    return found, gone


def preview(request: BulkRequest, store: StoreLike, now_s: float) -> BulkPreview:
    """What ``request`` would do to each matching session; writes nothing."""
    entries = store.load()
    gone = 0
    if request.marked is not None:
        chosen, gone = matching_marked(request.filter_text, request.marked, entries, now_s)
    else:
        chosen = matching(request.filter_text, entries, now_s)
    rows = [_preview_row(request, store, key, entry) for key, entry in chosen]
    return BulkPreview(request, rows, len(entries), gone)


def _preview_row(request: BulkRequest, store: StoreLike, key: str, entry: Entry) -> PreviewRow:
    action = request.action
    if action == "edit":
        assert request.edit is not None
        current = {n: entry.get(n) for n in request.spec.stored} if request.spec else {}
        try:
            patch, _ack = request.edit.compute(key, entry)
        except Refused as refused:
            before, _same = describe_change(entry, current)
            return PreviewRow(key, before, "", "refused", refused.message)
        if patch is None:  # already so: the current value on both sides
            return PreviewRow(key, *describe_change(entry, current), "unchanged")
        return PreviewRow(key, *describe_change(entry, patch), "change")
    if action == "reset":
        return PreviewRow(key, _short_id(entry), store.reset_policy.preview, "change")
    if action == "delete":
        return PreviewRow(key, "present", f"deleted ({store.delete_effect})", "change")
    wanted = action == "archive"
    before = f"archived: {'yes' if entry.get('archived') else 'no'}"
    after = f"archived: {'yes' if wanted else 'no'}"
    reason = store.archive_refusal(key)
    if reason is not None:
        return PreviewRow(key, before, "", "refused", reason)
    if bool(entry.get("archived")) == wanted:
        return PreviewRow(key, before, before, "unchanged")
    return PreviewRow(key, before, after, "change")


# -- applying ---------------------------------------------------------------------------------


async def apply(
    preview_: BulkPreview,
    store: StoreLike,
    *,
    config: SlashConfig | None = None,
    on_result: ResultSink | None = None,
) -> list[EntryResult]:
    """Run the previewed command on the sessions that would change; the others report what the
    preview said (unchanged, refused) without a request. Every session's result goes to
    ``on_result`` as it arrives. Edits are computed again from each entry as it is when written,
    so a change made meanwhile by someone else is kept (and may make the edit unneeded)."""
    config = config or SlashConfig()
    results: list[EntryResult] = []

    def sink(result: EntryResult) -> None:
        results.append(result)
        if on_result is not None:
            on_result(result)

    for row in preview_.rows:
        if row.status == "unchanged":
            sink(EntryResult(row.key, "unchanged"))
        elif row.status == "refused":
            sink(EntryResult(row.key, "refused", row.note))
    keys = preview_.changing
    if not keys:
        return results
    request = preview_.request
    if request.action == "edit":
        assert request.edit is not None
        edit = request.edit

        def patcher(key: str) -> Callable[[Entry], Any]:
            def compute(current: Entry) -> Any:
                patch, _ack = edit.compute(key, current)
                return patch

            return compute

        await store.update_entries({key: patcher(key) for key in keys}, on_result=sink)
    elif request.action == "reset":
        await store.reset_entries(
            keys, new_session_id=config.new_session_id, now_ms=config.now_ms(), on_result=sink
        )
    elif request.action == "delete":
        await store.delete_entries(keys, on_result=sink)
    else:
        wanted = request.action == "archive"

        def archiving(current: Entry) -> dict[str, Any] | None:
            return None if bool(current.get("archived")) == wanted else {"archived": wanted}

        await store.update_entries(dict.fromkeys(keys, archiving), on_result=sink)
    return results


def result_counts(results: Sequence[EntryResult]) -> str:
    """``11 applied, 3 unchanged, 2 refused`` (the outcomes that occurred, in that order)."""
    counts: dict[str, int] = {}
    for result in results:
        counts[result.outcome] = counts.get(result.outcome, 0) + 1
    order = ("applied", "unchanged", "refused", "missing")
    words = {"missing": "gone meanwhile"}
    return ", ".join(f"{counts[o]} {words.get(o, o)}" for o in order if counts.get(o))


def bulk_prefill(filter_text: str, *, marked: int = 0) -> str:
    """The command bar's text for "bulk on what I am looking at": ``/bulk <filter> -- ``, or
    ``/bulk -- `` when rows are marked (the command acts on them, whatever the table shows)."""
    text = filter_text.strip()
    return f"/bulk {text} -- " if text and not marked else "/bulk -- "


__all__ = [
    "USAGE",
    "BulkPreview",
    "BulkRequest",
    "EntryResult",
    "PreviewRow",
    "ResultSink",
    "apply",
    "bulk_prefill",
    "describe_change",
    "parse_bulk",
    "preview",
    "result_counts",
]
