"""The API's list routes (submissions, batches, candidates): paginated, filtered, team-scoped.

Every query starts from the caller's team (``team_id == caller``), so
another team's objects never appear, not even in ``total``. Pages are
numbered (``page``, ``per_page`` up to :data:`MAX_PER_PAGE`), newest first,
with the total count of matches. Every query parameter is checked: an
unknown one or a bad value answers 400 with a problem body naming the
``field``, never an unfiltered list that looks like an answer.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import Response, jsonify, request
from sqlalchemy import ColumnElement, Select, exists, func, or_, select
from sqlalchemy.orm import Session

from . import reports
from .api import api, invalid
from .auth import current_caller
from .context import db_session
from .models import (
    MAX_ID,
    STATUSES,
    Batch,
    BatchMember,
    CandidateRecord,
    ReviewStatus,
    Submission,
    rfc3339,
)

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
VERDICTS = ("passed", "failed", "error")
#: ``status`` of a submission: its state, or (done with) its verdict
SUBMISSION_STATUSES = (*STATUSES, *VERDICTS)
#: ``status`` of a batch: every member done, or not yet
BATCH_STATUSES = ("done", "pending")
_COMMON = ("page", "per_page", "challenge", "status", "candidate", "external_id", "created_after")
#: longest text filter accepted (the columns hold at most 200 characters)
MAX_TEXT = 200


def _whole(field: str, default: int, top: int) -> int:
    raw = request.args.get(field)
    if raw is None:
        return default
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= top:
        raise invalid(f"`{field}` must be a whole number from 1 to {top}", field)
    return int(raw)


def _text(field: str) -> str | None:
    raw = request.args.get(field)
    if raw is not None and (not raw or len(raw) > MAX_TEXT):
        raise invalid(f"`{field}` must be 1 to {MAX_TEXT} characters (leave it out to list all)", field)
    return raw


def _choice(field: str, allowed: tuple[str, ...]) -> str | None:
    raw = request.args.get(field)
    if raw is not None and raw not in allowed:
        raise invalid(f"`{field}` must be one of {', '.join(allowed)}, not {raw[:50]!r}", field)
    return raw


def created_after() -> datetime | None:
    """``created_after`` as an aware time; it must carry its offset (a bare time is ambiguous)."""
    raw = request.args.get("created_after")
    if raw is None:
        return None
    try:
        parsed = datetime.fromisoformat(raw) if len(raw) <= 64 else None
        # a time without an offset is ambiguous: refused, never read as the server's local time
        moment = parsed.astimezone(UTC) if parsed is not None and parsed.tzinfo is not None else None
    except (ValueError, OverflowError):  # not a time, or one whose UTC falls outside years 1-9999
        moment = None
    if moment is None:
        # a space is often a "+" the client did not encode, which turned the offset into garbage
        hint = " (encode '+' as %2B in a query string)" if " " in raw else ""
        raise invalid(
            f"`created_after` must be an RFC 3339 time with its offset, such as 2026-12-04T10:00:00Z{hint}",
            "created_after",
        )
    return moment  # in UTC, as stored (SQLite compares times as text)


def _known_params(allowed: tuple[str, ...] = _COMMON) -> None:
    for name in request.args:
        if name not in allowed:
            shown = name[:50]
            raise invalid(f"unknown query parameter `{shown}`: filter with {', '.join(allowed[2:])}", shown)


def _page(session: Session, query: Select[Any], order: Any) -> tuple[list[Any], dict[str, int]]:
    """One page of ``query`` (newest first) and the page fields of the answer."""
    page = _whole("page", 1, MAX_ID)
    per_page = _whole("per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = list(session.scalars(query.order_by(order.desc()).limit(per_page).offset((page - 1) * per_page)))
    return rows, {"total": total, "page": page, "per_page": per_page}


def _verdict() -> ColumnElement[str]:
    return Submission.result["status"].as_string()


def _submission_filters(team_id: int) -> list[ColumnElement[bool]]:
    """The ``WHERE`` of a submission list: the team first, then each filter given."""
    where: list[ColumnElement[bool]] = [Submission.team_id == team_id]
    status = _choice("status", SUBMISSION_STATUSES)
    if status in STATUSES:
        where.append(Submission.status == status)
    elif status is not None:
        where += [Submission.status == "done", _verdict() == status]
    fields: dict[str, Callable[[str], ColumnElement[bool]]] = {
        "challenge": lambda v: Submission.challenge_id == v,
        "candidate": lambda v: Submission.candidate == v,
        "external_id": lambda v: Submission.external_id == v,
    }
    for field, condition in fields.items():
        value = _text(field)
        if value is not None:
            where.append(condition(value))
    after = created_after()
    if after is not None:
        where.append(Submission.created_at > after)
    return where


def submission_item(submission: Submission) -> dict[str, Any]:
    """A submission in a list: its summary without the (possibly long) result, plus verdict and score."""
    item = submission.summary()
    result = item.pop("result")
    item["verdict"] = result.get("status") if result else None
    item["percent"] = result.get("percent") if result else None
    return item


@api.get("/submissions")
def list_submissions() -> Response:
    _known_params()
    session = db_session()
    query = select(Submission).where(*_submission_filters(current_caller().team_id))
    rows, page = _page(session, query, Submission.id)
    return jsonify({"items": [submission_item(s) for s in rows], **page})


def _member_where(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    """The batch has a member submission meeting ``conditions``."""
    return exists().where(
        BatchMember.batch_id == Batch.id, Submission.id == BatchMember.submission_id, *conditions
    )


def _batch_filters(team_id: int) -> list[ColumnElement[bool]]:
    """The ``WHERE`` of a batch list (``candidate``, ``external_id``: batches holding such a submission)."""
    where: list[ColumnElement[bool]] = [Batch.team_id == team_id]
    status = _choice("status", BATCH_STATUSES)
    if status is not None:
        pending = _member_where(Submission.status != "done")
        where.append(~pending if status == "done" else pending)
    challenge = _text("challenge")
    if challenge is not None:
        where.append(Batch.challenge_id == challenge)
    for field, column in (("candidate", Submission.candidate), ("external_id", Submission.external_id)):
        value = _text(field)
        if value is not None:
            where.append(_member_where(column == value))
    after = created_after()
    if after is not None:
        where.append(Batch.created_at > after)
    return where


def _progress_by_batch(session: Session, batch_ids: list[int]) -> dict[int, dict[str, int]]:
    """Each batch's progress counts in one query (states and verdicts only, not whole results)."""
    rows = session.execute(
        select(BatchMember.batch_id, Submission.status, _verdict())
        .join(Submission, Submission.id == BatchMember.submission_id)
        .where(BatchMember.batch_id.in_(batch_ids))
    )
    members: dict[int, list[tuple[str, str | None]]] = {i: [] for i in batch_ids}
    for batch_id, status, verdict in rows:
        members[batch_id].append((status, verdict))
    return {i: reports.tally(pairs) for i, pairs in members.items()}


