"""Webhooks: when a submission is done, POST its result to the team's callback URLs.

Deliveries are rows written in the same transaction as the result (see
:meth:`grader.service.jobs.JobStore.complete`), so a result is never done
without its calls being owed, even if the service dies right after. One
sender thread makes the calls, retrying with exponential backoff.

Each call is signed: ``X-Grader-Signature: sha256=<hex>``, the HMAC-SHA256
of the exact body with the webhook's secret (shown once, at registration).
A receiver recomputes it and compares in constant time (:func:`verify`).
Callback URLs on private, loopback or link-local addresses are refused
unless ``WEBHOOK_ALLOW_PRIVATE`` is set, so a team cannot make the service
call into its own network.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import socket
import threading
import urllib.error
import urllib.request
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import select

from ..errors import UsageError
from .db import Database
from .models import Delivery, Submission, Webhook, utcnow

log = logging.getLogger(__name__)
SIGNATURE_HEADER = "X-Grader-Signature"
MAX_ATTEMPTS = 6
TIMEOUT_SECONDS = 10.0


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not an invitation: never follow it (it could point inside)."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def sign(secret: str, body: bytes) -> str:
    """The signature header's value for ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str) -> bool:
    """What a receiver does: recompute the signature and compare in constant time."""
    return hmac.compare_digest(sign(secret, body), header)


def check_url(url: str) -> str:
    """A callback URL must be absolute http(s) with a host."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"invalid callback URL {url!r}", hint="give an absolute http:// or https:// URL")
    return url


def _private_address(host: str) -> str | None:
    """The first private/loopback address ``host`` resolves to, if any."""
    try:
        infos = socket.getaddrinfo(host, None)
    except socket.gaierror as exc:
        raise OSError(f"cannot resolve {host}: {exc}") from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if address.is_private or address.is_loopback or address.is_link_local or address.is_reserved:
            return str(address)
    return None


def backoff(attempts: int, base: float) -> timedelta:
    """Wait before attempt ``attempts + 1``: base, 2 base, 4 base ... (at most an hour)."""
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 3600))


class Sender:
    """The thread that makes owed webhook calls."""

    POLL_SECONDS = 1.0

    def __init__(self, db: Database, *, allow_private: bool, base_delay: float = 1.0) -> None:
        self.db = db
        self.allow_private = allow_private
        self.base_delay = base_delay
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="webhooks", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=TIMEOUT_SECONDS + 5)

    def _loop(self) -> None:
        while not self._stopping.is_set():
            if not self.send_due():
                self._wake.wait(self.POLL_SECONDS)
                self._wake.clear()

    def send_due(self) -> int:
        """Make every call that is due now; returns how many were attempted."""
        with self.db.session() as session:
            due = session.scalars(
                select(Delivery.id)
                .where(Delivery.status == "pending", Delivery.next_attempt_at <= utcnow())
                .order_by(Delivery.id)
                .limit(20)
            ).all()
        for delivery_id in due:
            if self._stopping.is_set():
                break
            self._attempt(delivery_id)
        return len(due)

    def _attempt(self, delivery_id: int) -> None:
        with self.db.session() as session:
            delivery = session.get_one(Delivery, delivery_id)
            hook = session.get_one(Webhook, delivery.webhook_id)
            submission = session.get_one(Submission, delivery.submission_id)
            body = json.dumps(
                {"event": "submission.done", "delivery": delivery.id, "submission": submission.summary()}
            ).encode()
            url, secret = hook.url, hook.secret
        error = self._post(url, secret, body, delivery_id)
        with self.db.session() as session:
            delivery = session.get_one(Delivery, delivery_id)
            delivery.attempts += 1
            if error is None:
                delivery.status = "delivered"
                delivery.last_error = ""
            else:
                delivery.last_error = error[:1000]
                if delivery.attempts >= MAX_ATTEMPTS or error.startswith("refused:"):
                    delivery.status = "failed"
                else:
                    delivery.next_attempt_at = utcnow() + backoff(delivery.attempts, self.base_delay)

    def _post(self, url: str, secret: str, body: bytes, delivery_id: int) -> str | None:
        """One call; ``None`` on a 2xx answer, else why it failed."""
        host = urlsplit(url).hostname or ""
        try:
            if not self.allow_private:
                private = _private_address(host)
                if private:
                    return f"refused: {host} resolves to the private address {private}"
            request = urllib.request.Request(
                url,
                data=body,
                method="POST",
                headers={
                    "Content-Type": "application/json",
                    "User-Agent": "flask-grader-webhook",
                    SIGNATURE_HEADER: sign(secret, body),
                    "X-Grader-Delivery": str(delivery_id),
                },
            )
            with _OPENER.open(request, timeout=TIMEOUT_SECONDS) as answer:
                answer.read(1024)
            return None
        except urllib.error.HTTPError as exc:
            return f"HTTP {exc.code}"
        except (OSError, ValueError) as exc:
            return str(exc) or type(exc).__name__
