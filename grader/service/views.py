"""The dashboard: server-rendered pages for hiring teams, behind a login.

Every page that shows an object looks it up with :func:`~.models.owned`, so
another team's id answers 404, as in the API.
"""

from __future__ import annotations

import json
import math
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import session as flask_session
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response as BaseResponse

from ..challenges import Challenge
from ..errors import UsageError
from . import logins, reports
from .auth import Caller, check_login, current_caller
from .catalog import private_ids, resolve_challenge, team_challenges
from .context import db_session, service
from .forms import ActionForm, ChallengeUploadForm, LoginForm, UploadForm
from .hooks_api import delivery_log
from .intake import requeue
from .models import Batch, BatchMember, Submission, Webhook, owned
from .private import team_uploads
from .similarity import team_similarity
from .source import STYLESHEET, submission_files
from .statement import render_statement

views = Blueprint(
    "views", __name__, template_folder="templates", static_folder="static", static_url_path="/static"
)


@views.before_request
def _caller() -> None:
    if current_user.is_authenticated:
        g.caller = Caller(current_user.team_id, "")


@views.app_context_processor
def _inject() -> dict[str, Any]:
    return {"action_form": ActionForm()}


def _wake() -> None:
    runner = service().runner
    if runner is not None:
        runner.wake()


def team_challenge(challenge_id: str) -> Challenge:
    """The challenge as the caller's team sees it (built-in or its own; see :mod:`.catalog`)."""
    return resolve_challenge(db_session(), service().data_dir, current_caller().team_id, challenge_id)


def team_challenge_list() -> list[Challenge]:
    """Every challenge the caller's team may use."""
    return team_challenges(db_session(), service().data_dir, current_caller().team_id)


def _challenge_or_404(challenge_id: str) -> Challenge:
    try:
        return team_challenge(challenge_id)
    except UsageError:
        abort(404)


@views.route("/login", methods=["GET", "POST"])
def login() -> str | tuple[str, int, dict[str, str]] | BaseResponse:
    """Log in, throttled per account and per address (see :mod:`.logins`)."""
    form = LoginForm()
    if form.validate_on_submit():
        session = db_session()
        username = form.username.data or ""
        address = request.remote_addr or ""
        if logins.locked_for(session, username, address) <= 0:
            user = check_login(session, username, form.password.data or "")
            if user is not None:
                logins.record_success(session, username)
                token = logins.open_session(session, user, float(current_app.config["SESSION_HOURS"]))
                session.commit()
                flask_session.clear()
                flask_session["sid"] = token
                login_user(user)
                return redirect(url_for("views.challenges"))
        # a wrong password, or any attempt while locked (not even checked): the lock grows
        try:
            wait = logins.record_failure(session, username, address, service().login_policy)
            session.commit()
        except IntegrityError:  # a parallel attempt created the same counter first: count again
            session.rollback()
            wait = logins.record_failure(session, username, address, service().login_policy)
            session.commit()
        if wait <= 0:
            flash("wrong username or password", "error")
            return render_template("login.html", form=form)
        seconds = max(1, math.ceil(wait))
        flash(f"too many failed logins for this account or address: wait {seconds} s and try again", "error")
        return render_template("login.html", form=form), 429, {"Retry-After": str(seconds)}
    return render_template("login.html", form=form)


@views.post("/logout")
@login_required
def logout() -> BaseResponse:
    """Log out: the session row is deleted, so a copy of the cookie stops working too."""
    if ActionForm().validate_on_submit():
        logins.close_session(db_session(), flask_session.get("sid"))
        db_session().commit()
        logout_user()
        flask_session.clear()
    return redirect(url_for("views.login"))


@views.get("/")
@login_required
def index() -> BaseResponse:
    return redirect(url_for("views.challenges"))


