"""The driver survives its terminal being hung up (tui/terminal.py): the output thread keeps
draining its queue when writes fail, and a hang-up's SIGCONT does not restart the application
mode. Without either, closing the window deadlocked the app (tests/e2e/test_signals.py)."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator

import pytest
from textual.drivers._writer_thread import MAX_QUEUED_WRITES, WriterThread

from openclaw_tui.tui.terminal import HangupSafeDriver, TerminalOutput, hung_up


@pytest.fixture
def pty() -> Iterator[tuple[int, int]]:
    """(master, slave) of a fresh pseudo-terminal; closing the master hangs the slave up."""
    master, slave = os.openpty()
    yield master, slave
    for fd in (master, slave):
        with contextlib.suppress(OSError):  # the master: closed by the test (the hang-up)
            os.close(fd)


def test_a_hung_up_terminal_is_told_from_a_live_one_and_from_no_terminal(pty) -> None:
    master, slave = pty
    assert not hung_up(slave)
    read, write = os.pipe()
    try:
        assert not hung_up(write), "a pipe is not a terminal, not a hung-up one"
    finally:
        os.close(read)
        os.close(write)
    os.close(master)
    assert hung_up(slave)


def test_the_output_thread_drains_its_queue_after_the_terminal_is_gone(pty) -> None:
    master, slave = pty
    output = TerminalOutput(open(os.dup(slave), "w", encoding="utf-8"))  # noqa: SIM115
    writer = WriterThread(output)  # type: ignore[arg-type]  # a file to it
    writer.start()
    writer.write("frame before\n")
    os.close(master)  # the window is closed

    def frames_then_quit() -> None:
        # More writes than the queue holds: with a thread that died on the first EIO, the
        # write after MAX_QUEUED_WRITES blocks for ever (the app's event loop with it).
        for n in range(3 * MAX_QUEUED_WRITES):
            writer.write(f"frame {n}\n")
        writer.stop()

    app_side = threading.Thread(target=frames_then_quit, daemon=True)
    app_side.start()
    app_side.join(timeout=10)
    assert not app_side.is_alive(), "writing to, or stopping, the output thread blocked"
    assert output.gone


class _App:
    """What the driver's constructor reads of an app."""

    _original_stdout = None


@pytest.mark.anyio  # the driver is made inside a running event loop
async def test_the_sigcont_of_a_hang_up_does_not_restart_the_application_mode(
    pty, monkeypatch: pytest.MonkeyPatch
) -> None:
    master, slave = pty
    monkeypatch.setattr(signal, "signal", lambda *args: None)  # the test's own handlers stay
    driver = HangupSafeDriver(_App())
    resumed: list[bool] = []
    monkeypatch.setattr(driver, "resume_application_mode", lambda: resumed.append(True))
    driver.fileno = slave
    driver._sigcont_application(signal.SIGCONT, None)
    assert resumed == [True], "fg after ctrl+z still resumes"
    os.close(master)
    driver._sigcont_application(signal.SIGCONT, None)
    assert resumed == [True], "the SIGCONT that comes with a hang-up resumes nothing"


def test_the_app_runs_on_that_driver(tmp_path) -> None:
    from tests.tui.helpers import make_app

    assert make_app(tmp_path).driver_class is HangupSafeDriver
