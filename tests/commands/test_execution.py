"""execute(): confirmation, read-only, bulk, races and refused writes, on the real SessionStore."""

from __future__ import annotations

import asyncio
import errno
import json
import os

import pytest

from store import SessionStore
from store.atomic import Syscalls
from tests.commands.helpers import (
    CRON,
    GROUP,
    HOOK,
    MAIN,
    NEW_ID,
    NOW_MS,
    TOPIC,
    config,
    read_store,
)
from tui.slash import execute

pytestmark = pytest.mark.anyio


async def test_reset_asks_first_then_starts_a_new_session_keeping_settings(small_store):
    before = read_store(small_store)[MAIN]
    async with SessionStore(small_store) as store:
        asked = await execute("/reset", store, [MAIN], config=config())
        assert asked.needs_confirmation and not asked.ok
        assert MAIN in asked.message and "new session id" in asked.message
        assert read_store(small_store)[MAIN] == before  # nothing happened yet
        done = await execute("/reset", store, [MAIN], config=config(), confirmed=True)
    assert done.ok and done.message == f"session {MAIN} reset"
    after = read_store(small_store)[MAIN]
    assert after["sessionId"] == NEW_ID
    assert after["sessionStartedAt"] == NOW_MS
    assert after["compactionCount"] == 0 and after["systemSent"] is False
    assert after["abortedLastRun"] is False
    for cleared in ("thinkingLevel", "inputTokens", "outputTokens", "totalTokens", "contextTokens"):
        assert cleared not in after, cleared
    # Carried over: verbose level, the user's model override, routing metadata.
    for kept in ("verboseLevel", "providerOverride", "modelOverride", "origin", "deliveryContext"):
        assert after[kept] == before[kept], kept


async def test_new_with_a_model_resets_and_switches(small_store):
    async with SessionStore(small_store) as store:
        outcome = await execute(
            "/new openai/gpt-5.5", store, [GROUP], config=config(), confirmed=True
        )
    assert outcome.ok, outcome.message
    assert (
        outcome.message == f"session {GROUP} reset\nModel set to openai/gpt-5.5 for this session."
    )
    after = read_store(small_store)[GROUP]
    assert after["sessionId"] == NEW_ID
    assert (after["providerOverride"], after["modelOverride"]) == ("openai", "gpt-5.5")
    assert after["sendPolicy"] == "allow" and after["queueMode"] == "collect"


async def test_reset_rejects_extra_text(small_store):
    async with SessionStore(small_store) as store:
        outcome = await execute("/reset now please", store, [MAIN], config=config())
    assert not outcome.ok and not outcome.needs_confirmation
    assert outcome.message == 'Unexpected argument "now" for /reset.'


@pytest.mark.parametrize("how", ["flag", "store"])
@pytest.mark.parametrize("text", ["/think low", "/reset", "/label x", "/model openai/gpt-5.5"])
async def test_read_only_refuses_writes_inline(small_store, how, text):
    before = small_store.read_bytes()
    async with SessionStore(small_store, read_only=how == "store") as store:
        outcome = await execute(
            text, store, [MAIN], config=config(), read_only=how == "flag", confirmed=True
        )
        status = await execute("/status", store, [MAIN], config=config(), read_only=True)
    assert not outcome.ok and not outcome.needs_confirmation
    assert outcome.message.startswith("Read-only mode:") and "--read-only" in outcome.message
    assert status.ok  # reading still works
    assert small_store.read_bytes() == before


async def test_bulk_applies_to_every_marked_session(small_store):
    async with SessionStore(small_store) as store:
        outcome = await execute("/think low", store, [MAIN, GROUP, CRON], config=config())
    assert outcome.ok
    assert outcome.message == "Thinking level set to low. (3 sessions)"
    assert set(outcome.keys) == {MAIN, GROUP, CRON}
    stored = read_store(small_store)
    assert [stored[k]["thinkingLevel"] for k in (MAIN, GROUP, CRON)] == ["low"] * 3


async def test_bulk_reports_per_key_failures_and_applies_the_rest(small_store):
    async with SessionStore(small_store) as store:
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
    stored = read_store(small_store)
    assert stored[GROUP]["thinkingLevel"] == "xhigh"
    assert stored[MAIN]["thinkingLevel"] == "high"
    assert "groupActivation" not in stored[MAIN] and "groupActivation" not in stored[HOOK]