def _stats(team_id: int) -> dict[str, dict[str, Any]]:
    """Per challenge: submissions, graded, passed, the pass rate, outdated (graded under an older version).

    The pass rate divides by the graded submissions, as the batch page and
    report.html do: an ``error`` (could not be graded) has no score, and a
    re-upload of code already submitted (``same_as``) is counted once.
    """
    stats: dict[str, dict[str, Any]] = {}
    rows = db_session().execute(
        select(
            Submission.challenge_id,
            Submission.status,
            Submission.challenge_version,
            Submission.result,
            Submission.same_as_id,
        ).where(Submission.team_id == team_id)
    )
    versions = {c.id: c.version for c in team_challenge_list()}
    for challenge_id, status, version, result, same_as in rows:
        entry = stats.setdefault(challenge_id, {"count": 0, "graded": 0, "passed": 0, "outdated": 0})
        entry["count"] += 1
        if status == "done" and result:
            entry["outdated"] += version != versions.get(challenge_id, version)
            if result.get("status") != "error" and same_as is None:
                entry["graded"] += 1
                entry["passed"] += result.get("status") == "passed"
    for entry in stats.values():
        entry["pass_rate"] = round(100.0 * entry["passed"] / entry["graded"], 1) if entry["graded"] else None
    return stats


@views.get("/challenges")
@login_required
def challenges() -> str:
    team_id = current_caller().team_id
    return render_template(
        "challenges.html",
        challenges=team_challenge_list(),
        stats=_stats(team_id),
        private=private_ids(db_session(), team_id),
        uploads=team_uploads(db_session(), team_id, limit=20),
        form=ChallengeUploadForm(),
    )


@views.get("/challenges/<challenge_id>")
@login_required
def challenge(challenge_id: str) -> str:
    found = _challenge_or_404(challenge_id)
    team_id = current_caller().team_id
    outdated = db_session().scalars(
        select(Submission).where(
            Submission.team_id == team_id,
            Submission.challenge_id == found.id,
            Submission.status == "done",
            Submission.challenge_version != found.version,
        )
    )
    return render_template(
        "challenge.html",
        challenge=found,
        statement=render_statement(found.statement.read_text(encoding="utf-8")),
        stats=_stats(team_id).get(found.id, {"count": 0, "pass_rate": None, "outdated": 0}),
        outdated=list(outdated),
        similarity=team_similarity(db_session(), team_id, found),
    )


@views.post("/challenges/<challenge_id>/regrade")
@login_required
def regrade_outdated(challenge_id: str) -> BaseResponse:
    """Grade again every done submission graded under an older version of the challenge."""
    if not ActionForm().validate_on_submit():
        abort(400)
    found = _challenge_or_404(challenge_id)
    session = db_session()
    stale = session.scalars(
        select(Submission).where(
            Submission.team_id == current_caller().team_id,
            Submission.challenge_id == found.id,
            Submission.status == "done",
            Submission.challenge_version != found.version,
        )
    ).all()
    queued = sum(requeue(session, submission) for submission in stale)
    session.commit()
    _wake()
    flash(f"{queued} submission(s) queued for grading against version {found.version}", "info")
    return redirect(url_for("views.challenge", challenge_id=found.id))


@views.route("/upload", methods=["GET", "POST"])
@login_required
def upload() -> str | tuple[str, int] | BaseResponse:
    form = UploadForm()
    form.challenge.choices = [(c.id, f"{c.title} ({c.id})") for c in team_challenge_list()]
    if form.validate_on_submit():
        intake = service().intake
        session = db_session()
        team_id = current_caller().team_id
        try:
            challenge = team_challenge(form.challenge.data or "")
            path, client_name = intake.save_upload(form.file.data)
            try:
                if form.kind.data == "batch":
                    batch = intake.add_batch_archive(
                        session, team_id, challenge, path, client_name, bool(form.regrade.data)
                    )
                else:
                    submission = intake.add(
                        session, team_id, challenge, path, client_name,
                        candidate=form.candidate.data or "", regrade=bool(form.regrade.data),
                    )  # fmt: skip
            finally:
                intake.discard(path)
        except UsageError as exc:
            session.rollback()
            flash(exc.format(), "error")
            return render_template("upload.html", form=form), 400
        session.commit()
        _wake()
        if form.kind.data == "batch":
            return redirect(url_for("views.batch", batch_id=batch.id))
        return redirect(url_for("views.submission", submission_id=submission.id))
    return render_template("upload.html", form=form)


