"""The transcript item model shared by every transcript source.

File transcripts (7.35 JSONL, 9.6 SQLite ``transcript_events``) and gateway transcripts
(``chat.history`` plus ``session.message`` / ``chat`` delta events) are all turned into
``TranscriptItem`` values, so the transcript view never asks where a line came from.

Rules every source follows (the view relies on them):

- Items arrive in transcript order (the active branch for tree transcripts).
- A ``partial=True`` item is an in-flight reply still being written (a gateway ``chat`` delta).
  A later item with the same ``message_id`` (partial or final) replaces it; a final item
  always has ``partial=False``. Only assistant items are ever partial.
- ``text`` is data, never markup: sources keep it exactly as stored (the view makes control
  characters visible).
- One assistant message that calls tools becomes one ``assistant`` item for its text (if any)
  followed by one ``tool_call`` item per call; a ``toolResult`` row becomes a ``tool_result``
  item whose ``tool_call_id`` names the call it answers.
- ``error`` is the error text of a failed or aborted turn (``errorMessage`` /
  ``openclaw:prompt-error``); ``aborted`` marks a turn stopped by ``/stop`` or a timeout.

Store code only: no Textual, no Rich.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

TranscriptKind = Literal["user", "assistant", "tool_call", "tool_result", "system", "error"]

TRANSCRIPT_KINDS: tuple[TranscriptKind, ...] = (
    "user",
    "assistant",
    "tool_call",
    "tool_result",
    "system",
    "error",
)


@dataclass(frozen=True, slots=True)
class TranscriptItem:
    """One line of a session transcript, whatever its source."""

    kind: TranscriptKind
    text: str
    timestamp_ms: int | None = None
    # tool_call: the tool called and its arguments (as the model sent them, usually a dict);
    # tool_result: the tool that answered (tool_args is None).
    tool_name: str | None = None
    tool_args: Any = None
    # The assistant message's usage as stored: {input, output, totalTokens, cacheRead,
    # cacheWrite, cost: {...}}. None when the message carried none.
    usage: Mapping[str, Any] | None = None
    # usage.cost.total when present (USD, from the configured model cost).
    cost_usd: float | None = None
    aborted: bool = False
    error: str | None = None
    # The transcript entry id (file stores) or message / run id (gateway); what a later
    # partial or final item with the same id replaces.
    message_id: str | None = None
    partial: bool = False
    # Links a tool_result to its tool_call (toolCall.id / toolResult.toolCallId).
    tool_call_id: str | None = None
    # provider/model of an assistant message ("openclaw/gateway-injected" for an abort's
    # partial reply), and its stopReason ("stop", "aborted", "toolUse", "error", ...).
    model: str | None = None
    stop_reason: str | None = None
    # Anything else a source wants to keep for the detail view (never needed to render a line).
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_tool(self) -> bool:
        return self.kind in ("tool_call", "tool_result")

    def replaces(self, other: TranscriptItem) -> bool:
        """True when this item supersedes ``other`` (same message, ``other`` in flight)."""
        return other.partial and self.message_id is not None and self.message_id == other.message_id


@dataclass(frozen=True, slots=True)
class TranscriptUpdate:
    """What a live transcript source yields.

    ``reset=True``: drop what is shown and show ``items`` (first load, or a reconnect / file
    rewrite after which the earlier lines may no longer be valid). ``reset=False``: append
    ``items`` (applying the partial-replacement rule above). ``notice`` is a one-line status
    for the view (a missing transcript naming its path, a lost gateway connection), never an
    exception; ``ended=True`` means the source will yield nothing more.
    """

    items: tuple[TranscriptItem, ...] = ()
    reset: bool = False
    notice: str | None = None
    ended: bool = False


def merge_items(shown: list[TranscriptItem], new: tuple[TranscriptItem, ...]) -> None:
    """Apply ``new`` to ``shown`` in place: a partial item replaced by its successor, else appended.

    Only the last few items are searched: a partial reply is always at or near the end.
    """
    for item in new:
        for index in range(len(shown) - 1, max(-1, len(shown) - 9), -1):
            if item.replaces(shown[index]):
                shown[index] = item
                break
        else:
            shown.append(item)