async def test_no_session_selected(small_store):
    async with SessionStore(small_store) as store:
        outcome = await execute("/think high", store, [], config=config())
        help_outcome = await execute("/help", store, [], config=config())
    assert not outcome.ok and outcome.message.startswith("No session selected")
    assert help_outcome.ok and "/think" in help_outcome.message


async def test_entry_removed_meanwhile_is_an_inline_error_and_not_recreated(small_store):
    async with SessionStore(small_store) as store:
        removed, outcome = await asyncio.gather(
            store.delete_entry(MAIN), execute("/think low", store, [MAIN], config=config())
        )
    assert removed is True
    assert not outcome.ok
    assert outcome.message == (
        f"Session {MAIN} no longer exists (removed meanwhile); nothing was changed."
    )
    assert MAIN not in read_store(small_store)


class DiskFull(Syscalls):
    """The real write path, with the disk reporting ENOSPC on every write."""

    def write(self, fd: int, data: memoryview) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


async def test_disk_full_becomes_an_outcome_naming_the_file_and_the_fix(small_store):
    before = small_store.read_bytes()
    async with SessionStore(small_store, syscalls=DiskFull()) as store:
        outcome = await execute("/think low", store, [MAIN], config=config())
        assert store.get(MAIN)["thinkingLevel"] == "high"  # the cache did not move either
    assert not outcome.ok
    assert outcome.message.startswith("Not saved: ")
    assert str(small_store.resolve()) in outcome.message
    assert "disk is full" in outcome.message
    assert "Traceback" not in outcome.message
    assert small_store.read_bytes() == before


async def test_corrupt_store_is_refused_and_never_overwritten(small_store):
    async with SessionStore(small_store) as store:
        small_store.write_bytes(b'{"agent:main:main": {"sessionId": ')
        outcome = await execute("/think low", store, [MAIN], config=config())
    assert not outcome.ok
    assert (
        outcome.message.startswith("Not saved: ") and str(small_store.resolve()) in outcome.message
    )
    assert small_store.read_bytes() == b'{"agent:main:main": {"sessionId": '


async def test_edit_racing_an_in_process_change_to_another_field_keeps_both(small_store):
    async with SessionStore(small_store) as store:
        await asyncio.gather(
            store.update_entry(MAIN, {"label": "set concurrently"}),
            execute("/think low", store, [MAIN], config=config()),
            store.update_entry(MAIN, lambda entry: {"verboseLevel": "full"}),
        )
    entry = read_store(small_store)[MAIN]
    assert (entry["thinkingLevel"], entry["label"], entry["verboseLevel"]) == (
        "low",
        "set concurrently",
        "full",
    )


async def test_edit_racing_an_external_write_to_another_field_keeps_both(small_store):
    async with SessionStore(small_store) as store:
        assert store.get(MAIN)["thinkingLevel"] == "high"  # loaded and cached
        # Another process (an OpenClaw gateway) rewrites the file the way OpenClaw does.
        data = read_store(small_store)
        data[MAIN]["label"] = "from the gateway"
        # A field the cached entry already has: a stale whole-entry write would revert it.
        data[MAIN]["verboseLevel"] = "full"
        data[MAIN]["myCustomField"] = {"nested": [1, 2]}
        temp = small_store.with_name("sessions.json.gateway.tmp")
        temp.write_text(json.dumps(data, indent=2, ensure_ascii=False))
        os.replace(temp, small_store)
        outcome = await execute("/think low", store, [MAIN], config=config())
    assert outcome.ok, outcome.message
    entry = read_store(small_store)[MAIN]
    assert entry["thinkingLevel"] == "low"
    assert entry["label"] == "from the gateway"
    assert entry["verboseLevel"] == "full"
    assert entry["myCustomField"] == {"nested": [1, 2]}


async def test_status_summarises_the_session(small_store):
    async with SessionStore(small_store) as store:
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


async def test_help_lists_every_command_and_explains_one(small_store):
    async with SessionStore(small_store) as store:
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
