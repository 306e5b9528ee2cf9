"""One fixture lookup (tests/shared_data.py) for the tests, bench/ and interop/: a missing folder
is one clear message naming where it looked and how to point elsewhere, never a traceback, and
it stops a test run instead of skipping it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.shared_data import BESIDE_CHECKOUT, ENV_FIXTURES, FIXTURES, REPO


def _run(argv: list[str], fixtures: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv,
        cwd=REPO,
        env={**os.environ, ENV_FIXTURES: str(fixtures), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _assert_clear(result: subprocess.CompletedProcess[str], looked_in: Path) -> str:
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "Traceback" not in output
    assert f"looked in {ENV_FIXTURES}={looked_in}" in output
    assert f"unset it to use {BESIDE_CHECKOUT}" in output
    return output


def test_the_lookup_names_the_folder_it_looked_in_and_the_fix(tmp_path: Path):
    missing = tmp_path / "no-such-fixtures"
    result = _run([sys.executable, "-m", "tests.shared_data"], missing)
    assert result.returncode == 2
    assert "no such folder" in _assert_clear(result, missing)


def test_a_folder_without_the_stores_names_the_missing_files(tmp_path: Path):
    (tmp_path / "openclaw-2026.7.35" / "small").mkdir(parents=True)
    (tmp_path / "openclaw-2026.7.35" / "small" / "sessions.json").write_text("{}")
    output = _assert_clear(_run([sys.executable, "-m", "tests.shared_data"], tmp_path), tmp_path)
    assert "lacks openclaw-2026.7.35/gateway-sessions-patch/sessions.json" in output
    assert "openclaw-2026.9.6/small-imported/openclaw-agent.sqlite" in output
    assert "small/sessions.json," not in output  # the one that is there is not named


def test_the_found_folder_is_printed():
    result = _run([sys.executable, "-m", "tests.shared_data"], FIXTURES)
    assert (result.returncode, result.stdout.strip()) == (0, str(FIXTURES))


def test_a_test_run_without_fixtures_stops_with_the_message(tmp_path: Path):
    # CI must fail loudly, not pass by skipping every test that reads a fixture.
    missing = tmp_path / "gone"
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/install"]
    result = _run(argv, missing)
    _assert_clear(result, missing)
    assert result.returncode == 2
    assert " passed" not in result.stdout


def test_an_interop_check_without_fixtures_says_where_it_looked(tmp_path: Path):
    missing = tmp_path / "gone"
    for script in ("check_json.py", "check_sqlite.py"):
        _assert_clear(_run([sys.executable, str(REPO / "interop" / script)], missing), missing)


def test_make_interop_stops_before_downloading_anything(tmp_path: Path):
    missing = tmp_path / "gone"
    cache = tmp_path / "cache"
    result = _run(
        ["bash", str(REPO / "interop" / "run.sh")],
        missing,
        PYTHON=sys.executable,
        XDG_CACHE_HOME=str(cache),
    )
    _assert_clear(result, missing)
    assert result.returncode == 2
    assert not cache.exists()


def test_make_interop_without_npm_says_what_to_install_before_downloading(tmp_path: Path):
    cache = tmp_path / "cache"
    result = _run(
        ["bash", str(REPO / "interop" / "run.sh")],
        FIXTURES,
        PYTHON=sys.executable,
        XDG_CACHE_HOME=str(cache),
        NPM=str(tmp_path / "no-npm"),
    )
    assert result.returncode == 2
    assert "interop: npm not found" in result.stderr
    assert "downloads Node 24.19.0 from PyPI" in result.stderr  # Node itself is not needed
    assert "apt-get install npm" in result.stderr
    assert not cache.exists()
