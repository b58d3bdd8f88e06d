"""The ``grader`` command as users drive it: outputs and exit codes."""

from __future__ import annotations

import json
import os
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


def test_grader_test_always_reports_the_public_total_never_the_hidden_one(cli: Cli, tmp_path: Path) -> None:
    """A submission that does not load has no score, out of the public suite's points (not the hidden)."""
    target = tmp_path / "hw"
    cli("start", "hello-world", str(target))
    loaded = json.loads(cli("test", str(target), "--format", "json").stdout)
    (target / "app.py").write_text("def broken(:\n")
    broken = json.loads(cli("test", str(target), "--format", "json").stdout)
    assert (broken["status"], broken["score"], broken["tests"]) == ("error", None, [])
    assert broken["max_score"] == loaded["max_score"] < 12, "the public suite's total, not the hidden 12"


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
        (["grade", "hello-world", "README.md"], 2, "neither a folder, an archive nor a .py file"),
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
    """``grader`` as its own process, so that it can be sent real signals.

    With Python's fault handler on: :func:`_communicate` can make a stuck one
    print where each of its threads is.
    """
    return subprocess.Popen(
        [sys.executable, str(ROOT / "cli.py"), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        start_new_session=True,
        env={**os.environ, "PYTHONFAULTHANDLER": "1"},
    )


def _communicate(proc: subprocess.Popen[str], timeout: float) -> tuple[str, str]:
    """``proc``'s output once it ends; past ``timeout``, fail with its threads' stacks (SIGABRT)."""
    try:
        return proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGABRT)  # the fault handler prints every thread's stack
        _, stderr = proc.communicate(timeout=30)
        pytest.fail(f"grader did not end within {timeout:g} s; its stderr:\n{stderr[-12000:]}")


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
        _, stderr = _communicate(proc, 30)
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
        _, stderr = _communicate(proc, 60)
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
    stdout, stderr = _communicate(again, 300)
    assert again.returncode == 0, stderr
    assert f"({7 - kept} graded, {kept} reused)" in stdout


# --- The command line itself ---------------------------------------------------


def test_help_has_a_whole_summary_for_every_command_and_the_exit_codes(cli: Cli) -> None:
    shown = cli("--help")
    assert shown.exit_code == 0
    commands = shown.stdout.split("Commands:", 1)[1].split("Exit codes:", 1)[0]
    listed = [line.split()[0] for line in commands.strip().splitlines()]
    assert set(listed) == {
        "admin",
        "batch",
        "grade",
        "list",
        "receipt",
        "render",
        "sandbox",
        "serve",
        "show",
        "similar",
        "start",
        "submit",
        "test",
        "verify",
        "worker",
    }
    assert "..." not in commands, "click cut a summary: give the command a short_help"
    codes = shown.stdout.split("Exit codes:", 1)[1]
    for code in ("0", "1", "2", "3", "4", "130"):
        assert re.search(rf"^\s+{code}\s+\w", codes, re.M), f"exit code {code} is not explained"


