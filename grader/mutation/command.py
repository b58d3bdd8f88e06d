"""``grader verify --mutants``: run the analysis for each challenge and print one report.

Progress goes to stderr, the report to stdout (so ``--format markdown`` can be
appended to a CI job summary as it is). The exit code is 0 when every
challenge reaches the minimum score with no declaration problem, else 1.
"""

from __future__ import annotations

import sys

import click

from ..challenges import Challenge
from ..sandbox.base import Sandbox
from .report import RENDERERS, summary_line
from .run import MutantOutcome, MutationReport, MutationRun


def verify_mutants(
    challenges: list[Challenge], sandbox: Sandbox, min_score: float, output_format: str, jobs: int
) -> int:
    """Grade every challenge's mutants; print the report; the exit code."""
    reports: list[MutationReport] = []
    for challenge in challenges:
        click.secho(f"{challenge.id}: grading mutants ({sandbox.name}, {jobs} at once)", dim=True, err=True)

        def progress(outcome: MutantOutcome) -> None:
            click.secho(f"  {outcome.status:<10} {outcome.mutant.id}", dim=True, err=True)

        report = MutationRun(challenge, sandbox, jobs).run(progress if sys.stderr.isatty() else _quiet)
        reports.append(report)
        click.secho(summary_line(report, min_score), dim=True, err=True)
    click.echo(RENDERERS[output_format](reports, min_score))
    return 0 if all(r.ok(min_score) for r in reports) else 1


def _quiet(outcome: MutantOutcome) -> None:
    """No line per mutant when stderr is a log file (CI): the summary lines say enough."""
