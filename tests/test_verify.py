"""``grader verify`` on the shipped challenges, in both sandboxes."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from grader.challenges import get_challenge
from grader.verify import soundness_line, verify_challenge

from .conftest import ROOT, Cli


@pytest.mark.parametrize(
    ("sound", "total", "line"),
    [
        (1, 1, "1 of 1 challenge is sound"),
        (0, 1, "0 of 1 challenge is sound"),
        (1, 5, "1 of 5 challenges is sound"),
        (0, 5, "0 of 5 challenges are sound"),
        (5, 5, "5 of 5 challenges are sound"),
    ],
)
def test_the_summary_line_agrees_in_number(sound: int, total: int, line: str) -> None:
    assert soundness_line(sound, total) == line


SHIPPED = sorted(p.parent.name for p in (ROOT / "challenges").glob("*/challenge.toml"))


def test_there_are_fifteen_shipped_challenges() -> None:
    assert len(SHIPPED) >= 15


@pytest.mark.docker
@pytest.mark.slow(seconds=15)  # eight gradings: solution twice, stub and public suite, in each sandbox
@pytest.mark.parametrize("challenge", SHIPPED)
def test_every_shipped_challenge_is_sound_in_both_sandboxes(
    cli: Cli, docker_client: object, challenge: str
) -> None:
    """One challenge per test, so that pytest-xdist spreads the eight gradings of each over its workers."""
    result = cli("verify", challenge)
    assert result.exit_code == 0, result.stdout
    assert "1 of 1 challenge is sound" in result.stdout
    assert "docker and local agree on every test" in result.stdout.replace(
        "local and docker", "docker and local"
    )


def test_verify_catches_a_broken_challenge(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(ROOT / "challenges" / "hello-world", tmp_path / "hello-world")
    # the "reference solution" is now the stub: verify must refuse the challenge
    shutil.rmtree(tmp_path / "hello-world" / "solution")
    shutil.copytree(tmp_path / "hello-world" / "stub", tmp_path / "hello-world" / "solution")
    manifest = tmp_path / "hello-world" / "challenge.toml"
    manifest.write_text(manifest.read_text().replace("points = 12", "points = 13"))
    monkeypatch.setenv("GRADER_CHALLENGES", str(tmp_path))
    junit = tmp_path / "verify.xml"
    result = cli("verify", "hello-world", "--sandbox", "local", "--junit", str(junit))
    assert result.exit_code == 1
    assert "FAIL hello-world: solution scores full marks (local)" in result.stdout
    assert "FAIL hello-world: hidden points add up to 13 (local)" in result.stdout
    assert "ok   hello-world: stub scores below full marks (local)" in result.stdout
    assert "0 of 1 challenge is sound" in result.stdout
    from junitparser import Failure, JUnitXml

    suites = list(JUnitXml.fromfile(str(junit)))
    cases = {case.name: case for case in suites[0]}
    assert not cases["manifest is valid"].result
    assert isinstance(cases["solution scores full marks (local)"].result[0], Failure)


def test_invalid_manifest_is_exit_3(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(ROOT / "challenges" / "hello-world", tmp_path / "hello-world")
    (tmp_path / "hello-world" / "challenge.toml").write_text('id = "hello-world"\n')
    monkeypatch.setenv("GRADER_CHALLENGES", str(tmp_path))
    result = cli("verify", "hello-world", "--sandbox", "local")
    assert result.exit_code == 3
    assert "challenge.toml" in result.stderr and "Traceback" not in result.stderr


def test_verify_of_every_challenge_reports_a_broken_manifest_as_a_failed_check(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without ids, verify checks every folder: a broken manifest is one FAIL, the others still run."""
    shutil.copytree(ROOT / "challenges" / "hello-world", tmp_path / "hello-world")
    shutil.copytree(ROOT / "challenges" / "hello-world", tmp_path / "broken")
    (tmp_path / "broken" / "challenge.toml").write_text('id = "broken"\n')
    monkeypatch.setenv("GRADER_CHALLENGES", str(tmp_path))
    result = cli("verify", "--sandbox", "local")
    assert result.exit_code == 1
    assert "FAIL broken: manifest is valid" in result.stdout
    assert "ok   hello-world: manifest is valid" in result.stdout
    assert "1 of 2 challenges is sound" in result.stdout


class _Watched:
    """The real local sandbox behind the protocol seam, under another name, counting runs in flight."""

    def __init__(self, name: str, seen: dict[str, Any], fail: bool = False) -> None:
        from grader.sandbox.local import LocalSandbox

        self.name, self.seen, self.fail = name, seen, fail
        self.inner = LocalSandbox()

    def identity(self) -> str:
        return self.inner.identity()

    def cancel(self) -> None:
        self.seen["cancelled"].append(self.name)
        self.inner.cancel()

    def run(self, request: Any) -> Any:
        from grader.errors import InfrastructureError

        with self.seen["lock"]:
            self.seen["now"] += 1
            self.seen["most"] = max(self.seen["most"], self.seen["now"])
        try:
            if self.fail:
                time.sleep(0.5)  # the other sandbox's first run is under way by now
                raise InfrastructureError("the Docker engine failed during the run (runc hiccup)")
            return self.inner.run(request)
        finally:
            with self.seen["lock"]:
                self.seen["now"] -= 1


def _watch() -> dict[str, Any]:
    return {"lock": threading.Lock(), "now": 0, "most": 0, "cancelled": []}


#: The checks of one sandbox, in order (hello-world's 12 points).
ONE_SANDBOX_CHECKS = [
    "solution scores full marks",
    "hidden points add up to 12",
    "same verdicts on a second run",
    "stub scores below full marks",
    "public tests pass on the solution",
]


def test_two_sandboxes_grade_side_by_side_and_report_in_order() -> None:
    """What halves `grader verify`'s time: each sandbox's four gradings in a thread of its own."""
    seen = _watch()
    sandboxes: list[Any] = [_Watched("one", seen), _Watched("two", seen)]
    report = verify_challenge(get_challenge("hello-world"), sandboxes)
    assert seen["most"] == 2, "the two sandboxes' gradings overlap"
    assert report.ok, [(c.name, c.detail) for c in report.checks if not c.ok]
    assert [c.name for c in report.checks] == [
        "manifest is valid",
        *[f"{check} (one)" for check in ONE_SANDBOX_CHECKS],
        *[f"{check} (two)" for check in ONE_SANDBOX_CHECKS[:4]],
        "two and one agree on every test",
        "public tests pass on the solution (two)",
    ]
    assert not seen["cancelled"]


def test_a_failing_sandbox_cancels_the_other_ones_runs() -> None:
    """The engine failing in one sandbox ends verify at once: the other's grading is cancelled, not waited."""
    from grader.errors import InfrastructureError

    seen = _watch()
    sandboxes: list[Any] = [_Watched("broken", seen, fail=True), _Watched("local", seen)]
    with pytest.raises(InfrastructureError, match="runc hiccup"):
        verify_challenge(get_challenge("hello-world"), sandboxes)
    assert sorted(seen["cancelled"]) == ["broken", "local"]
