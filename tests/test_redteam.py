"""The red-team corpus: hostile and broken submissions graded for real in Docker.

Each folder of ``tests/redteam/`` is a submission with an ``expected.toml``:
``status`` (exact), and optionally ``max_score``, ``message_contains``
(substrings of the result's or a test's message), ``limits_hit`` (limits
that must be recorded), ``limits_hit_exactly`` (the whole list) and
``limits`` (time limits the case's challenge is graded with, in a copy of
it: a case about the whole-run limit needs the limit enforced, not a minute
of waiting for it) and ``alone`` (why the case's verdict holds only when it
is graded with the machine's share to itself: an app that keeps its CPU
share busy on purpose, or a race its load decides; other tests that grade
many cases at once, such as the hundred-submission batch, leave it out and
it is graded here, one at a time). Whatever a submission does, the run must end within
its whole-run limit plus a small margin, never pass when it should not, and
leave no container, volume or network behind.

A case with a ``build.py`` is built at test time (``build(folder)`` returns
the submission it made there): hostile archives are generated rather than
committed, and some folders (1,100 levels deep, escape sequences in names,
pipes) cannot live in git. ``status = "refused"`` means the submission is
refused while staged: ``grader grade`` exits 2 with one clean ``error:`` line
on stderr and no result, within the staging deadline, and the grader's own
peak memory (measured on a real subprocess) stays bounded.
"""

from __future__ import annotations

import importlib.util
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from grader.challenges import get_challenge
from grader.submission import STAGING_SECONDS

from .conftest import ROOT, Cli, owned_containers, warm_spare

REDTEAM = ROOT / "tests" / "redteam"
CASES = sorted(p.parent for p in REDTEAM.glob("*/expected.toml"))
#: How far past its whole-run limit a grading may end (container stop and removal).
MARGIN_SECONDS = 8.0
#: Peak memory of a whole ``grader grade`` process refusing a submission (it needs ~35 MiB).
REFUSED_PEAK_KIB = 128 * 1024


def _expected(case: Path) -> dict[str, Any]:
    return tomllib.loads((case / "expected.toml").read_text(encoding="utf-8"))


def _volumes_and_networks(client: Any) -> set[str]:
    """Everything of these kinds on the engine (the grader should create none)."""
    volumes = {f"volume {v.name}" for v in client.volumes.list()}
    return volumes | {f"network {n.id}" for n in client.networks.list()}


def test_the_corpus_is_large_and_covers_every_threat() -> None:
    assert len(CASES) >= 20
    prefixes = {case.name.split("-")[0] for case in CASES}
    assert {"hang", "res", "resp", "cheat", "escape", "broken", "archive", "staging"} <= prefixes


