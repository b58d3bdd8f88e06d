"""What a batch amounts to: progress counts, score distribution, test pass rates, CSV.

Shared by the API (``GET /batches/{id}``, ``results.csv``) and the dashboard.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..batch import CSV_FIELDS
from .models import Batch, BatchMember, Submission

CSV_COLUMNS = ("submission", "candidate", "external_id", *CSV_FIELDS[1:], "challenge_version")
#: Score distribution buckets, in percent: 0-9, 10-19, ... 90-99, 100.
BUCKETS = 11


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
    counts = {
        "total": len(submissions),
        "queued": 0,
        "running": 0,
        "done": 0,
        "passed": 0,
        "failed": 0,
        "error": 0,
    }
    for submission in submissions:
        counts[submission.status] += 1
        if submission.status == "done" and submission.result:
            verdict = str(submission.result.get("status", "error"))
            counts[verdict] = counts.get(verdict, 0) + 1
    return counts


def _done(submissions: list[Submission]) -> list[dict[str, Any]]:
    return [s.result for s in submissions if s.status == "done" and s.result]


def distribution(submissions: list[Submission]) -> list[int]:
    """How many results fall in each 10-percent bucket (the last one is exactly 100 %)."""
    buckets = [0] * BUCKETS
    for result in _done(submissions):
        percent = float(result.get("percent", 0.0))
        buckets[min(int(percent // 10), BUCKETS - 1)] += 1
    return buckets


@dataclass(frozen=True)
class TestRate:
    name: str
    description: str
    passed: int
    total: int

    @property
    def percent(self) -> float:
        return round(100.0 * self.passed / self.total, 1) if self.total else 0.0


def test_rates(submissions: list[Submission]) -> list[TestRate]:
    """Each test's pass rate over the done results, hardest first."""
    seen: dict[str, list[Any]] = {}
    for result in _done(submissions):
        for test in result.get("tests", []):
            entry = seen.setdefault(test["name"], [test.get("description", ""), 0, 0])
            entry[1] += test["status"] == "passed"
            entry[2] += 1
    rates = [TestRate(name, d, p, t) for name, (d, p, t) in seen.items()]
    return sorted(rates, key=lambda r: (r.percent, r.name))


def summary(session: Session, batch: Batch) -> dict[str, Any]:
    """The API's view of a batch: progress, then each submission (with its result once done)."""
    subs = members(session, batch)
    return {
        "id": batch.id,
        "challenge": batch.challenge_id,
        "name": batch.name,
        "created_at": batch.created_at.isoformat(),
        "progress": progress(subs),
        "done": all(s.status == "done" for s in subs),
        "submissions": [s.summary() for s in subs],
    }


def to_csv(submissions: list[Submission]) -> str:
    """One row per submission, the columns of ``grader batch``'s results.csv plus who and which."""
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
            row.update(
                score=f"{result['score']:g}",
                max_score=f"{result['max_score']:g}",
                percent=f"{result['percent']:g}",
                duration=f"{result['duration']:.2f}",
                failed_tests=";".join(t["name"] for t in result["tests"] if t["status"] != "passed"),
                message=(result["message"].splitlines() or [""])[0],
            )
        writer.writerow(row)
    return out.getvalue()
