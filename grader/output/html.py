"""``report.html``: a batch at a glance, for hiring teams.

Rendered with jinja2 and autoescaping on (every string in a result may come
from a candidate's app). The page is self-contained: inline CSS, an inline
SVG chart and a few lines of inline JavaScript for sorting; it loads nothing
from the network.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from jinja2 import Environment, PackageLoader, select_autoescape

from .. import __version__
from ..challenges import Challenge
from ..results import GradeResult

if TYPE_CHECKING:
    from ..similarity import SimilarityReport

BUCKETS = 10


@dataclass
class TestRate:
    """How many submissions passed one hidden test."""

    __test__ = False

    name: str
    description: str
    passed: int
    total: int

    @property
    def percent(self) -> float:
        return round(100.0 * self.passed / self.total, 1) if self.total else 0.0


def distribution(results: list[GradeResult]) -> list[int]:
    """Counts of submissions per 10 % score bucket (100 % in the last one)."""
    counts = [0] * BUCKETS
    for result in results:
        counts[min(BUCKETS - 1, int(result.percent // (100 / BUCKETS)))] += 1
    return counts


def pass_rates(results: list[GradeResult]) -> list[TestRate]:
    """Per-test pass rate, hardest test first."""
    rates: dict[str, TestRate] = {}
    for result in results:
        for test in result.tests:
            rate = rates.setdefault(test.name, TestRate(test.name, test.description, 0, 0))
            rate.total += 1
            rate.passed += test.status == "passed"
    return sorted(rates.values(), key=lambda r: (r.percent, r.name))


def render_report(
    challenge: Challenge, results: dict[str, GradeResult], similarity: SimilarityReport | None = None
) -> str:
    """The whole HTML document; with ``similarity``, its section too."""
    env = Environment(
        loader=PackageLoader("grader.output", "templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    values = list(results.values())
    counts = {s: sum(1 for r in values if r.status == s) for s in ("passed", "failed", "error")}
    return env.get_template("report.html.j2").render(
        challenge=challenge,
        results=results,
        counts=counts,
        total=len(values),
        mean=round(sum(r.percent for r in values) / len(values), 1) if values else 0.0,
        buckets=distribution(values),
        rates=pass_rates(values),
        generated=datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        version=__version__,
        similarity=similarity,
    )
