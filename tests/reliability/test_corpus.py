"""The fuzz corpus: every bad store file and bad command-bar input has its expected outcome.

``corpus/manifest.json`` lists them (``corpus/make_corpus.py`` regenerates the files). For a store
file the outcome is one of:

* ``error``: a typed read error naming the path and the problem; writes are refused; the file is
  never touched; recovery keeps a byte-identical copy;
* ``loaded``: every entry kept (quarantined ones reported with their issue code); after a write of
  another session every original value is still there, exactly (``kept_bytes`` still in the file);
* ``read_only``: shown, but writes refused because they would lose something; file untouched.

A command-bar input gets an ``Outcome`` (never an exception) with the expected message; a
refused command leaves the file byte-identical.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from openclaw_tui.store import SessionStore
from openclaw_tui.store.errors import StoreError, StoreReadOnlyError
from openclaw_tui.tui.slash import SlashConfig, execute
from tests.reliability.helpers import SMALL_STORE, record_figure, temp_files

pytestmark = pytest.mark.anyio

CORPUS = Path(__file__).resolve().parent / "corpus"
MANIFEST = json.loads((CORPUS / "manifest.json").read_text())
STORE_CASES = MANIFEST["store"]
COMMAND_CASES = MANIFEST["commands"]
MAIN = "agent:main:main"
NEW = "agent:main:explicit:corpus-probe"


def _place(tmp_path: Path, raw: bytes) -> Path:
    path = tmp_path / "agents" / "main" / "sessions" / "sessions.json"
    path.parent.mkdir(parents=True)
    path.write_bytes(raw)
    path.chmod(0o600)
    return path


def _exact(raw: bytes) -> Any:
    """Parse with the standard library (exact big integers, lone surrogates kept)."""
    return json.loads(raw.decode("utf-8"))


@pytest.mark.parametrize("case", STORE_CASES, ids=[c["file"] for c in STORE_CASES])
async def test_bad_store_file(tmp_path: Path, case: dict[str, Any]) -> None:
    raw = (CORPUS / case["file"]).read_bytes()
    path = _place(tmp_path, raw)
    async with SessionStore(path) as store:
        health = store.health
        if case["expect"] == "error":
            assert health.error is not None, f"{case['file']} ({case['why']}) was accepted"
            assert case["error"] in [c.__name__ for c in type(health.error).__mro__]
            message = health.error.describe()
            assert str(path) in message
            for part in case["message"]:
                assert part in message, message
            assert dict(store.load()) == {}
            with pytest.raises(StoreError) as info:
                await store.update_entry(NEW, {"label": "x"}, create=True)
            assert str(path) in str(info.value)
            assert path.read_bytes() == raw  # never overwritten
            kept = await store.recover()
            assert kept is not None and kept.read_bytes() == raw  # nothing lost
        elif case["expect"] == "read_only":
            assert health.error is None
            assert health.read_only_reason is not None
            for part in case["message"]:
                assert part in health.read_only_reason
            assert len(store.load()) == case["entries"]
            assert sorted(i.code for i in store.issues) == sorted(case["issues"])
            with pytest.raises(StoreReadOnlyError):
                await store.update_entry(MAIN, {"label": "x"}, create=True)
            assert path.read_bytes() == raw
        else:
            assert health.error is None and health.read_only_reason is None, health
            assert len(store.load()) == case["entries"]
            assert sorted(i.code for i in store.issues) == sorted(case["issues"])
            await store.update_entry(NEW, {"label": "probe"}, create=True)
            written = path.read_bytes()
            after = _exact(written)
            assert after.pop(NEW)["label"] == "probe"
            assert after == _exact(raw)  # every original entry and value, in full
            assert list(after) == list(_exact(raw))  # and in their order
            for part in case["kept_bytes"]:
                assert part.encode() in written, part
    assert temp_files(path.parent) == []


@pytest.mark.parametrize("case", COMMAND_CASES, ids=[repr(c["input"][:30]) for c in COMMAND_CASES])
async def test_bad_command_input(tmp_path: Path, case: dict[str, Any]) -> None:
    path = _place(tmp_path, SMALL_STORE.read_bytes())
    before = path.read_bytes()
    async with SessionStore(path) as store:
        outcome = await execute(
            case["input"],
            store,
            case.get("key", MAIN),
            config=SlashConfig(now_ms=lambda: 1_900_000_000_000),
        )
    assert outcome.ok is case["ok"], outcome
    assert outcome.needs_confirmation is case.get("needs_confirmation", False)
    for part in case["message"]:
        assert part in outcome.message, outcome.message
    assert len(outcome.message) < 2000  # a 100,000-character input is not echoed in full
    if not case["ok"]:
        assert path.read_bytes() == before
    for name, value in case.get("stored", {}).items():
        assert json.loads(path.read_bytes())[MAIN][name] == value


def test_corpus_size() -> None:
    record_figure("corpus", {"store_files": len(STORE_CASES), "command_inputs": len(COMMAND_CASES)})
    assert len(STORE_CASES) >= 30 and len(COMMAND_CASES) >= 20
