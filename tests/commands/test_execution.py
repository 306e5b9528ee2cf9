"""execute(): confirmation, read-only, bulk, races and refused writes, on the real SessionStore.

Every test runs on both backends (``backend_store``: sessions.json and OpenClaw 2026.9.6's SQLite
rows); where a backend legitimately differs (how OpenClaw 2026.9.6 stores routing metadata, how a
disk-full is injected, how another program writes) the test says so.
"""

from __future__ import annotations

import asyncio
import errno
import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from openclaw_tui.store import SessionStore
from openclaw_tui.store.atomic import Syscalls
from openclaw_tui.store.backends.sqlite import SqliteBackend
from openclaw_tui.tui.slash import execute, status_summary
from tests.backends import kind_of, read_entries, store_state, write_entries
from tests.commands.helpers import (
    CRON,
    GROUP,
    HOOK,
    MAIN,
    NEW_ID,
    NOW_MS,
    TOPIC,
    config,
)

pytestmark = pytest.mark.anyio


async def test_reset_asks_first_then_starts_a_new_session_keeping_settings(backend_store):
    before = read_entries(backend_store)[MAIN]
    async with SessionStore(backend_store) as store:
        asked = await execute("/reset", store, [MAIN], config=config())
        assert asked.needs_confirmation and not asked.ok
        assert MAIN in asked.message and "new session id" in asked.message
        assert read_entries(backend_store)[MAIN] == before  # nothing happened yet
        done = await execute("/reset", store, [MAIN], config=config(), confirmed=True)
    assert done.ok and done.message == f"session {MAIN} reset"
    after = read_entries(backend_store)[MAIN]
    assert after["sessionId"] == NEW_ID
    assert after["sessionStartedAt"] == NOW_MS
    assert after["compactionCount"] == 0 and after["systemSent"] is False
    assert after["abortedLastRun"] is False
    for cleared in ("thinkingLevel", "inputTokens", "outputTokens", "totalTokens", "contextTokens"):
        assert cleared not in after, cleared
    # Carried over: verbose level, the user's model override, routing metadata. OpenClaw 2026.9.6
    # imported the routing metadata (origin, deliveryContext) into one `delivery` object.
    routing = ("origin", "deliveryContext") if kind_of(backend_store) == "json" else ("delivery",)
    for kept in ("verboseLevel", "providerOverride", "modelOverride", *routing):
        assert after[kept] == before[kept], kept


async def test_new_with_a_model_resets_and_switches(backend_store):
    async with SessionStore(backend_store) as store:
        outcome = await execute(
            "/new openai/gpt-5.5", store, [GROUP], config=config(), confirmed=True
        )
    assert outcome.ok, outcome.message
    assert (
        outcome.message == f"session {GROUP} reset\nModel set to openai/gpt-5.5 for this session."
    )
    after = read_entries(backend_store)[GROUP]
    assert after["sessionId"] == NEW_ID
    assert (after["providerOverride"], after["modelOverride"]) == ("openai", "gpt-5.5")
    assert after["sendPolicy"] == "allow" and after["queueMode"] == "collect"


async def test_reset_rejects_extra_text(backend_store):
    async with SessionStore(backend_store) as store:
        outcome = await execute("/reset now please", store, [MAIN], config=config())
    assert not outcome.ok and not outcome.needs_confirmation
    assert outcome.message == 'Unexpected argument "now" for /reset.'


@pytest.mark.parametrize("how", ["flag", "store"])
@pytest.mark.parametrize("text", ["/think low", "/reset", "/label x", "/model openai/gpt-5.5"])
async def test_read_only_refuses_writes_inline(backend_store, how, text):
    before = store_state(backend_store)
    async with SessionStore(backend_store, read_only=how == "store") as store:
        outcome = await execute(
            text, store, [MAIN], config=config(), read_only=how == "flag", confirmed=True
        )
        status = await execute("/status", store, [MAIN], config=config(), read_only=True)
    assert not outcome.ok and not outcome.needs_confirmation
    assert outcome.message.startswith("Read-only mode:") and "--read-only" in outcome.message
    assert status.ok  # reading still works
    assert store_state(backend_store) == before


async def test_bulk_applies_to_every_marked_session(backend_store):
    async with SessionStore(backend_store) as store:
        outcome = await execute("/think low", store, [MAIN, GROUP, CRON], config=config())
    assert outcome.ok
    assert outcome.message == "Thinking level set to low. (3 sessions)"
    assert set(outcome.keys) == {MAIN, GROUP, CRON}
    stored = read_entries(backend_store)
    assert [stored[k]["thinkingLevel"] for k in (MAIN, GROUP, CRON)] == ["low"] * 3


