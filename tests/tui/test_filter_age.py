"""``updated:`` age comparisons in the filter grammar (issue #14), against a clock tests control."""

from __future__ import annotations

from pathlib import Path

import pytest

from openclaw_tui.tui import help as help_screen
from openclaw_tui.tui.viewmodel import (
    FILTER_GRAMMAR,
    FilterError,
    SessionViewModel,
    filter_grammar_markdown,
    matches,
    parse_filter,
)
from tests.tui.helpers import make_app, started, store_path, wait_until, write_json_store

NOW = 1_800_000_000.0
HOUR = 3600.0
DAY = 86_400.0


def at(age_s: float) -> dict[str, object]:
    """An entry last updated ``age_s`` seconds before NOW."""
    return {"sessionId": "s", "updatedAt": int((NOW - age_s) * 1000)}


@pytest.mark.parametrize(
    ("text", "age_s", "expected"),
    [
        ("updated:>7d", 8 * DAY, True),
        ("updated:>7d", 6 * DAY, False),
        ("updated:>7d", 7 * DAY, False),  # exactly 7 days is not more than 7 days
        ("updated:>=7d", 7 * DAY, True),
        ("updated:<2h", 1 * HOUR, True),
        ("updated:<2h", 3 * HOUR, False),
        ("updated:<=30m", 30 * 60, True),
        ("updated:<=30m", 31 * 60, False),
        ("updated:>90s", 91, True),
        ("updated:>1w", 6 * DAY, False),
        ("updated:>1.5h", 2 * HOUR, True),
        ("!updated:>7d", 8 * DAY, False),
        ("UPDATED:>7D", 8 * DAY, True),
        ("age:>7d", 8 * DAY, True),
    ],
)
def test_age_comparisons(text: str, age_s: float, expected: bool) -> None:
    assert matches(parse_filter(text), "agent:main:cron:x", at(age_s), NOW) is expected


def test_a_session_without_updated_at_matches_no_comparison() -> None:
    for text in ("updated:>1s", "updated:<100w"):
        assert not matches(parse_filter(text), "k", {"sessionId": "s"}, NOW)
        assert not matches(parse_filter(text), "k", {"updatedAt": "yesterday"}, NOW)
    # ...so its negation matches it.
    assert matches(parse_filter("!updated:>1s"), "k", {"sessionId": "s"}, NOW)


def test_age_combines_with_other_terms() -> None:
    terms = parse_filter("kind:cron updated:>7d")
    assert matches(terms, "agent:main:cron:nightly", at(8 * DAY), NOW)
    assert not matches(terms, "agent:main:main", at(8 * DAY), NOW)
    assert not matches(terms, "agent:main:cron:nightly", at(HOUR), NOW)


@pytest.mark.parametrize(
    "text", ["updated:7d", "updated:>7", "updated:>7y", "updated:>", "~updated:>1d"]
)
def test_a_malformed_age_says_how_to_write_one(text: str) -> None:
    with pytest.raises(FilterError) as caught:
        parse_filter(text)
    message = str(caught.value)
    assert "updated:>7d" in message and "s m h d w" in message


def test_the_model_measures_ages_with_its_own_clock() -> None:
    now = [NOW]
    vm = SessionViewModel(clock=lambda: now[0], monotonic=lambda: 0.0)
    entries = {"old": at(8 * DAY), "fresh": at(HOUR)}
    vm.configure(entries=entries, filter_text="updated:>2d")
    assert vm.has_age_filter
    assert vm.shown_keys() == ["old"]
    assert vm.filtered_at == NOW
    now[0] = NOW + 2 * DAY  # "fresh" is now 2 days and an hour old
    vm.rebuild()
    assert sorted(vm.shown_keys()) == ["fresh", "old"]
    vm.configure(entries=entries, filter_text="kind:cron")
    assert not vm.has_age_filter


def test_help_and_readme_show_the_parsers_grammar() -> None:
    assert help_screen.FILTER_HELP is FILTER_GRAMMAR
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    assert filter_grammar_markdown() in readme, (
        "regenerate README's filter table from FILTER_GRAMMAR"
    )
    for example, _meaning in FILTER_GRAMMAR:
        for word in example.split():
            parse_filter(word)  # every example is valid grammar


@pytest.mark.anyio
async def test_the_app_filters_again_as_rows_age(tmp_path: Path) -> None:
    now = [NOW]
    write_json_store(
        store_path(tmp_path),
        {"agent:main:cron:a": at(30 * 60), "agent:main:cron:b": at(3 * HOUR)},
    )
    app = make_app(tmp_path, clock=lambda: now[0])
    async with app.run_test(size=(140, 30)) as pilot:
        screen = await started(pilot)
        assert screen.apply_filter("updated:<1h")
        await wait_until(pilot, lambda: screen.vm.shown_keys() == ["agent:main:cron:a"])
        now[0] += 10  # too soon to filter again: nothing changes
        screen._tick()
        assert screen.vm.filtered_at == NOW
        now[0] = NOW + HOUR  # "a" is now 90 minutes old
        screen._tick()
        await wait_until(pilot, lambda: screen.vm.shown_keys() == [], what="a to age out")
