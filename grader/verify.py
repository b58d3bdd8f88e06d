"""``grader verify``: prove every challenge is sound before candidates see it.

A challenge is sound when its manifest is valid, its hidden suite's points
add up to the manifest's, the reference solution scores full marks in every
sandbox, the stub does not, every sandbox gives the same per-test verdicts,
the public tests pass on the solution, and a second run gives the same
per-test verdicts (no flaky test). With several sandboxes, each makes its
gradings in a thread of its own, side by side: a grading mostly waits (on
its app's start, on a suite's own sleeps), so two sandboxes take about the
time of one.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .challenges import Challenge, load_challenge
from .errors import ChallengeError
from .grading import grade
from .output.text import summary
from .protocol import Suite
from .results import GradeResult
from .sandbox.base import Sandbox


@dataclass
class Check:
    """One verified property of one challenge."""

    name: str
    ok: bool
    detail: str = ""


@dataclass
class ChallengeReport:
    """Every check run on one challenge."""

    challenge: str
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)


def _verdicts(result: GradeResult) -> list[tuple[str, str]]:
    return [(t.name, t.status) for t in result.tests]


def _failing(result: GradeResult) -> str:
    names = [t.name for t in result.failed_tests][:5]
    return f"{result.status}: {summary(result.message)} {names}"


def _why(result: GradeResult) -> str:
    """What a run said about its first test that did not pass (a flaky test's own words), or its message."""
    failing = next((t for t in result.tests if t.status != "passed"), None)
    return f"{failing.name}: {failing.message[:200]}" if failing else summary(result.message)


def soundness_line(sound: int, total: int) -> str:
    """``3 of 5 challenges are sound``, ``1 of 5 challenges is sound``, ``0 of 1 challenge is sound``.

    The noun agrees with the total; the verb with the count, except that a
    single challenge reads as one ("0 of 1 challenge is", not "are").
    """
    noun = "challenge" if total == 1 else "challenges"
    verb = "is" if sound == 1 or total == 1 else "are"
    return f"{sound} of {total} {noun} {verb} sound"


def _disagreement(one: list[tuple[str, str]], other: list[tuple[str, str]]) -> str:
    diff = [f"{a[0]}: {a[1]} vs {b[1]}" for a, b in zip(one, other, strict=False) if a != b]
    return "; ".join(diff[:3]) or "different tests were collected"


def verify_folder(
    root: Path,
    sandboxes: list[Sandbox],
    progress: Callable[[str], None] = lambda _: None,
) -> ChallengeReport:
    """Check one challenge folder: its manifest first, then (if it loads) everything else."""
    try:
        challenge = load_challenge(root)
    except ChallengeError as exc:
        report = ChallengeReport(root.name)
        report.checks.append(Check("manifest is valid", False, exc.format()))
        return report
    return verify_challenge(challenge, sandboxes, progress)


@dataclass
class _Gradings:
    """The four gradings ``grader verify`` makes of a challenge in one sandbox."""

    first: GradeResult
    second: GradeResult
    stub: GradeResult
    public: GradeResult


def _grade_in(challenge: Challenge, sandbox: Sandbox, progress: Callable[[str], None]) -> _Gradings:
    """The solution twice, the stub, and the public suite on the solution, one after another."""
    progress(f"{challenge.id}: reference solution ({sandbox.name})")
    first = grade(challenge, challenge.solution_dir, sandbox)
    progress(f"{challenge.id}: second run ({sandbox.name})")
    second = grade(challenge, challenge.solution_dir, sandbox)
    progress(f"{challenge.id}: stub ({sandbox.name})")
    stub = grade(challenge, challenge.stub_dir, sandbox)
    public = grade(challenge, challenge.solution_dir, sandbox, suite=Suite.PUBLIC)
    return _Gradings(first, second, stub, public)


def _grade_everywhere(
    challenge: Challenge, sandboxes: list[Sandbox], progress: Callable[[str], None]
) -> list[_Gradings]:
    """Each sandbox's gradings, the sandboxes side by side (a grading mostly waits on its app).

    Ctrl-C cancels the runs under way in every sandbox, as in a batch, instead of waiting them out.
    """
    if len(sandboxes) == 1:
        return [_grade_in(challenge, sandboxes[0], progress)]
    with ThreadPoolExecutor(max_workers=len(sandboxes), thread_name_prefix="verify") as pool:
        futures = [pool.submit(_grade_in, challenge, sandbox, progress) for sandbox in sandboxes]
        results: list[_Gradings] = []
        try:
            results = [future.result() for future in futures]
        finally:
            if len(results) < len(sandboxes):  # a failure or Ctrl-C: the other runs end now, not at a limit
                for sandbox in sandboxes:
                    sandbox.cancel()
        return results


def verify_challenge(
    challenge: Challenge,
    sandboxes: list[Sandbox],
    progress: Callable[[str], None] = lambda _: None,
) -> ChallengeReport:
    """Run every check on one (loaded, so valid) challenge in every given sandbox."""
    report = ChallengeReport(challenge.id)
    report.checks.append(Check("manifest is valid", True))
    seen: dict[str, list[tuple[str, str]]] = {}
    for sandbox, gradings in zip(sandboxes, _grade_everywhere(challenge, sandboxes, progress), strict=True):
        first, stub, public = gradings.first, gradings.stub, gradings.public
        full = first.status == "passed" and first.score == challenge.points
        report.checks.append(
            Check(
                f"solution scores full marks ({sandbox.name})",
                full,
                "" if full else _failing(first),
            )
        )
        points_ok = first.max_score == challenge.points
        report.checks.append(
            Check(
                f"hidden points add up to {challenge.points:g} ({sandbox.name})",
                points_ok,
                "" if points_ok else f"the suite is worth {first.max_score:g}",
            )
        )
        same = _verdicts(first) == _verdicts(gradings.second)
        flaky = (
            ""
            if same
            else _disagreement(_verdicts(first), _verdicts(gradings.second)) + _why(gradings.second)
        )
        report.checks.append(Check(f"same verdicts on a second run ({sandbox.name})", same, flaky))
        below = stub.status != "passed" and (stub.score is None or stub.score < challenge.points)
        report.checks.append(
            Check(
                f"stub scores below full marks ({sandbox.name})",
                below,
                f"stub: {stub.status} "
                + ("no score" if stub.score is None else f"{stub.score:g}/{stub.max_score:g}"),
            )
        )
        verdicts = _verdicts(first) + _verdicts(stub)
        for other, other_verdicts in seen.items():
            agree = verdicts == other_verdicts
            report.checks.append(
                Check(
                    f"{sandbox.name} and {other} agree on every test",
                    agree,
                    "" if agree else _disagreement(verdicts, other_verdicts),
                )
            )
        seen[sandbox.name] = verdicts
        report.checks.append(
            Check(
                f"public tests pass on the solution ({sandbox.name})",
                public.status == "passed",
                "" if public.status == "passed" else _failing(public),
            )
        )
    return report


def to_junit(reports: list[ChallengeReport]) -> str:
    """JUnit XML for challenge repositories' CI: one suite per challenge, one case per check."""
    import xml.etree.ElementTree as ET

    root = ET.Element("testsuites", name="grader verify")
    for report in reports:
        failures = sum(not check.ok for check in report.checks)
        suite = ET.SubElement(
            root, "testsuite", name=report.challenge, tests=str(len(report.checks)), failures=str(failures)
        )
        for check in report.checks:
            case = ET.SubElement(suite, "testcase", classname=report.challenge, name=check.name)
            if not check.ok:
                failure = ET.SubElement(case, "failure", message=check.detail or "check failed")
                failure.text = check.detail
    return ET.tostring(root, encoding="unicode", xml_declaration=True)
