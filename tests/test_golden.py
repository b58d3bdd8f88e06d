"""Golden submissions: known implementations with known verdicts.

Every folder ``tests/golden/<challenge>/<case>/`` is a submission with an
``expected.toml`` (``status``, ``must_fail``, optional ``must_pass``, ``note``: what a person
decided) and a ``snapshot.json`` (the whole expected result: status, score,
and every test's status and score, as Exercism's test runner keeps them).
Each is graded through the real ``grader grade`` entry point in local mode
and in the Docker sandbox (a sleeping suite's, through ``grader batch``);
both must match the snapshot exactly, so the two modes agree on every test
of every case.

The cases of a challenge whose hidden suite sleeps (todo-api, rate-limit,
conditional-get: a grading of theirs waits seconds with the cores idle) are
graded several at a time by one real ``grader batch`` (the console script)
per challenge and sandbox, once per pytest process (their tests of one
sandbox are one xdist group); every test still checks its own case's
result, all but the exit code, which a batch has only for the whole batch.

Refresh snapshots on purpose, after a deliberate change to a suite, with
``pytest tests/test_golden.py -m "not docker" --update-snapshots`` and
review the diff: a snapshot that changes by itself is a verdict that moved.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import pytest

from .conftest import GOLDEN, SLEEPING, Cli

CASES = sorted(p.parent for p in GOLDEN.glob("*/*/expected.toml"))
#: Jobs of a sleeping challenge's batch: fewer in docker, whose container starts cost the engine's
#: CPU (the other worker may be running the red-team's limit cases), and where each job keeps two
#: runners. Chosen when each case was a grader grade process of its own: the 90 sleeping cases took
#: 136 s at 3 and 2, 83 s at 8 and 5, 81 s at 16 and 8 (alone, 2-core machine, 2026-12-05).
JOBS = {"local": 8, "docker": 5}
#: Rough seconds per case of a sleeping challenge, graded that way (ordering the run only).
SLEEPING_CASE_SECONDS = 1.0
_graded: dict[tuple[str, str], dict[Path, dict[str, Any] | str]] = {}


def _case_id(case: Path) -> str:
    return f"{case.parent.name}/{case.name}"


def _expected(case: Path) -> dict[str, Any]:
    return tomllib.loads((case / "expected.toml").read_text(encoding="utf-8"))


def _check(case: Path, exit_code: int | None, result: dict[str, Any]) -> None:
    expected = _expected(case)
    assert result["status"] == expected["status"], (
        f"{_case_id(case)} ({expected.get('note', '')}): got {result['status']} "
        f"{result['score']}/{result['max_score']}: {result['message'][:300]} "
        f"{[(t['name'], t['message'][:120]) for t in result['tests'] if t['status'] != 'passed']}"
    )
    if exit_code is not None:  # graded alone (a batch's exit code is the whole batch's)
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
    expected = json.loads(path.read_text(encoding="utf-8"))
    pinned = {row[0]: row[1] for row in expected["tests"]}
    why = [
        f"{t['name']}: {t['status']} (snapshot: {pinned.get(t['name'])}): {t['message'][:500]}"
        for t in result["tests"]
        if pinned.get(t["name"]) != t["status"]
    ]
    assert actual == expected, f"{_case_id(case)} differs from its snapshot; " + "; ".join(why)


def _params(sandbox: str) -> list[Any]:
    """Each case; a sleeping challenge's in one xdist group per sandbox (they share one grading pass).

    In docker, every challenge's cases are one group: graded one after another in one
    process, they share the runners it keeps for the challenge (made once, at its second
    case) instead of each worker making its own for the cases it happened to get.
    """
    params = []
    for case in CASES:
        marks = []
        if case.parent.name in SLEEPING:
            group = pytest.mark.xdist_group(f"golden-{sandbox}-{case.parent.name}")
            marks = [group, pytest.mark.slow(seconds=SLEEPING_CASE_SECONDS)]  # its suite sleeps seconds
        elif sandbox == "docker":
            marks = [pytest.mark.xdist_group(f"golden-docker-{case.parent.name}")]
        params.append(pytest.param(case, id=_case_id(case), marks=marks))
    return params


def _batch_pass(challenge: str, sandbox: str, cases: list[Path]) -> dict[Path, dict[str, Any] | str]:
    """Each case's result from one real ``grader batch`` of them (or why there is none)."""
    from grader.challenges import get_challenge

    limits = get_challenge(challenge).limits
    rounds = -(-len(cases) // JOBS[sandbox])
    timeout = (limits.start_timeout + limits.run_timeout) * rounds + 120
    with tempfile.TemporaryDirectory(prefix="golden-") as scratch:
        folder, out = Path(scratch, "subs"), Path(scratch, "out")
        for case in cases:
            shutil.copytree(case, folder / case.name)
        command = [str(Path(sys.executable).with_name("grader")), "batch", challenge, str(folder)]
        options = ["--out", str(out), "--sandbox", sandbox, "--jobs", str(JOBS[sandbox])]
        done = subprocess.run([*command, *options], capture_output=True, text=True, timeout=timeout)
        found: dict[Path, dict[str, Any] | str] = {}
        for case in cases:
            saved = out / "results" / f"{case.name}.json"
            if saved.is_file():
                found[case] = json.loads(saved.read_text(encoding="utf-8"))["result"]
            else:
                found[case] = (
                    f"batch exit {done.returncode}, no result for {case.name}: {done.stderr.strip()[-2000:]}"
                )
        return found


def _grade(
    cli: Cli, case: Path, sandbox: str, request: pytest.FixtureRequest
) -> tuple[int | None, dict[str, Any]]:
    """The case's result and exit code: graded now, or (a sleeping challenge) in its challenge's batch.

    A batch has one exit code for all its submissions: a batch-graded case has none of its own.
    """
    challenge = case.parent.name
    if challenge not in SLEEPING:
        return cli.grade_json(challenge, case, sandbox)
    if (challenge, sandbox) not in _graded:
        selected = [
            other
            for item in request.session.items
            if isinstance(item, pytest.Function) and item.originalname == request.node.originalname
            for other in [item.callspec.params["case"]]
            if isinstance(other, Path) and other.parent.name == challenge
        ]
        _graded[(challenge, sandbox)] = _batch_pass(challenge, sandbox, selected)
    result = _graded[(challenge, sandbox)][case]
    if isinstance(result, str):
        pytest.fail(result)
    return None, result


def test_there_are_golden_submissions_for_every_challenge() -> None:
    challenges = {p.name for p in (GOLDEN.parent.parent / "challenges").iterdir() if p.is_dir()}
    covered = {case.parent.name for case in CASES}
    assert challenges <= covered
    for challenge in challenges:
        statuses = [_expected(c)["status"] for c in CASES if c.parent.name == challenge]
        assert statuses.count("passed") >= 3, f"{challenge} needs several correct submissions"
        assert statuses.count("failed") >= 3, f"{challenge} needs several wrong submissions"


@pytest.mark.parametrize("case", _params("local"))
def test_golden_local(cli: Cli, case: Path, request: pytest.FixtureRequest) -> None:
    code, result = _grade(cli, case, "local", request)
    _check(case, code, result)
    _check_snapshot(case, result, bool(request.config.getoption("--update-snapshots")))


@pytest.mark.docker
@pytest.mark.parametrize("case", _params("docker"))
def test_golden_docker_matches_local(
    cli: Cli, docker_client: Any, case: Path, request: pytest.FixtureRequest
) -> None:
    code, result = _grade(cli, case, "docker", request)
    _check(case, code, result)
    _check_snapshot(case, result, update=False)
    assert result["image"], "a docker result records the image id"
    # The snapshot is what the local test pins too (every test's name, status and score), so
    # matching it is agreeing with local mode: the case is not graded locally a second time here
    # (under pytest-xdist the local test of the case may have run in another process).