def test_each_command_module_registers_exactly_the_commands_named_for_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The lazily registered commands (grader.cli._LAZY): a name missing there would vanish from `grader`."""
    import click

    from grader import cli as cli_module

    for part in sorted(set(cli_module._LAZY.values())):
        group = click.Group()
        monkeypatch.setattr(cli_module, "main", group)
        cli_module._register(part)
        assert set(group.commands) == {n for n, p in cli_module._LAZY.items() if p == part}, part


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["grade", "--bogus"], "No such option '--bogus': see `grader grade --help`"),
        (["nosuch"], "No such command 'nosuch': see `grader --help`"),
        (["batch", "hello-world"], "Missing argument 'FOLDER': see `grader batch --help`"),
        (["list", "--format", "xml"], "Invalid value for '--format'"),
    ],
)
def test_click_usage_errors_are_one_error_line(cli: Cli, args: list[str], says: str) -> None:
    result = cli(*args)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    assert says in result.stderr and "Usage:" not in result.stderr


def test_error_lines_are_cleaned_of_control_characters(cli: Cli) -> None:
    result = cli("grade", "hello-world", "/no/such/\x1b]0;pwned\x07\x1b[2Jpath")
    assert result.exit_code == 2
    assert "no such file or folder" in result.stderr
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr


def test_list_as_json(cli: Cli) -> None:
    result = cli("list", "--format", "json")
    assert result.exit_code == 0
    listed = {c["id"]: c for c in json.loads(result.stdout)}
    assert listed["hello-world"]["points"] == 12 and listed["hello-world"]["title"]


def test_started_folder_grades_and_tests_without_arguments(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli("start", "hello-world", str(tmp_path / "hw")).exit_code == 0
    shutil.copy(ROOT / "challenges/hello-world/solution/app.py", tmp_path / "hw" / "app.py")
    monkeypatch.chdir(tmp_path / "hw")
    graded = cli("grade", "--sandbox", "local", "--format", "json")
    assert graded.exit_code == 0, graded.stderr
    result = json.loads(graded.stdout)
    assert (result["challenge"], result["status"], result["submission"]) == ("hello-world", "passed", ".")
    tested = cli("test", "--format", "json")
    assert tested.exit_code == 0 and json.loads(tested.stdout)["max_score"] == 2  # the public suite
    other = cli("grade", "json-post", ".", "--sandbox", "local", "--format", "json")
    assert other.exit_code == 1
    assert "warning: . was started for hello-world; grading it against json-post" in other.stderr
    assert json.loads(other.stdout)["challenge"] == "json-post"


def test_grade_without_arguments_outside_a_started_folder_says_what_to_give(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli("grade")
    assert result.exit_code == 2
    assert "was not started with `grader start`: give the challenge and the path" in result.stderr


def test_every_environment_variable_is_documented() -> None:
    """Any variable the code or the scripts read has a line in the README."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    read = set()
    for path in [*(ROOT / "grader").rglob("*.py"), *(ROOT / "scripts").glob("*.sh")]:
        if "_data" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        read |= set(re.findall(r"environ(?:\.get\(|\[)\"([A-Z][A-Z0-9_]+)\"", text))
        read |= set(re.findall(r"getenv\(\"([A-Z][A-Z0-9_]+)\"", text))
        read |= set(re.findall(r"\$\{([A-Z][A-Z0-9_]+):-", text))
    read -= {"PYTEST_DISABLE_PLUGIN_AUTOLOAD"}  # set by the runner for itself, not read
    assert {"GRADER_CHALLENGES", "GRADER_IMAGE"} <= read
    assert not [name for name in sorted(read) if f"`{name}`" not in readme]


def test_the_wheel_installs_no_top_level_module() -> None:
    """Only ``grader/`` goes into the wheel: the root ``cli.py`` shim must not shadow other packages."""
    from hatchling.builders.wheel import WheelBuilder

    files = [f.distribution_path for f in WheelBuilder(str(ROOT)).recurse_included_files()]
    assert "grader/entry.py" in files and "grader/cli.py" in files
    assert [f for f in files if not f.startswith("grader/")] == []


def _console_script() -> Path:
    script = Path(sys.executable).parent / "grader"
    assert script.is_file(), "the test runs in the venv the project installs (scripts/test.sh)"
    return script


def _catches(pid: int, signum: int) -> bool:
    """Whether process ``pid`` has a handler for ``signum`` (its SigCgt mask in /proc)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    mask = next(line.split()[1] for line in status.splitlines() if line.startswith("SigCgt:"))
    return bool(int(mask, 16) >> (signum - 1) & 1)


@pytest.mark.parametrize("delay", [0.0, 0.05])
def test_ctrl_c_while_the_command_is_still_loading_exits_130_quietly(delay: float) -> None:
    """A real SIGINT to the installed console script while it imports the commands (~0.2 s or more).

    The entry module's first statement installs handlers for SIGINT and
    SIGTERM (Python's own catches only SIGINT, so a caught SIGTERM shows they
    are in place), then it imports click and the grading core: ``delay``
    after that lands in those imports. Only the interpreter's own start-up,
    before any code of ours runs, is left to Python's handler.
    """
    proc = subprocess.Popen(
        [str(_console_script()), "list"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 10
        while not _catches(proc.pid, signal.SIGTERM):
            assert proc.poll() is None and time.monotonic() < deadline, "python did not start"
            time.sleep(0.0005)
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=10)
    finally:
        proc.kill()
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, stderr
    assert proc.returncode == 130, (proc.returncode, stderr)
    assert "interrupted" in stderr and not stdout


# --- Batch output folders, and rendering what a batch wrote ----------------------


@pytest.fixture(scope="module")
def batch_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small local batch: one right submission, one with a syntax error."""
    root = tmp_path_factory.mktemp("batch")
    shutil.copytree(ROOT / "challenges/hello-world/solution", root / "subs" / "alice")
    shutil.copytree(ROOT / "tests/redteam/broken-syntax-error", root / "subs" / "bob")
    result = Cli()("batch", "hello-world", str(root / "subs"), "-o", str(root / "out"), "--sandbox", "local")
    assert result.exit_code == 0, result.output
    return root / "out"


