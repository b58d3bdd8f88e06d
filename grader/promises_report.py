"""``grader verify --promises`` reports: text (a terminal), JSON (tools), Markdown (CI summaries).

All three say the same: per challenge every promise with the hidden and the
public tests that check it, then every problem found by
:func:`grader.promises.check_promises`.
"""

from __future__ import annotations

import json
from typing import Any

from .promises import PromiseReport


def _names(nodeids: list[str]) -> str:
    return ", ".join(n.split("::", 1)[1] if "::" in n else n for n in nodeids) or "-"


def to_text(reports: list[PromiseReport]) -> str:
    """A line per challenge, a line per promise, then the problems."""
    lines: list[str] = []
    for report in reports:
        hidden = sum(1 for t in report.tests if t.suite == "hidden")
        mark = "ok  " if report.ok else "FAIL"
        lines.append(f"{mark} {report.challenge}: {len(report.promises)} promises, {hidden} hidden tests")
        for promise in report.promises:
            lines.append(
                f"  [#{promise.id}] hidden: {_names(report.checking(promise.id, 'hidden'))}; "
                f"public: {_names(report.checking(promise.id, 'public'))}"
            )
        lines.extend(f"  problem: {problem}" for problem in report.problems)
    covered = sum(r.ok for r in reports)
    lines.append(f"{covered} of {len(reports)} challenges have every promise tested")
    return "\n".join(lines)


def to_dict(report: PromiseReport) -> dict[str, Any]:
    return {
        "challenge": report.challenge,
        "ok": report.ok,
        "promises": [
            {
                "id": p.id,
                "line": p.line,
                "hidden": report.checking(p.id, "hidden"),
                "public": report.checking(p.id, "public"),
            }
            for p in report.promises
        ],
        "tests": [{"nodeid": t.nodeid, "suite": t.suite, "promises": list(t.ids)} for t in report.tests],
        "problems": list(report.problems),
    }


def to_json(reports: list[PromiseReport]) -> str:
    document = {"ok": all(r.ok for r in reports), "challenges": [to_dict(r) for r in reports]}
    return json.dumps(document, indent=2)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(reports: list[PromiseReport]) -> str:
    """One table per challenge: promise, hidden tests, public tests; then problems."""
    lines = ["## Promise coverage", ""]
    for report in reports:
        mark = "✅" if report.ok else "❌"
        lines += [
            f"### `{report.challenge}` {mark}",
            "",
            "| promise | hidden tests | public tests |",
            "| --- | --- | --- |",
        ]
        for p in report.promises:
            hidden = _cell(_names(report.checking(p.id, "hidden")))
            public = _cell(_names(report.checking(p.id, "public")))
            lines.append(f"| `#{p.id}` | {hidden} | {public} |")
        lines.append("")
        lines += [f"- **Problem:** {_cell(problem)}" for problem in report.problems]
        if report.problems:
            lines.append("")
    return "\n".join(lines).rstrip("\n")


RENDERERS = {"text": to_text, "json": to_json, "markdown": to_markdown}
