"""The running service and the request's database session: what every blueprint reads.

A module of its own so that the blueprints (``api``, ``hooks_api``,
``views``) and the body gate never import :mod:`.app`, which imports them:
the app factory sits on top, and nothing below it reaches back up.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import current_app, g
from sqlalchemy.orm import Session

from .db import Database
from .delivery import Sender
from .intake import Intake
from .jobs import JobRunner
from .logins import Policy
from .private_verify import Verifier
from .sealing import SecretBox


@dataclass
class Service:
    """What one running service holds besides Flask: the database, uploads, the executors."""

    data_dir: Path
    db: Database
    intake: Intake
    runner: JobRunner | None
    sender: Sender | None
    box: SecretBox
    login_policy: Policy
    #: verifies uploaded private challenges in the background (None when jobs do not run here)
    verifier: Verifier | None = None

    def stop(self) -> None:
        if self.verifier is not None:
            self.verifier.stop()
        if self.runner is not None:
            self.runner.stop()
        if self.sender is not None:
            self.sender.stop()


def service() -> Service:
    found: Service = current_app.extensions["grader"]
    return found


def db_session() -> Session:
    """The request's session (closed when the request ends)."""
    if "db_session" not in g:
        g.db_session = service().db.sessions()
    session: Session = g.db_session
    return session
