"""Where the real stores written by OpenClaw live (read-only; tests copy them to tmp dirs).

CI runs a fresh clone with the team's ``shared/`` folder beside it, so the fixtures are found
relative to the checkout, not at a fixed absolute path. ``OPENCLAW_TUI_FIXTURES`` overrides.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ENV_FIXTURES = "OPENCLAW_TUI_FIXTURES"


def _find_fixtures() -> Path:
    explicit = os.environ.get(ENV_FIXTURES, "").strip()
    if explicit:
        return Path(explicit)
    candidates = [REPO.parent / "shared" / "fixtures"]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    return candidates[0]


FIXTURES = _find_fixtures()
SMALL_JSON = FIXTURES / "openclaw-2026.7.35" / "small" / "sessions.json"
GATEWAY_JSON = FIXTURES / "openclaw-2026.7.35" / "gateway-sessions-patch" / "sessions.json"
SQLITE_DIR = FIXTURES / "openclaw-2026.9.6" / "small-imported"
SQLITE_DB = SQLITE_DIR / "openclaw-agent.sqlite"


def missing_fixtures_message() -> str | None:
    """A clear message when the fixtures cannot be found, else None."""
    if SMALL_JSON.is_file() and SQLITE_DB.is_file():
        return None
    return (
        f"the OpenClaw fixtures were not found at {FIXTURES}: check out the team's shared/ "
        f"folder beside this repository, or set {ENV_FIXTURES} to its fixtures/ folder"
    )
