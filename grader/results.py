"""Grading results, and the strict reading of the sandbox's raw report.

The report comes from the test runner (the trusted side), but the host still
treats it as data to validate, never to execute: it is parsed as JSON only,
every field is type-checked and length-capped, and a test that has no outcome
counts as an error, never as passed.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .errors import InvalidResult

REPORT_SCHEMA = "flask-grader/report-1"
TEST_STATUSES = ("passed", "failed", "error", "skipped")
RUN_STATUSES = ("passed", "failed", "error")
MAX_TESTS = 1000
MAX_TEXT = 4000


class ReportError(ValueError):
    """The raw report does not have the expected shape."""


@dataclass
class TestResult:
    """The verdict on one hidden test."""

    __test__ = False

    name: str
    description: str
    status: str
    score: float
    max_score: float
    message: str = ""
    duration: float = 0.0


@dataclass
class GradeResult:
    """The verdict on one submission; ``to_dict`` is the ``--format json`` object."""

    challenge: str
    status: str
    score: float
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

    @property
    def percent(self) -> float:
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
        return cls(
            challenge=_string(data, "challenge"),
            status=_status(data, RUN_STATUSES, "result"),
            score=_number(data.get("score"), "score"),
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
        )


def _test_result(raw: object, index: int) -> TestResult:
    if not isinstance(raw, dict):
        raise ReportError(f"test #{index} is not an object")
    return TestResult(
        name=_string(raw, "name"),
        description=_string(raw, "description"),
        status=_status(raw, TEST_STATUSES, f"test #{index}"),
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
    if value not in allowed:
        raise ReportError(f"{what} has no valid status (one of {', '.join(allowed)})")
    return str(value)


@dataclass
class RawTest:
    """One entry of the runner's report after validation."""

    nodeid: str
    name: str
    description: str
    points: float
    outcome: str | None
    message: str
    duration: float
    timed_out: bool = False


@dataclass
class Report:
    """The runner's report after validation."""

    tests: list[RawTest]
    collect_errors: list[str]
    interrupted: str | None
    app_error: dict[str, str] | None


def _text(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise ReportError(f"{what} is not a string")
    return value if len(value) <= MAX_TEXT else value[:MAX_TEXT] + "..."


def _number(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ReportError(f"{what} is not a finite number")
    return float(value)


def parse_report(data: object) -> Report:
    """Validate the runner's JSON (already parsed by ``json.loads``)."""
    if not isinstance(data, dict) or data.get("schema") != REPORT_SCHEMA:
        raise ReportError("not a flask-grader report")
    raw_tests = data.get("tests")
    if not isinstance(raw_tests, list) or len(raw_tests) > MAX_TESTS:
        raise ReportError("`tests` is not a list of tests")
    tests = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_tests):
        if not isinstance(raw, dict):
            raise ReportError(f"test #{index} is not an object")
        outcome = raw.get("outcome")
        if outcome is not None and outcome not in TEST_STATUSES:
            raise ReportError(f"test #{index} has an unknown outcome")
        nodeid = _text(raw.get("nodeid"), "nodeid")
        if nodeid in seen:
            raise ReportError(f"test {nodeid} appears twice")
        seen.add(nodeid)
        points = _number(raw.get("points"), "points")
        if points < 0:
            raise ReportError("points must not be negative")
        tests.append(
            RawTest(
                nodeid=nodeid,
                name=_text(raw.get("name"), "name"),
                description=_text(raw.get("description"), "description"),
                points=points,
                outcome=outcome,
                message=_text(raw.get("message", ""), "message"),
                duration=_number(raw.get("duration", 0.0), "duration"),
                timed_out=raw.get("timed_out") is True,
            )
        )
    collect_errors = data.get("collect_errors") or []
    if not isinstance(collect_errors, list):
        raise ReportError("`collect_errors` is not a list")
    interrupted = data.get("interrupted")
    app_error = data.get("app_error")
    if app_error is not None:
        if not isinstance(app_error, dict):
            raise ReportError("`app_error` is not an object")
        app_error = {
            "kind": _text(app_error.get("kind"), "app_error.kind"),
            "message": _text(app_error.get("message"), "app_error.message"),
        }
    return Report(
        tests=tests,
        collect_errors=[_text(e, "collect error") for e in collect_errors],
        interrupted=None if interrupted is None else _text(interrupted, "interrupted"),
        app_error=app_error,
    )


def load_result(path: Path) -> GradeResult:
    """A result saved by ``grader grade --format json``, validated field by field."""
    hint = "give a file written by `grader grade --format json --output FILE`"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidResult(f"cannot read {path}: {exc.strerror}", hint=hint) from None
    except ValueError:
        raise InvalidResult(f"{path} is not JSON", hint=hint) from None
    try:
        return GradeResult.from_dict(data)
    except ReportError as exc:
        raise InvalidResult(f"{path} is not a grader result ({exc})", hint=hint) from None
