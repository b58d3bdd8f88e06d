"""Machine-readable renderings of one :class:`GradeResult`.

Each format is a function ``GradeResult -> str`` registered in :data:`FORMATS`;
the CLI's ``--format`` choices come from this table. ``text`` lives in
:mod:`grader.output.text` because it is for people.

Messages can carry anything the candidate's app printed, so every format
treats them as untrusted text: XML drops characters XML 1.0 forbids,
Markdown fences them with a fence longer than any run of backticks inside,
JSON relies on :func:`json.dumps` escaping.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

from ..protocol import TestStatus
from ..results import GradeResult, TestResult
from .text import grade_text, points, summary

# Everything outside XML 1.0's Char production: C0 controls except \t \n \r,
# lone surrogates (which cannot be encoded) and the two non-characters.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_EXERCISM_STATUS = {"passed": "pass", "failed": "fail", "error": "error"}
_EXERCISM_MAX_MESSAGE = 65535
_EMOJI = {"passed": "✅", "failed": "❌", "error": "⚠️", "skipped": "⏭️"}
# Characters that change meaning inside a Markdown table cell.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")


def to_json(result: GradeResult) -> str:
    """One JSON object: the documented ``--format json`` contract."""
    return json.dumps(result.to_dict(), indent=2, ensure_ascii=False)


def _first_line(text: str) -> str:
    """The summary CI tools show in a list; the full text goes in the body."""
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


# --- JUnit XML ----------------------------------------------------------------


def _xml_text(text: str) -> str:
    """Drop what XML 1.0 cannot hold; ElementTree escapes the rest (``<``, ``&``...)."""
    return _XML_ILLEGAL.sub("", text)


def _junit_case(parent: ET.Element, classname: str, test: TestResult, cause: str) -> None:
    """One ``<testcase>``; ``cause`` is why the whole run is an error ("" when it is not)."""
    case = ET.SubElement(
        parent,
        "testcase",
        classname=_xml_text(classname),
        name=_xml_text(test.name),
        time=f"{test.duration:.3f}",
    )
    message = _xml_text(test.message)
    if test.status in ("failed", "error"):
        tag = "failure" if test.status == "failed" else "error"
        summary_line = _first_line(message) or test.status
        body = message
        if cause and test.status == "error":
            # "not run: the app could not be started" alone hides why: the cause goes with it
            summary_line = f"{summary_line}: {summary(cause)}" if message else summary(cause)
            body = f"{message}\n\n{cause}" if message else cause
        outcome = ET.SubElement(case, tag, message=summary_line)
        outcome.text = body
    elif test.status == "skipped":
        skipped = ET.SubElement(case, "skipped")
        if message:
            skipped.set("message", _first_line(message))


def _junit_counts(tests: list[TestResult], duration: float) -> dict[str, str]:
    return {
        "tests": str(len(tests)),
        "failures": str(sum(t.status == "failed" for t in tests)),
        "errors": str(sum(t.status == "error" for t in tests)),
        "skipped": str(sum(t.status == "skipped" for t in tests)),
        "time": f"{duration:.3f}",
    }


def _junit_tests(result: GradeResult) -> list[TestResult]:
    if result.status == "error":
        # An error has no per-test results; without a test case, CI would show
        # "0 tests" and hide why nothing ran: this stand-in carries the cause.
        return [
            TestResult(
                name="grading",
                description="the submission could not be graded",
                status=TestStatus.ERROR,
                score=0.0,
                max_score=result.max_score,
                duration=result.duration,
            )
        ]
    return list(result.tests)


def _junit_suite(root: ET.Element, result: GradeResult, name: str) -> None:
    """One ``<testsuite>`` for one result, named ``name``."""
    tests = _junit_tests(result)
    counts = _junit_counts(tests, result.duration)
    suite = ET.SubElement(root, "testsuite", {"name": _xml_text(name), **counts})
    properties = ET.SubElement(suite, "properties")
    for key, value in (
        ("score", "" if result.score is None else points(result.score)),  # an error: no score
        ("max_score", points(result.max_score)),
        ("sandbox", result.sandbox),
        ("image", result.image or ""),
    ):
        ET.SubElement(properties, "property", name=key, value=_xml_text(value))
    cause = ""
    if result.status == "error":
        cause = _xml_text(result.message) or "the submission could not be graded"
    for test in tests:
        _junit_case(suite, result.challenge, test, cause)


def _junit_document(named: list[tuple[str, GradeResult]]) -> str:
    all_tests = [t for _, r in named for t in _junit_tests(r)]
    counts = _junit_counts(all_tests, sum(r.duration for _, r in named))
    root = ET.Element("testsuites", {"name": "flask-grader", **counts})
    for name, result in named:
        _junit_suite(root, result, name)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def to_junit(result: GradeResult) -> str:
    """JUnit XML, the format CI systems (GitLab, Jenkins, GitHub reporters) display."""
    return _junit_document([(result.challenge, result)])


def to_junit_many(named: list[tuple[str, GradeResult]]) -> str:
    """Several results (a batch's) in one JUnit document: one ``<testsuite>`` per submission."""
    return _junit_document(named)


# --- Markdown -----------------------------------------------------------------


def _md_cell(text: str) -> str:
    """Inline text that cannot end the cell, open HTML or start emphasis."""
    escaped = _MD_SPECIAL.sub(r"\\\1", _xml_text(text).strip())
    return re.sub(r"\s*\r?\n\s*", "<br>", escaped)


def _md_code(text: str) -> str:
    """A code span for a name: longer backtick fence than any inside, pipes escaped."""
    text = re.sub(r"\s+", " ", _xml_text(text)).strip()
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}".replace("|", "\\|")


