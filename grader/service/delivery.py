"""The webhook sender: owed calls, one queue per team, every attempt logged.

Deliveries are rows written in the same transaction as the result (see
:meth:`grader.service.jobs.JobStore.complete`), so a result is never done
without its calls being owed, even if the service dies right after.

Each team has its own queue: one thread per team with calls due (at most
:data:`MAX_TEAM_THREADS` at once) makes that team's calls one after the
other, oldest first. A slow or hanging receiver therefore delays only its own
team's calls, and each call is bounded by the total deadline of
:func:`.webhooks.post`. Failed calls are retried with exponential backoff
(:data:`MAX_ATTEMPTS` in all); every attempt is a row of the webhook's
delivery log (:class:`~.models.DeliveryAttempt`).
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

from sqlalchemy import select

from . import events
from .db import Database
from .models import Delivery, DeliveryAttempt, Webhook, utcnow
from .sealing import SecretBox
from .webhooks import DEADLINE_SECONDS, SIGNATURE_HEADER, TIMESTAMP_HEADER, Outcome, Resolver, post, sign
from .webhooks import system_resolver as _system_resolver

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 6
MAX_TEAM_THREADS = 16


def backoff(attempts: int, base: float) -> timedelta:
    """Wait before attempt ``attempts + 1``: base, 2 base, 4 base ... (at most an hour)."""
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 3600))


class Sender:
    """Makes owed webhook calls: a dispatcher thread and one worker thread per team with calls due."""

    POLL_SECONDS = 1.0

    def __init__(
        self,
        db: Database,
        box: SecretBox,
        *,
        allow_private: bool,
        base_delay: float = 1.0,
        deadline: float = DEADLINE_SECONDS,
        resolver: Resolver = _system_resolver,
    ) -> None:
        self.db = db
        self.box = box
        self.allow_private = allow_private
        self.base_delay = base_delay
        self.deadline = deadline
        self.resolver = resolver
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._teams: dict[int, threading.Thread] = {}
        self._lock = threading.Lock()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="webhooks", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        end = time.monotonic() + self.deadline + 5
        with self._lock:
            threads = [self._thread, *self._teams.values()]
        for thread in threads:
            if thread is not None:
                thread.join(timeout=max(end - time.monotonic(), 0.1))

    def _loop(self) -> None:
        while not self._stopping.is_set():
            self.dispatch()
            self._wake.wait(self.POLL_SECONDS)
            self._wake.clear()

    def teams_due(self) -> list[int]:
        """Teams with at least one call due now."""
        with self.db.session() as session:
            return list(
                session.scalars(
                    select(Webhook.team_id)
                    .join(Delivery, Delivery.webhook_id == Webhook.id)
                    .where(Delivery.status == "pending", Delivery.next_attempt_at <= utcnow())
                    .distinct()
                )
            )

    def dispatch(self) -> None:
        """Start a worker for each team with calls due that has none running (within the cap)."""
        with self._lock:
            self._teams = {team: t for team, t in self._teams.items() if t.is_alive()}
            for team_id in self.teams_due():
                if team_id in self._teams or len(self._teams) >= MAX_TEAM_THREADS:
                    continue
                thread = threading.Thread(
                    target=self.drain, args=(team_id,), name=f"webhooks-team-{team_id}", daemon=True
                )
                self._teams[team_id] = thread
                thread.start()

    def drain(self, team_id: int) -> int:
        """Make ``team_id``'s due calls one after the other, oldest first; returns how many."""
        made = 0
        while not self._stopping.is_set():
            with self.db.session() as session:
                delivery_id = session.scalar(
                    select(Delivery.id)
                    .join(Webhook, Webhook.id == Delivery.webhook_id)
                    .where(
                        Webhook.team_id == team_id,
                        Delivery.status == "pending",
                        Delivery.next_attempt_at <= utcnow(),
                    )
                    .order_by(Delivery.id)
                    .limit(1)
                )
            if delivery_id is None:
                break
            self.attempt(delivery_id)
            made += 1
        self._wake.set()  # the dispatcher may have skipped teams while this one held a thread
        return made

    def attempt(self, delivery_id: int) -> Outcome:
        """One try of a delivery: sign, call, log, then delivered, retry later or failed."""
        with self.db.session() as session:
            found = session.get(Delivery, delivery_id)
            if found is None:  # its webhook was deleted meanwhile
                return Outcome(None, "webhook deleted", refused=True)
            delivery = found
            hook = session.get_one(Webhook, delivery.webhook_id)
            body = events.body(session, delivery)
            url, stored_secret, webhook_id, event = hook.url, hook.secret, hook.id, delivery.event
        started = time.monotonic()
        try:
            secret = self.box.open(stored_secret)
        except ValueError as exc:
            outcome = Outcome(None, f"refused: {exc}", refused=True)
        else:
            timestamp = int(time.time())
            headers = {
                "Content-Type": "application/json",
                "User-Agent": "flask-grader-webhook",
                TIMESTAMP_HEADER: str(timestamp),
                SIGNATURE_HEADER: sign(secret, timestamp, body),
                "X-Grader-Delivery": str(delivery_id),
                "X-Grader-Event": event,
            }
            outcome = post(
                url, body, headers, allow_private=self.allow_private, deadline=self.deadline,
                resolver=self.resolver,
            )  # fmt: skip
        took = int((time.monotonic() - started) * 1000)
        with self.db.session() as session:
            still = session.get(Delivery, delivery_id)
            if still is None:  # the webhook was deleted during the call: nothing to log it on
                return outcome
            delivery = still
            delivery.attempts += 1
            session.add(
                DeliveryAttempt(
                    delivery_id=delivery_id,
                    webhook_id=webhook_id,
                    duration_ms=took,
                    status_code=outcome.status,
                    error=outcome.error[:1000],
                )  # fmt: skip
            )
            if outcome.ok:
                delivery.status = "delivered"
                delivery.last_error = ""
            else:
                delivery.last_error = outcome.error[:1000]
                if delivery.attempts >= MAX_ATTEMPTS or outcome.refused:
                    delivery.status = "failed"
                else:
                    delivery.next_attempt_at = utcnow() + backoff(delivery.attempts, self.base_delay)
        if not outcome.ok:
            log.info("webhook %s delivery %s: %s", webhook_id, delivery_id, outcome.error)
        return outcome