async def test_bulk_reports_per_key_failures_and_applies_the_rest(backend_store):
    async with SessionStore(backend_store) as store:
        outcome = await execute("/think xhigh", store, [MAIN, GROUP], config=config())
        activation = await execute(
            "/activation always", store, [MAIN, GROUP, TOPIC, HOOK], config=config()
        )
    assert not outcome.ok
    assert outcome.keys == (GROUP,)
    assert set(outcome.failures) == {MAIN}
    assert outcome.message == (
        "Thinking level set to xhigh.\nNot applied to 1 of 2:\n"
        f'{MAIN}: Thinking level "xhigh" is not supported for anthropic/claude-opus-4-5. '
        "Use one of: off, minimal, low, medium, high."
    )
    assert not activation.ok
    assert set(activation.keys) == {GROUP, TOPIC}
    assert activation.message == (
        "⚙️ Group activation set to always. (2 sessions)\nNot applied to 2 of 4:\n"
        "⚙️ Group activation only applies to group chats. (2 sessions)"
    )
    stored = read_entries(backend_store)
    assert stored[GROUP]["thinkingLevel"] == "xhigh"
    assert stored[MAIN]["thinkingLevel"] == "high"
    assert "groupActivation" not in stored[MAIN] and "groupActivation" not in stored[HOOK]


async def test_no_session_selected(backend_store):
    async with SessionStore(backend_store) as store:
        outcome = await execute("/think high", store, [], config=config())
        help_outcome = await execute("/help", store, [], config=config())
    assert not outcome.ok and outcome.message.startswith("No session selected")
    assert help_outcome.ok and "/think" in help_outcome.message


async def test_entry_removed_meanwhile_is_an_inline_error_and_not_recreated(backend_store):
    async with SessionStore(backend_store) as store:
        removed, outcome = await asyncio.gather(
            store.delete_entry(MAIN), execute("/think low", store, [MAIN], config=config())
        )
    assert removed is True
    assert not outcome.ok
    assert outcome.message == (
        f"Session {MAIN} no longer exists (removed meanwhile); nothing was changed."
    )
    assert MAIN not in read_entries(backend_store)


class DiskFull(Syscalls):
    """The real write path, with the disk reporting ENOSPC on every write."""

    def write(self, fd: int, data: memoryview) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


class SqliteDiskFull(SqliteBackend):
    """The real SQLite write path: the rows are written, then SQLite reports SQLITE_FULL before
    COMMIT (as when the WAL cannot grow), so the transaction rolls back."""

    def _apply(self, *args: Any, **kwargs: Any) -> None:
        super()._apply(*args, **kwargs)
        full = sqlite3.OperationalError("database or disk is full")
        full.sqlite_errorname = "SQLITE_FULL"  # type: ignore[attr-defined]
        raise full


def disk_full_store(path: Path) -> SessionStore:
    if kind_of(path) == "json":
        return SessionStore(path, syscalls=DiskFull())
    return SessionStore(path, backend=SqliteDiskFull(path))


async def test_disk_full_becomes_an_outcome_naming_the_file_and_the_fix(backend_store):
    before = store_state(backend_store)
    async with disk_full_store(backend_store) as store:
        outcome = await execute("/think low", store, [MAIN], config=config())
        assert store.get(MAIN)["thinkingLevel"] == "high"  # the cache did not move either
    assert not outcome.ok
    assert outcome.message.startswith("Not saved: ")
    assert str(backend_store.resolve()) in outcome.message
    assert "disk is full" in outcome.message
    assert "Traceback" not in outcome.message
    assert store_state(backend_store) == before


async def test_corrupt_store_is_refused_and_never_overwritten(backend_store):
    async with SessionStore(backend_store) as store:
        backend_store.write_bytes(b'{"agent:main:main": {"sessionId": ')
        outcome = await execute("/think low", store, [MAIN], config=config())
    assert not outcome.ok
    assert (
        outcome.message.startswith("Not saved: ")
        and str(backend_store.resolve()) in outcome.message
    )
    assert backend_store.read_bytes() == b'{"agent:main:main": {"sessionId": '


