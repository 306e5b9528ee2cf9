"""Shared fixtures for the editing tests: a temp copy of the real small store, anyio on asyncio.

The store-backed tests run on both backends: ``store_kind`` is parametrized over ("json",
"sqlite"), and ``store_path`` is the same 12 real sessions as a sessions.json (OpenClaw 2026.7.35)
or as OpenClaw 2026.9.6's SQLite rows.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.backends import StoreKind, make_store_copy, store_kind  # noqa: F401 - fixture
from tests.conftest import SMALL_STORE

FIXTURE_STORE = SMALL_STORE
"""The 12-entry sessions.json OpenClaw 2026.7.35 wrote (the JSON-only tests copy it)."""


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def store_path(tmp_path: Path, store_kind: StoreKind) -> Path:  # noqa: F811
    """A writable copy of the 12 real sessions, of ``store_kind``, at agent main's path."""
    return make_store_copy(store_kind, tmp_path)