def built_submission(case: Path, folder: Path) -> Path:
    """The case's submission: the folder itself, or what its ``build.py`` makes in ``folder``."""
    script = case / "build.py"
    if not script.is_file():
        return case
    spec = importlib.util.spec_from_file_location(f"redteam_build_{case.name.replace('-', '_')}", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    built: Path = module.build(folder)
    return built


def with_limits(challenge: str, limits: dict[str, float], folder: Path) -> Path:
    """A copy of the shipped challenges in ``folder`` whose ``challenge``'s [limits] are ``limits``.

    A case about a time limit (the whole-run one: 60 s) checks that the limit is enforced and
    reported; the same limit set lower is the same check without the minute of waiting.
    """
    root = folder / "challenges-with-limits"
    shutil.copytree(ROOT / "challenges", root, ignore=shutil.ignore_patterns("__pycache__"))
    manifest = root / challenge / "challenge.toml"
    text = manifest.read_text(encoding="utf-8")
    for name, value in limits.items():
        text, count = re.subn(rf"(?m)^{name} = .*$", f"{name} = {value}", text)
        assert count == 1, f"{challenge}'s challenge.toml sets {name} once in [limits]"
    manifest.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def scratch() -> Iterator[Path]:
    """A folder for built submissions, removed with ``rm -rf`` (shutil.rmtree recurses per level)."""
    folder = Path(tempfile.mkdtemp(prefix="redteam-"))
    yield folder
    subprocess.run(["rm", "-rf", str(folder)], check=True)


def grade_in_subprocess(
    challenge: str, path: Path, sandbox: str = "docker"
) -> tuple[int, str, str, float, int, int]:
    """Run the real ``grader grade`` console script: exit code, stdout, stderr, seconds, peak KiB, pid."""
    command = [str(Path(sys.executable).with_name("grader")), "grade", challenge, str(path)]
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.TemporaryDirectory() as tmp,
    ):
        peak_file = Path(tmp, "peak")
        started = time.monotonic()
        # A forked child starts with its parent's RSS high-water mark (Linux keeps it across exec), and
        # this pytest process may be large: a small wrapper process starts the grader and measures it.
        process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                _MEASURE,
                str(peak_file),
                *command,
                "--sandbox",
                sandbox,
                "--format",
                "json",
            ],
            stdout=out,
            stderr=err,
        )
        try:
            process.wait(timeout=STAGING_SECONDS + 60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        elapsed = time.monotonic() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
        code, peak, pid = (int(x) for x in peak_file.read_text().split())
    return code, stdout, stderr, elapsed, peak, pid


#: Runs ARGV[2:] and writes "exit-code peak-KiB pid" to ARGV[1] (the grader's own peak memory).
_MEASURE = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(child.pid, 0)
with open(sys.argv[1], "w") as handle:
    handle.write(f"{os.waitstatus_to_exitcode(status)} {usage.ru_maxrss} {child.pid}")
"""


def _check_refused(challenge: str, case: Path, submission: Path, docker_client: Any) -> None:
    expected = _expected(case)
    code, stdout, stderr, elapsed, peak_kib, pid = grade_in_subprocess(challenge, submission)
    note = f"{case.name} ({expected.get('note', '')}): exit {code}, stderr {stderr[:300]!r}"
    assert code == 2 and stdout == "", note
    lines = stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), note
    assert lines[0].isprintable(), f"control characters reach the terminal: {note}"
    for needle in expected.get("message_contains", []):
        assert needle in lines[0], f"{needle!r} not said: {note}"
    assert elapsed < STAGING_SECONDS + MARGIN_SECONDS, note
    assert peak_kib < REFUSED_PEAK_KIB, f"peak {peak_kib // 1024} MiB: {note}"
    assert not owned_containers(docker_client, pid), f"{case.name} left containers behind"


def _with_estimate(case: Path) -> Any:
    """The case as a parameter, marked slow with its time limits to wait out (for the run's order only)."""
    expected = _expected(case)
    limits = get_challenge(expected.get("challenge", "hello-world")).limits
    waited = sum(
        float(expected.get("limits", {}).get(limit, getattr(limits, limit)))
        for limit in set(expected.get("limits_hit", [])) & {"start_timeout", "test_timeout", "run_timeout"}
    )
    return pytest.param(case, id=case.name, marks=pytest.mark.slow(seconds=3 + waited))


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.parametrize("case", [_with_estimate(case) for case in CASES])
def test_hostile_submission_gets_a_bounded_honest_result(
    cli: Cli, docker_client: Any, case: Path, scratch: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = _expected(case)
    name = expected.get("challenge", "hello-world")
    if "limits" in expected:
        monkeypatch.setenv("GRADER_CHALLENGES", str(with_limits(name, expected["limits"], scratch)))
    challenge = get_challenge(name)
    for limit, value in expected.get("limits", {}).items():
        assert getattr(challenge.limits, limit) == value, f"graded with {limit} = {value}"
    submission = built_submission(case, scratch)
    objects_before = _volumes_and_networks(docker_client)
    if expected["status"] == "refused":
        _check_refused(challenge.id, case, submission, docker_client)
        assert _volumes_and_networks(docker_client) - objects_before == set()
        return
    warm_spare(challenge.id)  # every case runs in a pooled pair: the pool must contain it too
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    code, result = cli.grade_json(challenge.id, submission, "docker")
    elapsed = time.monotonic() - started
    note = f"{case.name} ({expected.get('note', '')}): {result['status']} {result['message'][:300]!r}"

    assert result["status"] == expected["status"], note
    assert code == (0 if expected["status"] == "passed" else 1)
    assert "claim" in result["timing"] and "create" not in result["timing"], (
        f"not in a spare or a kept runner: {note}"
    )
    assert elapsed < challenge.limits.run_timeout + MARGIN_SECONDS, note
    if result["status"] == "error":  # not graded: no score at all, whatever the bound
        assert (result["score"], result["tests"]) == (None, []), note
    elif "max_score" in expected:
        assert result["score"] <= expected["max_score"], note
    messages = " ".join([result["message"]] + [t["message"] for t in result["tests"]]).lower()
    for needle in expected.get("message_contains", []):
        assert needle.lower() in messages, f"{needle!r} not said: {note}"
    for limit in expected.get("limits_hit", []):
        assert limit in result["limits_hit"], note
    if "limits_hit_exactly" in expected:
        assert sorted(result["limits_hit"]) == sorted(expected["limits_hit_exactly"]), note
    assert not owned_containers(docker_client), f"{case.name} left containers behind"
    created = _volumes_and_networks(docker_client) - objects_before
    assert not created, f"{case.name} left volumes or networks behind: {created}"
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before
    assert grown_kib < 200 * 1024, "the grader's own memory stays bounded"
    assert threading.active_count() < 20
