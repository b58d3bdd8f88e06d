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

import os
import signal
from types import FrameType

from grader.errors import EXIT_INTERRUPTED  # no imports of its own: as light as this module


def _stop_while_starting(signum: int, frame: FrameType | None) -> None:
    """Nothing runs yet: leave without unwinding (a half-done import has nothing to undo)."""
    os.write(2, b"\ninterrupted\n")
    os._exit(EXIT_INTERRUPTED)


def _terminate(signum: int, frame: FrameType | None) -> None:
    """SIGTERM unwinds like Ctrl-C: sandboxes remove their containers in ``finally``."""
    raise KeyboardInterrupt


def main() -> None:
    """Run the ``grader`` command with early interrupts handled."""
    signal.signal(signal.SIGINT, _stop_while_starting)
    signal.signal(signal.SIGTERM, _stop_while_starting)
    from grader.cli import main as commands

    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _terminate)
    commands()


if __name__ == "__main__":
    main()
