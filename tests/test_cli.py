"""The ``grader`` command as users drive it: outputs and exit codes."""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import click
import pytest

from grader.output.formats import FORMATS
from grader.results import GradeResult

from .conftest import ROOT, Cli, owned_containers


def test_list_and_show(cli: Cli) -> None:
    listed = cli("list")
    assert listed.exit_code == 0
    for challenge in ("hello-world", "json-post", "file-upload", "error-handler", "blueprint"):
        assert challenge in listed.stdout
    shown = cli("show", "hello-world")
    assert shown.exit_code == 0 and "Hello, World!" in shown.stdout


def test_start_then_test_the_stub_then_a_solution(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "hw"
    started = cli("start", "hello-world", str(target))
    assert started.exit_code == 0, started.output
    assert (target / "app.py").is_file() and (target / "README.md").is_file()
    assert (target / "tests" / "test_public.py").is_file()
    assert not list(target.rglob("test_hidden.py")), "hidden tests never leave the grader"
    stub = cli("test", str(target))
    assert stub.exit_code == 1 and "FAIL" in stub.stdout
    shutil.copy(ROOT / "challenges/hello-world/solution/app.py", target / "app.py")
    solved = cli("test", str(target))
    assert solved.exit_code == 0, solved.stdout
    again = cli("start", "hello-world", str(target))
    assert again.exit_code == 2 and "not empty" in again.stderr


def test_grade_local_json_has_the_documented_fields(cli: Cli) -> None:
    code, result = cli.grade_json("hello-world", ROOT / "examples/hello-world-submission", "local")
    assert code == 1
    for key in ("challenge", "status", "score", "max_score", "message", "sandbox", "duration", "tests"):
        assert key in result
    assert result["status"] == "failed" and 0 < result["score"] < result["max_score"]
    for test in result["tests"]:
        assert set(test) >= {"name", "description", "status", "score", "max_score", "message"}
    failed = [t for t in result["tests"] if t["status"] == "failed"]
    assert [t["name"] for t in failed] == ["test_hello_escapes_html"]
    assert "<b>" in failed[0]["message"], "the message shows what the app returned"


def _save_result(cli: Cli, submission: str, out: Path) -> int:
    """Grade locally with ``--format json --output OUT``; the exit code."""
    args = ["grade", "hello-world", str(ROOT / submission), "--sandbox", "local", "--format", "json"]
    result = cli(*args, "-o", str(out))
    assert not result.stdout, "with --output nothing goes to stdout"
    return int(result.exit_code)


def test_output_file(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    assert _save_result(cli, "challenges/hello-world/solution", out) == 0
    assert json.loads(out.read_text())["status"] == "passed"


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (["grade", "no-such", "."], 2, "unknown challenge"),
        (["grade", "hello-wrld", "."], 2, "did you mean 'hello-world'"),
        (["grade", "hello-world", "/no/such/path"], 2, "no such file or folder"),
        (["grade", "hello-world", "README.md"], 2, "neither a folder nor an archive"),
        (["grade", "hello-world", ".", "--format", "xml"], 2, "Invalid value for '--format'"),
        (["show", "nope"], 2, "unknown challenge"),
        (["test", "/tmp"], 2, "was not started with `grader start`"),
        (["render", "/no/such/result.json"], 2, "cannot read /no/such/result.json"),
        (["render", "README.md"], 2, "README.md is not JSON"),
        (["render", "pyproject.toml", "--format", "nope"], 2, "Invalid value for '--format'"),
    ],
)
def test_bad_input_is_one_clear_line(cli: Cli, args: list[str], code: int, says: str) -> None:
    result = cli(*args)
    assert result.exit_code == code
    assert says in result.stderr
    assert "Traceback" not in result.output + result.stderr


