"""SessionEntry model and validate_entry: real stores validate, invalid values are flagged, kept."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openclaw_tui.store.model import SessionEntry, entry_issues, validate_entry
from tests.conftest import FIXTURES, GATEWAY_STORE, SMALL_STORE


def _fixture_entries() -> list[tuple[str, dict]]:
    out = []
    for path in (SMALL_STORE, GATEWAY_STORE):
        out += list(json.loads(path.read_bytes()).items())
    rows = json.loads(
        (FIXTURES / "openclaw-2026.9.6/small-imported/session_nodes.json").read_bytes()
    )
    for row in rows:
        entry = row["entry_json"]
        out.append((row["session_key"], json.loads(entry) if isinstance(entry, str) else entry))
    return out


@pytest.mark.parametrize(("key", "entry"), _fixture_entries(), ids=lambda v: str(v)[:60])
def test_real_entries_validate_without_issues_and_round_trip(key, entry):
    before = copy.deepcopy(entry)
    model, issues = validate_entry(entry)
    assert issues == {}
    assert model is not None
    assert entry == before  # the raw dict is never touched
    assert model.model_dump(exclude_unset=True) == entry
    assert model.sessionId == entry["sessionId"]


def test_invalid_values_are_flagged_per_field_and_kept():
    raw = {
        "sessionId": "s-1",
        "updatedAt": 1,
        "thinkingLevel": "banana",
        "verboseLevel": 42,
        "reasoningLevel": "SHOW",
        "fastMode": "sometimes",
        "queueCap": "ten",
        "myCustomField": {"nested": [1, 2, {"x": True}]},
        "key with spaces": 1,
    }
    before = copy.deepcopy(raw)
    model, issues = validate_entry(raw)
    assert raw == before
    assert set(issues) == {
        "thinkingLevel",
        "verboseLevel",
        "reasoningLevel",
        "fastMode",
        "queueCap",
    }
    assert '"banana"' in issues["thinkingLevel"] and "thinking level" in issues["thinkingLevel"]
    assert "/think" in issues["thinkingLevel"]  # the fix is named
    assert issues["verboseLevel"].startswith("42 ")
    # A recognisable but non-canonical value says how OpenClaw reads it.
    assert 'reads it as "on"' in issues["reasoningLevel"]
    assert model is not None
    # A wrong string is still shown as what it is; a wrong type is left out of the typed view.
    assert model.thinkingLevel == "banana"
    assert model.verboseLevel is None
    assert model.queueCap is None
    assert model.model_extra == {
        "myCustomField": {"nested": [1, 2, {"x": True}]},
        "key with spaces": 1,
    }


def test_unsafe_session_id_is_flagged_and_hidden_from_the_view():
    model, issues = validate_entry({"sessionId": "../etc/passwd", "updatedAt": 5})
    assert "sessionId" in issues and "path" in issues["sessionId"]
    assert model is not None and model.sessionId is None
    assert "sessionId" in validate_entry({"sessionId": "has space"})[1]
    assert "sessionId" in validate_entry({"sessionId": ".."})[1]
    assert validate_entry({"sessionId": "abc:1@x.y-z"})[1] == {}


def test_negative_updated_at_and_uncovered_wrong_types_are_flagged():
    _, issues = validate_entry({"updatedAt": -5, "spawnDepth": "deep", "origin": [1]})
    assert set(issues) == {"updatedAt", "spawnDepth", "origin"}


def test_null_values_and_non_objects():
    assert validate_entry({"label": None, "thinkingLevel": None}) == (
        SessionEntry(label=None, thinkingLevel=None),
        {},
    )
    for raw in (5, None, [1], "x"):
        model, issues = validate_entry(raw)
        assert model is None and "" in issues and "not an object" in issues[""]


# Each example validates through pydantic; on a loaded 2-core machine a run once failed
# hypothesis's too-slow health check, which says nothing about the property.
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(
        st.sampled_from(
            ["thinkingLevel", "verboseLevel", "updatedAt", "sessionId", "origin", "queueCap", "x"]
        ),
        st.one_of(
            st.none(), st.booleans(), st.integers(), st.text(max_size=10), st.lists(st.integers())
        ),
    )
)
def test_any_entry_yields_a_view_and_issues_only_for_known_fields(raw):
    before = copy.deepcopy(raw)
    model, issues = validate_entry(raw)
    assert model is not None
    assert raw == before
    assert "x" not in issues
    assert issues == entry_issues(raw)


def test_the_known_fields_spelled_out_for_the_first_frame_are_the_models() -> None:
    # checks.KNOWN_FIELDS is a literal so that the app need not import pydantic to draw; it must
    # stay the model's fields and aliases.
    from openclaw_tui.store.checks import KNOWN_FIELDS

    model = frozenset(SessionEntry.model_fields) | frozenset(
        field.alias for field in SessionEntry.model_fields.values() if field.alias
    )
    assert model == KNOWN_FIELDS


def test_an_entry_that_is_not_an_object_has_one_problem_either_way() -> None:
    assert entry_issues([1]) == validate_entry([1])[1] != {}