@pytest.mark.parametrize("target", ["file", "/dev/null", "under-a-file"])
def test_batch_output_that_cannot_be_a_folder_is_one_line_exit_2(
    cli: Cli, batch_out: Path, tmp_path: Path, target: str
) -> None:
    (tmp_path / "file").write_text("not a folder")
    out = {"file": tmp_path / "file", "/dev/null": Path("/dev/null"), "under-a-file": tmp_path / "file" / "o"}
    result = cli("batch", "hello-world", str(batch_out.parent / "subs"), "--out", str(out[target]))
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    assert "not a folder" in result.stderr or "Not a directory" in result.stderr
    assert (tmp_path / "file").read_text() == "not a folder"


def test_batch_csv_names_the_cause_of_an_error(batch_out: Path) -> None:
    import csv

    with open(batch_out / "results.csv", encoding="utf-8") as handle:
        rows = {row["id"]: row for row in csv.DictReader(handle)}
    assert rows["bob"]["status"] == "error"
    assert "SyntaxError" in rows["bob"]["message"], rows["bob"]["message"]


def test_render_a_batch_submission_file(cli: Cli, batch_out: Path) -> None:
    path = batch_out / "results" / "bob.json"
    stored = json.loads(path.read_text())["result"]
    rendered = cli("render", str(path), "--format", "json")
    assert rendered.exit_code == 0, rendered.stderr
    assert json.loads(rendered.stdout) == stored
    text = cli("render", str(path))
    assert text.exit_code == 0 and text.stdout.startswith("ERROR  hello-world")


def test_render_a_batch_results_list(cli: Cli, batch_out: Path) -> None:
    from junitparser import JUnitXml

    path = batch_out / "results.json"
    as_json = cli("render", str(path), "--format", "json")
    assert as_json.exit_code == 0, as_json.stderr
    rendered, saved = json.loads(as_json.stdout), json.loads(path.read_text())
    # the batch adds its own columns (similarity); every result field renders back unchanged
    assert [r["id"] for r in rendered] == [r["id"] for r in saved]
    assert all(saved[i] | rendered[i] == saved[i] for i in range(len(saved)))
    junit = cli("render", str(path), "--format", "junit")
    assert junit.exit_code == 0, junit.stderr
    suites = {suite.name: suite for suite in JUnitXml.fromstring(junit.stdout.encode())}
    assert set(suites) == {"alice", "bob"}
    # bob's app does not load: every test of the suite is listed, not run, as an error
    assert suites["alice"].failures == 0 and suites["bob"].errors == suites["bob"].tests > 0
    text = cli("render", str(path))
    assert "== alice ==" in text.stdout and "== bob ==" in text.stdout
    single = cli("render", str(path), "--format", "exercism")
    assert single.exit_code == 2
    assert "exercism format holds one submission's result, and this file holds 2" in single.stderr


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("", "is not JSON (it is empty)"),
        ('"hello"', "holds a string, not a grader result"),
        ("[]", "is an empty list"),
        ('[{"id": "a"}]', "is not a grader result (entry #0: `tests` is not a list)"),
        (
            '{"id": "a", "cache_key": "k", "result": {"status": "x"}}',
            "`result` of 'a': `tests` is not a list",
        ),
        ('{"result": {}}', "has a `result` but no string `id`"),
    ],
)
def test_render_refusals_name_what_is_wrong(cli: Cli, tmp_path: Path, content: str, says: str) -> None:
    path = tmp_path / "saved.json"
    path.write_text(content)
    result = cli("render", str(path))
    assert result.exit_code == 2
    assert says in result.stderr and result.stderr.count("\n") == 1, result.stderr


def test_render_refuses_a_binary_file_as_not_text(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "saved.json"
    path.write_bytes(b"\xff\xfe\x00binary")
    result = cli("render", str(path))
    assert result.exit_code == 2 and "is not UTF-8 text" in result.stderr


def test_render_text_of_a_crafted_result_prints_no_control_characters(cli: Cli, tmp_path: Path) -> None:
    """A saved result is input: every string of it reaches the terminal cleaned."""
    osc = "\x1b]0;all passed\x07"
    saved = tmp_path / "result.json"
    assert _save_result(cli, "examples/hello-world-submission", saved) == 1
    data = json.loads(saved.read_text())
    data["challenge"] += osc
    data["limits_hit"] = [osc]
    data["image"] = osc
    for test in data["tests"]:
        test["name"] += osc
        test["description"] += osc
        test["message"] += osc
    saved.write_text(json.dumps(data))
    for output_format in ("text", "markdown"):
        rendered = cli("render", str(saved), "--format", output_format)
        assert rendered.exit_code == 0, rendered.stderr
        assert "\x1b" not in rendered.stdout and "\x07" not in rendered.stdout, output_format
