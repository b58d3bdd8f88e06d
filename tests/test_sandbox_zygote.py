"""The local sandbox's fork server: a forked runner is a fresh runner, minus the start-up."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from grader.challenges import Limits, get_challenge
from grader.grading import grade
from grader.results import GradeResult
from grader.sandbox import zygote
from grader.sandbox.base import RunRequest
from grader.sandbox.local import LocalSandbox, _base_env

from .conftest import GOLDEN, ROOT

HELLO = get_challenge("hello-world")

#: A hello-world solution that, in the test runner's process (not the inspector's), first runs ``{probe}``.
APP = """
import json, os, subprocess, sys, time
from flask import Flask
from markupsafe import escape

if sys.argv[0].endswith("runner.py"):
    OUT = {out!r}
{probe}

app = Flask(__name__)


@app.get("/")
def index():
    time.sleep({sleep})
    return "Hello, World!"


@app.get("/hello/<name>")
def hello(name):
    return f"Hello, {{escape(name)}}!"
"""

#: What the runner's process looks like when the submission's code first runs in it.
LOOK = """
    fds = {}
    for fd in os.listdir("/proc/self/fd"):
        try:
            fds[fd] = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            pass
    facts = {
        "pid": os.getpid(), "ppid": os.getppid(), "pgid": os.getpgid(0), "sid": os.getsid(0),
        "fds": fds, "modules": sorted(sys.modules), "path": sys.path, "argv": sys.argv,
        "flags": list(sys.flags), "cwd": os.getcwd(), "env": sorted(os.environ),
        "main": sys.modules["__main__"].__file__, "stdout": [sys.stdout.encoding, sys.stdout.line_buffering],
    }
    with open(OUT, "a") as handle:
        handle.write(json.dumps(facts) + "\\n")
"""


def _submission(folder: Path, out: Path, probe: str = LOOK, sleep: float = 0.0) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "app.py").write_text(APP.format(out=str(out), probe=probe, sleep=sleep), encoding="utf-8")
    return folder


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _verdict(result: GradeResult) -> tuple[Any, ...]:
    return (result.status, result.score, [(t.name, t.status, t.score, t.message) for t in result.tests])


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state == "Z"  # dead, waiting for whoever adopted it to reap it


def _wait_gone(pid: int, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while not _gone(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _zygote_pid() -> int:
    return zygote.shared_zygote(_base_env()).pid


def test_a_forked_runner_is_the_fresh_runner_when_the_submission_starts(tmp_path: Path) -> None:
    """Same verdict, modules, path, argv, flags, descriptors and variable names; no socket of the zygote."""
    out = tmp_path / "facts.jsonl"
    app = _submission(tmp_path / "app", out)
    forked = grade(HELLO, app, LocalSandbox())
    fresh = grade(HELLO, app, LocalSandbox(fork_server=False))
    assert _verdict(forked) == _verdict(fresh) and forked.status == "passed"
    mine, theirs = _lines(out)
    assert mine["ppid"] == _zygote_pid() and theirs["ppid"] == os.getpid(), "the first ran in the zygote"
    for facts in (mine, theirs):
        assert facts["pgid"] == facts["sid"] == facts["pid"], "a session and process group of its own"
        assert facts["path"][1] == facts["cwd"], "-m puts the working folder after the submission's"
    assert not [t for t in mine["fds"].values() if t.startswith("socket:")], mine["fds"]
    assert sorted(mine["fds"]) == sorted(theirs["fds"])
    for key in ("modules", "argv", "flags", "env", "main", "stdout"):
        if key == "argv":
            mine[key], theirs[key] = mine[key][:1], theirs[key][:1]
        assert mine[key] == theirs[key], key
    assert mine["path"][2:] == theirs["path"][2:]


def test_golden_cases_graded_at_once_from_threads_each_get_their_own_result() -> None:
    """Requests and answers are matched: four runs share the zygote at the same time."""
    cases = ["double-escape", "no-escape", "index-201", "path-converter"]
    sandbox = LocalSandbox()
    with ThreadPoolExecutor(len(cases)) as pool:
        results = list(pool.map(lambda case: grade(HELLO, GOLDEN / "hello-world" / case, sandbox), cases))
    for case, result in zip(cases, results, strict=True):
        snapshot = json.loads((GOLDEN / "hello-world" / case / "snapshot.json").read_text(encoding="utf-8"))
        assert (result.status, result.score) == (snapshot["status"], snapshot["score"]), case
        assert [[t.name, t.status, t.score, t.max_score] for t in result.tests] == snapshot["tests"], case


@pytest.mark.parametrize("fork_server", [True, False], ids=["forked", "fresh"])
def test_the_run_deadline_kills_the_submissions_grandchildren(tmp_path: Path, fork_server: bool) -> None:
    """The runner's process group goes on SIGTERM (a partial report is written), then SIGKILL."""
    out = tmp_path / "pids"
    spawn = (
        "    child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)'])\n"
        "    open(OUT, 'w').write(str(child.pid))\n"
    )
    app = _submission(tmp_path / "app", out, probe=spawn, sleep=300)
    limits = Limits(start_timeout=10.0, test_timeout=120.0, run_timeout=6.0)
    started = time.monotonic()
    outcome = LocalSandbox(fork_server=fork_server).run(RunRequest(app, HELLO.hidden_tests, limits))
    assert outcome.timed_out and time.monotonic() - started < 30
    assert outcome.report is not None and outcome.report.interrupted, "SIGTERM still wrote the report"
    assert _wait_gone(int(out.read_text())), "the submission's child died with the run"


