"""The result model: round trips, and damaged result files refused field by field."""

from __future__ import annotations

import re
from typing import Any

import pytest

from grader.results import GradeResult, ReportError, TestResult


def test_grade_result_round_trips_through_dict() -> None:
    result = GradeResult(
        "c",
        "failed",
        1,
        3,
        "m",
        "docker",
        1.5,
        tests=[TestResult("t", "d", "failed", 0, 2, "why")],
        timing={"create": 0.05, "tests": 0.2},
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
        (lambda d: d.update(timing=[1.0]), "`timing` is not an object of numbers"),
        (lambda d: d.update(timing={"tests": "1"}), "timing tests is not a finite number"),
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


def test_a_result_saved_before_timings_existed_reads_with_none() -> None:
    data = GradeResult("c", "passed", 3, 3, "m", "docker", 1.5).to_dict()
    del data["timing"]
    assert GradeResult.from_dict(data).timing == {}
