"""Habits from k9s, htop and lazygit (issue #13 item 13)."""

from __future__ import annotations

from openclaw_tui.tui.viewmodel import matches, parse_filter


def test_filter_main_does_not_match_through_the_hidden_agent_prefix() -> None:
    terms = parse_filter("main")
    assert not matches(terms, "agent:main:discord:channel:123456789012345678", {})
    assert not matches(terms, "gw1/agent:main:cron:daily-digest", {})
    assert matches(terms, "agent:main:main", {})
    assert matches(terms, "agent:main:explicit:main-portal", {})
    # The whole key stays searchable on purpose.
    assert matches(parse_filter("key:agent:main"), "agent:main:discord:channel:1", {})


def test_filter_by_agent_name_matches_only_what_is_shown() -> None:
    assert not matches(parse_filter("ops"), "agent:ops:slack:channel:c0123", {})
    assert matches(parse_filter("slack"), "agent:ops:slack:channel:c0123", {})
