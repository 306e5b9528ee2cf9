"""A hypothesis state machine: the store against a plain dict model (durability doc §9.1).

Rules: update_entry (create, patch, delete fields), throwing mutators in the same batch as good
ones, delete, whole-store save, writes by another process (seen by a refresh or by the next write),
I/O faults at the Nth call, and dropping the store and reopening it from disk. After every step the
store's snapshot, the file and the model agree, and no temp file is left.
"""

from __future__ import annotations

import asyncio
import errno
import json
import os
import tempfile
import uuid
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from openclaw_tui.store import RenamedButNotDurableError, SessionStore, StoreWriteError
from tests.store.helpers import replace_atomically, temp_files
from tests.store.test_faults import FaultySyscalls

KEYS = [f"agent:main:explicit:k{i}" for i in range(6)]
BASE_TIME = 2**50  # far above "now" in ms, so updatedAt = max(existing, patch) is predictable

keys = st.sampled_from(KEYS)
patches = st.fixed_dictionaries(
    {"updatedAt": st.integers(BASE_TIME, BASE_TIME + 1000)},
    optional={
        "label": st.none() | st.text(max_size=8),
        "inputTokens": st.none() | st.integers(0, 2**40),
        "thinkingLevel": st.sampled_from(["off", "low", "high", "banana"]),
        "origin": st.fixed_dictionaries({"provider": st.sampled_from(["telegram", "slack"])}),
        # Fields OpenClaw may add later: the store must keep them exactly, as any other.
        "futureField": st.none() | st.integers() | st.text(max_size=4) | st.just([]),
        "futureNested": st.dictionaries(st.sampled_from(["a", "b"]), st.integers(), max_size=2),
    },
)


class Switch(FaultySyscalls):
    """Fault injection that is off until a rule arms it."""

    def __init__(self) -> None:
        super().__init__("none", 0, errno.EIO, False)
        self.enabled = False

    def arm(self, primitive: str, nth: int, code: int) -> None:
        self.primitive, self.nth, self.code = primitive, nth, code
        self.calls = self.fired = 0
        self.enabled = True


def merge(model_entry: dict[str, Any] | None, patch: dict[str, Any]) -> dict[str, Any]:
    """The merge rules, modelled on plain dicts independently of the store's code.

    ``{**existing, **patch}`` (existing fields keep their place, new ones follow in the patch's
    order); a None value deletes the field; ``updatedAt`` is the larger of the two (both are far
    above "now"). ``sessionId`` is kept when the entry has one; a new one is added (last) when it
    has none, whose value only the store knows: the caller fills it in.
    """
    existing = model_entry or {}
    merged = {**existing, **patch}
    for name, value in patch.items():
        if value is None:
            del merged[name]
    merged["updatedAt"] = max(patch["updatedAt"], existing.get("updatedAt", 0))
    if "sessionId" not in merged:
        merged["sessionId"] = NEW_SESSION_ID
    return merged


NEW_SESSION_ID = object()
"""Stands for the UUID the store generates for an entry without a sessionId."""


def expect_entry(model_entry: dict[str, Any] | None, patch: dict[str, Any], result: Any) -> dict:
    """The entry the store must return: the model's merge, checked against ``result`` field by
    field and in order. Only a newly generated sessionId is taken from the result."""
    expected = merge(model_entry, patch)
    if expected["sessionId"] is NEW_SESSION_ID:
        session_id = result["sessionId"]
        assert isinstance(session_id, str) and str(uuid.UUID(session_id)) == session_id
        expected["sessionId"] = session_id
    assert result == expected, (result, expected)
    assert list(result) == list(expected), "fields out of order"
    return expected


class StoreMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="store-sm-"))
        self.path = self.dir / "sessions.json"
        self.loop = asyncio.new_event_loop()
        self.faults = Switch()
        self.model: dict[str, dict[str, Any]] = {}
        self.store = self._open()

    def _open(self) -> SessionStore:
        store = SessionStore(self.path, syscalls=self.faults)
        self.run(store.open())
        return store

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    def _apply_result(self, key: str, patch: dict[str, Any], result: dict[str, Any]) -> None:
        self.model[key] = expect_entry(self.model.get(key), patch, result)

    @rule(key=keys, patch=patches, create=st.booleans())
    def update_entry(self, key: str, patch: dict[str, Any], create: bool) -> None:
        result = self.run(self.store.update_entry(key, patch, create=create))
        if key not in self.model and not create:
            assert result is None
            return
        self._apply_result(key, patch, result)

    @rule(good=st.lists(st.tuples(keys, patches), min_size=1, max_size=4), bad_at=st.integers(0, 4))
    def batch_with_a_throwing_mutator(self, good: list, bad_at: int) -> None:
        def bad(store: Any) -> None:
            for key in list(store)[:2]:
                store[key]["label"] = "must not stick"
            if store:
                del store[next(iter(store))]
            store["agent:main:explicit:ghost"] = {"sessionId": "ghost"}
            raise RuntimeError("mutator failed")

        calls = [self.store.update_entry(k, p, create=True) for k, p in good]
        calls.insert(min(bad_at, len(calls)), self.store.update(bad))

        async def together() -> list[Any]:
            return await asyncio.gather(*calls, return_exceptions=True)

        results = [r for r in self.run(together()) if not isinstance(r, RuntimeError)]
        assert len(results) == len(good)
        for (key, patch), result in zip(good, results, strict=True):
            # Patches of one batch apply in order: each result is the model after its patch.
            self.model[key] = expect_entry(self.model.get(key), patch, result)
        # a result returned mid-batch may be superseded by a later patch to the same key
        for key in {k for k, _ in good}:
            assert dict(self.store.get(key)) == self.model[key]

    @rule(key=keys)
    def delete(self, key: str) -> None:
        assert self.run(self.store.delete_entry(key)) == (key in self.model)
        self.model.pop(key, None)

    @rule(data=st.data())
    def save_subset(self, data: st.DataObject) -> None:
        chosen = data.draw(st.lists(st.sampled_from(KEYS), unique=True))
        chosen = [k for k in chosen if k in self.model]
        entries = {k: self.model[k] for k in chosen}
        self.run(self.store.save(entries))
        self.model = dict(entries)

    @rule(key=keys, label=st.text(max_size=12), then_refresh=st.booleans())
    def external_write(self, key: str, label: str, then_refresh: bool) -> None:
        on_disk = json.loads(self.path.read_bytes()) if self.path.exists() else {}
        on_disk[key] = {**on_disk.get(key, {"sessionId": "ext"}), "label": label, "ext": True}
        on_disk[key]["updatedAt"] = BASE_TIME + 5000
        replace_atomically(self.path, on_disk)
        self.model = on_disk
        if then_refresh:
            self.run(self.store.refresh())
        else:  # the next write must notice the foreign change before applying its own
            other = KEYS[0] if key != KEYS[0] else KEYS[1]
            patch = {"updatedAt": BASE_TIME, "after": "external"}
            result = self.run(self.store.update_entry(other, patch, create=True))
            self._apply_result(other, patch, result)

    @rule(
        key=keys,
        patch=patches,
        primitive=st.sampled_from(["open", "write", "fsync", "replace", "fchmod"]),
        nth=st.integers(1, 3),
    )
    def update_with_io_fault(self, key: str, patch: dict, primitive: str, nth: int) -> None:
        before = self.path.read_bytes() if self.path.exists() else None
        self.faults.arm(primitive, nth, errno.EIO)
        try:
            result = self.run(self.store.update_entry(key, patch, create=True))
        except RenamedButNotDurableError:
            # Visible, just not known durable: the entry is the merge all the same.
            self.model[key] = expect_entry(self.model.get(key), patch, self.store.get(key))
        except StoreWriteError:
            after = self.path.read_bytes() if self.path.exists() else None
            assert after == before  # byte-identical to before the failed write
        else:
            self._apply_result(key, patch, result)
        finally:
            self.faults.enabled = False

    @rule()
    def crash_and_reopen(self) -> None:
        self.run(self.store.aclose())
        self.store = self._open()

    @invariant()
    def store_file_and_model_agree(self) -> None:
        snapshot = self.store.load()
        assert dict(snapshot) == self.model
        if self.path.exists():
            on_disk = json.loads(self.path.read_bytes())
            assert on_disk == self.model
            assert list(on_disk) == list(snapshot)
        else:
            assert self.model == {}
        assert temp_files(self.dir) == []

    def teardown(self) -> None:
        self.run(self.store.aclose())
        self.loop.close()
        for name in os.listdir(self.dir):
            os.unlink(self.dir / name)
        os.rmdir(self.dir)


StoreMachine.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_store_state_machine = StoreMachine.TestCase
