"""The command line: one clear line and exit code 2 for every usage problem, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from openclaw_tui.tui.cli import build_parser, main, resolve_target
from openclaw_tui.tui.config import load_config
from tests.backends import StoreKind, make_store_copy
from tests.shared_data import SQLITE_DB
from tests.tui.helpers import copy_small_store, store_path

SCRIPT = Path(sys.executable).with_name("openclaw-tui")


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, timeout=30, env=env)


def test_version_and_help_through_the_installed_script():
    version = run_cli("--version")
    assert version.returncode == 0 and version.stdout.startswith("openclaw-tui ")
    help_ = run_cli("--help")
    assert help_.returncode == 0
    for option in ("--agent", "--store", "--state-dir", "--read-only", "--demo", "--version"):
        assert option in help_.stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--bogus"], "unrecognized arguments: --bogus"),
        (["--agent", "Not Valid!"], "is not a valid agent id"),
        (["--demo", "--store", "x.json"], "--demo makes its own store"),
        (["--store", "a.json", "--agent", "ops"], "use one of them"),
        (["--agent"], "expected one argument"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(args: list[str], needle: str, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert needle in err
    assert err.count("\n") == 1 and err.startswith("openclaw-tui: error: ")
    assert "Traceback" not in err


def test_state_dir_that_is_a_file_is_refused(tmp_path: Path, capsys):
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    assert main(["--state-dir", str(not_a_dir)]) == 2
    assert f"--state-dir {not_a_dir} is a file" in capsys.readouterr().err


def test_default_target_is_agent_main_under_the_state_dir_env(
    tmp_path: Path, store_kind: StoreKind
):
    path = make_store_copy(store_kind, tmp_path)
    args = build_parser().parse_args([])
    target = resolve_target(args, {"OPENCLAW_STATE_DIR": str(tmp_path)})
    assert target.path == path and target.kind == store_kind
    assert target.agent_id == "main"
    if store_kind == "json":
        assert path == store_path(tmp_path)


def test_sqlite_store_wins_and_the_note_names_the_legacy_json(tmp_path: Path):
    copy_small_store(tmp_path)
    sqlite = tmp_path / "agents" / "main" / "agent" / "openclaw-agent.sqlite"
    sqlite.parent.mkdir(parents=True)
    sqlite.write_bytes(SQLITE_DB.read_bytes())
    args = build_parser().parse_args(["--state-dir", str(tmp_path)])
    target = resolve_target(args, {})
    assert target.kind == "sqlite" and target.path == sqlite
    assert any("sessions.json" in note and "--store" in note for note in target.notes)


def test_store_option_accepts_a_directory_holding_a_store(tmp_path: Path, store_kind: StoreKind):
    path = make_store_copy(store_kind, tmp_path)
    args = build_parser().parse_args(["--store", str(path.parent)])
    target = resolve_target(args, {})
    assert target.path == path and target.kind == store_kind
    # --store pointing at the file itself, of either kind.
    direct = resolve_target(build_parser().parse_args(["--store", str(path)]), {})
    assert direct.path == path and direct.kind == store_kind


def test_missing_store_target_lists_where_it_looked(tmp_path: Path):
    args = build_parser().parse_args(["--state-dir", str(tmp_path / "none"), "--agent", "ops"])
    target = resolve_target(args, {})
    assert target.kind == "missing"
    assert [p.name for p in target.looked_at] == ["sessions.json", "openclaw-agent.sqlite"]


def test_keymap_config_file_env_and_bad_entries(tmp_path: Path):
    config = tmp_path / "config.toml"
    config.write_text('[keymap]\npause = "space"\nfilter = 3\n')
    loaded = load_config(
        {"OPENCLAW_TUI_CONFIG": str(config), "OPENCLAW_TUI_KEYMAP": "copy-key=y;nonsense"}
    )
    assert loaded.keymap == {"pause": "space", "copy-key": "y"}
    assert any("keymap.filter must be a string" in w for w in loaded.warnings)
    assert any("'nonsense' is not id=keys" in w for w in loaded.warnings)
    config.write_text("[keymap\n")
    broken = load_config({"OPENCLAW_TUI_CONFIG": str(config)})
    assert broken.keymap == {} and "not valid TOML" in broken.warnings[0]
    # Which ids and keys exist is the keymap's to say (tests/tui/test_keymap.py).
    assert loaded.keymap_origin == {"pause": str(config), "copy-key": "$OPENCLAW_TUI_KEYMAP"}


def test_a_config_file_setting_nobody_reads_is_reported_and_the_rest_applies(tmp_path: Path):
    config = tmp_path / "config.toml"
    config.write_text('theme = "dark"\n[keymap]\npause = "z"\n[keymaps]\nfilter = "x"\n')
    loaded = load_config({"OPENCLAW_TUI_CONFIG": str(config)})
    assert loaded.keymap == {"pause": "z"}
    assert sorted(loaded.warnings) == [
        f"{config}: keymaps is not a setting openclaw-tui knows "
        "(known: [keymap], stalled_after_minutes, feedback_seconds); remove it",
        f"{config}: theme is not a setting openclaw-tui knows "
        "(known: [keymap], stalled_after_minutes, feedback_seconds); remove it",
    ]
    assert loaded.source == str(config)


def test_the_config_file_lives_in_the_apps_config_directory(tmp_path: Path):
    from openclaw_tui.tui.config import config_path

    assert config_path({"OPENCLAW_TUI_CONFIG_DIR": str(tmp_path)}) == tmp_path / "config.toml"
    assert config_path({"XDG_CONFIG_HOME": "/x"}) == Path("/x/openclaw-tui/config.toml")
    assert config_path({"HOME": "/h"}) == Path("/h/.config/openclaw-tui/config.toml")
    assert config_path({"OPENCLAW_TUI_CONFIG": "/c.toml", "HOME": "/h"}) == Path("/c.toml")


def test_max_store_mb_sets_the_store_size_limit(tmp_path: Path):
    from openclaw_tui.tui.cli import store_factory_for

    args = build_parser().parse_args(["--max-store-mb", "2.5", "--store", str(tmp_path)])
    store = store_factory_for(args)(resolve_target(args, {}), False, False)
    assert store.max_bytes == int(2.5 * 2**20)
    default = build_parser().parse_args([])
    assert store_factory_for(default) is None  # the app's own factory: the default limit


@pytest.mark.parametrize("value", ["0", "-1", "lots", "nan", "inf"])
def test_max_store_mb_must_be_a_positive_number(value: str, capsys):
    assert main(["--max-store-mb", value]) == 2
    err = capsys.readouterr().err
    assert "--max-store-mb" in err and "positive number of MiB" in err
    assert err.count("\n") == 1
