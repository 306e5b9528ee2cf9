"""Run mypy on the ``openclaw_tui`` package as it is installed, from this checkout.

pyproject's ``package-dir`` maps the folders ``store/``, ``tui/``, ``widgets/`` to
``openclaw_tui.store`` and so on. An editable install resolves that mapping with an import hook,
which mypy cannot follow, and mypy has no option to rename a folder. So this builds
``build/typecheck/openclaw_tui/`` out of symlinks to the real folders (the mapping read from
pyproject, so it cannot drift), and mypy (configured in pyproject's ``[tool.mypy]``) checks the
package through it. Error paths read ``build/typecheck/openclaw_tui/store/...``: the file is
``store/...`` in the checkout.

Usage: ``python tools/typecheck.py [extra mypy arguments]`` (``make lint`` runs it).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TREE = REPO / "build" / "typecheck"
PACKAGE = "openclaw_tui"


def build_tree() -> Path:
    """The link tree mypy reads: ``build/typecheck/openclaw_tui`` mirroring the installed layout."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    package_dir: dict[str, str] = config["tool"]["setuptools"]["package-dir"]
    if TREE.exists():
        shutil.rmtree(TREE)
    root = TREE / PACKAGE
    root.mkdir(parents=True)
    # The top-level package's own files (its __init__, __main__, py.typed) live in openclaw_tui/.
    for item in sorted((REPO / PACKAGE).iterdir()):
        if item.name != "__pycache__":
            (root / item.name).symlink_to(item)
    for name, folder in sorted(package_dir.items()):
        parts = name.split(".")
        if parts[0] != PACKAGE or len(parts) != 2:
            raise SystemExit(f"pyproject package-dir {name!r}: expected {PACKAGE}.<folder>")
        (root / parts[1]).symlink_to(REPO / folder, target_is_directory=True)
    return TREE


def main(argv: list[str]) -> int:
    build_tree()
    mypy = [sys.executable, "-m", "mypy", *argv]
    return subprocess.call(mypy, cwd=REPO)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
