"""The console script's way out: the command's status, its whole output, every exit handler run.

:func:`grader.entry.main` ends a command without the interpreter's teardown
(``os._exit`` from the last exit handler); these run it in a process of its
own with a stand-in command, so what is checked is the leaving alone.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

#: A stand-in for the commands: registers an exit handler, prints a lot to a pipe, then ends as told.
_SCRIPT = """
import atexit, sys
import grader.cli
from grader import entry

class Module:  # stands for every imported module's objects, freed at teardown
    def __del__(self):
        sys.stderr.write("torn down\\n")

kept = Module()

def command():
    atexit.register(lambda: open({marker!r}, "w").write("ran"))
    sys.stdout.write("x" * 200_000 + "\\n")  # more than a pipe's buffer: flushed at the very end
    {end}

grader.cli.main = command
entry.main()
"""


def _run(tmp_path: Path, end: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    marker = tmp_path / "handler-ran"
    script = _SCRIPT.format(marker=str(marker), end=end)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    return done, marker


@pytest.mark.parametrize(
    ("end", "status"),
    [("sys.exit(0)", 0), ("sys.exit(1)", 1), ("sys.exit(None)", 0), ("raise SystemExit(130)", 130)],
)
def test_a_command_ends_with_its_status_its_whole_output_and_its_exit_handlers_run(
    tmp_path: Path, end: str, status: int
) -> None:
    done, marker = _run(tmp_path, end)
    assert done.returncode == status, done.stderr
    assert done.stdout == "x" * 200_000 + "\n"
    assert marker.read_text() == "ran"
    assert "torn down" not in done.stderr  # left without the interpreter's teardown


def test_a_message_as_the_status_is_printed_and_ends_with_1(tmp_path: Path) -> None:
    done, marker = _run(tmp_path, "sys.exit('error: something')")
    assert (done.returncode, done.stderr.strip()) == (1, "error: something")
    assert marker.read_text() == "ran"


def test_an_exception_the_command_did_not_handle_is_left_to_the_interpreter(tmp_path: Path) -> None:
    done, marker = _run(tmp_path, "raise RuntimeError('a bug')")
    assert done.returncode == 1
    assert "RuntimeError: a bug" in done.stderr
    assert marker.read_text() == "ran"
    assert "torn down" in done.stderr
