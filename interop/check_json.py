"""A sessions.json written by openclaw-tui, read and rewritten by OpenClaw 2026.7.35 itself.

Our JSON store patches, creates and removes entries (with fields OpenClaw does not know) in a copy
of a store OpenClaw wrote. Then OpenClaw 2026.7.35 must load exactly our entries (its SDK and its
``openclaw sessions --store FILE --json``), and its own serialization of what it loaded must be
byte-identical to our file.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import anyio

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from interop.common import (
    Report,
    canonical_json,
    diff_entries,
    first_difference,
    isolated,
    openclaw,
    require_fixtures,
    sdk,
)
from openclaw_tui.store import SessionStore
from tests.shared_data import SMALL_JSON

VERSION = "2026.7.35"
MAIN = "agent:main:main"
CRON = "agent:main:cron:daily-digest"
CREATED = "agent:main:explicit:tui-interop"
REMOVED = "agent:main:explicit:portal-123"


async def write_with_our_store(path: Path) -> None:
    async with SessionStore(path) as store:
        await store.update_entry(
            MAIN,
            {"thinkingLevel": "low", "tuiUnknown": {"nested": [1, "é", None, {"deep": True}]}},
        )
        await store.update_entry(CRON, {"label": None, "verboseLevel": "on"})  # None deletes
        await store.update_entry(
            CREATED,
            {"label": "Ünïcødé 🦞 desk", "customFlag": True, "extra": {"a": [1, 2.5, "x"]}},
            create=True,
        )
        assert await store.delete_entry(REMOVED)


def main() -> int:
    require_fixtures()
    report = Report(f"sessions.json written by openclaw-tui, read by OpenClaw {VERSION}")
    with isolated() as iso:
        path = iso.state / "agents" / "main" / "sessions" / "sessions.json"
        path.parent.mkdir(parents=True)
        shutil.copyfile(SMALL_JSON, path)
        path.chmod(0o600)
        anyio.run(write_with_our_store, path)
        ours_bytes = path.read_bytes()
        ours = json.loads(ours_bytes)
        report.check(
            CREATED in ours and REMOVED not in ours and "label" not in ours[CRON],
            "our store patched, created and removed entries (unknown fields included)",
        )

        loaded = sdk(VERSION, ["json-load", str(path)], iso)
        if report.check(
            loaded.returncode == 0,
            "OpenClaw's loadSessionStore reads our file",
            loaded.stdout + loaded.stderr,
        ):
            theirs = loaded.json()
            report.check(
                canonical_json(theirs) == canonical_json(ours),
                "OpenClaw loads every entry and field unchanged, in order",
                diff_entries(ours, theirs),
            )

        out = path.with_name("openclaw-rewrite.json")
        out.write_text("{}")
        rewrite = sdk(VERSION, ["json-rewrite", str(path), str(out)], iso)
        if report.check(
            rewrite.returncode == 0,
            "OpenClaw's saveSessionStore rewrites what it loaded",
            rewrite.stdout + rewrite.stderr,
        ):
            rewritten = out.read_bytes()
            report.check(
                rewritten == ours_bytes,
                "OpenClaw's own rewrite of our file is byte-identical to ours",
                first_difference(ours_bytes, rewritten),
            )
        report.check(path.read_bytes() == ours_bytes, "our file itself was left as we wrote it")

        cli = openclaw(VERSION, ["sessions", "--store", str(path), "--json"], iso)
        if report.check(
            cli.returncode == 0,
            "`openclaw sessions --store FILE --json` succeeds",
            cli.stdout[-2000:] + cli.stderr[-2000:],
        ):
            listed = {s["key"]: s for s in cli.json()["sessions"]}
            report.check(
                set(listed) == set(ours),
                f"the CLI lists exactly our {len(ours)} sessions",
                diff_entries(ours, {k: ours.get(k, v) for k, v in listed.items()}),
            )
            report.check(
                listed.get(MAIN, {}).get("thinkingLevel") == "low"
                and listed.get(CREATED, {}).get("label") == ours[CREATED]["label"]
                and "label" not in listed.get(CRON, {"label": 1}),
                "the CLI shows our patched, created and deleted-field values",
                json.dumps({k: listed.get(k) for k in (MAIN, CREATED, CRON)}, ensure_ascii=False)[
                    :1500
                ],
            )
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
