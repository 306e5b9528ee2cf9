"""No test touches the default tmux server (the operator's own sessions live there).

Every test runs tmux through ``tests.tmux.PrivateTmux`` (the ``private_tmux`` fixture), which
always passes ``-L <unique name>`` and removes its socket afterwards. This scans every test module
for another way of running tmux: an argv or shell string starting with ``tmux``.
"""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import pytest

from tests.tmux import SOCKET_PREFIX, PrivateTmux

TESTS = Path(__file__).resolve().parent
HELPER = TESTS / "tmux.py"
# A shell command line: "tmux" then an option or one of its commands (not prose such as
# "tmux is not installed").
_SHELL_TMUX = re.compile(
    r"\s*tmux\s+(-|(?:new|kill|send|capture|list|ls|has|attach|a|display|split|resize|set|"
    r"start|select|run|source|show|rename|respawn|pipe|wait|lock|detach)\b)"
)


def _runs_tmux(node: ast.Constant) -> bool:
    return isinstance(node.value, str) and (
        node.value == "tmux" or _SHELL_TMUX.match(node.value) is not None
    )


def _violations(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Constant) or not _runs_tmux(node):
            continue
        parent = parents.get(node)
        if (
            isinstance(parent, ast.Call)
            and isinstance(parent.func, ast.Attribute | ast.Name)
            and getattr(parent.func, "attr", getattr(parent.func, "id", "")) == "which"
        ):
            continue  # shutil.which("tmux"): looking for it is not running it
        if path == HELPER and isinstance(parent, ast.List):
            elements = parent.elts
            at = elements.index(node)
            following = elements[at + 1] if at + 1 < len(elements) else None
            if isinstance(following, ast.Constant) and following.value == "-L":
                continue
        found.append(f"{path}:{node.lineno}: {node.value!r}")
    return found


def test_no_test_runs_tmux_without_a_private_socket() -> None:
    modules = sorted(TESTS.rglob("*.py"))
    assert HELPER in modules and len(modules) > 20
    modules.remove(Path(__file__).resolve())  # its own examples of what not to do
    violations = [v for path in modules for v in _violations(path)]
    assert not violations, (
        "run tmux only through the private_tmux fixture (tests/tmux.py), never bare:\n"
        + "\n".join(violations)
    )


def test_the_scan_finds_a_bare_tmux_call(tmp_path: Path) -> None:
    # The scan itself: it must catch the ways a test could reach the default server.
    for code in (
        'subprocess.run(["tmux", "new-session", "-d"])',
        'subprocess.run("tmux kill-server", shell=True)',
        'os.system(f"tmux send-keys -t {name} q")',
    ):
        module = tmp_path / "test_bad.py"
        module.write_text(code + "\n", encoding="utf-8")
        assert _violations(module), code
    module.write_text(
        'shutil.which("tmux")\npytest.skip("tmux is not installed")\n', encoding="utf-8"
    )
    assert not _violations(module)


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_a_private_server_is_gone_with_its_socket_afterwards() -> None:
    server = PrivateTmux()
    assert server.name.startswith(SOCKET_PREFIX) and server.name != "default"
    try:
        server.new_session("probe", 20, 5, "sleep 60")
        assert server.socket_path.exists()
        assert server.socket_path.name == server.name
        assert server.run("has-session", "-t", "probe").returncode == 0
    finally:
        server.close()
    assert not server.socket_path.exists()
    assert server.run("has-session", "-t", "probe").returncode != 0
    # has-session on a dead server must not have started one (and left a socket) again.
    assert not server.socket_path.exists()
