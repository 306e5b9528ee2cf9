"""Installed as operators install a terminal tool: the built wheel in a fresh virtual environment
(no system site-packages, nothing from this checkout), run from outside the repository.

It proves the wheel alone is the app: one top-level package ``openclaw_tui`` (no bare ``store``,
``tui`` or ``widgets`` in site-packages), py.typed and the .tcss files shipped, the
``openclaw-tui`` script working, and the app starting on its own files. The dependencies come from
the package index (or the pip cache), as for an operator; about 15 s.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from openclaw_tui import __version__
from tests.shared_data import REPO

pytestmark = pytest.mark.slow

# Starts the installed app headless on a demo store and reports what it loaded from where.
HEADLESS_START = """
import asyncio, json, sys, time
from pathlib import Path

import openclaw_tui
from openclaw_tui.tui.app import SessionBrowserApp
from openclaw_tui.tui.demo import prepare_state_dir
from openclaw_tui.tui.target import target_for_agent


async def main() -> None:
    state = prepare_state_dir(Path(sys.argv[1]))
    app = SessionBrowserApp(target_for_agent("main", state))
    async with app.run_test(size=(160, 45)) as pilot:
        deadline = time.monotonic() + 30
        while app.main.vm.row_count < 2000 and time.monotonic() < deadline:
            await pilot.pause(0.05)
        print(json.dumps({
            "package": openclaw_tui.__file__,
            "rows": app.main.vm.row_count,
            "css": [str(path) for path in app.css_path],
        }))


asyncio.run(main())
"""


def _run(argv: list[str], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    result = subprocess.run(
        argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, f"{argv} failed:\n{result.stdout}\n{result.stderr}"
    return result


def _source_copy(tmp_path: Path) -> Path:
    """The files a fresh clone has (tracked, plus new files not ignored): building in the
    checkout itself would leave build/ and *.egg-info in it."""
    listed = _run(["git", "ls-files", "-z", "-co", "--exclude-standard"], REPO).stdout
    source = tmp_path / "source"
    for name in filter(None, listed.split("\0")):
        if (REPO / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            (source / name).write_bytes((REPO / name).read_bytes())
    return source


def test_the_wheel_installs_alone_and_the_app_starts_outside_the_repo(tmp_path: Path):
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    dist = tmp_path / "dist"
    _run([*pip, "wheel", "--no-deps", "--quiet", "-w", str(dist), "."], _source_copy(tmp_path))
    (wheel,) = dist.glob("openclaw_tui-*.whl")
    assert wheel.name == f"openclaw_tui-{__version__}-py3-none-any.whl"

    names = zipfile.ZipFile(wheel).namelist()
    assert {name.split("/")[0] for name in names} == {
        "openclaw_tui",
        f"openclaw_tui-{__version__}.dist-info",
    }
    tcss = {f"openclaw_tui/{p.relative_to(REPO)}" for p in REPO.glob("*/*.tcss")}
    assert tcss and tcss <= set(names)
    assert {"openclaw_tui/py.typed", "openclaw_tui/store/py.typed"} <= set(names)

    # A venv without pip (quick to make); this checkout's pip installs into it.
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], tmp_path)
    python = venv / "bin" / "python"
    _run([*pip, "--python", str(python), "install", "--quiet", str(wheel)], tmp_path)

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    version = _run([str(venv / "bin" / "openclaw-tui"), "--version"], outside)
    assert version.stdout.strip() == f"openclaw-tui {__version__}"

    site = Path(
        _run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], outside
        ).stdout.strip()
    )
    assert site.is_relative_to(venv) and site != Path(sysconfig.get_path("purelib"))
    installed = {p.name for p in site.iterdir()}
    assert "openclaw_tui" in installed
    assert not {"store", "tui", "widgets"} & installed
    top_level = site / f"openclaw_tui-{__version__}.dist-info" / "top_level.txt"
    assert top_level.read_text().split() == ["openclaw_tui"]

    # -I: neither the current directory, PYTHONPATH nor user site-packages are looked at.
    script = outside / "start.py"
    script.write_text(HEADLESS_START)
    started = _run([str(python), "-I", str(script), str(outside / "state")], outside, timeout=120)
    report = json.loads(started.stdout.strip().splitlines()[-1])
    assert Path(report["package"]).is_relative_to(site)
    assert report["rows"] == 2000  # the demo store of tui/demo.py
    assert report["css"] and all(Path(path).is_relative_to(site) for path in report["css"])
