"""The dashboard's side-by-side view of two similar submissions (routes on the ``views`` blueprint).

A page of its own module so that :mod:`.views` stays one screenful of
routes; the analysis is :mod:`.similarity`'s. Both submissions must be the
caller's team's, and of the same challenge: anything else answers 404.
"""

from __future__ import annotations

from flask import abort, render_template, request
from flask_login import login_required

from .auth import current_caller
from .context import db_session
from .models import MAX_ID, Submission, owned
from .similarity import team_similarity
from .views import team_challenge, views


def _other_id() -> int | None:
    """``?to=<id>``: the submission to compare with (absent: the closest one)."""
    raw = request.args.get("to")
    if raw is None:
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_ID:
        abort(404)
    return int(raw)


@views.get("/submissions/<int:submission_id>/similar")
@login_required
def similar(submission_id: int) -> str:
    """A submission beside another of the team's (``?to=``) or its closest: the matching fragments."""
    found = owned(db_session(), Submission, submission_id, current_caller().team_id)
    if found is None:
        abort(404)
    challenge = team_challenge(found.challenge_id)  # a private one included
    analysis = team_similarity(db_session(), found.team_id, challenge)
    wanted = _other_id()
    other: Submission | None
    if wanted is None:
        best = analysis.best(found.id)
        other = best[1] if best else None
    else:
        other = analysis.submissions.get(wanted)  # the team's own submissions to this challenge only
        if other is None or other.id == found.id:
            abort(404)
    pair = analysis.pair(found.id, other.id) if other is not None else None
    left, right = found, other
    if pair is not None:
        left, right = analysis.submissions[int(pair.a)], analysis.submissions[int(pair.b)]
    identical = right is not None and bool(left.content_hash) and left.content_hash == right.content_hash
    return render_template(
        "similar.html",
        submission=found,
        challenge=challenge,
        similarity=analysis,
        other=other,
        pair=pair,
        left=left,
        right=right,
        identical=identical,
        others=analysis.partners(found.id),
    )
