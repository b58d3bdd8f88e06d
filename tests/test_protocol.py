"""The sandbox↔host protocol: strict shapes, nothing believed blindly."""

from __future__ import annotations

import json
from typing import Any

import pytest

from grader.protocol import (
    REPORT_SCHEMA,
    AppFailure,
    Facts,
    FailureKind,
    ProtocolError,
    RunReport,
    TestEntry,
    TestStatus,
    dump,
    load,
)


def _report(**changes: Any) -> dict[str, Any]:
    report: dict[str, Any] = {
        "type": "report",
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
        "app_failure": None,
        "duration": 0.2,
    }
    report.update(changes)
    return report


def test_a_valid_report_parses() -> None:
    report = load(json.dumps(_report()), RunReport)
    assert isinstance(report, RunReport)
    assert report.tests[0].points == 2.0
    assert report.tests[0].outcome is TestStatus.PASSED


def test_every_message_round_trips() -> None:
    messages = [
        RunReport(
            tests=(TestEntry("t.py::a", "a", "A", 1.0, TestStatus.FAILED, "why", 0.5, True),),
            interrupted="stopped",
            app_failure=None,
        ),
        RunReport(app_failure=AppFailure(FailureKind.IMPORT_ERROR, "app.py raised", "Traceback")),
        AppFailure(FailureKind.START_TIMEOUT, "did not start"),
        Facts({"rules": [{"rule": "/"}], "blueprints": []}),
    ]
    for message in messages:
        line = dump(message)
        assert "\n" not in line and line.isascii()
        assert load(line) == message


@pytest.mark.parametrize(
    "bad",
    [
        None,
        [],
        {"type": "report", "schema": "other"},
        {"type": "nonsense"},
        _report(tests="x"),
        _report(tests=[1]),
        _report(tests=[{**_report()["tests"][0], "outcome": "PASSED"}]),
        _report(tests=[{**_report()["tests"][0], "points": "2"}]),
        _report(tests=[{**_report()["tests"][0], "points": -1}]),
        _report(tests=[{**_report()["tests"][0], "points": float("nan")}]),
        _report(tests=[_report()["tests"][0], _report()["tests"][0]]),
        _report(app_failure="boom"),
        _report(app_failure={"kind": "everything_passed", "message": "x"}),
        {"type": "facts", "facts": {"rules": "all of them", "blueprints": []}},
    ],
)
def test_malformed_messages_are_rejected(bad: Any) -> None:
    with pytest.raises(ProtocolError):
        load(json.dumps(bad))


def test_a_message_of_another_type_is_refused_where_it_is_not_expected() -> None:
    with pytest.raises(ProtocolError, match="unexpected message type"):
        load(dump(AppFailure(FailureKind.NO_APP, "none")), RunReport)


def test_deeply_nested_json_is_refused_not_a_crash() -> None:
    deep = '{"type": "facts", "facts": ' + "[" * 5000 + "]" * 5000 + "}"
    with pytest.raises(ProtocolError):
        load(deep)
    nested = {
        "type": "facts",
        "facts": {
            "rules": [],
            "blueprints": [],
            "x": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]],
        },
    }
    with pytest.raises(ProtocolError, match="nested"):
        load(json.dumps(nested))


def test_oversized_messages_and_text_are_capped() -> None:
    with pytest.raises(ProtocolError, match="too large"):
        load(b" " * (2 * 1024 * 1024))
    report = load(json.dumps(_report(tests=[{**_report()["tests"][0], "message": "x" * 100_000}])))
    assert isinstance(report, RunReport)
    assert len(report.tests[0].message) < 5000


def test_the_runners_stamps_round_trip_and_are_checked() -> None:
    report = load(json.dumps(_report(stamps={"start": 1.5, "done": 2})), RunReport)
    assert isinstance(report, RunReport)
    assert report.stamps == (("start", 1.5), ("done", 2.0))
    assert load(dump(report), RunReport) == report
    assert load(json.dumps(_report()), RunReport).stamps == (), "a report without stamps still parses"
    for bad in ({"start": "now"}, [1.0], {f"s{n}": 1.0 for n in range(17)}, {"start": float("inf")}):
        with pytest.raises(ProtocolError):
            load(json.dumps(_report(stamps=bad)), RunReport)
