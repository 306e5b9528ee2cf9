"""The byte scan of a big ``sessions.json`` started by the command line before the app's imports
(``tui/cli.py`` ``start_scan``, ``store/backends/scan_process.py``): the app shows every row
from that scan, not one of its own; a scan that fails, answers garbage or is of another file
falls back to what the app does without one; nothing is left running or open."""

from __future__ import annotations

import asyncio
import marshal
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from openclaw_tui.store import codec
from openclaw_tui.store.backends import json_file, json_scan, scan_process
from openclaw_tui.store.backends.scan_process import ScanProcess
from openclaw_tui.store.synthetic import generate_store
from openclaw_tui.tui import app as app_module
from openclaw_tui.tui import cli
from openclaw_tui.tui.app import SessionBrowserApp
from openclaw_tui.tui.preview import PreviewViewModel
from tests.backends import make_store
from tests.tui.helpers import FIXED_NOW, wait_until

REPO = Path(__file__).resolve().parents[2]
SESSIONS = 400


@pytest.fixture(autouse=True)
def big_from_a_few_hundred(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scan_process, "PEEK_MIN_BYTES", 1)
    monkeypatch.setattr(app_module, "PROGRESSIVE_ROWS", 300)


def _store(tmp_path: Path, kind: str = "json") -> Path:
    entries = generate_store(SESSIONS, seed=5, now_ms=int(FIXED_NOW * 1000))
    return make_store(kind, tmp_path, entries)  # type: ignore[arg-type]


def _open_fds() -> set[str]:
    """This process's fds of a sessions.json and its pipes: what a scan opens (the file
    watcher's epoll and eventfd, which its thread closes on its own time, are not counted)."""
    fds = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.endswith("sessions.json") or target.startswith("pipe:"):
            fds.add(f"{fd} {target}")
    return fds


def _fake_scan(path: Path, program: str) -> ScanProcess:
    """A ScanProcess of ``path`` whose process is ``program`` (Python source) instead of the
    real scan: what a scan that crashes or answers garbage looks like to the app."""
    fd = scan_process.open_big(path, None)
    assert fd is not None
    process = subprocess.Popen(
        [sys.executable, "-c", program], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    return ScanProcess(path, fd, process)


def _answer_program(answer: Any) -> str:
    return f"import sys; sys.stdout.buffer.write({marshal.dumps(answer)!r})"


def _no_second_scan(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    started: list[int] = []
    real = scan_process.scan_elsewhere

    def counting(fd: int) -> Any:
        started.append(fd)
        return real(fd)

    monkeypatch.setattr(scan_process, "scan_elsewhere", counting)
    return started


# --- the command line to the app --------------------------------------------------------------


def _run_main(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, argv: list[str]
) -> tuple[int, dict[str, Any]]:
    """``cli.main(argv)`` with the app run headless until every row is on screen; what the app
    took and showed on the way."""
    monkeypatch.setenv("OPENCLAW_TUI_CONFIG_DIR", str(tmp_path / "config"))
    seen: dict[str, Any] = {"started": [], "taken": [], "peeked": []}
    real_start, real_take, real_peek = cli.start_scan, ScanProcess.take, app_module._peek

    def start_scan(target: Any) -> ScanProcess | None:
        scan = real_start(target)
        seen["started"].append(scan)
        return scan

    def take(self: ScanProcess) -> Any:
        taken = real_take(self)
        seen["taken"].append((self, taken))
        return taken

    def peek(*args: Any) -> Any:
        found = real_peek(*args)
        seen["peeked"].append(type(found))
        return found

    async def until_every_row(pilot: Any) -> None:
        app = pilot.app
        await wait_until(
            pilot,
            lambda: (
                app.main.target is not None
                and app.main.vm.total_count == SESSIONS
                and not isinstance(app.main.vm, PreviewViewModel)
            ),
            timeout=30,
            what="every row from the store",
        )
        seen["shown"] = app.main.vm.shown_keys()
        app.exit()

    real_run = SessionBrowserApp.run

    def run_headless(self: SessionBrowserApp, **kwargs: Any) -> None:
        real_run(self, headless=True, size=(140, 30), auto_pilot=until_every_row)

    monkeypatch.setattr(cli, "start_scan", start_scan)
    monkeypatch.setattr(ScanProcess, "take", take)
    monkeypatch.setattr(app_module, "_peek", peek)
    monkeypatch.setattr(SessionBrowserApp, "run", run_headless)
    code = cli.main(argv)
    return code, seen


def test_the_scan_the_command_line_starts_is_the_one_the_app_shows(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = _store(tmp_path)
    second = _no_second_scan(monkeypatch)
    before = _open_fds()
    code, seen = _run_main(monkeypatch, tmp_path, ["--store", str(path), "--read-only"])
    assert code == 0
    [scan] = seen["started"]
    assert isinstance(scan, ScanProcess) and scan.path == path
    # The app took that very scan, and its answer was an index, not a failure.
    [(taken_from, (_fd, found))] = seen["taken"]
    assert taken_from is scan
    assert found is not scan_process.NOT_SCANNED and codec.EntryIndex.of(found) is not None
    assert seen["peeked"] == [PreviewViewModel]
    assert second == []  # no scan process of the app's own
    entries = generate_store(SESSIONS, seed=5, now_ms=int(FIXED_NOW * 1000))
    assert seen["shown"] == sorted(entries, key=lambda k: (-entries[k]["updatedAt"], k))
    assert _open_fds() == before  # the fd it scanned closed with the preview


def test_a_scan_that_fails_early_falls_back_to_the_apps_own(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = _store(tmp_path)
    broken = tmp_path / "broken_scan.py"
    broken.write_text("import sys\nsys.exit(3)\n")
    monkeypatch.setattr(scan_process, "SCAN_PROGRAM", broken)
    before = _open_fds()
    code, seen = _run_main(monkeypatch, tmp_path, ["--store", str(path), "--read-only"])
    assert code == 0
    [scan] = seen["started"]
    [(taken_from, (_fd, found))] = seen["taken"]
    assert taken_from is scan and found is scan_process.NOT_SCANNED
    # The same fd scanned in the app's process: every row still shown before the store's.
    assert seen["peeked"] == [PreviewViewModel]
    assert len(seen["shown"]) == SESSIONS
    assert _open_fds() == before


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["--demo"], id="demo"),
        pytest.param(["--store", "{small}"], id="small-file"),
        pytest.param(["--store", "{sqlite}"], id="sqlite"),
    ],
)
def test_no_scan_is_started_where_the_app_would_not_use_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, argv: list[str]
) -> None:
    sqlite = _store(tmp_path / "s", "sqlite")
    # The demo's own state dir is elsewhere: this one's big sessions.json is not its store.
    _store(tmp_path / "j")
    monkeypatch.setenv("OPENCLAW_STATE_DIR", str(tmp_path / "j"))
    small = tmp_path / "small" / "sessions.json"
    small.parent.mkdir()
    small.write_bytes(b'{\n  "k": {\n    "updatedAt": 1\n  }\n}')
    monkeypatch.setattr(scan_process, "PEEK_MIN_BYTES", 100)
    spawned: list[int] = []
    monkeypatch.setattr(scan_process, "_spawn", spawned.append)  # returns None: never used
    given: list[Any] = []
    monkeypatch.setattr(cli, "run_app", lambda *a, scan=None, **k: given.append(scan) or 0)
    argv = [arg.format(small=small, sqlite=sqlite) for arg in argv]
    assert cli.main(argv) == 0
    assert spawned == [] and given == [None]


