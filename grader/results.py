"""The result model: :class:`GradeResult` and :class:`TestResult`, and their JSON form.

This is what every output renders and what ``--format json`` prints. The
runner's raw report is a different thing, a :class:`grader.protocol.RunReport`,
which :func:`grader.grading.interpret` turns into a result. Statuses are
enums in code and plain strings in JSON (the schema is documented in the
README).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from .protocol import TestStatus


class Verdict(StrEnum):
    """A submission's verdict: ``error`` means it could not be graded (and has no score).

    Decided on the host (:func:`grader.grading.interpret`); it never crosses
    the sandbox boundary, so it lives with the result, not in the protocol.
    """

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"


#: The columns of a batch's ``results.csv``, one row per submission (the service's adds its own first).
CSV_FIELDS = (
    "id", "status", "score", "max_score", "percent", "duration", "failed_tests", "message",
    "host", "max_similarity", "similar_to",
)  # fmt: skip


class ReportError(ValueError):
    """A result object (a saved file, a cache entry) does not have the documented shape."""


@dataclass
class TestResult:
    """The verdict on one hidden test."""

    __test__ = False

    name: str
    description: str
    status: TestStatus
    score: float
    max_score: float
    message: str = ""
    duration: float = 0.0


@dataclass
class GradeResult:
    """The verdict on one submission; ``to_dict`` is the ``--format json`` object.

    An ``error`` could not be graded, and says so the same way everywhere: no
    score (``None``; ``null`` in JSON, an empty cell in CSV), no percent, no
    per-test list, only its cause in ``message``. ``max_score`` is kept: it
    says what the submission could have scored. This holds whatever built
    the result (:meth:`__post_init__`), a result file written by an older
    version included.
    """

    challenge: str
    status: Verdict
    score: float | None
    max_score: float
    message: str
    sandbox: str
    duration: float
    tests: list[TestResult] = field(default_factory=list)
    challenge_version: str = ""
    image: str | None = None
    submission: str = ""
    limits_hit: list[str] = field(default_factory=list)
    grader_version: str = ""
    #: seconds per phase of the grading (staging, containers, the runner's steps); never compared
    timing: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.status == Verdict.ERROR:
            self.score = None
            self.tests = []
        elif self.score is None:
            raise ReportError(f"a {self.status} result needs a score")

    @property
    def graded(self) -> bool:
        """False for an ``error``: nothing was graded, so there is no score to count."""
        return self.status != Verdict.ERROR

    @property
    def percent(self) -> float | None:
        if self.score is None:
            return None
        return round(100.0 * self.score / self.max_score, 1) if self.max_score else 0.0

    @property
    def headline(self) -> str:
        """The message's first line: what a table row or a one-line summary shows."""
        return self.message.splitlines()[0] if self.message else ""

    @property
    def failed_tests(self) -> list[TestResult]:
        return [t for t in self.tests if t.status != "passed"]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = str(self.status)
        for test in data["tests"]:
            test["status"] = str(test["status"])
        data["percent"] = self.percent
        return data

    @classmethod
    def from_dict(cls, data: object) -> GradeResult:
        """Read back a ``to_dict`` object (a cached or saved result), checking every field.

        Raises :class:`ReportError` on anything else: a result file is input,
        and a damaged one must be refused, not rendered half-right.
        """
        if not isinstance(data, dict):
            raise ReportError("not a result object")
        raw_tests = data.get("tests")
        if not isinstance(raw_tests, list):
            raise ReportError("`tests` is not a list")
        tests = [_test_result(raw, index) for index, raw in enumerate(raw_tests)]
        limits_hit = data.get("limits_hit", [])
        if not isinstance(limits_hit, list) or not all(isinstance(x, str) for x in limits_hit):
            raise ReportError("`limits_hit` is not a list of strings")
        image = data.get("image")
        status = Verdict(_status(data, tuple(Verdict), "result"))
        score = data.get("score")
        timing = data.get("timing", {})
        if not isinstance(timing, dict) or not all(isinstance(k, str) for k in timing):
            raise ReportError("`timing` is not an object of numbers")
        return cls(
            challenge=_string(data, "challenge"),
            status=status,
            # an error has no score (an older version wrote 0 there: read as none)
            score=None if status == Verdict.ERROR else _number(score, "score"),
            max_score=_number(data.get("max_score"), "max_score"),
            message=_string(data, "message"),
            sandbox=_string(data, "sandbox"),
            duration=_number(data.get("duration"), "duration"),
            tests=tests,
            challenge_version=_string(data, "challenge_version", ""),
            image=None if image is None else _string(data, "image"),
            submission=_string(data, "submission", ""),
            limits_hit=limits_hit,
            grader_version=_string(data, "grader_version", ""),
            timing={k: _number(v, f"timing {k}") for k, v in timing.items()},
        )


def _test_result(raw: object, index: int) -> TestResult:
    if not isinstance(raw, dict):
        raise ReportError(f"test #{index} is not an object")
    return TestResult(
        name=_string(raw, "name"),
        description=_string(raw, "description"),
        status=TestStatus(_status(raw, tuple(TestStatus), f"test #{index}")),
        score=_number(raw.get("score"), f"test #{index} score"),
        max_score=_number(raw.get("max_score"), f"test #{index} max_score"),
        message=_string(raw, "message", ""),
        duration=_number(raw.get("duration", 0.0), f"test #{index} duration"),
    )


def _string(data: dict[str, Any], key: str, default: str | None = None) -> str:
    value = data.get(key, default)
    if not isinstance(value, str):
        raise ReportError(f"`{key}` is missing or not a string")
    return value


def _status(data: dict[str, Any], allowed: tuple[str, ...], what: str) -> str:
    value = data.get("status")
    if not isinstance(value, str) or value not in allowed:
        raise ReportError(f"{what} has no valid status (one of {', '.join(allowed)})")
    return value


def _number(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ReportError(f"{what} is not a finite number")
    return float(value)
