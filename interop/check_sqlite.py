"""Rows written by openclaw-tui's SQLite backend, read and written by OpenClaw 2026.9.6 itself.

Our store patches, creates and deletes sessions (with fields OpenClaw does not know, a reset
sessionId, a tombstone and a hard delete) in a copy of a database OpenClaw 2026.9.6 wrote. Then
OpenClaw must list them with our values and demand no repair (its CLI and its SDK), and must be
able to write over our rows, which our store reads back.
"""

from __future__ import annotations

import json
import shutil
import sys
import uuid
from pathlib import Path
from typing import Any

import anyio

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from interop.common import (
    TIMEOUT,
    Isolated,
    Report,
    diff_entries,
    isolated,
    openclaw,
    require_fixtures,
    sdk,
    sdk_process,
)
from openclaw_tui.store import SessionStore
from tests.shared_data import SQLITE_DB

VERSION = "2026.9.6"
MAIN = "agent:main:main"
SLACK = "agent:main:slack:channel:c0123abcd"
HOOK = "agent:main:hook:0b9d7a52-1c3e-4f5a-8b6c-7d8e9f0a1b2c"
CREATED = "agent:main:explicit:tui-interop"
SHORT_LIVED = "agent:main:explicit:tui-short-lived"
TOMBSTONED = "agent:main:explicit:portal-123"
RESET_THEN_DELETED = "agent:main:cron:daily-digest"
NEW_SESSION_ID = str(uuid.uuid4())


async def write_with_our_store(path: Path) -> dict[str, Any]:
    async with SessionStore(path) as store:
        await store.update_entry(
            MAIN,
            {
                "thinkingLevel": "low",
                "label": "Ops desk",
                "tuiUnknown": {"nested": [1, "é", None, {"deep": True}]},
            },
        )
        await store.update_entry(SLACK, {"displayName": "slack:#eng-renamed", "verboseLevel": "on"})
        # A reset: a new sessionId, as /new does.
        await store.update_entry(HOOK, {"sessionId": NEW_SESSION_ID, "fastMode": None})
        # Reset, then deleted: the tombstone must keep a window OpenClaw knows.
        await store.update_entry(RESET_THEN_DELETED, {"sessionId": str(uuid.uuid4())})
        assert await store.delete_entry(RESET_THEN_DELETED)
        await store.update_entry(
            CREATED,
            {"label": "Ünïcødé 🦞 desk", "customFlag": True, "extra": {"a": [1, 2.5, "x"]}},
            create=True,
        )
        await store.update_entry(SHORT_LIVED, {"label": "gone soon"}, create=True)
        assert await store.delete_entry(SHORT_LIVED)  # no window: the row is deleted
        assert await store.delete_entry(TOMBSTONED)  # has OpenClaw's window: a tombstone
        return {key: dict(value) for key, value in store.load().items()}


async def race_openclaw(path: Path, iso: Isolated, count: int) -> dict[str, Any]:
    """Our store and OpenClaw's own writer increment two fields of one row at the same time."""
    proc = sdk_process(VERSION, ["sqlite-bump", "main", MAIN, "openclawCounter", str(count)], iso)
    try:
        assert proc.stderr is not None and proc.stdin is not None
        if proc.stderr.readline().strip() != "ready":
            raise RuntimeError("OpenClaw's writer did not start: " + proc.stderr.read()[-2000:])
        async with SessionStore(path) as store:
            store.load()
            proc.stdin.write("go\n")
            proc.stdin.flush()

            def bump(entry: dict[str, Any]) -> dict[str, Any]:
                return {"tuiCounter": int(entry.get("tuiCounter", 0)) + 1}

            # Keep writing for as long as OpenClaw does, so the two really overlap.
            ours = 0
            while proc.poll() is None and ours < 20 * count:
                await store.update_entry(MAIN, bump)
                ours += 1
            conflicts = store.stats["conflicts"]
        out, err = await anyio.to_thread.run_sync(lambda: proc.communicate(timeout=TIMEOUT))
        if proc.returncode != 0:
            raise RuntimeError(f"OpenClaw's writer failed: {out[-1500:]} {err[-1500:]}")
    finally:
        if proc.poll() is None:
            proc.kill()
    final = await read_with_our_store(path)
    return {
        "entry": final[MAIN],
        "conflicts": conflicts,
        "ours": ours,
        "their_retries": json.loads(out)["retries"],
    }


async def read_with_our_store(path: Path) -> dict[str, Any]:
    async with SessionStore(path) as store:
        return {key: dict(value) for key, value in store.load().items()}


def cli_sessions(iso: Isolated, report: Report, when: str) -> dict[str, Any] | None:
    result = openclaw(VERSION, ["sessions", "--json"], iso)
    output = result.stdout + result.stderr
    ok = report.check(
        result.returncode == 0 and "repair" not in output and "doctor --fix" not in output,
        f"`openclaw sessions --json` accepts the store {when} (no repair demanded)",
        output[-3000:],
    )
    return {s["key"]: s for s in result.json()["sessions"]} if ok else None