@pytest.mark.parametrize("output_format", ["text", "json", "junit", "markdown", "exercism", "gradescope"])
def test_render_gives_what_grade_would_have_printed(cli: Cli, tmp_path: Path, output_format: str) -> None:
    """CI grades once to JSON, then renders the summary, JUnit and log from that one verdict."""
    saved = tmp_path / "result.json"
    # the example has a bug; render renders whatever the verdict
    assert _save_result(cli, "examples/hello-world-submission", saved) == 1
    expected = FORMATS[output_format](GradeResult.from_dict(json.loads(saved.read_text())))
    rendered = cli("render", str(saved), "--format", output_format)
    assert rendered.exit_code == 0, rendered.stderr
    assert rendered.stdout == click.unstyle(expected) + "\n"  # click drops colours off a terminal
    if output_format == "json":
        assert json.loads(rendered.stdout) == json.loads(saved.read_text())


def test_render_refuses_a_damaged_result(cli: Cli, tmp_path: Path) -> None:
    saved = tmp_path / "result.json"
    assert _save_result(cli, "challenges/hello-world/solution", saved) == 0
    data = json.loads(saved.read_text())
    data["tests"][0]["status"] = "mostly passed"
    saved.write_text(json.dumps(data))
    result = cli("render", str(saved))
    assert result.exit_code == 2
    assert "is not a grader result (test #0 has no valid status" in result.stderr


def test_submission_without_an_app_is_an_error_result(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("I forgot the code")
    code, result = cli.grade_json("hello-world", tmp_path, "local")
    assert code == 1 and result["status"] == "error"
    assert "no Flask app found" in result["message"]


def _grader(*args: str) -> subprocess.Popen[str]:
    """``grader`` as its own process, so that it can be sent real signals."""
    return subprocess.Popen(
        [sys.executable, str(ROOT / "cli.py"), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        start_new_session=True,
    )


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_an_interrupted_grading_exits_130_and_leaves_nothing(docker_client: Any, signum: int) -> None:
    hanging = ROOT / "tests/redteam/hang-view-never-returns"
    proc = _grader("grade", "hello-world", str(hanging), "--format", "json")
    try:
        deadline = time.monotonic() + 60
        while len(owned_containers(docker_client, proc.pid, status="running")) < 2:
            assert proc.poll() is None and time.monotonic() < deadline, "both containers should be running"
            time.sleep(0.1)
        time.sleep(0.5)  # into the hanging test
        proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert not owned_containers(docker_client, proc.pid), "the run's containers are removed before exiting"


@pytest.mark.docker
@pytest.mark.slow
def test_an_interrupted_batch_stops_at_once_keeps_results_and_continues(
    docker_client: Any, tmp_path: Path
) -> None:
    submissions = tmp_path / "submissions"
    shutil.copytree(ROOT / "tests/redteam/hang-every-route-run-timeout", submissions / "a-hangs")
    for i in range(7):
        shutil.copytree(ROOT / "challenges/json-post/solution", submissions / f"s{i}")
    out = tmp_path / "out"
    proc = _grader("batch", "json-post", str(submissions), "--out", str(out), "--jobs", "2")
    try:
        deadline = time.monotonic() + 120
        while not list((out / "results").glob("*.json")):
            assert proc.poll() is None and time.monotonic() < deadline, "a first result should appear"
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        interrupted_at = time.monotonic()
        _, stderr = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, stderr
    assert time.monotonic() - interrupted_at < 15, "the hanging grading is stopped, not waited out (60 s)"
    assert re.search(r"stopping the [12] grading\(s\) under way", stderr), stderr
    assert "finished results are kept" in stderr and "Traceback" not in stderr
    assert not owned_containers(docker_client, proc.pid)
    kept = len(list((out / "results").glob("*.json")))
    assert 1 <= kept < 7, "stopped part-way, with what finished on disk; nothing of the cancelled ones"
    shutil.rmtree(submissions / "a-hangs")
    again = _grader("batch", "json-post", str(submissions), "--out", str(out), "--jobs", "2")
    stdout, stderr = again.communicate(timeout=300)
    assert again.returncode == 0, stderr
    assert f"({7 - kept} graded, {kept} reused)" in stdout
