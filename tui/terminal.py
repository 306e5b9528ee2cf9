"""The terminal driver: Textual's, made to survive its terminal going away (a hang-up).

When the window is closed, the kernel hangs the terminal up: every write to it fails (EIO) and
the app gets SIGHUP and SIGCONT at once. Textual's Linux driver, as it is, then deadlocks the
app before it can quit (so the demo's temporary store was left behind, one run in ten):

- its SIGCONT handler (there for ctrl+z / ``fg``) "resumes" the application mode: a second
  output thread, whose first write fails, so it dies;
- an output thread that died leaves its queue (30 writes deep) undrained: the next 30 frames
  fill it, and the 31st write, or the one quitting makes, blocks the event loop for ever.

``HangupSafeDriver`` drops what cannot be written instead of dying on it, and does not resume
on a SIGCONT whose terminal is gone, so the SIGHUP quits as ``q`` does, cleanup included.
"""

from __future__ import annotations

import errno
import termios
from typing import IO, Any

from textual.drivers.linux_driver import LinuxDriver


def hung_up(fd: int) -> bool:
    """The terminal on ``fd`` was hung up (closed under us): it answers EIO. Not a terminal at
    all (ENOTTY, a pipe) is not a hang-up."""
    try:
        termios.tcgetattr(fd)
    except termios.error as error:
        return bool(error.args) and error.args[0] == errno.EIO
    return False


class TerminalOutput:
    """What the driver's output thread writes to: the terminal, until a write fails (a hang-up,
    a closed pipe); from then on everything is dropped, so the thread keeps draining its queue
    and nothing waiting on it blocks."""

    def __init__(self, file: IO[str]) -> None:
        self._file = file
        self.gone = False
        """A write or flush failed: the terminal is not there any more."""

    def write(self, text: str) -> int:
        if not self.gone:
            try:
                self._file.write(text)
            except (OSError, ValueError):  # EIO/EPIPE; ValueError: the file was closed
                self.gone = True
        return len(text)

    def flush(self) -> None:
        if not self.gone:
            try:
                self._file.flush()
            except (OSError, ValueError):
                self.gone = True

    def fileno(self) -> int:
        return self._file.fileno()

    def isatty(self) -> bool:
        return not self.gone and self._file.isatty()


class HangupSafeDriver(LinuxDriver):
    """Textual's Linux driver whose output outlives the terminal (see the module's doc)."""

    def __init__(self, app: Any, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        if self._file is not None:  # sys.__stderr__: None only without any stderr at all
            # The output thread only writes, flushes and asks fileno(): a file to it.
            self._file = TerminalOutput(self._file)  # type: ignore[assignment]

    def _sigcont_application(self, *args: Any) -> None:
        # The SIGCONT that comes with a hang-up: there is no terminal to go back to.
        output = self._file
        if (isinstance(output, TerminalOutput) and output.gone) or hung_up(self.fileno):
            return
        super()._sigcont_application(*args)
