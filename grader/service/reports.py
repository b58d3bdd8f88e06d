"""What a batch amounts to: progress counts, score distribution, test pass rates, CSV.

Shared by the API (``GET /batches/{id}``, ``results.csv``) and the dashboard.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..output import html
from ..output.csvcells import result_cells, safe_row
from ..results import CSV_FIELDS, GradeResult, ReportError
from .models import Batch, BatchMember, Submission, rfc3339
from .similarity import TeamSimilarity

CSV_COLUMNS = ("submission", "candidate", "external_id", *CSV_FIELDS[1:], "challenge_version")


def members(session: Session, batch: Batch) -> list[Submission]:
    return list(
        session.scalars(
            select(Submission)
            .join(BatchMember, BatchMember.submission_id == Submission.id)
            .where(BatchMember.batch_id == batch.id)
            .order_by(Submission.id)
        )
    )


def progress(submissions: list[Submission]) -> dict[str, int]:
    """Counts by state and, for the done ones, by verdict."""
    return tally((s.status, str(s.result.get("status", "error")) if s.result else None) for s in submissions)


def tally(members: Iterable[tuple[str, str | None]]) -> dict[str, int]:
    """:func:`progress` from ``(state, verdict)`` pairs: what a list of batches reads in one query."""
    counts = {"total": 0, "queued": 0, "running": 0, "done": 0, "passed": 0, "failed": 0, "error": 0}
    for status, verdict in members:
        counts["total"] += 1
        counts[status] += 1
        if status == "done" and verdict is not None:
            counts[verdict] = counts.get(verdict, 0) + 1
    return counts


def _done(submissions: list[Submission]) -> list[dict[str, Any]]:
    return [s.result for s in submissions if s.status == "done" and s.result]


def _graded_results(submissions: list[Submission]) -> list[GradeResult]:
    """The done results as :class:`GradeResult` objects (stored JSON, validated on the way)."""
    results = []
    for stored in _done(submissions):
        try:
            results.append(GradeResult.from_dict(stored))
        except ReportError:  # a row from an older schema: shown in the table, left out of the charts
            continue
    return results


def distribution(submissions: list[Submission]) -> list[int]:
    """Graded results per 10-percent bucket, as in ``report.html`` (errors are counted apart)."""
    return html.distribution(_graded_results(submissions))


def test_rates(submissions: list[Submission]) -> list[html.TestRate]:
    """Each test's pass rate over the graded results, hardest first, as in ``report.html``."""
    return html.pass_rates(_graded_results(submissions))


def summary(session: Session, batch: Batch, similarity: TeamSimilarity | None = None) -> dict[str, Any]:
    """The API's view of a batch: progress, then each submission (with its result once done).

    ``similarity`` adds each submission's ``max_similarity`` and ``similar_to``.
    """
    subs = members(session, batch)
    return {
        "id": batch.id,
        "challenge": batch.challenge_id,
        "name": batch.name,
        "created_at": rfc3339(batch.created_at),
        "progress": progress(subs),
        "done": all(s.status == "done" for s in subs),
        "submissions": [{**s.summary(), **(similarity.fields(s.id) if similarity else {})} for s in subs],
    }


def to_csv(submissions: list[Submission], similarity: TeamSimilarity | None = None) -> str:
    """One row per submission, the columns of ``grader batch``'s results.csv plus who and which.

    ``similarity``: the team's analysis of the challenge (:mod:`.similarity`), which fills
    ``max_similarity`` and ``similar_to`` (a submission id) as ``grader batch`` does.
    """
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    for s in submissions:
        result = s.result if s.status == "done" else None
        row: dict[str, Any] = {
            "submission": s.id,
            "candidate": s.candidate,
            "external_id": s.external_id,
            "status": result["status"] if result else s.status,
            "challenge_version": s.challenge_version,
        }
        if result:
            row.update(result_cells(GradeResult.from_dict(result)))
        if similarity is not None:
            row.update(similarity.fields(s.id))
        writer.writerow(safe_row(row))
    return out.getvalue()