@views.get("/batches")
@login_required
def batches() -> str:
    team_id = current_caller().team_id
    rows = db_session().execute(
        select(Batch, func.count())
        .join(BatchMember, BatchMember.batch_id == Batch.id)
        .where(Batch.team_id == team_id)
        .group_by(Batch.id)
        .order_by(Batch.id.desc())
    )
    return render_template("batches.html", batches=list(rows))


def _owned_batch(batch_id: int) -> Batch:
    found = owned(db_session(), Batch, batch_id, current_caller().team_id)
    if found is None:
        abort(404)
    return found


@views.get("/batches/<int:batch_id>")
@login_required
def batch(batch_id: int) -> str:
    found = _owned_batch(batch_id)
    subs = reports.members(db_session(), found)
    challenge = _challenge_or_404(found.challenge_id)
    return render_template(
        "batch.html",
        batch=found,
        challenge=challenge,
        submissions=subs,
        progress=reports.progress(subs),
        distribution=reports.distribution(subs),
        rates=reports.test_rates(subs),
        similarity=team_similarity(db_session(), found.team_id, challenge),
    )


@views.get("/batches/<int:batch_id>/progress.json")
@login_required
def batch_progress(batch_id: int) -> Response:
    subs = reports.members(db_session(), _owned_batch(batch_id))
    counts = reports.progress(subs)
    return jsonify({**counts, "finished": counts["done"] == counts["total"]})


@views.get("/batches/<int:batch_id>/results.csv")
@login_required
def batch_csv(batch_id: int) -> Response:
    found = _owned_batch(batch_id)
    similarity = team_similarity(db_session(), found.team_id, team_challenge(found.challenge_id))
    text = reports.to_csv(reports.members(db_session(), found), similarity)
    headers = {"Content-Disposition": f'attachment; filename="batch-{found.id}.csv"'}
    return Response(text, mimetype="text/csv", headers=headers)


@views.get("/batches/<int:batch_id>/results.json")
@login_required
def batch_json(batch_id: int) -> Response:
    found = _owned_batch(batch_id)
    similarity = team_similarity(db_session(), found.team_id, team_challenge(found.challenge_id))
    text = json.dumps(reports.summary(db_session(), found, similarity), indent=2)
    headers = {"Content-Disposition": f'attachment; filename="batch-{found.id}.json"'}
    return Response(text, mimetype="application/json", headers=headers)


def _owned_submission(submission_id: int) -> Submission:
    found = owned(db_session(), Submission, submission_id, current_caller().team_id)
    if found is None:
        abort(404)
    return found


@views.get("/submissions/<int:submission_id>")
@login_required
def submission(submission_id: int) -> str:
    found = _owned_submission(submission_id)
    challenge = _challenge_or_404(found.challenge_id)
    shown = submission_files(db_session(), service().data_dir, found.stored_path, found.content_hash)
    return render_template(
        "submission.html",
        submission=found,
        result=found.grade_result() if found.status == "done" else None,
        challenge=challenge,
        shown=shown,
        pygments_css=STYLESHEET,
        similar=team_similarity(db_session(), found.team_id, challenge).best(found.id),
    )


@views.post("/submissions/<int:submission_id>/regrade")
@login_required
def regrade(submission_id: int) -> BaseResponse:
    found = _owned_submission(submission_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if requeue(db_session(), found):
        db_session().commit()
        _wake()
    return redirect(url_for("views.submission", submission_id=found.id))


@views.get("/webhooks")
@login_required
def webhooks() -> str:
    """The team's webhooks and each one's latest deliveries with every attempt."""
    hooks = (
        db_session()
        .scalars(select(Webhook).where(Webhook.team_id == current_caller().team_id).order_by(Webhook.id))
        .all()
    )
    return render_template("webhooks.html", hooks=[(h, delivery_log(h.id, limit=20)) for h in hooks])


@views.get("/webhooks/<int:webhook_id>")
@login_required
def webhook(webhook_id: int) -> str:
    found = owned(db_session(), Webhook, webhook_id, current_caller().team_id)
    if found is None:
        abort(404)
    return render_template("webhooks.html", hooks=[(found, delivery_log(found.id))])
