"""Who is asking: API tokens (bearer) and dashboard users (password + session).

Tokens are random, shown once by ``grader admin create-token`` and stored as
their SHA-256 only: a leaked database does not leak usable tokens. Passwords
are hashed with Werkzeug's salted scrypt/pbkdf2.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from flask import g, request
from flask_login import LoginManager
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from .models import ApiToken, Team, User, utcnow

TOKEN_PREFIX = "grd_"
login_manager = LoginManager()
login_manager.login_view = "views.login"
login_manager.session_protection = "strong"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(session: Session, team: Team, name: str = "") -> tuple[ApiToken, str]:
    """Create a token for ``team``; the plain token is returned here and never again."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(team_id=team.id, name=name, prefix=token[:10], token_hash=hash_token(token))
    session.add(row)
    session.flush()
    return row, token


def team_for_token(session: Session, token: str) -> Team | None:
    """The team of a valid, unrevoked token; ``None`` for anything else."""
    digest = hash_token(token)
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
    if row is None or row.revoked_at is not None or not hmac.compare_digest(row.token_hash, digest):
        return None
    return session.get(Team, row.team_id)


def revoke_token(session: Session, token_id: int) -> bool:
    row = session.get(ApiToken, token_id)
    if row is None:
        return False
    row.revoked_at = row.revoked_at or utcnow()
    return True


def new_user(session: Session, team: Team, username: str, password: str) -> User:
    user = User(team_id=team.id, username=username, password_hash=generate_password_hash(password))
    session.add(user)
    session.flush()
    return user


def check_login(session: Session, username: str, password: str) -> User | None:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        # spend the same time as a real check, so usernames cannot be probed by timing
        check_password_hash(_DUMMY_HASH, password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


_DUMMY_HASH = generate_password_hash(secrets.token_hex(8))


@dataclass(frozen=True)
class Caller:
    """The team a request acts for (API token or logged-in user)."""

    team_id: int
    team_name: str


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def current_caller() -> Caller:
    """The caller set by the API's or the dashboard's authentication hook."""
    caller: Caller = g.caller
    return caller
