"""The demo's transcripts: JSONL files beside the demo store, written as OpenClaw 2026.7 does.

``seed_transcripts`` gives the busiest demo sessions a few finished turns (user, assistant with
tool calls and their results, replies with usage and cost, now and then an aborted turn), so
``v`` shows something on every row a newcomer is likely to try. ``DemoTranscripts.step`` then
grows the transcripts of ``agent:main:main`` and of every session whose run is ``running``
(except the stalled ones: a stalled run is one with no transcript activity), one line every
second or two, so an open transcript moves on its own.

Lines follow the tree format the store reads (``store/transcripts/jsonl.py``): a ``session``
header, then ``message`` entries chained by ``parentId``; an aborted reply is followed by a
``custom`` ``openclaw:prompt-error`` entry.
"""

from __future__ import annotations

import json
import os
import random
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from openclaw_tui.store.codec import is_safe_session_id
from openclaw_tui.store.synthetic import is_stalled_demo_key

SEEDED_SESSIONS = 60
"""The demo's busy sessions (the first of the store) get a transcript from the start."""
LINE_EVERY_MS = (700, 2_500)
"""A growing transcript gets its next line after this long (uniform, milliseconds)."""
MAIN_KEY = "agent:main:main"
COST_INPUT = 3 / 1e6  # USD per token, as the reference's fake model configuration
COST_OUTPUT = 15 / 1e6

PROMPTS = [
    "What changed in the deploy config since yesterday?",
    "Summarise today's alerts for the ops channel.",
    "Is the nightly backup job still failing?",
    "Draft a reply to the customer about the outage.",
    "Which tests are flaky on main this week?",
    "Rename the staging bucket and update the docs.",
    "Explain this stack trace: TypeError in render()",
    "Show me [bold]everything[/bold] about \x1b[31mred\x1b[0m alerts",  # text is data
]
TOOLS: list[tuple[str, dict[str, Any], str]] = [
    ("read", {"path": "AGENTS.md", "limit": 3}, "# AGENTS.md\nBe brief.\nAsk before deleting."),
    (
        "exec",
        {"command": "git log --oneline -5", "timeout": 30},
        "4f2c1d9 fix: retry on 503\n9a81b07 deploy: bump image\n1c0e5aa docs: runbook\n"
        "77d3e12 ci: cache deps\n0b9f4c1 feat: alert routing",
    ),
    ("ls", {"path": "deploy/", "depth": 1}, "deploy/app.yaml\ndeploy/cron.yaml\ndeploy/secrets/"),
    (
        "web_fetch",
        {"url": "https://status.example.com/api/v2/summary.json"},
        '{"status": {"indicator": "minor", "description": "Partial outage"}}',
    ),
]
REPLIES = [
    "Two changes: the retry on 503s and the image bump. Nothing else touched deploy/.",
    "Three alerts today, all from the same disk on db-2; it is at 91% and growing ~1%/h.",
    "It failed again at 02:00: the bucket credentials expired. Rotating them fixes it.",
    "Here is a draft: we are sorry for the interruption between 09:12 and 09:40 UTC …",
    "test_sync_resume and test_lock_stale failed 3 times in 40 runs; both wait on sleeps.",
]


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _usage(rng: random.Random) -> dict[str, Any]:
    inp, out = rng.randrange(8_000, 40_000), rng.randrange(20, 600)
    cost_in, cost_out = inp * COST_INPUT, out * COST_OUTPUT
    return {
        "input": inp,
        "output": out,
        "cacheRead": 0,
        "cacheWrite": 0,
        "totalTokens": inp + out,
        "cost": {"input": cost_in, "output": cost_out, "total": round(cost_in + cost_out, 6)},
    }


def turn(rng: random.Random, *, tools: int | None = None) -> Iterator[dict[str, Any]]:
    """The messages (and error entries) of one turn, in the order OpenClaw writes them;
    ``tools`` tool calls (default: zero to two)."""
    yield {"role": "user", "content": rng.choice(PROMPTS)}
    for _ in range(rng.choice((0, 1, 1, 2)) if tools is None else tools):
        name, args, result = rng.choice(TOOLS)
        call_id = f"call_{rng.getrandbits(32):08x}"
        yield {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "Let me check."},
                {"type": "toolCall", "id": call_id, "name": name, "arguments": args},
            ],
            "provider": "fakellm",
            "model": "fake-model",
            "stopReason": "toolUse",
            "usage": _usage(rng),
        }
        yield {
            "role": "toolResult",
            "toolCallId": call_id,
            "toolName": name,
            "content": [{"type": "text", "text": result}],
            "isError": False,
        }
    reply = rng.choice(REPLIES)
    if rng.random() < 0.12:
        cut = reply[: rng.randrange(10, len(reply))]
        yield {
            "role": "assistant",
            "content": [{"type": "text", "text": cut}],
            "provider": "fakellm",
            "model": "fake-model",
            "stopReason": "aborted",
            "errorMessage": "Request was aborted",
        }
        yield {"custom": "openclaw:prompt-error", "error": "This operation was aborted"}
        return
    yield {
        "role": "assistant",
        "content": [{"type": "text", "text": reply}],
        "provider": "fakellm",
        "model": "fake-model",
        "stopReason": "stop",
        "usage": _usage(rng),
    }


