"""The layers import downwards only: ``store`` <- ``widgets`` <- ``tui``, and the store has no UI.

- ``openclaw_tui.store`` imports neither Textual nor Rich nor argparse, nor ``widgets`` or ``tui``;
- ``openclaw_tui.widgets`` never imports ``store`` or ``tui`` (widgets take data, not stores).

Checked twice: statically, every import statement of every file (including imports inside
functions and under ``TYPE_CHECKING``, relative ones resolved); and at run time, every module of
a layer imported in a fresh interpreter, then ``sys.modules`` inspected, which also catches what
a dependency drags in.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = "openclaw_tui"
FOLDERS = {"store": REPO / "store", "widgets": REPO / "widgets", "tui": REPO / "tui"}

FORBIDDEN: dict[str, tuple[str, ...]] = {
    # argparse: command-line flags belong to the CLI (tui/cli.py), not the library.
    "store": ("textual", "rich", "argparse", f"{PACKAGE}.tui", f"{PACKAGE}.widgets"),
    "widgets": (f"{PACKAGE}.store", f"{PACKAGE}.tui"),
}


def module_name(layer: str, path: Path) -> str:
    relative = path.relative_to(FOLDERS[layer]).with_suffix("")
    parts = [PACKAGE, layer, *relative.parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_names(source: str, module: str, is_package: bool) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in ``source``; bare folder names mapped."""
    package = module if is_package else module.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.append((node.lineno, target))
            # ``from openclaw_tui import tui`` imports the subpackage.
            found.extend((node.lineno, f"{target}.{alias.name}") for alias in node.names)
    mapped = []
    for line, name in sorted(found, key=lambda item: item[0]):
        head = name.split(".")[0]
        if head in FOLDERS:  # the bare folder is the same layer (ruff bans it; count it anyway)
            name = f"{PACKAGE}.{name}"
        mapped.append((line, name))
    return mapped


def violations(layer: str, files: list[Path]) -> list[str]:
    bad = []
    for path in files:
        module = module_name(layer, path)
        source = path.read_text(encoding="utf-8")
        for line, name in imported_names(source, module, path.name == "__init__.py"):
            for prefix in FORBIDDEN[layer]:
                if name == prefix or name.startswith(prefix + "."):
                    bad.append(f"{path.relative_to(FOLDERS[layer].parent)}:{line} imports {name}")
    return bad


def layer_files(layer: str) -> list[Path]:
    return sorted(p for p in FOLDERS[layer].rglob("*.py") if "__pycache__" not in p.parts)


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_no_file_of_a_layer_imports_upwards(layer):
    files = layer_files(layer)
    assert len(files) > 5  # the scan really read the layer
    assert violations(layer, files) == []


def test_the_scan_finds_upward_imports_of_every_spelling(tmp_path, monkeypatch):
    folder = tmp_path / "store"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "__init__.py").write_text("")
    (folder / "sub" / "bad.py").write_text(
        textwrap.dedent(
            """
            import rich.text
            from typing import TYPE_CHECKING
            if TYPE_CHECKING:
                from openclaw_tui.widgets.text import visible
            def later():
                from ...tui import app
                from openclaw_tui import tui
                import textual
            from tui.app import x
            from .. import codec
            """
        )
    )
    monkeypatch.setitem(FOLDERS, "store", folder)
    found = violations("store", layer_files("store"))
    names = [line.split(" imports ")[1] for line in found]
    assert names == [
        "rich.text",
        "openclaw_tui.widgets.text",
        "openclaw_tui.widgets.text.visible",
        "openclaw_tui.tui",
        "openclaw_tui.tui.app",
        "openclaw_tui.tui",
        "textual",
        "openclaw_tui.tui.app",
        "openclaw_tui.tui.app.x",
    ]


def loaded_after_importing_every_module_of(layer: str) -> list[str]:
    """The forbidden modules in ``sys.modules`` after importing each module of ``layer``."""
    modules = [module_name(layer, path) for path in layer_files(layer)]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    if not name.endswith('.__main__'):\n"
        "        importlib.import_module(name)\n"
        f"prefixes = {FORBIDDEN[layer]!r}\n"
        "bad = sorted(m for m in sys.modules\n"
        "             if any(m == p or m.startswith(p + '.') for p in prefixes))\n"
        "print('\\n'.join(bad))\n"
    )
    # Run outside the checkout: the folder names must not be importable as bare packages.
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO.parent, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_importing_a_whole_layer_loads_nothing_above_it(layer):
    assert loaded_after_importing_every_module_of(layer) == []