async def test_edit_racing_an_in_process_change_to_another_field_keeps_both(backend_store):
    async with SessionStore(backend_store) as store:
        await asyncio.gather(
            store.update_entry(MAIN, {"label": "set concurrently"}),
            execute("/think low", store, [MAIN], config=config()),
            store.update_entry(MAIN, lambda entry: {"verboseLevel": "full"}),
        )
    entry = read_entries(backend_store)[MAIN]
    assert (entry["thinkingLevel"], entry["label"], entry["verboseLevel"]) == (
        "low",
        "set concurrently",
        "full",
    )


async def test_edit_racing_an_external_write_to_another_field_keeps_both(backend_store):
    async with SessionStore(backend_store) as store:
        assert store.get(MAIN)["thinkingLevel"] == "high"  # loaded and cached
        # Another process (an OpenClaw gateway) rewrites the store the way OpenClaw does
        # (sessions.json: temp file + rename; SQLite: its own connection and transaction).
        data = read_entries(backend_store)
        data[MAIN]["label"] = "from the gateway"
        # A field the cached entry already has: a stale whole-entry write would revert it.
        data[MAIN]["verboseLevel"] = "full"
        data[MAIN]["myCustomField"] = {"nested": [1, 2]}
        write_entries(backend_store, data)
        outcome = await execute("/think low", store, [MAIN], config=config())
    assert outcome.ok, outcome.message
    entry = read_entries(backend_store)[MAIN]
    assert entry["thinkingLevel"] == "low"
    assert entry["label"] == "from the gateway"
    assert entry["verboseLevel"] == "full"
    assert entry["myCustomField"] == {"nested": [1, 2]}


async def test_status_summarises_the_session(backend_store):
    async with SessionStore(backend_store) as store:
        outcome = await execute("/status", store, [GROUP], config=config())
        several = await execute("/status", store, [MAIN, "agent:main:gone"], config=config())
    assert outcome.ok and outcome.keys == (GROUP,)
    text = outcome.message
    assert "\n" not in text  # one paragraph
    assert text.startswith(f"{GROUP} (group, telegram).")
    assert 'Name "telegram:g-family-chat".' in text
    assert "Model openai/gpt-5.2 (last used)." in text
    assert "thinking medium" in text and "send on" in text and "queue collect" in text
    assert "activation default" in text
    assert "Tokens 916." in text
    assert not several.ok
    assert several.message.endswith("Session agent:main:gone is not in the store.")
    assert "Model anthropic/claude-opus-4-5 (override)." in several.message
    assert "Tokens 1868/200000 (1%)." in several.message


async def test_help_lists_every_command_and_explains_one(backend_store):
    async with SessionStore(backend_store) as store:
        listing = await execute("/help", store, [MAIN], config=config())
        one = await execute("/help t", store, [MAIN], config=config())
    for name in (
        "think",
        "verbose",
        "reasoning",
        "elevated",
        "model",
        "usage",
        "send",
        "activation",
        "queue",
        "label",
        "reset",
        "new",
        "status",
        "help",
    ):
        assert f"\n/{name}" in listing.message, name
    assert one.message == ("/think <level|default> (also /thinking, /t): set the thinking level.")


# /status shows the context share unless OpenClaw marked the total stale (totalTokensFresh:
# false), as the table does; an entry without the flag is not stale.


STATUS_TOKENS = {"sessionId": "s1", "updatedAt": 1, "totalTokens": 50_000, "contextTokens": 200_000}


def test_status_without_a_freshness_flag_shows_the_context_share():
    assert "Tokens 50000/200000 (25%)." in status_summary(MAIN, dict(STATUS_TOKENS), now_ms=2)


def test_status_shows_the_context_share_of_fresh_totals_only():
    fresh = status_summary(MAIN, {**STATUS_TOKENS, "totalTokensFresh": True}, now_ms=2)
    stale = status_summary(MAIN, {**STATUS_TOKENS, "totalTokensFresh": False}, now_ms=2)
    assert "Tokens 50000/200000 (25%)." in fresh
    assert "Tokens 50000/200000 (?%)." in stale


def test_status_says_how_long_ago_in_days_at_most():
    now = 1_900_000_000_000
    entry = {"sessionId": "s1"}
    ago = {
        30_000: "just now",
        5 * 60_000: "5m ago",
        14 * 86_400_000: "14d ago",
        now: "at an unknown time",  # updatedAt 0
    }
    for delta, words in ago.items():
        text = status_summary(MAIN, {**entry, "updatedAt": now - delta}, now_ms=now)
        assert f"Session s1 updated {words}." in text, text
