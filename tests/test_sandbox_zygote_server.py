"""The zygote's forking side: a forked child ends as ``python -m grader.testkit.runner`` would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from grader.challenges import get_challenge
from grader.grading import grade
from grader.sandbox import zygote
from grader.sandbox.local import LocalSandbox, _base_env
from grader.sandbox.zygote_server import RUNNER_MODULE

HELLO = get_challenge("hello-world")


def _forked(args: list[str], cwd: Path) -> tuple[int, str]:
    read_end, write_end = os.pipe()
    try:
        proc = zygote.shared_zygote(_base_env()).spawn(args, _base_env(), str(cwd), write_end)
    finally:
        os.close(write_end)
    with open(read_end, "rb") as output:
        text = output.read().decode()
    return proc.wait(timeout=30), text


def _fresh(args: list[str], cwd: Path) -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, "-m", RUNNER_MODULE, *args],
        cwd=cwd,
        env=_base_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        timeout=30,
        check=False,
    )
    return done.returncode, done.stdout.decode()


def test_a_usage_error_ends_the_child_as_it_ends_a_fresh_runner(tmp_path: Path) -> None:
    """``SystemExit`` from argparse: the same status (2) and message, as at an interpreter's top level."""
    forked = _forked(["--no-such-option"], tmp_path)
    assert forked == _fresh(["--no-such-option"], tmp_path)
    assert forked[0] == 2 and forked[1].startswith("usage: grader.testkit.runner")


@pytest.mark.parametrize("fork_server", [True, False], ids=["forked", "fresh"])
def test_the_runner_ends_once_its_report_is_out_forked_or_fresh(tmp_path: Path, fork_server: bool) -> None:
    """A submission's non-daemon thread and ``atexit`` hook neither run after the report nor hold the run.

    The runner ends with ``os._exit`` once its report is written (the interpreter's teardown of
    pytest and Flask only delayed the end of every run); a forked runner ends the same way.
    """
    app = tmp_path / "app"
    app.mkdir()
    source = (HELLO.root / "solution" / "app.py").read_text(encoding="utf-8")
    (app / "app.py").write_text(
        source
        + f"""
import atexit, sys, threading, time

if sys.argv[0].endswith("runner.py"):
    def _late():
        time.sleep(8.0)
        open({str(tmp_path / "thread")!r}, "w").close()

    threading.Thread(target=_late).start()
    atexit.register(lambda: open({str(tmp_path / "atexit")!r}, "w").close())
""",
        encoding="utf-8",
    )
    result = grade(HELLO, app, LocalSandbox(fork_server=fork_server))
    assert result.status == "passed"
    assert result.duration < 8.0, "the thread did not hold the run"
    assert not (tmp_path / "thread").exists() and not (tmp_path / "atexit").exists()
