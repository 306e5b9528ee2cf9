"""Where the real stores written by OpenClaw live (read-only; tests copy them to tmp dirs).

The one fixture lookup of the repository: the tests, ``bench/`` and ``interop/`` all import it.
``OPENCLAW_TUI_FIXTURES`` names the fixtures folder; without it, the team's ``shared/`` folder
beside the checkout is used (CI runs a fresh clone with ``shared/`` beside it), never a fixed
absolute path. ``python -m tests.shared_data`` prints the folder found, or why none was.

A missing fixture fails loudly (``tests/conftest.py`` stops the run with
``missing_fixtures_message()``): skipping every test that needs one would let CI pass on nothing.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ENV_FIXTURES = "OPENCLAW_TUI_FIXTURES"
BESIDE_CHECKOUT = REPO.parent / "shared" / "fixtures"


def _explicit_fixtures() -> Path | None:
    explicit = os.environ.get(ENV_FIXTURES, "").strip()
    return Path(explicit).expanduser().absolute() if explicit else None


FIXTURES = _explicit_fixtures() or BESIDE_CHECKOUT
SMALL_JSON = FIXTURES / "openclaw-2026.7.35" / "small" / "sessions.json"
GATEWAY_JSON = FIXTURES / "openclaw-2026.7.35" / "gateway-sessions-patch" / "sessions.json"
SQLITE_DIR = FIXTURES / "openclaw-2026.9.6" / "small-imported"
SQLITE_DB = SQLITE_DIR / "openclaw-agent.sqlite"


def missing_fixtures_message() -> str | None:
    """A message naming where the fixtures were looked for and how to point elsewhere, or None
    when they are there."""
    missing = [path for path in (SMALL_JSON, GATEWAY_JSON, SQLITE_DB) if not path.is_file()]
    if not missing:
        return None
    if _explicit_fixtures() is not None:
        where = f"{ENV_FIXTURES}={FIXTURES}"
        fix = (
            f"set {ENV_FIXTURES} to the team's shared/fixtures folder, or unset it to use "
            f"{BESIDE_CHECKOUT}"
        )
    else:
        where = f"{FIXTURES} (the team's shared/ folder beside the checkout {REPO})"
        fix = (
            f"put the team's shared/ folder at {REPO.parent / 'shared'}, or set {ENV_FIXTURES} "
            f"to its fixtures/ folder (e.g. {ENV_FIXTURES}=/path/to/shared/fixtures make test)"
        )
    if FIXTURES.is_dir():
        found = f"it lacks {', '.join(str(path.relative_to(FIXTURES)) for path in missing)}"
    else:
        found = "no such folder"
    return f"the OpenClaw fixtures were not found: looked in {where}: {found}; {fix}"


def main() -> int:
    message = missing_fixtures_message()
    if message is not None:
        print(message, file=sys.stderr)
        return 2
    print(FIXTURES)
    return 0


if __name__ == "__main__":
    sys.exit(main())
