"""``openclaw_tui.store`` never imports Textual or Rich (directly or indirectly)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_importing_store_loads_neither_textual_nor_rich():
    code = (
        "import sys\n"
        "import openclaw_tui.store, openclaw_tui.store.session_store\n"
        "import openclaw_tui.store.backends.json_file, openclaw_tui.store.backends.sqlite\n"
        "import openclaw_tui.store.codec, openclaw_tui.store.atomic, openclaw_tui.store.lock\n"
        "import openclaw_tui.store.paths, openclaw_tui.store.gateway\n"
        "import openclaw_tui.store.transcripts\n"
        "from openclaw_tui.store import SessionStore, open_store\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
