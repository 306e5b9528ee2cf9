"""Slash commands: text typed into the command bar -> a store edit and a message.

Pure logic, no Textual: the command bar widget hosts it. One module per concept:

- ``parse``: the command table (``COMMANDS``), ``parse`` (typed text -> ``ParsedCommand``) and
  ``build``/``field_command`` (a ``ParsedCommand`` without text, for the editors);
- ``plans``: what each command does (a patch computed from the current entry), ``SlashConfig``;
- ``status``: the ``/status`` summary;
- ``reset``: ``/reset`` and ``/new``;
- ``execute``: ``execute``, which runs a command on the selected sessions and never raises;
- ``results``: the ``Outcome`` it returns;
- ``complete``: completion of command names and arguments.
"""

from openclaw_tui.tui.slash.complete import argument_values, complete, models_in_store
from openclaw_tui.tui.slash.execute import execute
from openclaw_tui.tui.slash.parse import (
    COMMANDS,
    CommandSpec,
    ParsedCommand,
    SlashError,
    build,
    command_names,
    field_command,
    parse,
)
from openclaw_tui.tui.slash.plans import DEFAULT_MODEL_ALIASES, DEFAULT_MODELS, SlashConfig
from openclaw_tui.tui.slash.results import Outcome
from openclaw_tui.tui.slash.status import status_summary

__all__ = [
    "COMMANDS",
    "DEFAULT_MODELS",
    "DEFAULT_MODEL_ALIASES",
    "CommandSpec",
    "Outcome",
    "ParsedCommand",
    "SlashConfig",
    "SlashError",
    "argument_values",
    "build",
    "command_names",
    "complete",
    "execute",
    "field_command",
    "models_in_store",
    "parse",
    "status_summary",
]
