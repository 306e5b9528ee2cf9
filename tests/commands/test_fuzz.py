"""Any text typed into the bar yields an Outcome (ack or inline error), never an exception.

Runs against the real SessionStore on a copy of a real store, one event loop for all examples,
so state carries over between examples just as it does in a session of typing. Both backends
(``backend_store``): "unchanged" is ``store_state``, the file bytes for sessions.json and every
row of every table for SQLite (whose writes land in the WAL, not in the main file's bytes).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openclaw_tui.store import SessionStore
from openclaw_tui.store.model import validate_entry
from openclaw_tui.tui.slash import Outcome, command_names, complete, execute
from tests.backends import kind_of, read_entries, read_only, store_state
from tests.commands.helpers import config
from tests.conftest import SMALL_STORE
from tests.sqlite.conftest import rows

KEYS = [*json.loads(SMALL_STORE.read_bytes()), "agent:main:gone", ""]

ARGUMENT_WORDS = [
    "high",
    "xhigh",
    "default",
    "inherit",
    "on",
    "off",
    "full",
    "stream",
    "ask",
    "mention",
    "always",
    "steer+backlog",
    "debounce:2s",
    "debounce:-1",
    "cap:0",
    "cap:99999999999999999999",
    "drop:new",
    "reset",
    "list",
    "1",
    "0",
    "opus",
    "openai/gpt-5.5",
    "/",
    "a/",
    "[bold]x[/]",
    "\x1b[31m",
    "ünïcødé",
    "cost",
]

texts = st.one_of(
    st.text(max_size=60),
    st.builds(
        lambda slash, name, args: f"{slash}{name} {' '.join(args)}",
        st.sampled_from(["/", "", ":", " /"]),
        st.sampled_from(command_names()),
        st.lists(st.one_of(st.sampled_from(ARGUMENT_WORDS), st.text(max_size=12)), max_size=4),
    ),
)


@pytest.fixture
def live_store(backend_store: Path) -> Iterator[tuple[asyncio.Runner, SessionStore]]:
    with asyncio.Runner() as runner:
        store = SessionStore(backend_store)
        runner.run(store.open())
        try:
            yield runner, store
        finally:
            runner.run(store.aclose())


@settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    text=texts,
    keys=st.lists(st.sampled_from(KEYS), max_size=3),
    read_only=st.booleans(),
    confirmed=st.booleans(),
)
def test_any_text_yields_an_outcome(live_store, text, keys, read_only, confirmed):
    runner, store = live_store
    before = store_state(store.path)
    outcome = runner.run(
        execute(text, store, keys, read_only=read_only, confirmed=confirmed, config=config())
    )
    assert isinstance(outcome, Outcome)
    assert isinstance(outcome.message, str) and outcome.message.strip()
    assert "Traceback" not in outcome.message
    # "Command failed" is execute()'s last-resort net for bugs; a healthy store never needs it.
    assert not outcome.message.startswith("Command failed"), outcome.message
    if outcome.needs_confirmation:
        assert not outcome.ok
    unchanged = store_state(store.path) == before
    if read_only or outcome.needs_confirmation:
        assert unchanged  # read-only and unconfirmed commands never write
    if not outcome.ok and len(set(keys)) <= 1:
        assert unchanged  # a refused command leaves no trace
    assert store.health.ok
    # Commands only ever store values OpenClaw accepts.
    for key in set(keys):
        entry = store.get(key)
        assert entry is None or validate_entry(entry)[1] == {}, (key, entry)
    complete(text)


def test_the_file_is_valid_json_after_a_burst_of_random_commands(backend_store):
    async def burst() -> None:
        async with SessionStore(backend_store) as store:
            await asyncio.gather(
                *(
                    execute(text, store, [key], config=config())
                    for text, key in zip(
                        ["/think low", "/label a b", "/queue cap:3", "/usage", "/v full"] * 4,
                        KEYS[:20],
                        strict=False,
                    )
                )
            )

    asyncio.run(burst())
    # sessions.json: the file parses as JSON. SQLite: the database is intact and every row is one
    # OpenClaw reads (entry_valid = 1, entry_json parses).
    data = read_entries(backend_store)
    assert set(data) == set(KEYS[:-2])
    if kind_of(backend_store) == "sqlite":
        written = rows(backend_store)
        assert set(written) == set(KEYS[:-2])
        for key, row in written.items():
            assert row["entry_valid"] == 1, key
            assert json.loads(row["entry_json"]) == data[key]
        with read_only(backend_store) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
