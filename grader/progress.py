"""The live progress line of ``grader batch``: done/total, verdict counts, grading rate.

The rate counts only submissions graded in this run: reusing a stored result
takes milliseconds, and counting those would promise a speed (``11614/min``)
that the gradings still to come will not have. The clock starts when grading
starts, after the stored results were looked up.
"""

from __future__ import annotations

import sys
import time
from typing import Protocol

import click

from .output.text import clean
from .results import GradeResult


class _Named(Protocol):
    @property
    def id(self) -> str: ...


class Progress:
    """One live line on stderr (a log line per submission when stderr is not a terminal)."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self.graded = 0
        self.counts = {"passed": 0, "failed": 0, "error": 0}
        self.started = time.monotonic()
        self.live = sys.stderr.isatty()

    def rate(self, now: float) -> str:
        """Gradings per minute in this run, or ``-`` before the first one."""
        if not self.graded:
            return "-/min"
        return f"{60 * self.graded / max(now - self.started, 1e-6):.0f}/min"

    def line(self, submission: _Named, result: GradeResult, reused: bool) -> str:
        """Count one result and return the line that shows it."""
        now = time.monotonic()
        self.done += 1
        if reused:
            if not self.graded:
                self.started = now  # grading has not started yet: its clock neither
        else:
            self.graded += 1
        self.counts[result.status] = self.counts.get(result.status, 0) + 1
        width = len(str(self.total))
        return (
            f"[{self.done:>{width}}/{self.total}] "
            f"{click.style(str(self.counts['passed']) + ' passed', fg='green')}  "
            f"{click.style(str(self.counts['failed']) + ' failed', fg='red')}  "
            f"{click.style(str(self.counts['error']) + ' error', fg='magenta')}  "
            f"{self.rate(now)}  {clean(submission.id)}: {result.status}"
            f"{' (cached)' if reused else ''}"
        )

    def __call__(self, submission: _Named, result: GradeResult, reused: bool) -> None:
        line = self.line(submission, result, reused)
        if self.live:
            click.echo("\r\033[K" + line, nl=self.done == self.total, err=True)
        else:
            click.echo(line, err=True)


class StagingProgress:
    """``staging 37/1000`` on stderr while a batch reads its submissions, before the first grading.

    On a terminal one live line, at most ten updates a second; elsewhere
    (a log) one line when staging starts and one when it is done.
    """

    def __init__(self, total: int) -> None:
        self.total = total
        self.live = sys.stderr.isatty()
        self.shown = 0.0

    def __call__(self, count: int) -> None:
        now = time.monotonic()
        done = count == self.total
        if self.live:
            if done or now - self.shown >= 0.1:
                self.shown = now
                click.echo(f"\r\033[Kstaging {count}/{self.total}", nl=done, err=True)
        elif count == 0 or done:
            click.echo(f"staging {count}/{self.total}" + (" done" if done else ""), err=True)
