"""The Makefile on a bare machine: a Python without ensurepip (Debian/Ubuntu without
python3.X-venv) is caught before the venv is made, installed with apt-get as root, or named with
the exact command otherwise; and `make demo` installs only the runtime, `make test` adds the test
tools, neither redoing the other's work.

The interpreter lacking ensurepip is the machine's real Python with the module hidden, as the
Debian package split leaves it; apt-get is replaced (APT_GET=...) by a recorder: a test must not
install system packages.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.shared_data import REPO

SYSTEM_PYTHON = Path("/usr/bin/python3")
NOBODY = 65534
needs_system_python = pytest.mark.skipif(
    not SYSTEM_PYTHON.is_file(), reason="no /usr/bin/python3 (the Debian/Ubuntu system Python)"
)


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A temp folder another user can read (pytest's tmp_path is private to this user)."""
    path = Path(tempfile.mkdtemp(prefix="openclaw-tui-make-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path)


def _python_without_ensurepip(folder: Path, real: Path) -> Path:
    block = folder / "no-ensurepip"
    block.mkdir()
    (block / "sitecustomize.py").write_text(
        "import sys\nsys.modules['ensurepip'] = None  # as with python3.X-venv not installed\n"
    )
    python = folder / "python3"
    python.write_text(f'#!/bin/sh\nPYTHONPATH={block} exec {real} "$@"\n')
    python.chmod(0o755)
    return python


def _apt_get_recorder(folder: Path, provides: Path | None) -> tuple[Path, Path]:
    """An apt-get that logs its arguments; `install` removes ``provides`` (the ensurepip block),
    as installing python3.X-venv would."""
    log = folder / "apt-get.log"
    script = folder / "apt-get"
    remove = f'[ "$1" = install ] && rm -rf {provides}\n' if provides else ""
    script.write_text(f'#!/bin/sh\necho "$*" >> {log}\n{remove}exit 0\n')
    script.chmod(0o755)
    return script, log


def _make(*args: str, non_root_in: Path | None = None) -> subprocess.CompletedProcess[str]:
    """make in the checkout. With ``non_root_in`` (a folder anyone can read), never as root: when
    this is root, as nobody, on a copy of the Makefile in that folder (the checkout may sit in a
    folder only its owner can enter, as CI's clone may)."""
    argv = ["make", "--no-print-directory", "-C", str(REPO), *args]
    if non_root_in is not None and os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("needs setpriv to run make as another user than root")
        readable = non_root_in
        makefile = readable / "Makefile"
        shutil.copyfile(REPO / "Makefile", makefile)
        makefile.chmod(0o644)
        argv = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
        argv += ["make", "--no-print-directory", "-C", str(readable), *args]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)


def _venv_package(python: Path) -> str:
    version = subprocess.run(
        [str(python), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return f"python{version}-venv"


@needs_system_python
def test_without_ensurepip_a_user_is_told_the_exact_command(shared_tmp: Path):
    python = _python_without_ensurepip(shared_tmp, SYSTEM_PYTHON)
    apt_get, log = _apt_get_recorder(shared_tmp, None)
    venv = shared_tmp / "venv"
    result = _make(
        "python-venv",
        f"PYTHON={python}",
        f"APT_GET={apt_get}",
        f"VENV={venv}",
        non_root_in=shared_tmp,
    )
    assert result.returncode != 0
    assert "has no ensurepip" in result.stderr
    assert f"    sudo apt-get install {_venv_package(SYSTEM_PYTHON)}\n" in result.stderr
    assert not log.exists() and not venv.exists()


@needs_system_python
@pytest.mark.skipif(os.geteuid() != 0, reason="the apt-get path runs only as root")
def test_without_ensurepip_root_installs_the_venv_package(shared_tmp: Path):
    python = _python_without_ensurepip(shared_tmp, SYSTEM_PYTHON)
    apt_get, log = _apt_get_recorder(shared_tmp, shared_tmp / "no-ensurepip")
    result = _make("python-venv", f"PYTHON={python}", f"APT_GET={apt_get}")
    package = _venv_package(SYSTEM_PYTHON)
    assert result.returncode == 0, result.stderr
    assert f"installing {package}" in result.stdout
    assert log.read_text().splitlines() == ["update -qq", f"install -y -qq {package}"]


@needs_system_python
@pytest.mark.skipif(os.geteuid() != 0, reason="the apt-get path runs only as root")
def test_a_package_that_does_not_bring_ensurepip_is_an_error(shared_tmp: Path):
    python = _python_without_ensurepip(shared_tmp, SYSTEM_PYTHON)
    apt_get, log = _apt_get_recorder(shared_tmp, None)
    result = _make("python-venv", f"PYTHON={python}", f"APT_GET={apt_get}")
    assert result.returncode != 0
    assert f"{_venv_package(SYSTEM_PYTHON)} is installed but" in result.stderr
    assert "still has no ensurepip" in result.stderr
    assert log.exists()


@pytest.mark.skipif(sys.base_prefix == "/usr", reason="this Python is the system one")
def test_a_python_outside_usr_is_not_fixed_with_apt_get(tmp_path: Path):
    # apt-get cannot add ensurepip to a pyenv/custom build: say so instead of installing a
    # package that would not help.
    python = _python_without_ensurepip(tmp_path, Path(sys.executable))
    apt_get, log = _apt_get_recorder(tmp_path, None)
    result = _make("python-venv", f"PYTHON={python}", f"APT_GET={apt_get}")
    assert result.returncode != 0
    assert f"(installed in {sys.base_prefix}) has no ensurepip" in result.stderr
    assert "make PYTHON=/usr/bin/python3" in result.stderr
    assert not log.exists()


def test_a_missing_python_is_named(tmp_path: Path):
    result = _make("python-venv", f"PYTHON={tmp_path / 'python3.99'}")
    assert result.returncode != 0
    assert f"{tmp_path / 'python3.99'} not found: install Python >= 3.11" in result.stderr


def _installs(target: str, venv: Path) -> list[str]:
    """The pip installs `make TARGET` would run (make -n: nothing is run)."""
    result = _make("-n", target, f"VENV={venv}")
    assert result.returncode == 0, result.stderr
    return [line for line in result.stdout.splitlines() if "pip install --quiet -e" in line]


def _touch(venv: Path, *stamps: str) -> None:
    venv.mkdir(exist_ok=True)
    for stamp in stamps:
        (venv / stamp).touch()


def test_demo_installs_the_runtime_only(tmp_path: Path):
    venv = tmp_path / "venv"
    assert _installs("demo", venv) == [f"{venv}/bin/python -m pip install --quiet -e ."]


def test_test_after_demo_adds_the_test_tools_and_demo_after_test_installs_nothing(
    tmp_path: Path,
):
    venv = tmp_path / "venv"
    _touch(venv, ".venv-ready", ".installed-runtime")  # what `make demo` leaves
    assert _installs("demo", venv) == []
    assert _installs("test", venv) == [f"{venv}/bin/python -m pip install --quiet -e '.[test]'"]
    _touch(venv, ".installed-runtime", ".installed-test")  # what `make test` leaves
    assert _installs("demo", venv) == []
    assert _installs("test", venv) == []


def test_a_changed_pyproject_reinstalls(tmp_path: Path):
    venv = tmp_path / "venv"
    _touch(venv, ".venv-ready", ".installed-runtime", ".installed-test")
    old = (REPO / "pyproject.toml").stat().st_mtime - 3600
    for stamp in (".installed-runtime", ".installed-test"):
        os.utime(venv / stamp, (old, old))
    assert _installs("demo", venv) == [f"{venv}/bin/python -m pip install --quiet -e ."]
