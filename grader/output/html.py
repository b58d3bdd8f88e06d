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
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import Environment, PackageLoader, select_autoescape

from .. import __version__
from ..challenges import Challenge
from ..results import GradeResult
from .sources import SubmissionFiles, read_sources, stylesheet
from .text import summary

if TYPE_CHECKING:
    from ..similarity import SimilarityReport

#: Score buckets in percent: 0-9, 10-19, ... 90-99, and 100 on its own (full marks stand apart).
BUCKETS = 11


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
    return round(sum(r.percent for r in scored) / len(scored), 1) if scored else None


def distribution(results: list[GradeResult]) -> list[int]:
    """Counts of graded submissions per 10 % score bucket; the last one is exactly 100 %."""
    counts = [0] * BUCKETS
    for result in graded(results):
        counts[min(BUCKETS - 1, int(result.percent // 10))] += 1
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


def render_report(
    challenge: Challenge,
    results: dict[str, GradeResult],
    sources: dict[str, Path] | None = None,
    similarity: SimilarityReport | None = None,
) -> str:
    """The whole HTML document; ``sources`` (id -> submission path) adds each submission's files,
    ``similarity`` its section."""
    env = Environment(
        loader=PackageLoader("grader.output", "templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["summary"] = summary
    values = list(results.values())
    stats = Stats(
        total=len(values),
        passed=sum(r.status == "passed" for r in values),
        failed=sum(r.status == "failed" for r in values),
        error=sum(r.status == "error" for r in values),
    )
    paths = {i: p for i, p in (sources or {}).items() if i in results}
    files: dict[str, SubmissionFiles] = {i: read_sources(p) for i, p in paths.items()}
    return env.get_template("report.html.j2").render(
        challenge=challenge,
        results=results,
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
