"""Reliability tests run on asyncio (anyio), like the rest of the suite."""

from __future__ import annotations

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
