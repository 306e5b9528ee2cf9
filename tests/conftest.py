"""Fixtures shared by every test folder: anyio on asyncio, temp copies of the real stores, a
private tmux server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from openclaw_tui.store.paths import json_store_path
from tests.backends import copy_fixture, make_store_copy
from tests.shared_data import FIXTURES, missing_fixtures_message
from tests.shared_data import GATEWAY_JSON as GATEWAY_STORE
from tests.shared_data import SMALL_JSON as SMALL_STORE
from tests.tmux import PrivateTmux

__all__ = ["FIXTURES", "GATEWAY_STORE", "SMALL_STORE"]


def _fixture_files() -> dict[str, tuple[int, int]]:
    return {
        str(path.relative_to(FIXTURES)): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in sorted(FIXTURES.rglob("*"))
        if path.is_file()
    }


_FIXTURES_AT_START: dict[str, tuple[int, int]] = {}


def pytest_sessionstart(session: pytest.Session) -> None:
    message = missing_fixtures_message()
    if message is not None:
        pytest.exit(message, returncode=2)
    _FIXTURES_AT_START.update(_fixture_files())


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The fixtures are OpenClaw's own files and are never edited: a test that opens one in place
    (SQLite readers leave -wal/-shm beside a WAL database) fails the run, naming the files."""
    if not _FIXTURES_AT_START:
        return
    now = _fixture_files()
    changed = sorted(
        name
        for name in _FIXTURES_AT_START.keys() | now.keys()
        if _FIXTURES_AT_START.get(name) != now.get(name)
    )
    if changed:
        print(
            f"\nthe shared fixtures in {FIXTURES} changed during the run: {', '.join(changed)}; "
            "tests must copy a fixture to tmp_path before opening it (tests/backends.py)"
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def small_store(tmp_path: Path) -> Path:
    """The 12-entry store OpenClaw 2026.7.35 wrote, copied into a temp state dir."""
    return make_store_copy("json", tmp_path)


@pytest.fixture
def gateway_store(tmp_path: Path) -> Path:
    """The 3-entry store a live OpenClaw 2026.7.35 Gateway wrote, copied into a temp state dir."""
    return copy_fixture(GATEWAY_STORE, json_store_path("main", tmp_path))


@pytest.fixture
def private_tmux() -> Iterator[PrivateTmux]:
    """A tmux server of this test's own (``tmux -L <unique name>``), killed afterwards and its
    socket file removed. The only way tests may run tmux (tests/test_tmux_hygiene.py)."""
    server = PrivateTmux()
    try:
        yield server
    finally:
        server.close()
        assert not server.socket_path.exists(), server.socket_path
