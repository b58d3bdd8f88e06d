"""Text output for people: a verdict line, a table of tests, what failed and why."""

from __future__ import annotations

import re

import click

from ..challenges import Challenge
from ..results import GradeResult, TestResult

_MARKS = {
    "passed": ("PASS", "green"),
    "failed": ("FAIL", "red"),
    "error": ("ERR ", "magenta"),
    "skipped": ("SKIP", "yellow"),
}
_STATUS_COLOURS = {"passed": "green", "failed": "red", "error": "magenta"}


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text: str) -> str:
    """Drop control characters (ANSI/OSC escapes included): messages quote the candidate's app."""
    return _CONTROL.sub("", text)


def points(value: float) -> str:
    """A score as people write it: ``12``, ``2.5``, never ``12.0``."""
    return f"{value:g}"


def scored(result: GradeResult) -> str:
    """``7/12 (58.3%)``, or for an error ``no score (of 12)``: it was not graded, so it has none."""
    if result.score is None:
        return f"no score (of {points(result.max_score)})"
    return f"{points(result.score)}/{points(result.max_score)} ({result.percent:g}%)"


def summary(message: str) -> str:
    """One line that names the cause: the first line, plus the last one when the first only announces it.

    An error's message is often ``app.py raised while loading:`` and then a
    traceback; a table cell or a CSV column that kept only the first line
    would say that something went wrong but never what. The last line of a
    traceback is the exception itself.
    """
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    if not lines:
        return ""
    if lines[0].endswith(":") and len(lines) > 1:
        return f"{lines[0]} {lines[-1]}"
    return lines[0]


def _indent(text: str, prefix: str = "      ") -> str:
    lines = clean(text).strip().splitlines() or [""]
    if len(lines) > 15:
        lines = lines[:15] + [f"... ({len(lines) - 15} more lines)"]
    return "\n".join(prefix + line for line in lines)


def test_line(test: TestResult, width: int) -> str:
    mark, colour = _MARKS.get(test.status, ("????", "white"))
    score = f"{points(test.score)}/{points(test.max_score)}"
    name, description = clean(test.name), clean(test.description)
    return f"  {click.style(mark, fg=colour, bold=True)}  {name:<{width}}  {score:>7}  {description}"


def grade_text(result: GradeResult) -> str:
    """The full human report of one grading run; every string cleaned (a saved result is input too)."""
    lines: list[str] = []
    colour = _STATUS_COLOURS.get(result.status, "white")
    headline = click.style(result.status.upper(), fg=colour, bold=True)
    lines.append(
        f"{headline}  {clean(result.challenge)}: {scored(result)} "
        f"in {result.duration:.2f} s, {clean(result.sandbox)} sandbox"
    )
    if result.status == "error":
        lines.append(click.style("The submission could not be graded:", bold=True))
        lines.append(_indent(result.message, "  "))
    if result.tests:  # an error has none: its cause is above, once
        width = min(48, max(len(t.name) for t in result.tests))
        lines.append("")
        lines.extend(test_line(t, width) for t in result.tests)
    failures = [t for t in result.tests if t.status in ("failed", "error") and t.message]
    if failures:
        lines.append("")
        lines.append(click.style("What went wrong:", bold=True))
        for test in failures:
            lines.append(f"  {click.style(clean(test.name), bold=True)}: {clean(test.description)}")
            lines.append(_indent(test.message))
    if result.limits_hit:
        lines.append("")
        lines.append(clean(f"Limits hit: {', '.join(result.limits_hit)}"))
    if result.image:
        lines.append(click.style(f"image {clean(result.image[:19])}", dim=True))
    return "\n".join(lines)


def challenge_table(challenges: list[Challenge]) -> str:
    """``grader list``: one line per challenge."""
    if not challenges:
        return "no challenges found"
    width = max(len(c.id) for c in challenges)
    topic = max(len("TOPIC"), *(len(c.topic) for c in challenges))
    rows = [f"{'ID':<{width}}  {'LEVEL':<6}  {'TOPIC':<{topic}}  {'POINTS':>6}  TITLE"]
    for c in challenges:
        rows.append(
            f"{c.id:<{width}}  {c.difficulty:<6}  {c.topic:<{topic}}  {points(c.points):>6}  {c.title}"
        )
    return "\n".join(rows)