def test_a_scan_the_app_never_took_is_ended_when_the_app_ends(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = _store(tmp_path)
    seen: list[ScanProcess] = []

    def run_app(*args: Any, scan: ScanProcess | None = None, **kwargs: Any) -> int:
        assert scan is not None
        seen.append(scan)
        raise RuntimeError("the app failed to start")

    before = _open_fds()
    monkeypatch.setattr(cli, "run_app", run_app)
    with pytest.raises(RuntimeError):
        cli.main(["--store", str(path)])
    [scan] = seen
    assert scan.take() is None  # closed
    assert scan._process.returncode is not None  # ended and waited for: no zombie
    assert _open_fds() == before


def test_the_command_line_imports_nothing_heavy_before_it_starts_the_scan() -> None:
    # What the scan waits for is only what tui/cli.py imports: Textual, pydantic, the store's
    # parse and the package metadata come after start_scan, while the scan runs.
    code = (
        "import sys, openclaw_tui.tui.cli\n"
        "heavy = ('textual', 'rich', 'pydantic', 'orjson', 'importlib.metadata',\n"
        "         'openclaw_tui.store.codec', 'openclaw_tui.store.session_store',\n"
        "         'openclaw_tui.tui.viewmodel')\n"
        "print(','.join(sorted(m for m in heavy if m in sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_the_app_imports_no_store_core_before_its_first_frame(tmp_path: Path) -> None:
    # The store is made after a big store's first rows are on screen (_run_store, through
    # default_store_factory), /cleanup's module when /cleanup runs: neither is imported with
    # the app, whose imports every start waits for. Nor is pydantic (~0.35 s of CPU with the
    # models built): the entry's typed view (store.model) comes with the store, the config
    # file's model only when there is a file with settings to check.
    code = (
        "import sys, openclaw_tui.tui.cli, openclaw_tui.tui.app\n"
        "from openclaw_tui.tui.config import load_config\n"
        "assert load_config().warnings == []\n"
        "later = ('openclaw_tui.store.session_store', 'openclaw_tui.store._core',\n"
        "         'openclaw_tui.store.open', 'openclaw_tui.store.cleanup', 'pydantic',\n"
        "         'openclaw_tui.store.model', 'openclaw_tui.tui.config_file', 'tomllib')\n"
        "print(','.join(sorted(m for m in later if m in sys.modules)))\n"
    )
    env = {**os.environ, "OPENCLAW_TUI_CONFIG_DIR": str(tmp_path)}
    env.pop("OPENCLAW_TUI_CONFIG", None)
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True, env=env
    )
    assert result.stdout.strip() == ""


@pytest.mark.anyio
async def test_a_peek_cancelled_waits_for_its_thread_and_closes_what_it_opened(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The first store's peek runs in asyncio's thread (not anyio's, whose backend the first
    # frame would wait for) with anyio's semantics: a cancel waits for the thread, and what
    # it found is closed rather than left open.
    started, release = threading.Event(), threading.Event()
    closed: list[object] = []

    class Found(PreviewViewModel):
        def __init__(self) -> None:
            pass

        def close(self) -> None:
            closed.append(self)

    found = Found()

    def peek(*args: Any) -> Found:
        started.set()
        release.wait(10)
        return found

    monkeypatch.setattr(app_module, "_peek", peek)
    loop = asyncio.get_running_loop()
    task = asyncio.ensure_future(app_module._peek_in_thread(None, None, None, 0, None))  # type: ignore[arg-type]
    assert await loop.run_in_executor(None, started.wait, 10)
    task.cancel()
    release.set()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert closed == [found]


def test_version_is_read_when_asked_for(capsys: pytest.CaptureFixture[str]) -> None:
    import openclaw_tui

    with pytest.raises(SystemExit) as exit_:
        cli.main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out == f"openclaw-tui {openclaw_tui.__version__}\n"


# --- peek_indexed with a scan given ---------------------------------------------------------


def test_a_scan_given_is_taken_and_no_other_is_started(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = _store(tmp_path)
    second = _no_second_scan(monkeypatch)
    scan = ScanProcess.start(path, None)
    assert scan is not None
    found = json_file.peek_indexed(path, 10, scan=scan)
    assert isinstance(found, json_file.IndexedFile)
    try:
        assert found.index == codec.index_entries(path.read_bytes())
        assert second == []
        assert scan.take() is None  # taken once, by the peek
    finally:
        found.close()


@pytest.mark.parametrize(
    ("program", "fallback"),
    [
        pytest.param("import sys; sys.exit(3)", "scanned here", id="exits-non-zero"),
        pytest.param("import os; os.kill(os.getpid(), 9)", "scanned here", id="killed"),
        pytest.param("print('not marshal')", "scanned here", id="garbage"),
        pytest.param(_answer_program((1, 2, 3)), "newest", id="wrong-shape"),
        pytest.param(_answer_program(None), "newest", id="says-another-layout"),
    ],
)
def test_a_scan_that_fails_or_answers_garbage_falls_back(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, program: str, fallback: str
) -> None:
    path = _store(tmp_path)
    data = path.read_bytes()
    second = _no_second_scan(monkeypatch)
    before = _open_fds()
    found = json_file.peek_indexed(path, 10, scan=_fake_scan(path, program))
    assert second == []  # the fallback is this process's, on the fd the scan was given
    if fallback == "scanned here":
        assert isinstance(found, json_file.IndexedFile)
        assert found.index == codec.index_entries(data)
        found.close()
    else:
        assert found == codec.newest_entries(data, 10)
    assert _open_fds() == before


def test_an_index_whose_order_is_not_every_entry_once_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = _store(tmp_path)
    data = path.read_bytes()
    size, starts, updated, keys, order = json_scan.scan(data)  # type: ignore[misc]
    corrupt = [*order[:-1], order[0]]  # one entry twice, one never
    found = json_file.peek_indexed(
        path, 10, scan=_fake_scan(path, _answer_program((size, starts, updated, keys, corrupt)))
    )
    assert found == codec.newest_entries(data, 10)  # not an IndexError when drawn


def test_a_scan_of_another_file_is_ended_not_used(tmp_path: Path) -> None:
    path = _store(tmp_path / "a")
    other = _store(tmp_path / "b")
    before = _open_fds()
    scan = ScanProcess.start(other, None)
    assert scan is not None
    found = json_file.peek_indexed(path, 10, scan=scan)
    assert isinstance(found, json_file.IndexedFile)
    assert found.index == codec.index_entries(path.read_bytes())
    found.close()
    assert scan.take() is None and scan._process.returncode is not None
    assert _open_fds() == before


def test_close_ends_a_running_scan_and_closes_its_fd(tmp_path: Path) -> None:
    path = _store(tmp_path)
    before = _open_fds()
    scan = _fake_scan(path, "import time; time.sleep(60)")  # a scan that never ends
    scan.close()
    assert scan._process.returncode is not None
    assert scan.take() is None
    assert _open_fds() == before
    scan.close()  # twice: nothing more to do


@pytest.mark.parametrize("kind", ["a-store", "empty", "another-layout"])
def test_the_scan_program_answers_what_scan_of_the_bytes_does(tmp_path: Path, kind: str) -> None:
    # The program maps the file (an empty one cannot be: it is read instead); its answer is
    # exactly json_scan.scan's of the file's bytes.
    path = _store(tmp_path) if kind == "a-store" else tmp_path / "sessions.json"
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "another-layout":
        path.write_bytes(b'{"a": {"updatedAt": 1}}')
    fd = os.open(path, os.O_RDONLY)
    try:
        answer = scan_process.scan_elsewhere(fd)
    finally:
        os.close(fd)
    expected = json_scan.scan(path.read_bytes())
    assert answer == expected
    assert (expected is None) == (kind != "a-store")
