"""Mutation reports as text (a terminal), JSON (tools) and Markdown (CI job summaries).

All three say the same things: per challenge the mutants generated, killed
(and how many by a time limit), survived and declared equivalent, the score
``killed / (generated - equivalent)`` against the threshold, every survivor
with its file, line, diff and why it matters, and every problem with the
equivalence declarations.
"""

from __future__ import annotations

import json
from typing import Any

from .run import MutantOutcome, MutationReport


def _percent(score: float) -> str:
    return f"{100 * score:.1f}%"


def _verdict(report: MutationReport, min_score: float) -> str:
    return "ok" if report.ok(min_score) else "FAIL"


def summary_line(report: MutationReport, min_score: float) -> str:
    """One line per challenge: counts, score, threshold, time."""
    killed = report.count("killed")
    timeouts = f" ({report.timeouts} by a time limit)" if report.timeouts else ""
    return (
        f"{_verdict(report, min_score):<4} {report.challenge}: {report.generated} mutants, "
        f"{killed} killed{timeouts}, {report.count('survived')} survived, "
        f"{report.count('equivalent')} equivalent: score {report.score_text} = {_percent(report.score)} "
        f"(min {_percent(min_score)}) in {report.duration:.1f} s"
    )


def _survivors(report: MutationReport) -> list[MutantOutcome]:
    return [o for o in report.outcomes if o.status == "survived"]


def to_text(reports: list[MutationReport], min_score: float) -> str:
    """For a terminal: a summary line per challenge, then each survivor's diff."""
    lines: list[str] = []
    for report in reports:
        lines.append(summary_line(report, min_score))
        for outcome in _survivors(report):
            mutant = outcome.mutant
            lines.append(f"  survived {mutant.id}: {mutant.change}")
            lines.append(f"    why it matters: {mutant.why}")
            lines.extend("    " + line for line in mutant.diff.splitlines())
        lines.extend(f"  problem: {problem}" for problem in report.problems)
    passed = sum(r.ok(min_score) for r in reports)
    total = sum(r.duration for r in reports)
    lines.append(f"{passed} of {len(reports)} challenges reach {_percent(min_score)} ({total:.1f} s)")
    return "\n".join(lines)


def _mutant_dict(outcome: MutantOutcome) -> dict[str, Any]:
    mutant = outcome.mutant
    return {
        "id": mutant.id,
        "operator": mutant.kind,
        "file": mutant.file,
        "line": mutant.line,
        "change": mutant.change,
        "status": outcome.status,
        "detail": outcome.detail,
        "timed_out": outcome.timed_out,
        "reason": outcome.reason,
        "class": outcome.category,
        "why": mutant.why,
        "diff": mutant.diff,
        "duration": outcome.duration,
    }


def to_dict(report: MutationReport, min_score: float) -> dict[str, Any]:
    return {
        "challenge": report.challenge,
        "challenge_version": report.version,
        "sandbox": report.sandbox,
        "generated": report.generated,
        "killed": report.count("killed"),
        "killed_by_time_limit": report.timeouts,
        "survived": report.count("survived"),
        "equivalent": report.count("equivalent"),
        "score": round(report.score, 4),
        "score_text": report.score_text,
        "ok": report.ok(min_score),
        "duration": report.duration,
        "problems": list(report.problems),
        "mutants": [_mutant_dict(o) for o in report.outcomes],
    }


def to_json(reports: list[MutationReport], min_score: float) -> str:
    document = {
        "min_score": min_score,
        "ok": all(r.ok(min_score) for r in reports),
        "duration": round(sum(r.duration for r in reports), 2),
        "challenges": [to_dict(r, min_score) for r in reports],
    }
    return json.dumps(document, indent=2)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


#: The head of the Markdown table (``benchmarks/mutation_table.py`` copies the table into README.md).
TABLE_HEAD = (
    "| challenge | mutants | killed | by time limit | survived | equivalent | score | time | |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
)


def to_markdown(reports: list[MutationReport], min_score: float) -> str:
    """A job summary: one table row per challenge, then the survivors and problems."""
    lines = [f"## Mutation testing (min score {_percent(min_score)})", "", *TABLE_HEAD]
    for r in reports:
        mark = "✅" if r.ok(min_score) else "❌"
        lines.append(
            f"| `{r.challenge}` | {r.generated} | {r.count('killed')} | {r.timeouts} | "
            f"{r.count('survived')} | {r.count('equivalent')} | {r.score_text} | "
            f"{r.duration:.1f} s | {mark} |"
        )
    for r in reports:
        survivors = _survivors(r)
        if not survivors and not r.problems:
            continue
        lines += ["", f"### `{r.challenge}`", ""]
        for outcome in survivors:
            mutant = outcome.mutant
            lines += [
                f"**Survived** `{_cell(mutant.id)}`: `{_cell(mutant.change)}`. "
                f"*Why it matters:* {_cell(mutant.why)}.",
                "",
                "```diff",
                mutant.diff.rstrip("\n"),
                "```",
                "",
            ]
        lines += [f"- **Problem:** {_cell(problem)}" for problem in r.problems]
    return "\n".join(lines)


RENDERERS = {"text": to_text, "json": to_json, "markdown": to_markdown}
