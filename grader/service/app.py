"""``create_app()``: the service's Flask application, configured from ``GRADER_*``.

Configuration (``app.config.from_prefixed_env("GRADER")``, so
``GRADER_SANDBOX=local`` sets ``SANDBOX``; JSON values are parsed):

=====================  ==========================================================
``DATA_DIR``           data folder: SQLite database, uploads, secret key (``./grader-data``)
``DATABASE_URL``       SQLAlchemy URL; the plain ``DATABASE_URL`` variable wins (PostgreSQL)
``SANDBOX``            ``docker`` (default) or ``local`` (trusted code only)
``WORKERS``            grading threads (default: one per core)
``MAX_UPLOAD_MB``      largest upload accepted (default 20); a request body may be 64 KiB more
``MAX_QUEUED_JOBS``    gradings a team may have queued or running; uploads past it answer 429 (default 200)
``UPLOAD_STAGING_MB``  MiB one upload may unpack over all its stagings, batch members included (default 256)
``UPLOAD_STAGING_SECONDS``  time one upload may spend unpacking, over all its stagings (default 120)
``SECRET_KEY``         session signing key (default: generated once into the data folder)
``START_JOBS``         run the job runner in this process (default true)
``VERIFY_SECONDS``     longest verification of an uploaded private challenge; past it, refused (default 600)
``WEBHOOK_ALLOW_PRIVATE``  allow webhook URLs on private or loopback addresses (default false)
``WEBHOOK_RETRY_SECONDS``  first retry delay of a failed webhook call, doubled each time (default 5)
``WEBHOOK_DEADLINE_SECONDS``  total time one webhook call may take, connecting included (default 10)
``SESSION_HOURS``      a dashboard login ends after this long, or at logout (default 12)
``LOGIN_FREE_ATTEMPTS``  failed logins of one account before it is locked (default 5; 20 per address)
``LOGIN_LOCK_SECONDS``  first lock after too many failures, doubled each time (default 2, at most 900)
``SESSION_COOKIE_SECURE``  set behind HTTPS
``INVITE_SUBMISSIONS_PER_MINUTE``  submissions one invitation may send in a minute (default 3)
=====================  ==========================================================
"""

from __future__ import annotations

import functools
import os
import re
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, Request, Response, g, request
from flask import session as flask_session
from flask_wtf.csrf import CSRFProtect
from werkzeug.exceptions import BadRequest, HTTPException
from werkzeug.formparser import FormDataParser

from ..grading import grade_safely
from ..sandbox import make_sandbox
from ..submission import shown
from . import (
    datadir,
    hooks_api,  # noqa: F401 - registers the webhook routes on the API blueprint
    invitations_api,  # noqa: F401 - registers the invitation and candidate routes on the API blueprint
    lists_api,  # noqa: F401 - registers the list routes on the API blueprint
    private_api,  # noqa: F401 - registers the private challenge routes on the API blueprint
    private_views,  # noqa: F401 - registers the private challenge pages on the dashboard
)
from .api import api, problem
from .auth import login_manager
from .bodylimit import body_limit
from .candidate_api import candidate_api, refuse_invitation_tokens
from .candidate_page import candidate_page
from .candidates_views import candidates_views
from .context import Service, db_session, service
from .db import Database, sqlite_url
from .delivery import Sender
from .intake import Intake, Limits
from .jobs import JobRunner, JobStore, ThreadRunner, sweep, worker_name
from .logins import Policy, session_user
from .models import User
from .private_verify import Verifier
from .sealing import SecretBox
from .similar_views import similar  # noqa: F401 - adds the side-by-side page to `views`
from .views import views

__all__ = ["Service", "create_app", "db_session", "service"]

csrf = CSRFProtect()

DEFAULTS: dict[str, Any] = {
    "DATA_DIR": "grader-data",
    "SANDBOX": "docker",
    "WORKERS": os.cpu_count() or 1,
    "MAX_UPLOAD_MB": 20,
    "MAX_QUEUED_JOBS": 200,
    "UPLOAD_STAGING_MB": 256,
    "UPLOAD_STAGING_SECONDS": 120.0,
    "START_JOBS": True,
    "VERIFY_SECONDS": 600.0,
    "WEBHOOK_ALLOW_PRIVATE": False,
    "WEBHOOK_RETRY_SECONDS": 5.0,
    "WEBHOOK_DEADLINE_SECONDS": 10.0,
    "SESSION_HOURS": 12.0,
    "LOGIN_FREE_ATTEMPTS": 5,
    "LOGIN_FREE_PER_ADDRESS": 20,
    "LOGIN_LOCK_SECONDS": 2.0,
    "LOGIN_LOCK_MAX_SECONDS": 900.0,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,
    "INVITE_SUBMISSIONS_PER_MINUTE": 3,
}


def _secret_key(data_dir: Path) -> str:
    """A key generated once per data folder, readable only by the service's user."""
    path = data_dir / "secret_key"
    if not path.exists():
        with datadir.private_file(path) as handle:
            handle.write(secrets.token_hex(32).encode())
    return path.read_text().strip()


