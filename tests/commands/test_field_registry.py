"""Adding a level field is adding one FieldSpec (store/fields.py): everything else follows.

The slash tables (command specs, planners, level commands) are built when their modules are
imported, so the proof runs in a fresh interpreter that appends a synthetic FieldSpec to the
registry before importing anything from ``tui``, exactly as a new entry in ``FIELDS`` would, and
then drives the real parser, planner, executor, ``/status``, ``/bulk``, completion, ``/help`` and
the edit menu against a real SessionStore. Nothing else is patched.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from openclaw_tui.store import fields
from openclaw_tui.store.model import SessionEntry

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import asyncio, json, sys
from pathlib import Path

from openclaw_tui.store import fields

SANDBOX = fields.choice_field(
    "sandboxLevel",
    "Sandbox",
    "sandbox",
    ("off", "on", "strict"),
    lambda raw: {"off": "off", "no": "off", "on": "on", "yes": "on", "strict": "strict"}.get(
        str(raw).strip().lower()
    ),
    noun="sandbox level",
    fix="/sandbox on|off|strict",
    level=fields.LevelWording(
        "sandbox",
        "set the sandbox",
        {"off": "Sandbox off.", "on": "Sandbox on.", "strict": "Sandbox strict."},
        "Sandbox reset to default.",
        ("on", "strict", "off"),
        aliases=("sb",),
    ),
    status=fields.StatusLine("sandbox", 45),
)
# What adding it to FIELDS in store/fields.py amounts to (BY_NAME and BY_COMMAND derive from it).
fields.FIELDS = (*fields.FIELDS, SANDBOX)
fields.BY_NAME[SANDBOX.name] = SANDBOX
fields.BY_COMMAND[SANDBOX.command] = SANDBOX

from openclaw_tui.store import SessionStore
from openclaw_tui.tui import slash
from openclaw_tui.tui.slash.parse import BY_NAME as COMMANDS_BY_NAME
from openclaw_tui.tui.slash.bulk import parse_bulk, preview
from openclaw_tui.widgets.editors import ChoiceEditor, EditMenu
from tests.editing.host import GROUP, HostApp
from tests.tui.helpers import wait_until

path = Path(sys.argv[1])
out = {}


async def main():
    async with SessionStore(path) as store:
        run = lambda text: slash.execute(text, store, [GROUP], config=slash.SlashConfig())
        out["usage"] = COMMANDS_BY_NAME["sb"].usage
        parsed = slash.parse("/sb:yes")
        out["parsed"] = [parsed.name, list(parsed.args)]
        out["set"] = (await run("/sandbox yes")).message
        out["stored"] = store.get(GROUP).get("sandboxLevel")
        out["bare"] = (await run("/sandbox")).message
        out["bad"] = (await run("/sandbox banana")).message
        out["status"] = (await run("/status")).message
        out["complete"] = slash.complete("/sandbox ")
        out["help"] = (await run("/help sandbox")).message
        request = parse_bulk("-- /sandbox strict")
        rows = preview(request, store, 1_900_000_000.0)
        out["bulk"] = [[r.key, r.before, r.after, r.status] for r in rows.rows]
        out["cleared"] = (await run("/sandbox inherit")).message
        out["after_clear"] = "sandboxLevel" in store.get(GROUP)

        app = HostApp(store, current_key=GROUP)
        async with app.run_test() as pilot:
            await pilot.press("e")
            await wait_until(pilot, lambda: isinstance(app.screen, EditMenu))
            menu = [f.field for f in app.screen.fields if not f.action]
            out["menu"] = menu
            await pilot.press(*["down"] * menu.index("sandboxLevel"), "enter")
            await wait_until(pilot, lambda: isinstance(app.screen, ChoiceEditor))
            await pilot.press("end", "enter")  # the last choice: strict
            await wait_until(pilot, lambda: not isinstance(app.screen, ChoiceEditor))
            await wait_until(pilot, lambda: app.controller.last_outcome is not None)
            out["editor"] = list(app.controller.last_outcome)
        out["edited"] = store.get(GROUP).get("sandboxLevel")


asyncio.run(main())
print(json.dumps(out))
"""

GROUP = "agent:main:telegram:group:-1001234567890"


def test_a_new_level_field_needs_only_its_fieldspec(tmp_path: Path) -> None:
    store = tmp_path / "sessions.json"
    store.write_text(
        json.dumps({GROUP: {"sessionId": "s-1", "updatedAt": 1_900_000_000_000}}),
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(store)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["usage"] == "/sandbox on|strict|off|inherit"
    assert out["parsed"] == ["sandbox", ["yes"]]
    assert out["set"] == "Sandbox on."
    assert out["stored"] == "on"
    assert out["bare"] == "Current sandbox level: on.\nOptions: on, strict, off, inherit."
    assert out["bad"] == (
        'Unrecognized sandbox level "banana". Valid levels: off, on, strict '
        "(or inherit for the default)."
    )
    assert "elevated default, sandbox on, usage off" in out["status"]
    assert out["complete"] == [f"/sandbox {v}" for v in ("on", "strict", "off", "inherit")]
    assert out["help"] == "/sandbox on|strict|off|inherit (also /sb): set the sandbox."
    assert out["bulk"] == [[GROUP, "sandbox: on", "sandbox: strict", "change"]]
    assert out["cleared"] == "Sandbox reset to default."
    assert out["after_clear"] is False
    assert out["menu"][-1] == "sandboxLevel"
    assert out["editor"] == [True, "Sandbox strict."]
    assert out["edited"] == "strict"


def test_every_field_is_stored_in_typed_model_fields() -> None:
    # The typed SessionEntry must know every field a FieldSpec edits: forgetting one fails here.
    missing = [
        name
        for spec in fields.FIELDS
        for name in spec.stored
        if name not in SessionEntry.model_fields
    ]
    assert missing == []


def test_every_level_like_model_field_has_a_fieldspec_or_is_read_only() -> None:
    # The other way round: a *Level field of the model is editable (has a FieldSpec) unless it
    # is one OpenClaw's slash commands here do not set.
    read_only = {"traceLevel"}
    edited = {name for spec in fields.FIELDS for name in spec.stored}
    levels = {name for name in SessionEntry.model_fields if name.endswith("Level")}
    assert levels - edited == read_only
