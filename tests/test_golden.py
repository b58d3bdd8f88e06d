"""Golden submissions: known implementations with known verdicts.

Every folder ``tests/golden/<challenge>/<case>/`` is a submission with an
``expected.toml`` (``status``, ``must_fail``, optional ``must_pass``, ``note``: what a person
decided) and a ``snapshot.json`` (the whole expected result: status, score,
and every test's status and score, as Exercism's test runner keeps them).
Each is graded through the real ``grader grade`` entry point in local mode
and in the Docker sandbox; both must match the snapshot exactly, so the two
modes agree on every test of every case.

Refresh snapshots on purpose, after a deliberate change to a suite, with
``pytest tests/test_golden.py -m "not docker" --update-snapshots`` and
review the diff: a snapshot that changes by itself is a verdict that moved.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import pytest

from .conftest import GOLDEN, Cli

CASES = sorted(p.parent for p in GOLDEN.glob("*/*/expected.toml"))


def _case_id(case: Path) -> str:
    return f"{case.parent.name}/{case.name}"


def _expected(case: Path) -> dict[str, Any]:
    return tomllib.loads((case / "expected.toml").read_text(encoding="utf-8"))


def _check(case: Path, exit_code: int, result: dict[str, Any]) -> None:
    expected = _expected(case)
    assert result["status"] == expected["status"], (
        f"{_case_id(case)} ({expected.get('note', '')}): got {result['status']} "
        f"{result['score']}/{result['max_score']}: {result['message'][:300]} "
        f"{[(t['name'], t['message'][:120]) for t in result['tests'] if t['status'] != 'passed']}"
    )
    assert exit_code == (0 if expected["status"] == "passed" else 1)
    if expected["status"] == "passed":
        assert result["score"] == result["max_score"] > 0
    elif expected["status"] == "error":  # not graded: no score, no per-test list, only its cause
        assert (result["score"], result["percent"], result["tests"]) == (None, None, []) and result["message"]
    else:
        assert result["score"] < result["max_score"]
    not_passed = {t["name"].split("[")[0] for t in result["tests"] if t["status"] != "passed"}
    for name in expected.get("must_fail", []):
        assert name in not_passed, f"{name} should not pass for {_case_id(case)}"
    # one mistake loses points once: tests that must not be dragged down by it
    names = {t["name"].split("[")[0] for t in result["tests"]}
    for name in expected.get("must_pass", []):
        assert name in names and name not in not_passed, f"{name} should pass for {_case_id(case)}"


def snapshot_of(result: dict[str, Any]) -> dict[str, Any]:
    """The part of a result that a snapshot pins: verdicts and scores, not timings or wording."""
    return {
        "status": result["status"],
        "score": result["score"],
        "max_score": result["max_score"],
        "tests": [[t["name"], t["status"], t["score"], t["max_score"]] for t in result["tests"]],
    }


def _check_snapshot(case: Path, result: dict[str, Any], update: bool) -> None:
    path = case / "snapshot.json"
    actual = snapshot_of(result)
    if update:
        head = json.dumps({k: v for k, v in actual.items() if k != "tests"})[:-1]
        rows = ",\n".join("  " + json.dumps(row) for row in actual["tests"])
        body = f"[\n{rows}\n]" if rows else "[]"
        path.write_text(f'{head}, "tests": {body}}}\n', encoding="utf-8")
        return
    assert path.is_file(), f"{_case_id(case)} has no snapshot.json: run pytest with --update-snapshots"
    assert actual == json.loads(path.read_text(encoding="utf-8")), (
        f"{_case_id(case)} differs from its snapshot"
    )


def test_there_are_golden_submissions_for_every_challenge() -> None:
    challenges = {p.name for p in (GOLDEN.parent.parent / "challenges").iterdir() if p.is_dir()}
    covered = {case.parent.name for case in CASES}
    assert challenges <= covered
    for challenge in challenges:
        statuses = [_expected(c)["status"] for c in CASES if c.parent.name == challenge]
        assert statuses.count("passed") >= 3, f"{challenge} needs several correct submissions"
        assert statuses.count("failed") >= 3, f"{challenge} needs several wrong submissions"


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_golden_local(cli: Cli, case: Path, request: pytest.FixtureRequest) -> None:
    code, result = cli.grade_json(case.parent.name, case, "local")
    _check(case, code, result)
    _check_snapshot(case, result, bool(request.config.getoption("--update-snapshots")))


@pytest.mark.docker
@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_golden_docker_matches_local(cli: Cli, docker_client: Any, case: Path) -> None:
    code, result = cli.grade_json(case.parent.name, case, "docker")
    _check(case, code, result)
    _check_snapshot(case, result, update=False)
    assert result["image"], "a docker result records the image id"
    # The snapshot is what the local test pins too (every test's name, status and score), so
    # matching it is agreeing with local mode: the case is not graded locally a second time here
    # (under pytest-xdist the local test of the case may have run in another process).