class ServiceRequest(Request):
    """A request whose unreadable multipart body is a 400 naming the field, not an empty form.

    Werkzeug drops the whole form silently when a part's headers are not
    UTF-8 (a file named in Latin-1), so the upload then looked like one
    without a challenge: a misleading 404 "unknown challenge ''".
    """

    def make_form_data_parser(self) -> FormDataParser:
        parser = super().make_form_data_parser()
        parser.silent = False
        return parser

    def _load_form_data(self) -> None:
        try:
            super()._load_form_data()
        except UnicodeDecodeError as exc:
            raise BadRequest(_undecodable(exc)) from None
        except ValueError:
            raise BadRequest("the form could not be read: send a valid multipart/form-data body") from None


def _undecodable(exc: UnicodeDecodeError) -> str:
    """Which field's headers are not UTF-8 (its ``name=`` is ASCII in practice)."""
    header = bytes(exc.object).decode("latin-1")
    field = re.search(r'\bname="([^"]*)"', header)
    name = f"`{shown(field.group(1), 40)}`" if field else "a field"
    return f"{name}: its headers (the file name) are not UTF-8: rename the file in UTF-8 and send it again"


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the app: config, database (migrated to the newest schema), blueprints, executors."""
    app = Flask(__name__)
    app.config.update(DEFAULTS)
    app.config.from_prefixed_env("GRADER")
    if os.environ.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = os.environ["DATABASE_URL"]
    app.config.update(overrides or {})
    app.request_class = ServiceRequest
    data_dir = Path(app.config["DATA_DIR"]).resolve()
    url = app.config.get("DATABASE_URL") or sqlite_url(data_dir)
    datadir.secure(data_dir, data_dir / "grader.db" if url == sqlite_url(data_dir) else None)
    scratch = datadir.process_scratch(data_dir, create=bool(app.config["START_JOBS"]))
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(data_dir)
    app.config["MAX_CONTENT_LENGTH"] = body_limit(float(app.config["MAX_UPLOAD_MB"]))
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=float(app.config["SESSION_HOURS"]))
    db = Database(url)
    db.upgrade()
    box = SecretBox.for_data_dir(data_dir)
    with db.session() as session:
        box.seal_all(session)
    limits = Limits(
        int(app.config["MAX_QUEUED_JOBS"]),
        int(float(app.config["UPLOAD_STAGING_MB"]) * 2**20),
        float(app.config["UPLOAD_STAGING_SECONDS"]),
    )
    runner: JobRunner | None = None
    sender: Sender | None = None
    verifier: Verifier | None = None
    if app.config["START_JOBS"]:
        verifier = Verifier(
            db, data_dir, scratch, str(app.config["SANDBOX"]), float(app.config["VERIFY_SECONDS"])
        )
        sender = Sender(
            db,
            box,
            allow_private=bool(app.config["WEBHOOK_ALLOW_PRIVATE"]),
            base_delay=float(app.config["WEBHOOK_RETRY_SECONDS"]),
            deadline=float(app.config["WEBHOOK_DEADLINE_SECONDS"]),
        )
        store = JobStore(db, data_dir, worker_name())
        sandbox = make_sandbox(str(app.config["SANDBOX"]), at_once=int(app.config["WORKERS"]))
        sweep(data_dir, sandbox)
        runner = ThreadRunner(
            store,
            sandbox,
            int(app.config["WORKERS"]),
            grade_fn=functools.partial(grade_safely, scratch=scratch),
            on_done=sender.wake,
        )
    policy = Policy(
        free_account=int(app.config["LOGIN_FREE_ATTEMPTS"]),
        free_address=int(app.config["LOGIN_FREE_PER_ADDRESS"]),
        base=float(app.config["LOGIN_LOCK_SECONDS"]),
        cap=float(app.config["LOGIN_LOCK_MAX_SECONDS"]),
    )
    app.extensions["grader"] = Service(
        data_dir, db, Intake(data_dir, scratch, limits), runner, sender, box, policy, verifier
    )

    # first of all hooks (CSRF, logins, every blueprint's own authentication): a token opens nothing else
    app.before_request(refuse_invitation_tokens)
    login_manager.init_app(app)
    csrf.init_app(app)
    csrf.exempt(api)  # bearer tokens, no cookies: nothing for a forged form to ride on
    csrf.exempt(candidate_api)  # the token is in the URL, no cookie: a forged form would need it
    app.register_blueprint(api)
    app.register_blueprint(candidate_api)
    app.register_blueprint(views)
    app.register_blueprint(candidate_page)
    app.register_blueprint(candidates_views)
    app.teardown_appcontext(_close_session)
    app.after_request(_security_headers)
    app.register_error_handler(HTTPException, _http_error)
    if runner is not None and sender is not None:
        runner.start()
        sender.start()
    if verifier is not None:
        verifier.start()
    return app


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    """The user only while their server-side session lives (logout deletes it)."""
    if not user_id.isdigit():
        return None
    return session_user(db_session(), int(user_id), flask_session.get("sid"))


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if response.mimetype == "text/html":
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
        )
    return response


def _http_error(exc: HTTPException) -> Response | HTTPException:
    """API paths answer problem details; the dashboard keeps Werkzeug's pages."""
    if request.path.startswith(("/api/", "/i/")):
        return problem(exc.code or 500, exc.name, exc.description or "")
    return exc
