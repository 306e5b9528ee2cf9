"""What stopping a run achieved (AbortResult); a file store's run control, which cannot stop one."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from openclaw_tui.store.usage import USAGE_METHODS, GatewayUsage

if TYPE_CHECKING:
    from openclaw_tui.store.transcripts.base import TranscriptSource


# --- stopping a run ---------------------------------------------------------------------------

AbortOutcome = Literal[
    "stopped", "still-running", "refused", "not-running", "sent", "not-sent", "unsupported"
]


@dataclass(frozen=True, slots=True)
class AbortResult:
    """What ``abort_run`` / ``stop_run`` achieved, as one line an operator can trust.

    - ``stopped``: the gateway reported the run ended (lifecycle end, chat aborted, or the row
      left running) after our request.
    - ``still-running``: the abort was accepted but the run still ran when the wait ended.
    - ``refused``: the gateway refused; ``gateway_message`` is its own text, verbatim.
    - ``not-running``: there was no active run to stop.
    - ``sent``: accepted, not verified (``abort_run`` without waiting).
    - ``not-sent``: nothing reached the gateway (not connected, opened read-only).
    - ``unsupported``: this store cannot stop runs (a file store); ``message`` says how to.
    """

    key: str
    outcome: AbortOutcome
    message: str
    run_id: str | None = None
    gateway_message: str | None = None
    fix: str | None = None
    waited_ms: int | None = None

    @property
    def ok(self) -> bool:
        return self.outcome in ("stopped", "not-running")


def file_store_abort(key: str, store_path: str) -> AbortResult:
    """The answer of a file store to ``/stop``: runs live in the gateway process."""
    return AbortResult(
        key,
        "unsupported",
        f"nothing was stopped: runs live in the OpenClaw gateway process, and {store_path} is "
        "its session file",
        fix="connect to that gateway to stop runs: openclaw-tui --gateway ws://127.0.0.1:18789 "
        "(its host and port; the token via --token-env NAME or OPENCLAW_GATEWAY_TOKEN)",
    )


class FileStoreActivity:
    """The run-control methods of a file store, with the gateway store's names and signatures.

    A session file is what the gateway writes; the runs themselves live in the gateway process,
    so nothing here can stop one. Each call says so and names how to reach the gateway.
    """

    path: Any

    async def abort_run(self, key: str) -> AbortResult:
        return file_store_abort(key, str(self.path))

    async def wait_run_ended(
        self, key: str, run_id: str | None = None, *, timeout: float = 10.0
    ) -> AbortResult:
        return file_store_abort(key, str(self.path))

    async def stop_run(self, key: str, *, timeout: float = 10.0) -> AbortResult:
        return file_store_abort(key, str(self.path))

    def open_transcript(self, key: str, *, history_limit: int = 200) -> TranscriptSource:
        """The transcript of ``key`` (a ``store.transcripts.TranscriptSource``): the JSONL file
        or the SQLite ``transcript_events`` of its entry; same name as the gateway store's."""
        from openclaw_tui.store.transcripts import open_file_transcript

        entry = self.get(key)  # type: ignore[attr-defined]
        return open_file_transcript(self.path, key, entry or {})

    async def transcript_activity(self, keys: Iterable[str]) -> dict[str, int]:
        """key -> when that session's transcript was last written (epoch ms), for the keys whose
        transcript could be looked at (``store.transcripts.activity``; read in a thread)."""
        import anyio

        from openclaw_tui.store.transcripts.activity import transcript_written_ms

        entries = {key: entry for key in keys if (entry := self.get(key)) is not None}  # type: ignore[attr-defined]
        if not entries:
            return {}
        return await anyio.to_thread.run_sync(transcript_written_ms, self.path, entries)

    async def usage_report(self, params: Mapping[str, Any] | None = None) -> GatewayUsage:
        """File stores have no usage service: the figures are the entries' own fields."""
        why = (
            f"{self.path} is a session file: usage comes from its entries (tokens, "
            "estimatedCostUsd); the gateway's own usage needs --gateway"
        )
        return GatewayUsage(errors={method: why for method in USAGE_METHODS})
