"""The ``grader`` command as users drive it: outputs and exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from .conftest import ROOT, Cli


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


def test_output_file(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    result = cli(
        "grade",
        "hello-world",
        str(ROOT / "challenges/hello-world/solution"),
        "--sandbox",
        "local",
        "--format",
        "json",
        "-o",
        str(out),
    )
    assert result.exit_code == 0
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
    ],
)
def test_bad_input_is_one_clear_line(cli: Cli, args: list[str], code: int, says: str) -> None:
    result = cli(*args)
    assert result.exit_code == code
    assert says in result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_submission_without_an_app_is_an_error_result(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("I forgot the code")
    code, result = cli.grade_json("hello-world", tmp_path, "local")
    assert code == 1 and result["status"] == "error"
    assert "no Flask app found" in result["message"]
