"""The output formats, each produced from the same results and read back by a real consumer.

JUnit goes through ``junitparser`` (what CI report tools do); the two
``results.json`` formats are validated against JSON schemas written from the
platforms' specs (``tests/schemas/``); Markdown is checked for structure that
hostile messages must not break.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click import unstyle as click_unstyle
from junitparser import Error, Failure, JUnitXml, Skipped, TestCase, TestSuite

from grader.errors import UsageError
from grader.output import render_many
from grader.output.formats import FORMATS, to_exercism, to_gradescope, to_junit, to_junit_many, to_markdown
from grader.output.text import summary
from grader.results import GradeResult, TestResult

from .conftest import ROOT, Cli

SCHEMAS = Path(__file__).parent / "schemas"
HOSTILE = "AssertionError: got <b>&amp;</b> ]]> | ``` fence\x00\x1b[31mred\x1b[0m\x0bend"


def _test(
    name: str, status: str, points: float = 2.0, message: str = "", description: str = ""
) -> TestResult:
    return TestResult(
        name=name,
        description=description or f"{name} works.",
        status=status,
        score=points if status == "passed" else 0.0,
        max_score=points,
        message=message,
        duration=0.0123,
    )


def _result(status: str, tests: list[TestResult], message: str = "") -> GradeResult:
    return GradeResult(
        challenge="hello-world",
        status=status,
        score=sum(t.score for t in tests),
        max_score=sum(t.max_score for t in tests) or 12.0,
        message=message,
        sandbox="docker",
        duration=1.6,
        tests=tests,
        image="sha256:abc",
        challenge_version="1",
        grader_version="0.1.0",
    )


PASSED = _result(
    "passed", [_test("test_index", "passed"), _test("test_hello[Ada]", "passed", 1)], "all tests passed"
)
FAILED = _result(
    "failed",
    [
        _test("test_index", "passed", 10),
        _test("test_escapes", "failed", message=HOSTILE, description="Escapes | pipes <b>"),
        _test("test_crash", "error", message="Traceback:\nValueError: boom"),
    ],
    "2 of 3 tests did not pass",
)
ERROR = _result("error", [], "no Flask app found: app.py has no `app`\x1b[0m")
SKIPPED = _result(
    "failed", [_test("test_index", "passed"), _test("test_later", "skipped")], "1 of 2 tests did not pass"
)
RESULTS = {"passed": PASSED, "failed": FAILED, "error": ERROR, "skipped": SKIPPED}


def _schema(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


def _suite(xml: str) -> TestSuite:
    # Bytes, because the document declares its encoding (lxml refuses such a str).
    suites = list(JUnitXml.fromstring(xml.encode("utf-8")))
    assert len(suites) == 1
    suite: TestSuite = suites[0]
    return suite


def test_every_format_is_offered_by_the_cli() -> None:
    assert {"text", "json", "junit", "markdown", "exercism", "gradescope"} <= set(FORMATS)


@pytest.mark.parametrize("name", sorted(RESULTS))
@pytest.mark.parametrize("fmt", ["junit", "markdown", "exercism", "gradescope", "json"])
def test_every_format_renders_every_kind_of_result(fmt: str, name: str) -> None:
    assert FORMATS[fmt](RESULTS[name]).strip()


# --- JUnit --------------------------------------------------------------------


def test_junit_counts_names_and_properties() -> None:
    suite = _suite(to_junit(FAILED))
    assert suite.name == "hello-world"
    assert (suite.tests, suite.failures, suite.errors, suite.skipped) == (3, 1, 1, 0)
    assert suite.time == pytest.approx(1.6)
    cases: list[TestCase] = list(suite)
    assert [c.name for c in cases] == ["test_index", "test_escapes", "test_crash"]
    assert {c.classname for c in cases} == {"hello-world"}
    assert cases[0].is_passed and cases[0].time == pytest.approx(0.012)
    props = {p.name: p.value for p in suite.properties()}
    assert props == {"score": "10", "max_score": "14", "sandbox": "docker", "image": "sha256:abc"}


def test_junit_failure_message_survives_xml_special_and_control_characters() -> None:
    xml = to_junit(FAILED)
    assert "\x00" not in xml and "\x1b" not in xml and "\x0b" not in xml
    failure = list(_suite(xml))[1].result[0]
    assert isinstance(failure, Failure)
    expected = "AssertionError: got <b>&amp;</b> ]]> | ``` fence[31mred[0mend"
    assert failure.text == expected
    assert failure.message == expected  # one line: the summary is the whole message
    error = list(_suite(xml))[2].result[0]
    assert isinstance(error, Error)
    assert error.message == "Traceback:" and error.text == "Traceback:\nValueError: boom"


def test_junit_parses_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "junit.xml"
    path.write_text(to_junit(FAILED), encoding="utf-8")
    xml = JUnitXml.fromfile(str(path))
    assert xml.tests == 3 and xml.failures == 1 and xml.errors == 1


def test_junit_skipped_and_all_passed() -> None:
    suite = _suite(to_junit(SKIPPED))
    assert (suite.tests, suite.failures, suite.errors, suite.skipped) == (2, 0, 0, 1)
    assert isinstance(list(suite)[1].result[0], Skipped)
    passed = _suite(to_junit(PASSED))
    assert passed.tests == 2 and all(c.is_passed for c in passed)


def test_junit_error_without_tests_is_one_grading_error() -> None:
    suite = _suite(to_junit(ERROR))
    assert (suite.tests, suite.errors, suite.failures) == (1, 1, 0)
    (case,) = list(suite)
    assert case.name == "grading"
    (error,) = case.result
    assert isinstance(error, Error)
    assert error.text == "no Flask app found: app.py has no `app`[0m"


def test_an_error_has_no_score_and_no_test_list_in_every_output() -> None:
    """Issue 19: "could not be graded" reads the same everywhere: an empty score, its cause, no test list."""
    from grader.output.csvcells import result_cells
    from grader.output.text import grade_text

    not_run = [_test(f"test_{n}", "error", message="not run: the app could not be started") for n in range(3)]
    result = _result("error", not_run, "app.py raised while loading: ImportError: no module named x")
    assert (result.score, result.percent, result.tests, result.max_score) == (None, None, [], 6.0)
    data = result.to_dict()
    assert (data["score"], data["percent"], data["tests"]) == (None, None, [])
    cells = result_cells(result)
    assert (cells["score"], cells["percent"], cells["failed_tests"]) == ("", "", "")
    assert "ImportError" in cells["message"]
    suite = _suite(to_junit(result))
    assert (suite.tests, suite.errors, suite.failures) == (1, 1, 0), "one stand-in case carrying the cause"
    assert {p.name: p.value for p in suite.properties()}["score"] == ""
    assert "**no score** (of 6)" in to_markdown(result) and "test_0" not in to_markdown(result)
    text = click_unstyle(grade_text(result))
    assert "no score (of 6)" in text and "test_0" not in text and "ImportError" in text
    assert "tests" not in json.loads(to_exercism(result))
    # Gradescope's schema has no empty score: 0 there, the cause in its output, and no test list
    gradescope = json.loads(to_gradescope(result))
    assert (gradescope["score"], gradescope["tests"]) == (0.0, []) and "ImportError" in gradescope["output"]
    # a result file written by an older version (a zero and "not run" tests) reads the same way
    old = {
        **data,
        "score": 0.0,
        "percent": 0.0,
        "tests": [{**t.__dict__, "status": "error"} for t in not_run],
    }
    assert GradeResult.from_dict(old) == result


# --- Markdown -----------------------------------------------------------------


def _table_rows(markdown: str) -> list[str]:
    """Header and body rows of the table, without the delimiter row."""
    return [line for line in markdown.splitlines() if line.startswith("| ") and not line.startswith("| ---")]


def test_markdown_heading_score_and_table() -> None:
    text = to_markdown(FAILED)
    assert text.startswith("## ❌ hello-world: failed\n")
    assert "**10/14** (71.4%)" in text
    rows = _table_rows(text)
    assert rows[0] == "| | Test | Points | Description |"
    assert len(rows) == 1 + 3  # the header, then one row per test
    # Unescaped pipes split cells: every row must have exactly five separators.
    for row in rows:
        assert len(re.findall(r"(?<!\\)\|", row)) == 5, row
    assert "Escapes \\| pipes \\<b\\>" in rows[2]
    assert to_markdown(PASSED).startswith("## ✅ ")
    assert "**12/12** (100%)" in to_markdown(_result("passed", [_test("t", "passed", 12)]))


def test_markdown_failures_are_fenced_so_messages_cannot_escape() -> None:
    text = to_markdown(FAILED)
    failures = text.split("### Failures", 1)[1]
    assert "`test_escapes`" in failures and "`test_crash`" in failures
    assert "`test_index`" not in failures
    # The message holds ``` so its fence must be longer, and close only after it.
    block = re.search(r"^(````+)text\n(.*?)\n\1$", failures, re.S | re.M)
    assert block is not None
    assert "``` fence" in block.group(2) and "\x00" not in block.group(2)
    assert "```text\nTraceback:\nValueError: boom\n```" in failures


def test_markdown_error_shows_the_reason_in_a_block() -> None:
    text = to_markdown(ERROR)
    assert text.startswith("## ⚠️ hello-world: error\n")
    assert "```text\nno Flask app found" in text
    assert "### Failures" not in text and not _table_rows(text)


def test_markdown_code_span_names_survive_backticks_and_pipes() -> None:
    result = _result("failed", [_test("test_`odd`|name", "failed", message="x")])
    row = _table_rows(to_markdown(result))[1]
    assert "``test_`odd`\\|name``" in row


# --- Exercism -----------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(RESULTS))
def test_exercism_matches_the_v3_schema(name: str) -> None:
    data = json.loads(to_exercism(RESULTS[name]))
    jsonschema.validate(data, _schema("exercism-v3.json"))
    assert data["version"] == 3


def test_exercism_statuses_and_messages() -> None:
    failed = json.loads(to_exercism(FAILED))
    assert failed["status"] == "fail" and "message" not in failed
    assert [(t["status"], t["message"]) for t in failed["tests"]] == [
        ("pass", None),
        ("fail", HOSTILE),
        ("error", "Traceback:\nValueError: boom"),
    ]
    assert failed["tests"][1]["test_code"] == "Escapes | pipes <b>"
    assert all("task_id" not in t for t in failed["tests"])
    assert json.loads(to_exercism(PASSED))["status"] == "pass"
    skipped = json.loads(to_exercism(SKIPPED))["tests"][1]
    assert (skipped["status"], skipped["message"]) == ("fail", "skipped")
    error = json.loads(to_exercism(ERROR))
    assert error["status"] == "error" and error["message"].startswith("no Flask app found")


def test_the_exercism_schema_rejects_what_the_spec_forbids() -> None:
    schema = _schema("exercism-v3.json")
    for bad in (
        {"version": 3, "status": "error"},
        {"version": 3, "status": "fail", "tests": [{"name": "a", "status": "fail", "test_code": ""}]},
        {"version": 2, "status": "pass", "tests": []},
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)


# --- Gradescope ---------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(RESULTS))
def test_gradescope_matches_the_schema(name: str) -> None:
    jsonschema.validate(json.loads(to_gradescope(RESULTS[name])), _schema("gradescope.json"))


def test_gradescope_scores_and_tests() -> None:
    data = json.loads(to_gradescope(FAILED))
    assert data["score"] == 10.0 and isinstance(data["score"], float)
    assert data["execution_time"] == 2 and isinstance(data["execution_time"], int)
    assert (data["visibility"], data["stdout_visibility"]) == ("visible", "hidden")
    assert data["output"] == "2 of 3 tests did not pass"
    assert [(t["name"], t["status"], t["score"], t["max_score"]) for t in data["tests"]] == [
        ("test_index", "passed", 10.0, 10.0),
        ("test_escapes", "failed", 0.0, 2.0),
        ("test_crash", "failed", 0.0, 2.0),
    ]
    assert data["tests"][1]["output"] == HOSTILE
    assert {(t["visibility"], t["name_format"]) for t in data["tests"]} == {("visible", "text")}
    error = json.loads(to_gradescope(ERROR))
    assert error["score"] == 0.0 and error["tests"] == []
    assert error["output"] == ERROR.message


# --- Through the CLI ----------------------------------------------------------


def test_cli_grade_prints_junit(cli: Cli) -> None:
    submission = ROOT / "examples/hello-world-submission"
    out = cli("grade", "hello-world", str(submission), "--sandbox", "local", "--format", "junit")
    assert out.exit_code == 1, out.output  # the example has a bug
    suite = _suite(out.stdout)
    assert suite.name == "hello-world" and suite.tests == 10 and suite.failures == 1
    failed = [c for c in suite if not c.is_passed]
    assert [c.name for c in failed] == ["test_hello_escapes_html"]
    assert "Hello, <b>!" in (failed[0].result[0].text or "")


# --- Errors carry their cause ----------------------------------------------------

TRACEBACK_ERROR = _result(
    "error",
    [],
    'app.py raised while loading:\nTraceback (most recent call last):\n  File "app.py", line 7\n'
    "SyntaxError: expected ':'\n",
)


@pytest.mark.parametrize(
    ("message", "line"),
    [
        (
            "app.py raised while loading:\nTraceback (most recent call last):\n  x\nSyntaxError: bad\n",
            "app.py raised while loading: SyntaxError: bad",
        ),
        (
            "app.py raised SyntaxError while loading: '(' was never closed (app.py, line 3)\n  detail",
            "app.py raised SyntaxError while loading: '(' was never closed (app.py, line 3)",
        ),
        ("\n\n  no Flask app found  \n", "no Flask app found"),
        ("ends with a colon:", "ends with a colon:"),
        ("", ""),
    ],
)
def test_summary_names_the_cause_in_one_line(message: str, line: str) -> None:
    assert summary(message) == line


def test_junit_error_message_names_the_cause_and_the_body_has_the_detail() -> None:
    (case,) = list(_suite(to_junit(TRACEBACK_ERROR)))
    (error,) = case.result
    assert error.message == "app.py raised while loading: SyntaxError: expected ':'"
    assert error.text is not None and 'File "app.py", line 7' in error.text


def test_junit_many_has_one_suite_per_submission() -> None:
    xml = JUnitXml.fromstring(to_junit_many([("alice", PASSED), ("bob", TRACEBACK_ERROR)]).encode())
    suites = {suite.name: suite for suite in xml}
    assert set(suites) == {"alice", "bob"}
    assert xml.tests == 3 and xml.errors == 1
    assert suites["bob"].errors == 1 and suites["alice"].tests == 2


def test_render_many_refuses_formats_of_one_submission() -> None:
    with pytest.raises(UsageError, match="holds one submission's result, and this file holds 2"):
        render_many([("a", PASSED), ("b", FAILED)], "gradescope")
    markdown = render_many([("a|b", PASSED), ("c", FAILED)], "markdown")
    assert markdown.startswith("# `a\\|b`\n\n## ✅ hello-world: passed")
    assert "\n# `c`\n" in markdown


# --- Text ---------------------------------------------------------------------


def test_text_error_verdict_prints_its_cause_once_not_one_err_line_per_test() -> None:
    from grader.output.text import grade_text

    tests = [_test(f"test_{n}", "error", message="app.py raised SyntaxError") for n in range(23)]
    text = grade_text(_result("error", tests, "app.py raised SyntaxError while loading: line 2"))
    assert text.count("SyntaxError") == 1
    assert "ERR " not in text and "test_0" not in text
    assert "no score (of 46)" in text


def test_text_failed_verdict_still_lists_every_test() -> None:
    from grader.output.text import grade_text

    text = grade_text(FAILED)
    assert all(name in text for name in ("test_index", "test_escapes", "test_crash"))
    assert "ERR" in text and "FAIL" in text and "PASS" in text