@pytest.mark.parametrize("fork_server", [True, False], ids=["forked", "fresh"])
def test_a_process_that_left_the_runs_group_holding_its_output_does_not_hold_the_run(
    tmp_path: Path, fork_server: bool
) -> None:
    """The output pipe stays open while it lives: the host stops reading after 2 s, and never blocks on it."""
    out = tmp_path / "pid"
    escape = (
        "    sleeper = [sys.executable, '-c', 'import time; time.sleep(40)']\n"
        "    child = subprocess.Popen(sleeper, start_new_session=True)\n"
        "    open(OUT, 'w').write(str(child.pid))\n"
    )
    app = _submission(tmp_path / "app", out, probe=escape)
    started = time.monotonic()
    try:
        result = grade(HELLO, app, LocalSandbox(fork_server=fork_server))
        assert result.status == "passed" and time.monotonic() - started < 20
    finally:
        if out.exists():
            os.kill(int(out.read_text()), signal.SIGKILL)


def test_a_run_whose_zygote_dies_is_run_again_in_a_fresh_python_and_the_next_gets_a_new_zygote(
    tmp_path: Path,
) -> None:
    out = tmp_path / "facts.jsonl"
    slow = LOOK + "    time.sleep(2)\n"
    app = _submission(tmp_path / "app", out, probe=slow)
    first = _zygote_pid()

    def kill_when_the_run_is_under_way() -> None:
        deadline = time.monotonic() + 30
        while not out.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(first, signal.SIGKILL)  # the runner has written its facts and sleeps 2 s

    killer = threading.Thread(target=kill_when_the_run_is_under_way)
    killer.start()
    try:
        result = grade(HELLO, app, LocalSandbox())
    finally:
        killer.join(timeout=35)
    assert result.status == "passed"
    assert [facts["ppid"] for facts in _lines(out)] == [first, os.getpid()], "then in a fresh Python"
    assert _wait_gone(first)
    assert _zygote_pid() != first, "a new zygote for the next run"


def test_the_zygote_ends_when_its_grader_is_killed(tmp_path: Path) -> None:
    """End-of-file on its socket, which the kernel gives when the grader dies, even by SIGKILL."""
    script = (
        "from grader.sandbox import zygote, local\n"
        "print(zygote.shared_zygote(local._base_env()).pid, flush=True)\n"
        "import time; time.sleep(120)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    grader = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, env=env, cwd=tmp_path)
    try:
        assert grader.stdout is not None
        pid = int(grader.stdout.readline())
        assert not _gone(pid)
    finally:
        grader.kill()
        grader.wait(timeout=10)
    assert _wait_gone(pid), "the zygote outlived its grader"


def test_a_zygote_is_not_shared_with_a_forked_grader() -> None:
    """A fork of the grader (a prefork worker) closes its copy of the socket and starts its own zygote."""
    parent_zygote = _zygote_pid()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through the pipe
        code = 1
        try:
            os.write(write_end, str(_zygote_pid()).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    try:
        child_zygote = int(os.read(read_end, 64) or b"0")
    finally:
        os.close(read_end)
        os.waitpid(pid, 0)
    assert child_zygote not in (0, parent_zygote)
    assert _wait_gone(child_zygote), "it ended with its grader"
    assert zygote.shared_zygote(_base_env()).alive and _zygote_pid() == parent_zygote
