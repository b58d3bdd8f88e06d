"""Every message that crosses the boundary between the sandbox and the host.

This module is the contract, and its only home: the launcher in the
candidate's container, the inspector, the trusted test runner and the host
all import it, and nothing else defines these names. It is standard library
only because it is mounted read-only beside :mod:`grader.appkit` in the
candidate's container, which must not need (or trust) anything else.

Three messages travel, always as one JSON object with a ``type``:

* :class:`Facts` (``facts``): the app's structure, written by the inspector
  process and relayed by the launcher;
* :class:`AppFailure` (``app_failure``): why the app could not be loaded or
  started (no app, import error, start timeout), written by the same trusted
  code instead of the facts;
* :class:`RunReport` (``report``): the runner's per-test outcomes, the only
  source of a verdict.

:func:`load` is strict: it checks every field's type and caps every
string, so a damaged or hostile message is refused, never half-believed.
Nothing is ever unpickled; text that the candidate's process printed is
never parsed at all, only shown.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

#: The candidate's app listens here (loopback of its own network namespace).
APP_PORT = 8000
#: The launcher publishes the inspector's message here, bound before any candidate code runs.
CONTROL_PORT = 8001
#: Prefixes the runner's single stdout line in docker mode.
REPORT_PREFIX = "GRADER-REPORT "
REPORT_SCHEMA = "flask-grader/report-2"
#: Largest message the host or the runner will read.
MAX_MESSAGE_BYTES = 1024 * 1024
MAX_TESTS = 1000
MAX_TEXT = 4000
MAX_STAMPS = 16
MAX_JSON_DEPTH = 32


class TestStatus(StrEnum):
    """One test's outcome."""

    __test__ = False

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"


class Limit(StrEnum):
    """A limit a run reached, as the host or the runner observed it (never as the app said)."""

    START_TIMEOUT = "start_timeout"
    TEST_TIMEOUT = "test_timeout"
    RUN_TIMEOUT = "run_timeout"
    MEMORY = "memory"


class FailureKind(StrEnum):
    """Why the app could not be graded before any test ran."""

    NO_APP = "no_app"
    IMPORT_ERROR = "import_error"
    START_TIMEOUT = "start_timeout"
    #: the app's process ended (or the run was stopped) before it served
    STOPPED = "stopped"
    #: the inspector's channel was written to by something other than the inspector
    TAMPERED = "tampered"


class Suite(StrEnum):
    """Which of a challenge's suites ran."""

    HIDDEN = "hidden"
    PUBLIC = "public"


class ProtocolError(ValueError):
    """A message does not have the documented shape."""


def _text(value: object, what: str, limit: int = MAX_TEXT) -> str:
    if not isinstance(value, str):
        raise ProtocolError(f"{what} is not a string")
    return value if len(value) <= limit else value[:limit] + "..."


def _number(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ProtocolError(f"{what} is not a finite number")
    return float(value)


def _object(value: object, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ProtocolError(f"{what} is not an object")
    return value


def _depth(value: object, level: int = 0) -> int:
    """How deeply nested a parsed JSON value is (iteratively bounded by MAX_JSON_DEPTH)."""
    if level > MAX_JSON_DEPTH:
        raise ProtocolError("message nested too deeply")
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level)
    return level


@dataclass(frozen=True)
class AppFailure:
    """The app could not be loaded or started; ``message`` is for the candidate.

    ``message``'s first line names the cause (``app.py raised SyntaxError while
    loading: ...``); ``detail`` holds the candidate's own traceback frames.
    """

    kind: FailureKind
    message: str
    detail: str = ""

    type = "app_failure"

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "kind": self.kind.value, "message": self.message, "detail": self.detail}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AppFailure:
        try:
            kind = FailureKind(str(data.get("kind")))
        except ValueError:
            raise ProtocolError("app_failure has an unknown kind") from None
        return cls(kind, _text(data.get("message"), "message"), _text(data.get("detail", ""), "detail"))


@dataclass(frozen=True)
class Facts:
    """The app's structure, for structural checks (see docs/authoring.md).

    Computed by the inspector, a process of its own that imports the app
    with the grader's introspection captured before the import; the app's
    serving process never publishes them.
    """

    data: dict[str, Any]

    type = "facts"

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "facts": self.data}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Facts:
        facts = _object(data.get("facts"), "facts")
        rules = facts.get("rules")
        if not isinstance(rules, list) or not all(isinstance(r, dict) for r in rules):
            raise ProtocolError("facts.rules is not a list of objects")
        if not isinstance(facts.get("blueprints"), list):
            raise ProtocolError("facts.blueprints is not a list")
        return cls(facts)


