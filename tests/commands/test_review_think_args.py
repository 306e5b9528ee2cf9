"""/think rejects extra words as later OpenClaw does (reference §6), keeping "extra high"."""

from __future__ import annotations

import pytest

from tui.slash import execute

pytestmark = pytest.mark.anyio

MAIN = "agent:main:main"


class _Store:
    """Only what a refused command reads; any write would fail the test."""

    def get(self, key):
        return {"sessionId": "s1", "updatedAt": 1} if key == MAIN else None

    async def update_entry(self, key, patch_or_fn, *, create=False):
        raise AssertionError("a refused command must not write")


async def test_extra_word_after_a_valid_level_is_named() -> None:
    outcome = await execute("/think high please", _Store(), [MAIN])
    assert not outcome.ok
    assert outcome.message == 'Unexpected argument "please" for /think.'


async def test_an_unknown_level_is_still_unrecognized() -> None:
    outcome = await execute("/think banana split", _Store(), [MAIN])
    assert not outcome.ok
    assert outcome.message.startswith('Unrecognized thinking level "banana split".')
