"""Shared fixtures for the editing tests: a temp copy of the real small store, anyio on asyncio."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

FIXTURE_STORE = Path("/work/shared/fixtures/openclaw-2026.7.35/small/sessions.json")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    """A writable copy of the 12-entry store OpenClaw 2026.7.35 wrote (in its own directory)."""
    target = tmp_path / "agents" / "main" / "sessions" / "sessions.json"
    target.parent.mkdir(parents=True)
    shutil.copyfile(FIXTURE_STORE, target)
    target.chmod(0o600)
    return target
