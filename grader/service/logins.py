"""Dashboard logins: throttled password checks and sessions that end on the server.

**Throttle.** Failed logins are counted per account (``user:<name>``, also
for names that do not exist, so probing looks the same) and per client
address (``addr:<ip>``). After :data:`Policy.free_account` failures of an
account (or :data:`Policy.free_address` from one address), that key is
locked for ``base`` seconds, doubled at each further failure up to ``cap``.
While locked every attempt is refused without even checking the password
(HTTP 429, ``Retry-After``, and a message saying how long to wait) and
counts as one more failure, so hammering only lengthens the lock. A success
clears the account's count; an address's count is forgotten after
``forget`` seconds without failures.

**Sessions.** Logging in creates a :class:`~.models.LoginSession` row; the
signed cookie holds its random token (only its SHA-256 is stored). Every
request checks the row exists and has not expired, so logging out (which
deletes the row) ends the session for every copy of the cookie, and a
session ends after ``SESSION_HOURS`` whatever the cookie says.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .models import LoginSession, LoginThrottle, User, utcnow


@dataclass(frozen=True)
class Policy:
    """How many failures are free and how the lock grows (from ``LOGIN_*`` settings)."""

    free_account: int = 5
    free_address: int = 20
    base: float = 2.0
    cap: float = 900.0
    forget: float = 3600.0


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _keys(username: str, address: str) -> list[tuple[str, bool]]:
    """The throttle keys of an attempt, and whether each is an account key."""
    return [("user:" + username.strip().lower()[:150], True), ("addr:" + (address or "unknown")[:150], False)]


def locked_for(session: Session, username: str, address: str) -> float:
    """Seconds to wait before this account may be tried again from this address (0: go ahead)."""
    now = utcnow()
    wait = 0.0
    for key, _ in _keys(username, address):
        row = session.get(LoginThrottle, key)
        if row is not None and row.locked_until is not None:
            wait = max(wait, (_aware(row.locked_until) - now).total_seconds())
    return wait


def record_failure(session: Session, username: str, address: str, policy: Policy) -> float:
    """Count a failed attempt on both keys; returns the lock it starts (0 if still free)."""
    now = utcnow()
    lock = 0.0
    for key, is_account in _keys(username, address):
        row = session.get(LoginThrottle, key)
        if row is None:
            row = LoginThrottle(key=key, failures=0, last_failure_at=now)
            session.add(row)
        elif (now - _aware(row.last_failure_at)).total_seconds() > policy.forget:
            row.failures = 0
        row.failures += 1
        row.last_failure_at = now
        free = policy.free_account if is_account else policy.free_address
        if row.failures >= free:
            seconds = min(policy.base * 2 ** (row.failures - free), policy.cap)
            row.locked_until = now + timedelta(seconds=seconds)
            lock = max(lock, seconds)
    session.flush()
    _forget_old(session, policy, keep=[key for key, _ in _keys(username, address)])
    return lock


def _forget_old(session: Session, policy: Policy, keep: list[str]) -> None:
    """Drop counters that are neither locked nor recent (made-up names must not pile up)."""
    now = utcnow()
    session.execute(
        delete(LoginThrottle).where(
            LoginThrottle.key.not_in(keep),
            LoginThrottle.last_failure_at < now - timedelta(seconds=policy.forget),
            (LoginThrottle.locked_until.is_(None)) | (LoginThrottle.locked_until < now),
        ),
        execution_options={"synchronize_session": False},  # the rows this request loaded are kept
    )


def record_success(session: Session, username: str) -> None:
    """The right password: the account starts afresh (the address's count stays)."""
    key, _ = _keys(username, "")[0]
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == key))


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, user: User, hours: float) -> str:
    """A new server-side session for ``user``; returns the token to keep in the cookie."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.execute(
        delete(LoginSession).where(LoginSession.user_id == user.id, LoginSession.expires_at < now)
    )
    session.add(
        LoginSession(
            user_id=user.id, token_hash=_hash(token), created_at=now, expires_at=now + timedelta(hours=hours)
        )
    )
    session.flush()
    return token


def session_user(session: Session, user_id: int, token: str | None) -> User | None:
    """The user of a live session: the row exists, matches the user and has not expired."""
    if not token:
        return None
    row = session.scalar(select(LoginSession).where(LoginSession.token_hash == _hash(token)))
    if row is None or row.user_id != user_id or _aware(row.expires_at) <= utcnow():
        return None
    return session.get(User, user_id)


def close_session(session: Session, token: str | None) -> None:
    """End a session on the server: every copy of its cookie stops working."""
    if token:
        session.execute(delete(LoginSession).where(LoginSession.token_hash == _hash(token)))
