"""Validation of the runner's report: strict shapes, nothing believed blindly."""

from __future__ import annotations

import re
from typing import Any

import pytest

from grader.results import REPORT_SCHEMA, GradeResult, ReportError, TestResult, parse_report


def _report(**changes: Any) -> dict[str, Any]:
    report: dict[str, Any] = {
        "schema": REPORT_SCHEMA,
        "tests": [
            {
                "nodeid": "t.py::test_a",
                "name": "test_a",
                "description": "A",
                "points": 2,
                "outcome": "passed",
                "message": "",
                "duration": 0.1,
            }
        ],
        "collect_errors": [],
        "interrupted": None,
        "app_error": None,
        "duration": 0.2,
    }
    report.update(changes)
    return report


def test_a_valid_report_parses() -> None:
    report = parse_report(_report())
    assert report.tests[0].points == 2.0
    assert report.tests[0].outcome == "passed"


@pytest.mark.parametrize(
    "bad",
    [
        None,
        [],
        {"schema": "other"},
        _report(tests="x"),
        _report(tests=[1]),
        _report(tests=[{**_report()["tests"][0], "outcome": "PASSED"}]),
        _report(tests=[{**_report()["tests"][0], "points": "2"}]),
        _report(tests=[{**_report()["tests"][0], "points": -1}]),
        _report(tests=[{**_report()["tests"][0], "points": float("nan")}]),
        _report(tests=[_report()["tests"][0], _report()["tests"][0]]),
        _report(app_error="boom"),
    ],
)
def test_malformed_reports_are_rejected(bad: Any) -> None:
    with pytest.raises(ReportError):
        parse_report(bad)


def test_long_text_is_capped() -> None:
    report = parse_report(_report(tests=[{**_report()["tests"][0], "message": "x" * 100_000}]))
    assert len(report.tests[0].message) < 5000


def test_grade_result_round_trips_through_dict() -> None:
    result = GradeResult(
        "c", "failed", 1, 3, "m", "docker", 1.5, tests=[TestResult("t", "d", "failed", 0, 2, "why")]
    )
    again = GradeResult.from_dict(result.to_dict())
    assert again == result
    assert result.to_dict()["percent"] == 33.3


@pytest.mark.parametrize(
    ("damage", "says"),
    [
        (lambda d: d.pop("score"), "score is not a finite number"),
        (lambda d: d.update(status="great"), "result has no valid status"),
        (lambda d: d.update(tests={}), "`tests` is not a list"),
        (lambda d: d["tests"].append("t"), "test #1 is not an object"),
        (lambda d: d["tests"][0].update(max_score="2"), "test #0 max_score is not a finite number"),
        (lambda d: d["tests"][0].pop("name"), "`name` is missing or not a string"),
        (lambda d: d.update(limits_hit="memory"), "`limits_hit` is not a list of strings"),
        (lambda d: d.update(image=3), "`image` is missing or not a string"),
    ],
)
def test_a_damaged_result_is_refused(damage: Any, says: str) -> None:
    result = GradeResult(
        "c", "failed", 1, 3, "m", "docker", 1.5, tests=[TestResult("t", "d", "failed", 0, 2)]
    )
    data = result.to_dict()
    damage(data)
    with pytest.raises(ReportError, match=re.escape(says)):
        GradeResult.from_dict(data)
