"""``report.html``: autoescaped, self-contained, the numbers a person needs."""

from __future__ import annotations

from grader.challenges import get_challenge
from grader.output.html import distribution, pass_rates, render_report
from grader.results import GradeResult, TestResult


def _result(score: float, statuses: list[str], message: str = "") -> GradeResult:
    tests = [
        TestResult(f"test_{i}", f"desc {i}", s, 1.0 if s == "passed" else 0.0, 1.0, message)
        for i, s in enumerate(statuses)
    ]
    status = "passed" if all(s == "passed" for s in statuses) else "failed"
    return GradeResult("hello-world", status, score, 2.0, "m", "docker", 1.0, tests=tests)


def test_distribution_and_pass_rates() -> None:
    results = [
        _result(2, ["passed", "passed"]),
        _result(1, ["passed", "failed"]),
        _result(0, ["failed", "failed"]),
    ]
    assert distribution(results) == [1, 0, 0, 0, 0, 1, 0, 0, 0, 1]
    rates = pass_rates(results)
    assert [(r.name, r.passed, r.total) for r in rates] == [("test_1", 1, 3), ("test_0", 2, 3)]


def test_candidate_text_is_escaped_and_nothing_is_loaded_from_the_network() -> None:
    evil = '<script>alert("x")</script><img src=http://evil.example/x.png>'
    html = render_report(
        get_challenge("hello-world"),
        {"mallory<b>": _result(0, ["failed", "failed"], evil), "alice": _result(2, ["passed", "passed"])},
    )
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    assert "<img src=http" not in html
    assert "mallory&lt;b&gt;" in html
    assert "2 submissions" in html
