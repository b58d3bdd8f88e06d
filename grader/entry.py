"""The ``grader`` console script: Ctrl-C and SIGTERM are handled from the first instant.

Importing the commands (click, jinja2, the grading core) takes a good part of
a second. A Ctrl-C in that time used to raise ``KeyboardInterrupt`` inside
some import, print its traceback and kill the process by the signal. This
module imports nothing heavy: it installs its handlers first, then imports
:mod:`grader.cli`. Nothing has started yet while importing, so there is
nothing to clean up: say so and exit 130 at once.

Once the commands are loaded, Ctrl-C raises ``KeyboardInterrupt`` again and
SIGTERM does the same, so that the sandboxes remove their containers in
``finally`` blocks and the CLI exits 130 after them.
"""

from __future__ import annotations

import _signal  # the C module, already loaded: ``signal`` would first import enum and functools
import os

from grader.errors import EXIT_INTERRUPTED  # a module with no imports of its own


def _stop_while_starting(signum: int, frame: object) -> None:
    """Nothing runs yet: leave without unwinding (a half-done import has nothing to undo)."""
    os.write(2, b"\ninterrupted\n")
    os._exit(EXIT_INTERRUPTED)


_signal.signal(_signal.SIGINT, _stop_while_starting)
_signal.signal(_signal.SIGTERM, _stop_while_starting)

import signal  # noqa: E402 - after the handlers: its imports are interruptible
from types import FrameType  # noqa: E402


def _terminate(signum: int, frame: FrameType | None) -> None:
    """SIGTERM unwinds like Ctrl-C: sandboxes remove their containers in ``finally``."""
    raise KeyboardInterrupt


def main() -> None:
    """Run the ``grader`` command with early interrupts handled."""
    import grader.cli
    from grader.cli import main as commands

    grader.cli.CONSOLE = True
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _terminate)
    commands()


if __name__ == "__main__":
    main()
