"""Fixtures shared by every test folder: anyio on asyncio, temp copies of the real stores."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

FIXTURES = Path("/work/shared/fixtures")
SMALL_STORE = FIXTURES / "openclaw-2026.7.35" / "small" / "sessions.json"
GATEWAY_STORE = FIXTURES / "openclaw-2026.7.35" / "gateway-sessions-patch" / "sessions.json"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def copy_store(source: Path, tmp_path: Path) -> Path:
    """A writable copy of ``source`` at ``<tmp>/agents/main/sessions/sessions.json`` (mode 0600)."""
    target = tmp_path / "agents" / "main" / "sessions" / "sessions.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    target.chmod(0o600)
    return target


@pytest.fixture
def small_store(tmp_path: Path) -> Path:
    """The 12-entry store OpenClaw 2026.7.35 wrote, copied into a temp state dir."""
    return copy_store(SMALL_STORE, tmp_path)


@pytest.fixture
def gateway_store(tmp_path: Path) -> Path:
    """The 3-entry store a live OpenClaw 2026.7.35 Gateway wrote, copied into a temp state dir."""
    return copy_store(GATEWAY_STORE, tmp_path)