@api.get("/batches")
def list_batches() -> Response:
    _known_params()
    session = db_session()
    query = select(Batch).where(*_batch_filters(current_caller().team_id))
    rows, page = _page(session, query, Batch.id)
    progress = _progress_by_batch(session, [b.id for b in rows])
    items = [
        {
            "id": b.id,
            "challenge": b.challenge_id,
            "name": b.name,
            "created_at": rfc3339(b.created_at),
            "progress": progress[b.id],
            "done": progress[b.id]["done"] == progress[b.id]["total"],
        }
        for b in rows
    ]
    return jsonify({"items": items, **page})


_CANDIDATE_PARAMS = ("page", "per_page", "q", "email", "external_id", "review_status", "created_after")


def _like(value: str) -> str:
    """``value`` as a LIKE pattern matching it anywhere, its own ``%`` and ``_`` taken literally."""
    escaped = value.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _candidate_filters(team_id: int) -> list[ColumnElement[bool]]:
    """``q`` searches name, e-mail and external id (case-insensitive); the others match exactly."""
    where: list[ColumnElement[bool]] = [CandidateRecord.team_id == team_id]
    query = _text("q")
    if query is not None:
        pattern = _like(query)
        where.append(
            or_(
                func.lower(CandidateRecord.name).like(pattern, escape="\\"),
                func.lower(CandidateRecord.email).like(pattern, escape="\\"),
                func.lower(CandidateRecord.external_id).like(pattern, escape="\\"),
            )
        )
    email = _text("email")
    if email is not None:
        where.append(func.lower(CandidateRecord.email) == email.lower())
    external_id = _text("external_id")
    if external_id is not None:
        where.append(CandidateRecord.external_id == external_id)
    status = _choice("review_status", tuple(s.value for s in ReviewStatus))
    if status is not None:
        where.append(CandidateRecord.review_status == status)
    after = created_after()
    if after is not None:
        where.append(CandidateRecord.created_at > after)
    return where


@api.get("/candidates")
def list_candidates() -> Response:
    _known_params(_CANDIDATE_PARAMS)
    session = db_session()
    query = select(CandidateRecord).where(*_candidate_filters(current_caller().team_id))
    rows, page = _page(session, query, CandidateRecord.id)
    return jsonify({"items": [c.summary() for c in rows], **page})