@dataclass(frozen=True)
class TestEntry:
    """One collected test and, once it ran, its outcome (``None``: it never finished)."""

    __test__ = False

    nodeid: str
    name: str
    description: str
    points: float
    outcome: TestStatus | None = None
    message: str = ""
    duration: float = 0.0
    timed_out: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "nodeid": self.nodeid,
            "name": self.name,
            "description": self.description,
            "points": self.points,
            "outcome": None if self.outcome is None else self.outcome.value,
            "message": self.message,
            "duration": self.duration,
            "timed_out": self.timed_out,
        }

    @classmethod
    def from_dict(cls, raw: object, index: int) -> TestEntry:
        data = _object(raw, f"test #{index}")
        outcome = data.get("outcome")
        try:
            status = None if outcome is None else TestStatus(outcome)
        except ValueError:
            raise ProtocolError(f"test #{index} has an unknown outcome") from None
        points = _number(data.get("points"), f"test #{index} points")
        if points < 0:
            raise ProtocolError("points must not be negative")
        return cls(
            nodeid=_text(data.get("nodeid"), "nodeid"),
            name=_text(data.get("name"), "name"),
            description=_text(data.get("description"), "description"),
            points=points,
            outcome=status,
            message=_text(data.get("message", ""), "message"),
            duration=_number(data.get("duration", 0.0), "duration"),
            timed_out=data.get("timed_out") is True,
        )


@dataclass(frozen=True)
class RunReport:
    """What the trusted runner observed: every collected test, and why it stopped early if it did."""

    tests: tuple[TestEntry, ...] = ()
    collect_errors: tuple[str, ...] = ()
    interrupted: str | None = None
    app_failure: AppFailure | None = None
    duration: float = 0.0
    schema: str = REPORT_SCHEMA
    #: when the runner reached each step (wall-clock seconds, ``time.time()``), for the timing split only
    stamps: tuple[tuple[str, float], ...] = ()

    type = "report"

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "schema": self.schema,
            "tests": [t.to_dict() for t in self.tests],
            "collect_errors": list(self.collect_errors),
            "interrupted": self.interrupted,
            "app_failure": None if self.app_failure is None else self.app_failure.to_dict(),
            "duration": self.duration,
            "stamps": dict(self.stamps),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunReport:
        if data.get("schema") != REPORT_SCHEMA:
            raise ProtocolError("not a flask-grader report of this version")
        raw_tests = data.get("tests")
        if not isinstance(raw_tests, list) or len(raw_tests) > MAX_TESTS:
            raise ProtocolError("`tests` is not a list of tests")
        tests = tuple(TestEntry.from_dict(raw, i) for i, raw in enumerate(raw_tests))
        if len({t.nodeid for t in tests}) != len(tests):
            raise ProtocolError("a test appears twice")
        errors = data.get("collect_errors") or []
        if not isinstance(errors, list):
            raise ProtocolError("`collect_errors` is not a list")
        interrupted = data.get("interrupted")
        failure = data.get("app_failure")
        return cls(
            tests=tests,
            collect_errors=tuple(_text(e, "collect error") for e in errors),
            interrupted=None if interrupted is None else _text(interrupted, "interrupted"),
            app_failure=None if failure is None else AppFailure.from_dict(_object(failure, "app_failure")),
            duration=_number(data.get("duration", 0.0), "duration"),
            stamps=_stamps(data.get("stamps", {})),
        )


def _stamps(value: object) -> tuple[tuple[str, float], ...]:
    """A few named wall-clock times; only ever shown as timings, never part of a verdict."""
    stamps = _object(value, "stamps")
    if len(stamps) > MAX_STAMPS:
        raise ProtocolError("too many stamps")
    return tuple((_text(name, "stamp name", 40), _number(at, "stamp")) for name, at in stamps.items())


Message = AppFailure | Facts | RunReport
_TYPES: dict[str, type[AppFailure] | type[Facts] | type[RunReport]] = {
    "app_failure": AppFailure,
    "facts": Facts,
    "report": RunReport,
}


def dump(message: Message) -> str:
    """One line of JSON (ASCII only, so no byte of it can be a control sequence)."""
    return json.dumps(message.to_dict(), ensure_ascii=True, separators=(",", ":"))


def load(raw: str | bytes, *expected: type[Message]) -> Message:
    """Parse and validate one message; ``expected`` restricts the accepted types.

    Raises :class:`ProtocolError` for anything that is not exactly one
    well-formed message of an expected type.
    """
    if len(raw) > MAX_MESSAGE_BYTES:
        raise ProtocolError("message too large")
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise ProtocolError("message is not JSON") from None
    _depth(data)
    data = _object(data, "message")
    kind = _TYPES.get(str(data.get("type")))
    if kind is None or (expected and kind not in expected):
        raise ProtocolError(f"unexpected message type {str(data.get('type'))[:40]!r}")
    return kind.from_dict(data)
