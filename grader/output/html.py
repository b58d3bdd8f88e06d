"""``report.html``: a batch at a glance, for hiring teams.

Rendered with jinja2 and autoescaping on (every string in a result may come
from a candidate's app). The page is self-contained: inline CSS, an inline
SVG chart and a few lines of inline JavaScript for sorting; it loads nothing
from the network.

A submission that could not be graded (``error``) has no score: counting it
as 0 % would drag the mean down and fill the histogram's first bar with
submissions nobody scored. So the mean, the histogram and the per-test pass
rates cover the graded submissions only, the errors are counted apart with
each one's cause, and every rate says what it is a fraction of.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import Environment, PackageLoader, select_autoescape

from .. import __version__
from ..challenges import Challenge
from ..errors import UsageError
from ..results import GradeResult, TestResult
from ..staging import StagedSubmission
from .sources import SubmissionFiles, staged_sources, stylesheet
from .text import summary

if TYPE_CHECKING:
    from ..similarity import SimilarityReport

#: Score buckets in percent: 0-9, 10-19, ... 90-99, and 100 on its own (full marks stand apart).
BUCKETS = 11
#: A test's place in a submission's details: what went wrong first, what passed last.
_STATUS_ORDER = {"failed": 0, "error": 1, "skipped": 2, "passed": 3}


@dataclass
class TestRate:
    """How many graded submissions passed one hidden test."""

    __test__ = False

    name: str
    description: str
    passed: int
    total: int

    @property
    def percent(self) -> float:
        return round(100.0 * self.passed / self.total, 1) if self.total else 0.0


@dataclass
class Stats:
    """The batch's numbers, each with the count it is a fraction of."""

    total: int
    passed: int
    failed: int
    error: int

    @property
    def graded(self) -> int:
        return self.passed + self.failed


def graded(results: list[GradeResult]) -> list[GradeResult]:
    """The results that have a score: every status but ``error``."""
    return [r for r in results if r.status != "error"]


def mean_percent(results: list[GradeResult]) -> float | None:
    """Mean score of the graded results; None when none was graded."""
    scored = graded(results)
    return round(sum(r.percent or 0.0 for r in scored) / len(scored), 1) if scored else None


def distribution(results: list[GradeResult]) -> list[int]:
    """Counts of graded submissions per 10 % score bucket; the last one is exactly 100 %."""
    counts = [0] * BUCKETS
    for result in graded(results):
        counts[min(BUCKETS - 1, int((result.percent or 0.0) // 10))] += 1
    return counts


def pass_rates(results: list[GradeResult]) -> list[TestRate]:
    """Per-test pass rate among the graded submissions, hardest test first."""
    rates: dict[str, TestRate] = {}
    for result in graded(results):
        for test in result.tests:
            rate = rates.setdefault(test.name, TestRate(test.name, test.description, 0, 0))
            rate.total += 1
            rate.passed += test.status == "passed"
    return sorted(rates.values(), key=lambda r: (r.percent, r.name))


@dataclass(frozen=True)
class Similar:
    """What the similarity analysis says about one submission, for its row and its details."""

    score: float
    partner: str
    flagged_with: tuple[str, ...]


def ranking(results: dict[str, GradeResult]) -> list[str]:
    """Submission ids best first: graded by score, highest first, then those that could not be graded."""
    return sorted(results, key=lambda i: (not results[i].graded, -(results[i].percent or 0.0), i))


def failures_first(tests: list[TestResult]) -> list[TestResult]:
    """A submission's tests, failed and errored first (file order kept within each status)."""
    return sorted(tests, key=lambda t: _STATUS_ORDER.get(t.status, 2))


def similar_notes(similarity: SimilarityReport | None) -> dict[str, Similar]:
    """Each compared submission's closest partner, and the partners its flagged pairs name."""
    if similarity is None:
        return {}
    flagged: dict[str, list[str]] = {}
    for pair in similarity.flagged:
        flagged.setdefault(pair.a, []).append(pair.b)
        flagged.setdefault(pair.b, []).append(pair.a)
    return {
        own: Similar(score, partner, tuple(flagged.get(own, ())))
        for own, (score, partner) in similarity.best().items()
    }


def without_host_paths(message: str, sources: Mapping[str, Path]) -> str:
    """``message`` with each submission's path on this machine shortened to its name in the batch.

    Staging names the file it refused (``/home/hr/batch/kim.zip: not a
    readable archive``); the report is sent around, and a host path in it says
    nothing to its reader and something about the machine.
    """
    for path in sources.values():
        for form in {str(path.resolve()), str(path)}:
            if len(form) > len(path.name):
                message = message.replace(form, path.name)
    return message


def render_report(
    challenge: Challenge,
    results: dict[str, GradeResult],
    sources: Mapping[str, Path] | None = None,
    similarity: SimilarityReport | None = None,
    staged: Mapping[str, StagedSubmission | UsageError] | None = None,
) -> str:
    """The whole HTML document.

    ``sources`` (id -> the submission's path) shortens host paths in
    messages to names, ``staged`` (id -> its staged copy) adds each
    submission's files, ``similarity`` its section.
    """
    env = Environment(
        loader=PackageLoader("grader.output", "templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["summary"] = summary
    env.filters["failures_first"] = failures_first
    source_paths = {i: Path(p) for i, p in (sources or {}).items()}
    env.filters["no_host_paths"] = lambda message: without_host_paths(message, source_paths)
    values = list(results.values())
    stats = Stats(
        total=len(values),
        passed=sum(r.status == "passed" for r in values),
        failed=sum(r.status == "failed" for r in values),
        error=sum(r.status == "error" for r in values),
    )
    files: dict[str, SubmissionFiles] = {
        i: staged_sources(c) for i, c in (staged or {}).items() if i in results
    }
    return env.get_template("report.html.j2").render(
        challenge=challenge,
        results=results,
        ranked=ranking(results),
        similar=similar_notes(similarity),
        anchors={submission_id: f"sub-{n}" for n, submission_id in enumerate(results, 1)},
        stats=stats,
        mean=mean_percent(values),
        buckets=distribution(values),
        rates=pass_rates(values),
        files=files,
        code_css=stylesheet() if files else "",
        generated=datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        version=__version__,
        similarity=similarity,
    )
