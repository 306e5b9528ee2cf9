"""The field registry (store/fields.py) agrees with the slash commands that edit each field."""

from __future__ import annotations

import pytest

from openclaw_tui.store import SessionStore, fields
from openclaw_tui.tui.slash import COMMANDS, ParsedCommand, execute, field_command, parse
from tests.backends import read_entries
from tests.commands.helpers import GROUP, config

pytestmark = pytest.mark.anyio


def typed_text(field: str, value: str | None) -> str:
    """What an operator types to set ``field`` to ``value`` (None: clear the override)."""
    spec = fields.BY_NAME[field]
    return f"/{spec.command} {spec.clear_word if value is None else value}"


def test_every_field_names_a_slash_command():
    names = {spec.name for spec in COMMANDS}
    assert [spec.command for spec in fields.FIELDS if spec.command not in names] == []


@pytest.mark.parametrize("spec", fields.FIELDS, ids=lambda spec: spec.name)
async def test_each_fields_value_and_clear_word_round_trip_through_its_command(
    backend_store, spec: fields.FieldSpec
):
    # values[1]: not "off" (some are stored by deleting the field), and every model takes it.
    value = "openai/gpt-5.5" if spec is fields.MODEL else (spec.values or ("", "Nightly"))[1]
    async with SessionStore(backend_store) as store:
        set_it = await execute(typed_text(spec.name, value), store, [GROUP], config=config())
        assert set_it.ok, set_it.message
        stored = {name: store.get(GROUP).get(name) for name in spec.stored}
        assert all(v is not None for v in stored.values()), stored
        if spec.normalize is not None:
            assert spec.normalize(value) == store.get(GROUP)[spec.name]
        cleared = await execute(typed_text(spec.name, None), store, [GROUP], config=config())
        assert cleared.ok, cleared.message
    after = read_entries(backend_store)[GROUP]
    assert [name for name in spec.stored if name in after] == []


@pytest.mark.parametrize("spec", fields.FIELDS, ids=lambda spec: spec.name)
def test_an_editors_command_is_the_one_the_bar_would_parse_from_its_text(spec: fields.FieldSpec):
    # The editors build the command without text; it must mean what typing it means.
    for value in (*spec.values, None, "  two words  ", "openai/gpt-5.5"):
        built = field_command(spec.name, value)
        typed = parse(typed_text(spec.name, value))
        assert isinstance(typed, ParsedCommand)
        assert (built.name, built.invoked, built.args, built.raw_args) == (
            typed.name,
            typed.invoked,
            typed.args,
            typed.raw_args,
        )


def test_the_thinking_levels_offered_depend_on_the_sessions_model():
    # The registry, not each editor, knows that a binary-thinking model offers only off/on.
    zai = {"providerOverride": "zai", "modelOverride": "glm-4.6"}
    assert fields.THINKING.choices(zai) == fields.sem.BINARY_THINK_LEVELS
    assert fields.THINKING.choices(None) == fields.sem.thinking_levels_for(None, None)
    assert fields.VERBOSE.choices(zai) == fields.VERBOSE.values
