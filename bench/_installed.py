"""The app's modules byte-compiled, as an installed copy has them.

pip and pipx compile every module when they install the package, so an operator's
``openclaw-tui`` loads bytecode. This checkout is installed editable, and with
``PYTHONDONTWRITEBYTECODE`` set (as on the CI machine) nothing is ever cached: every start
would compile the app's ~90 modules from source, ~0.2 s of CPU that no installed copy
pays. Benchmarks that time a process start call ``compile_package`` first.
"""

from __future__ import annotations

import compileall
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_DIRS = ("openclaw_tui", "store", "tui", "widgets")


def compile_package() -> bool:
    """Write the bytecode of every module of the app that lacks an up-to-date one."""
    ok = True
    for name in PACKAGE_DIRS:
        ok = compileall.compile_dir(ROOT / name, quiet=1) and ok
    return bool(ok)