def _md_block(text: str) -> list[str]:
    """A fenced block a message cannot close: its fence outruns any backtick run inside."""
    text = _xml_text(text).rstrip() or "(no message)"
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}text", text, fence]


def _md_score(result: GradeResult) -> str:
    if result.score is None:  # not graded: no score to show
        return f"**no score** (of {points(result.max_score)})"
    return f"**{points(result.score)}/{points(result.max_score)}** ({result.percent:g}%)"


def to_markdown(result: GradeResult) -> str:
    """A PR comment / GitHub job summary: verdict, per-test table, failures with messages."""
    emoji = _EMOJI.get(result.status, "❔")
    lines = [
        f"## {emoji} {_md_cell(result.challenge)}: {result.status}",
        "",
        f"{_md_score(result)} · {result.sandbox} sandbox · {result.duration:.2f} s",
    ]
    if result.status == "error":
        lines += ["", "The submission could not be graded:", "", *_md_block(result.message)]
    elif result.message:
        lines[-1] += f" · {_md_cell(result.message)}"
    if result.tests:
        lines += ["", "| | Test | Points | Description |", "| --- | --- | ---: | --- |"]
        for test in result.tests:
            lines.append(
                f"| {_EMOJI.get(test.status, '❔')} | {_md_code(test.name)} | "
                f"{points(test.score)}/{points(test.max_score)} | {_md_cell(test.description)} |"
            )
    failures = [t for t in result.tests if t.status in ("failed", "error")]
    if failures and result.status != "error":
        lines += ["", "### Failures"]
        for test in failures:
            lines += ["", f"**{_md_code(test.name)}**: {_md_cell(test.description)}", ""]
            lines += _md_block(test.message)
    return "\n".join(lines) + "\n"


def to_markdown_many(named: list[tuple[str, GradeResult]]) -> str:
    """Several results, each under a heading with its submission's name (a code span: names are input)."""
    return "\n".join(f"# {_md_code(name)}\n\n{to_markdown(result)}" for name, result in named)


# --- Exercism -----------------------------------------------------------------


def _exercism_test(test: TestResult) -> dict[str, Any]:
    if test.status == "passed":
        status, message = "pass", None
    elif test.status == "skipped":
        # Exercism has no "skipped": a test that did not pass is a failure.
        status, message = "fail", f"skipped: {test.message}" if test.message else "skipped"
    else:
        status = _EXERCISM_STATUS.get(test.status, "error")
        message = test.message or f"test {test.status}"
    return {
        "name": test.name,
        "status": status,
        "message": message,
        # We never ship hidden test code; the description says what it checks.
        "test_code": test.description,
    }


def to_exercism(result: GradeResult) -> str:
    """Exercism test-runner ``results.json``, interface version 3."""
    status = _EXERCISM_STATUS.get(result.status, "error")
    data: dict[str, Any] = {"version": 3, "status": status}
    if status == "error":
        message = result.message or "the submission could not be graded"
        data["message"] = message[:_EXERCISM_MAX_MESSAGE]
    if result.tests or status != "error":
        data["tests"] = [_exercism_test(t) for t in result.tests]
    return json.dumps(data, indent=2, ensure_ascii=False)


# --- Gradescope ---------------------------------------------------------------


def _gradescope_test(test: TestResult) -> dict[str, Any]:
    output = test.message or ("" if test.status == "passed" else test.status)
    return {
        "score": test.score,
        "max_score": test.max_score,
        "name": test.name,
        "status": "passed" if test.status == "passed" else "failed",
        "output": output,
        # "text" shows tracebacks verbatim; "html"/"md" would interpret app output.
        "output_format": "text",
        "visibility": "visible",
        "name_format": "text",
    }


def to_gradescope(result: GradeResult) -> str:
    """Gradescope autograder ``results.json``; the top-level score is authoritative."""
    data = {
        # Gradescope's schema has no "no score": an error is 0 there, its cause in "output"
        "score": 0.0 if result.score is None else float(result.score),
        "execution_time": round(result.duration),
        "output": result.message,
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": [_gradescope_test(t) for t in result.tests],
    }
    return json.dumps(data, indent=2, ensure_ascii=False)


FORMATS: dict[str, Callable[[GradeResult], str]] = {
    "text": grade_text,
    "json": to_json,
    "junit": to_junit,
    "markdown": to_markdown,
    "exercism": to_exercism,
    "gradescope": to_gradescope,
}
