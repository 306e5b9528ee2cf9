"""End to end in a real terminal (tmux): type /think high and see the file change; type
/think banana and see the error on screen with the text still in the bar."""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.tmux import PrivateTmux

from .conftest import FIXTURE_STORE

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

APP = Path(sys.executable).with_name("openclaw-tui")


class Terminal:
    """The app in a 140x30 window of a private tmux server (the private_tmux fixture's)."""

    def __init__(self, tmux: PrivateTmux) -> None:
        self.tmux = tmux

    def screen(self) -> str:
        return self.tmux.screen("app")

    def type(self, text: str) -> None:
        self.tmux.run("send-keys", "-t", "app", "-l", text)

    def key(self, name: str) -> None:
        self.tmux.run("send-keys", "-t", "app", name)

    def wait_for(self, condition: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
        self.tmux.wait_for("app", lambda _screen: condition(), what, timeout)


@pytest.fixture
def terminal(tmp_path: Path, private_tmux: PrivateTmux) -> Iterator[tuple[Terminal, Path]]:
    state = tmp_path / "state"
    store = state / "agents" / "main" / "sessions" / "sessions.json"
    store.parent.mkdir(parents=True)
    shutil.copyfile(FIXTURE_STORE, store)
    store.chmod(0o600)
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "OPENCLAW_STATE_DIR": str(state),
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
    }
    if "PYTHONPATH" in os.environ:
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    term = Terminal(private_tmux)
    command = " ".join(
        ["env", "-i", *(f"{k}={v}" for k, v in env.items()), str(APP), "--store", str(store)]
    )
    private_tmux.new_session("app", 140, 30, command)
    term.wait_for(lambda: "12 sessions" in term.screen(), "the table")
    yield term, store


def test_think_high_changes_the_file_and_banana_shows_the_error(
    terminal: tuple[Terminal, Path],
) -> None:
    term, store = terminal
    before = json.loads(store.read_text(encoding="utf-8"))

    term.type("/think high")
    term.key("Enter")

    def changed() -> dict[str, dict]:
        after = json.loads(store.read_text(encoding="utf-8"))
        return {k: v for k, v in after.items() if v != before.get(k)}

    term.wait_for(lambda: bool(changed()), "the file to change")
    (key, entry), *others = changed().items()
    assert not others and entry["thinkingLevel"] == "high"
    term.wait_for(lambda: "Thinking level set to high." in term.screen(), "the acknowledgement")

    term.type("/think banana")
    term.key("Enter")
    term.wait_for(
        lambda: 'Unrecognized thinking level "banana"' in term.screen(), "the inline error"
    )
    assert "/think banana" in term.screen(), "the typed text stays in the bar"
    assert json.loads(store.read_text(encoding="utf-8"))[key]["thinkingLevel"] == "high"
