"""Show a similarity analysis: terminal text, ``similarity.json``, HTML pages and CSV columns.

The HTML section (``templates/similarity.html.j2``) is shared by the batch's
``report.html`` and the standalone ``similarity.html`` of ``grader similar``:
autoescaped (every line shown is a candidate's code), inline CSS and script,
nothing fetched.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from .. import __version__
from ..challenges import Challenge
from ..errors import UsageError
from .report import SimilarityReport

#: Fragments listed per pair in the terminal (all of them are in the JSON and HTML).
TEXT_FRAGMENTS = 4
#: The closest pairs below the cut listed in the terminal (the ranking is in the JSON and HTML).
TEXT_BELOW_CUT = 5
DISCLAIMER = "a high score is evidence for a person to read, never a verdict"


def similarity_fields(report: SimilarityReport | None, submission_id: str) -> dict[str, float | str | None]:
    """The two columns ``results.csv`` and ``results.json`` gain for one submission."""
    best = report.best().get(submission_id) if report else None
    if best is None:
        return {"max_similarity": None, "similar_to": None}
    return {"max_similarity": round(best[0], 3), "similar_to": best[1]}


def similarity_text(report: SimilarityReport) -> str:
    """What ``grader similar`` prints: flagged pairs with fragment line ranges, then clusters."""
    flagged = report.flagged
    assert report.cut is not None
    lines = [
        f"{report.challenge}: {len(report.submissions)} submissions compared in {report.seconds:.2f} s; "
        f"{len(flagged)} pair(s) at or above {report.cut.value:.2f} ({DISCLAIMER})",
        f"{report.how_cut}",
    ]
    if flagged:
        width = max(len(p.a) for p in flagged)
        lines.append("")
        for pair in flagged:
            lines.append(
                f"{pair.score:5.2f}  {pair.a:<{width}}  {pair.b}  "
                f"({pair.shared_tokens} shared tokens, {len(pair.fragments)} fragment(s))"
            )
            for fragment in pair.fragments[:TEXT_FRAGMENTS]:
                a, b = fragment.a, fragment.b
                lines.append(f"         {a.file}:{a.start}-{a.end}  ~  {b.file}:{b.start}-{b.end}")
            if len(pair.fragments) > TEXT_FRAGMENTS:
                lines.append(f"         ... {len(pair.fragments) - TEXT_FRAGMENTS} more")
    below = [p for p in report.ranked if not p.flagged][:TEXT_BELOW_CUT]
    if below:
        lines.append("")
        lines.append("closest pairs not flagged:")
        lines.extend(f"{pair.score:5.2f}  {pair.a}  {pair.b}" for pair in below)
    clusters = report.clusters()
    if clusters:
        lines.append("")
        lines.append("clusters of three or more:")
        lines.extend(f"  {len(group)}: {', '.join(group)}" for group in clusters)
    for submission_id, reason in report.skipped.items():
        lines.append(f"skipped {submission_id}: {reason}")
    return "\n".join(lines)


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("grader.output", "templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def similarity_page(challenge: Challenge, report: SimilarityReport) -> str:
    """The standalone ``similarity.html`` of ``grader similar --out``."""
    return (
        _environment()
        .get_template("similarity_page.html.j2")
        .render(
            challenge=challenge,
            similarity=report,
            generated=datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            version=__version__,
        )
    )


def write_similarity(out: Path, challenge: Challenge, report: SimilarityReport, *, page: bool = True) -> None:
    """``OUT/similarity.json`` (and ``OUT/similarity.html`` unless the batch report holds it)."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        (out / "similarity.json").write_text(json.dumps(report.to_dict(), indent=2), encoding="utf-8")
        if page:
            (out / "similarity.html").write_text(similarity_page(challenge, report), encoding="utf-8")
    except OSError as exc:
        raise UsageError(
            f"cannot write to {out}: {exc.strerror}", hint="pass a writable --out folder"
        ) from None
