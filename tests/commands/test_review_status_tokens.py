"""/status shows the context share unless OpenClaw marked the total stale (totalTokensFresh:
false, reference §4), as the table does; an entry without the flag is not stale."""

from __future__ import annotations

from openclaw_tui.tui.slash import status_summary

KEY = "agent:main:main"
BASE = {"sessionId": "s1", "updatedAt": 1, "totalTokens": 50_000, "contextTokens": 200_000}


def test_absent_freshness_flag_shows_the_percentage():
    assert "Tokens 50000/200000 (25%)." in status_summary(KEY, dict(BASE), now_ms=2)


def test_fresh_and_stale_totals():
    fresh = status_summary(KEY, {**BASE, "totalTokensFresh": True}, now_ms=2)
    stale = status_summary(KEY, {**BASE, "totalTokensFresh": False}, now_ms=2)
    assert "Tokens 50000/200000 (25%)." in fresh
    assert "Tokens 50000/200000 (?%)." in stale
