"""Shared pieces of the interop checks: where OpenClaw is installed, how to run it isolated.

``interop/run.sh`` installs Node and the OpenClaw releases, then exports
``INTEROP_NODE_BIN`` (the directory holding ``node``) and ``INTEROP_OPENCLAW_<version>`` (each
release's install folder, dots as underscores) for these scripts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.shared_data import missing_fixtures_message

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SDK_SCRIPT = HERE / "openclaw_sdk.mjs"
TIMEOUT = 180.0


def require_fixtures() -> None:
    """Stop with the lookup's message (where it looked, how to point elsewhere) when the
    fixtures are missing, rather than a traceback from the first file copied."""
    message = missing_fixtures_message()
    if message is not None:
        sys.exit(f"interop: {message}")


def install_dir(version: str) -> Path:
    name = "INTEROP_OPENCLAW_" + version.replace(".", "_")
    value = os.environ.get(name)
    if not value:
        sys.exit(f"{name} is not set: run these checks through `make interop` (interop/run.sh)")
    return Path(value)


def node_bin() -> Path:
    value = os.environ.get("INTEROP_NODE_BIN")
    if not value:
        sys.exit("INTEROP_NODE_BIN is not set: run these checks through `make interop`")
    return Path(value)


@dataclass
class Isolated:
    """A throwaway HOME and OpenClaw state dir, with no provider, no telemetry, no updates."""

    root: Path
    home: Path
    state: Path

    def env(self) -> dict[str, str]:
        env = {
            "PATH": f"{node_bin()}:/usr/bin:/bin",
            "HOME": str(self.home),
            "OPENCLAW_STATE_DIR": str(self.state),
            "DO_NOT_TRACK": "1",
            "OPENCLAW_NO_AUTO_UPDATE": "1",
            "OPENCLAW_DISABLE_BONJOUR": "1",
            "NO_COLOR": "1",
            "TZ": "UTC",
            "LANG": "C.UTF-8",
        }
        return env


@contextmanager
def isolated() -> Iterator[Isolated]:
    with tempfile.TemporaryDirectory(prefix="openclaw-tui-interop-") as tmp:
        root = Path(tmp)
        (root / "home").mkdir()
        (root / "state").mkdir()
        yield Isolated(root, root / "home", root / "state")


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def run(argv: list[str], iso: Isolated) -> Result:
    proc = subprocess.run(
        argv,
        env=iso.env(),
        cwd=iso.root,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


def openclaw(version: str, args: list[str], iso: Isolated) -> Result:
    """The release's own CLI (``openclaw.mjs`` run by our Node)."""
    entry = install_dir(version) / "node_modules" / "openclaw" / "openclaw.mjs"
    return run([str(node_bin() / "node"), str(entry), *args], iso)


def sdk(version: str, args: list[str], iso: Isolated) -> Result:
    """The release's session-store SDK, through ``openclaw_sdk.mjs``."""
    return run([str(node_bin() / "node"), str(SDK_SCRIPT), str(install_dir(version)), *args], iso)


def sdk_process(version: str, args: list[str], iso: Isolated) -> subprocess.Popen[str]:
    """The SDK script as a running process (stdin/stdout/stderr piped), for concurrent checks."""
    return subprocess.Popen(
        [str(node_bin() / "node"), str(SDK_SCRIPT), str(install_dir(version)), *args],
        env=iso.env(),
        cwd=iso.root,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def canonical_json(value: Any) -> str:
    """Text that differs whenever two JSON values differ, key order included."""
    return json.dumps(value, ensure_ascii=False, sort_keys=False, separators=(",", ":"))


@dataclass
class Report:
    """PASS/FAIL lines as they happen, and the verdict at the end."""

    title: str
    failures: list[str] = field(default_factory=list)
    passes: int = 0

    def check(self, ok: bool, what: str, detail: str = "") -> bool:
        if ok:
            self.passes += 1
            print(f"  PASS  {what}", flush=True)
        else:
            self.failures.append(what)
            print(f"  FAIL  {what}", flush=True)
            if detail:
                for line in detail.strip().splitlines()[:30]:
                    print(f"        {line}", flush=True)
        return ok

    def finish(self) -> int:
        verdict = "PASS" if not self.failures else "FAIL"
        print(f"{verdict}: {self.title} ({self.passes} passed, {len(self.failures)} failed)")
        return 0 if not self.failures else 1


def diff_entries(ours: dict[str, Any], theirs: dict[str, Any]) -> str:
    """A short description of how two key -> entry maps differ ('' when identical)."""
    lines: list[str] = []
    if list(ours) != list(theirs):
        missing = [k for k in ours if k not in theirs]
        extra = [k for k in theirs if k not in ours]
        lines.append(f"keys differ: missing {missing[:5]}, extra {extra[:5]}")
    for key, entry in ours.items():
        other = theirs.get(key)
        if other is None or canonical_json(entry) == canonical_json(other):
            continue
        if not isinstance(entry, dict) or not isinstance(other, dict):
            lines.append(f"{key}: {entry!r} != {other!r}")
            continue
        fields = [
            f
            for f in {**entry, **other}
            if canonical_json(entry.get(f)) != canonical_json(other.get(f))
        ]
        order = "" if list(entry) == list(other) else " (field order differs)"
        changes = {f: (entry.get(f), other.get(f)) for f in fields}
        lines.append(f"{key}: {changes}{order}")
    return "\n".join(lines)


def first_difference(ours: bytes, theirs: bytes) -> str:
    at = next(
        (i for i, (a, b) in enumerate(zip(ours, theirs, strict=False)) if a != b),
        min(len(ours), len(theirs)),
    )
    return (
        f"ours {len(ours)} bytes, theirs {len(theirs)} bytes; first difference at byte {at}: "
        f"{ours[max(0, at - 40) : at + 40]!r} vs {theirs[max(0, at - 40) : at + 40]!r}"
    )