@dataclass
class _Transcript:
    """One growing transcript: its file, the id of its last entry, the turn being written."""

    path: Path
    parent: str | None = None
    lines: Iterator[dict[str, Any]] = field(default_factory=lambda: iter(()))
    due_ms: int = 0

    def append(self, item: Mapping[str, Any], now_ms: int) -> None:
        entry_id = uuid.uuid4().hex[:8]
        if "custom" in item:
            entry: dict[str, Any] = {
                "type": "custom",
                "customType": item["custom"],
                "data": {"timestamp": now_ms, "error": item["error"]},
            }
        else:
            entry = {"type": "message", "message": {**item, "timestamp": now_ms}}
        entry.update(id=entry_id, parentId=self.parent, timestamp=_iso(now_ms))
        self.parent = entry_id
        _append_line(self.path, entry)


def _append_line(path: Path, entry: Mapping[str, Any]) -> None:
    """One line, appended whole (O_APPEND), the file created 0600 as OpenClaw does."""
    data = (json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def _transcript_path(sessions_dir: Path, entry: Mapping[str, Any]) -> Path | None:
    session_id = entry.get("sessionId")
    if not is_safe_session_id(session_id):
        return None
    return sessions_dir / f"{str(session_id).strip()}.jsonl"


def _start(path: Path, now_ms: int) -> _Transcript:
    session_id = path.stem
    header = {"type": "session", "version": 3, "id": session_id, "timestamp": _iso(now_ms)}
    _append_line(path, header)
    return _Transcript(path)


def seed_transcripts(
    sessions_dir: Path, entries: Mapping[str, Mapping[str, Any]], *, now_ms: int, seed: int
) -> int:
    """Finished turns for the first ``SEEDED_SESSIONS`` sessions; returns how many got one."""
    rng = random.Random(seed)
    written = 0
    for key in list(entries)[:SEEDED_SESSIONS]:
        path = _transcript_path(sessions_dir, entries[key])
        if path is None or path.exists():
            continue
        turns = rng.randint(1, 4)
        when = now_ms - turns * 90_000
        transcript = _start(path, when)
        for number in range(turns):
            # The main session (the first row) always shows a tool call.
            tools = 1 if key == MAIN_KEY and number == 0 else None
            for item in turn(rng, tools=tools):
                when += rng.randrange(800, 9_000)
                transcript.append(item, min(when, now_ms))
        written += 1
    return written


class DemoTranscripts:
    """Grows the transcripts of the running demo sessions (see module doc)."""

    def __init__(self, sessions_dir: Path, *, seed: int | None = None) -> None:
        self.sessions_dir = sessions_dir
        self.rng = random.Random(seed)
        self._open: dict[str, _Transcript] = {}
        self.lines = 0

    def step(self, entries: Mapping[str, Mapping[str, Any]], now_ms: int) -> None:
        """Append the next line of each growing transcript that is due (blocking file I/O)."""
        growing = [MAIN_KEY] if MAIN_KEY in entries else []
        growing += [
            key
            for key, entry in entries.items()
            if entry.get("status") == "running" and not is_stalled_demo_key(key)
        ]
        for key in growing:
            path = _transcript_path(self.sessions_dir, entries[key])
            if path is None:
                continue
            transcript = self._open.get(key)
            if transcript is None or transcript.path != path:
                transcript = self._resume(path, now_ms)
                self._open[key] = transcript
            if now_ms < transcript.due_ms:
                continue
            item = next(transcript.lines, None)
            if item is None:
                transcript.lines = turn(self.rng)
                item = next(transcript.lines)
            transcript.append(item, now_ms)
            transcript.due_ms = now_ms + self.rng.randrange(*LINE_EVERY_MS)
            self.lines += 1
        for key in [k for k in self._open if k not in entries]:
            del self._open[key]  # a removed session

    def _resume(self, path: Path, now_ms: int) -> _Transcript:
        """The transcript at ``path``, continued from its last line (or started)."""
        if not path.exists():
            return _start(path, now_ms)
        parent = None
        with path.open("rb") as handle:
            # The last entry's id: a demo transcript is small, but read only its end anyway.
            handle.seek(max(0, path.stat().st_size - 8192))
            for raw in handle.read().splitlines():
                try:
                    parent = json.loads(raw).get("id") or parent
                except (ValueError, AttributeError):
                    continue
        return _Transcript(path, parent=parent)