def main() -> int:
    require_fixtures()
    report = Report(f"SQLite rows written by openclaw-tui, read and written by OpenClaw {VERSION}")
    with isolated() as iso:
        path = iso.state / "agents" / "main" / "agent" / "openclaw-agent.sqlite"
        path.parent.mkdir(parents=True)
        shutil.copyfile(SQLITE_DB, path)
        path.chmod(0o600)
        ours = anyio.run(write_with_our_store, path)
        report.check(
            CREATED in ours
            and TOMBSTONED not in ours
            and SHORT_LIVED not in ours
            and RESET_THEN_DELETED not in ours,
            "our store patched, reset, created, tombstoned and deleted rows",
        )

        listed = cli_sessions(iso, report, "after our writes")
        if listed is not None:
            report.check(
                set(listed) == set(ours),
                f"the CLI lists exactly our {len(ours)} sessions (deleted ones gone)",
                diff_entries(ours, {k: ours.get(k, v) for k, v in listed.items()}),
            )
            shown = {k: listed.get(k, {}) for k in (MAIN, SLACK, HOOK, CREATED)}
            report.check(
                shown[MAIN].get("thinkingLevel") == "low"
                and shown[MAIN].get("label") == "Ops desk"
                and shown[HOOK].get("sessionId") == NEW_SESSION_ID
                and shown[CREATED].get("label") == ours[CREATED]["label"]
                and shown[CREATED].get("sessionId") == ours[CREATED]["sessionId"],
                "the CLI shows our new values (label, thinkingLevel, reset sessionId, new row)",
                json.dumps(shown, ensure_ascii=False, indent=1)[:3000],
            )

        entries = sdk(VERSION, ["sqlite-list", "main"], iso)
        if report.check(
            entries.returncode == 0,
            "OpenClaw's listSessionEntries reads our rows",
            entries.stdout[-2000:] + entries.stderr[-2000:],
        ):
            theirs = {item["sessionKey"]: item["entry"] for item in entries.json()}
            ordered = {key: theirs[key] for key in ours if key in theirs}
            ordered.update({k: v for k, v in theirs.items() if k not in ordered})
            report.check(
                diff_entries(ours, ordered) == "",
                "OpenClaw reads every entry and field exactly as we wrote it (unknown ones too)",
                diff_entries(ours, ordered),
            )
        exact = sdk(VERSION, ["sqlite-get", "main", CREATED], iso)
        report.check(
            exact.returncode == 0 and exact.json() == ours[CREATED],
            "OpenClaw's exact-row read (getSessionEntry) of our new row",
            exact.stdout[-2000:] + exact.stderr[-2000:],
        )

        # OpenClaw writes over our rows; our store reads its values back.
        patched = sdk(
            VERSION, ["sqlite-patch", "main", CREATED, '{"label": "patched by OpenClaw"}'], iso
        )
        patched_main = sdk(VERSION, ["sqlite-patch", "main", MAIN, '{"verboseLevel": "full"}'], iso)
        report.check(
            patched.returncode == 0 and patched_main.returncode == 0,
            "OpenClaw's patchSessionEntry writes over rows we wrote",
            patched.stdout[-1500:] + patched.stderr[-1500:] + patched_main.stdout[-1500:],
        )
        cli_sessions(iso, report, "after OpenClaw wrote over our rows")
        back = anyio.run(read_with_our_store, path)
        report.check(
            back.get(CREATED, {}).get("label") == "patched by OpenClaw"
            and back[CREATED].get("extra") == {"a": [1, 2.5, "x"]}
            and back.get(MAIN, {}).get("verboseLevel") == "full"
            and back[MAIN].get("tuiUnknown") == ours[MAIN]["tuiUnknown"],
            "our store reads OpenClaw's writes back, our unknown fields still there",
            json.dumps({k: back.get(k) for k in (CREATED, MAIN)}, ensure_ascii=False)[:3000],
        )

        # Both writers at once on the same row: every increment of both must survive.
        count = 60
        race = anyio.run(race_openclaw, path, iso, count)
        entry = race["entry"]
        report.check(
            race["ours"] > 0
            and entry.get("tuiCounter") == race["ours"]
            and entry.get("openclawCounter") == count,
            f"racing OpenClaw's writer on one row loses nothing ({race['ours']} of ours + "
            f"{count} of OpenClaw's; conflicts re-applied: {race['conflicts']} by us, "
            f"{race['their_retries']} by OpenClaw)",
            json.dumps({k: entry.get(k) for k in ("tuiCounter", "openclawCounter")}),
        )
        cli_sessions(iso, report, "after the race")
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
