"""``store`` never imports Textual or Rich (directly or indirectly)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_importing_store_loads_neither_textual_nor_rich():
    code = (
        "import sys, store, store.session_store, store.backends.json_file, store.codec, "
        "store.atomic, store.lock, store.paths\n"
        "from store import SessionStore, open_store\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
