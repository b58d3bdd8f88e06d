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

A command that ends (its ``SystemExit``) leaves the process without the
interpreter's teardown of every module: once the threads are joined and
every exit handler has run (removals handed off, the spare's child started,
the zygote closed), the last handler flushes the output and calls
``os._exit`` with the command's exit status. What is skipped is freeing
memory the process gives back anyway: the final garbage collection over
every imported module's objects and the clearing of their namespaces,
measured at 75 ms of a 0.43 s `grader grade` (benchmarks/bench_grade.py's
single grade, 12 runs each way on the 2-core machine). A command that ends
by an exception it did not handle is left to the interpreter as usual.
"""

from __future__ import annotations

import _signal  # the C module, already loaded: ``signal`` would first import enum and functools
import atexit
import os
import sys

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


#: the exit status of the command, once it ended by ``SystemExit``
_status: list[int] = []


def _leave() -> None:
    """The last exit handler: flush what was printed and end with the command's status, no teardown."""
    if not _status:
        return  # the command did not end by SystemExit: the interpreter reports and ends as usual
    status = _status[0]
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: the interpreter would end with 120 as well
            status = status or 120
    os._exit(status)


def main() -> None:
    """Run the ``grader`` command with early interrupts handled, then leave at once (module docstring)."""
    atexit.register(_leave)  # first registered, so run last: after every handler the commands add
    import grader.cli
    from grader.cli import main as commands

    grader.cli.CONSOLE = True
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _terminate)
    try:
        commands()
    except SystemExit as stop:
        # as the interpreter reads it: None is 0, a number is itself, anything else was printed and is 1
        code = stop.code
        _status.append(0 if code is None else code if isinstance(code, int) else 1)
        raise


if __name__ == "__main__":
    main()
