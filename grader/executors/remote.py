"""The Celery executor, client side: send a batch's jobs to workers and read their results.

Selected by a broker URL (``grader batch --broker redis://...`` or
``GRADER_BROKER_URL``). Each job goes out as one Celery task (see
:mod:`.jobspec` for its format); workers push each verdict on the batch's
``done`` list as soon as it is stored, and this side reads that list, so the
progress line moves as results arrive. A periodic sweep of the result keys
catches a verdict whose notice was lost (Redis restarted between the two
writes). Notices for a job already seen (a job delivered twice) are ignored.

Jobs, notices and stored results are signed with the broker key
(:mod:`.signing`); a forged, tampered or replayed one is reported and never
counted: a planted notice is skipped (the worker's own answer still comes),
a planted stored result makes the submission be graded again.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from ..challenges import Challenge
from ..errors import InfrastructureError, UsageError
from ..grading import error_result
from ..results import GradeResult
from . import jobspec as spec
from . import signing
from .base import Completed, GradingJob, this_host
from .celery_app import make_app
from .ledger import connect_broker

#: How often outstanding result keys are read directly, besides the done list.
SWEEP_SECONDS = 5.0
#: How long the broker may stay unreachable before the batch gives up (exit 3).
OUTAGE_SECONDS = 120.0
T = TypeVar("T")
log = logging.getLogger("grader.broker")


@dataclass(frozen=True)
class _Sent:
    """What the batch remembers of a job message: its nonce, and when to stop waiting for it."""

    nonce: str
    deadline: float


class CeleryExecutor:
    """Grades jobs on ``grader worker`` processes behind the broker at ``broker_url``.

    Jobs go out signed with ``key``; a result is accepted only if it is
    signed with it too and bound to what was asked: a notice to this batch,
    the job and the nonce of the job message sent, a stored result to the
    job's content key. Anything else is reported through ``warn`` and never
    counted; a job left without an authentic answer when its message expires
    gets an error row (not cached), so the batch never waits forever.
    """

    def __init__(
        self,
        broker_url: str,
        challenge: Challenge,
        sandbox: str,
        image: str,
        *,
        key: bytes,
        force: bool = False,
        warn: Callable[[str], None] | None = None,
    ) -> None:
        self.broker_url = broker_url
        self.challenge = challenge
        self.sandbox = sandbox
        self.image = image
        self.key = key
        self.force = force
        self.warn = warn or (lambda message: log.warning("%s", message))
        self.fingerprint = challenge.fingerprint()
        self.redis = connect_broker(broker_url)
        self.app = make_app(broker_url)
        self.batch = uuid.uuid4().hex
        self._tasks: dict[str, str] = {}  # job id -> task id, while outstanding
        self._sent: dict[str, _Sent] = {}  # job id -> the nonce and deadline of its message
        self._warned: set[str] = set()

    def run(self, jobs: list[GradingJob]) -> Iterator[Completed]:
        outstanding: dict[str, GradingJob] = {}
        for job in jobs:
            try:
                name, archive = spec.pack(job.path, job.label)
            except UsageError as exc:  # too large or unreadable here: the submission's own error
                yield Completed(job, self._error(job, exc.format()), this_host())
                continue
            previous = None if self.force else self._call(partial(self.redis.get, spec.result_key(job.key)))
            fields = None if previous is None else self._stored(job, previous, "stored before this batch")
            if fields is not None:  # graded before (another batch, or a run that was interrupted)
                yield self._completed(job, {"kind": "result", "cacheable": True, **fields})
                continue
            payload = {
                "batch": self.batch,
                "job": job.id,
                "key": job.key,
                "challenge": self.challenge.id,
                "fingerprint": self.fingerprint,
                "sandbox": self.sandbox,
                "image": self.image,
                "force": self.force,
                "name": name,
                "archive": spec.encode(archive),
            }
            message = signing.seal(self.key, spec.JOB, payload, spec.JOB_TTL_SECONDS)
            deadline = message["expires"] + spec.job_limit(self.challenge.limits)
            self._sent[job.id] = _Sent(message["nonce"], deadline)
            task_id = str(uuid.uuid4())
            self._call(partial(self.app.send_task, spec.TASK_NAME, args=[message], task_id=task_id))
            self._tasks[job.id] = task_id
            outstanding[job.id] = job
        yield from self._collect(outstanding)

    def _collect(self, outstanding: dict[str, GradingJob]) -> Iterator[Completed]:
        done = spec.done_key(self.batch)
        last_sweep = time.monotonic()
        while outstanding:
            item = self._call(lambda: self.redis.blpop([done], timeout=1))
            notes = self._notice(outstanding, item[1]) if item else []
            if time.monotonic() - last_sweep > SWEEP_SECONDS:
                last_sweep = time.monotonic()
                notes += self._sweep(outstanding)
            notes += self._expired(outstanding)
            for note in notes:
                job = outstanding.pop(str(note.get("job")), None)
                if job is None:
                    continue  # a job delivered twice: its first notice counted
                self._tasks.pop(job.id, None)
                if note["kind"] == "refused":
                    self.cancel()
                    raise InfrastructureError(str(note["message"]))
                if note["kind"] == "rejected":
                    self._report(job, str(note["message"]))
                yield self._completed(job, note)

    def _notice(self, outstanding: dict[str, GradingJob], text: bytes) -> list[dict[str, Any]]:
        """The notice in ``text`` if it is authentic and answers a job this batch still awaits."""
        try:
            body = signing.unseal(self.key, json.loads(text), spec.NOTICE).body
        except ValueError:
            self._report(None, "refused a notice in the broker that is not JSON")
            return []
        except signing.Refused as exc:
            self._report(None, f"refused a notice in the broker: {exc}")
            return []
        job = body.get("job")
        if body.get("batch") != self.batch or not isinstance(job, str) or job not in self._sent:
            self._report(None, "refused a signed notice that answers another batch (replayed)")
            return []
        if body.get("job_nonce") != self._sent[job].nonce:
            self._report(outstanding.get(job), "refused a signed notice for another job message (replayed)")
            return []
        return [body]

    def _sweep(self, outstanding: dict[str, GradingJob]) -> list[dict[str, Any]]:
        jobs = list(outstanding.values())
        keys = [spec.result_key(job.key) for job in jobs]
        found = self._call(lambda: self.redis.mget(keys)) if keys else []
        notes = []
        for job, text in zip(jobs, found, strict=True):
            fields = None if text is None else self._stored(job, text, "in the broker")
            if fields is not None:
                notes.append({"job": job.id, "kind": "result", "cacheable": True, **fields})
        return notes

    def _stored(self, job: GradingJob, text: bytes, where: str) -> dict[str, Any] | None:
        """The fields of the result stored for ``job``'s content key if authentic, else None (reported).

        With ``--force`` only the result of this batch's own job counts: an
        older one, however authentic, is what the user asked to replace.
        """
        try:
            body = signing.unseal(self.key, json.loads(text), spec.RESULT).body
        except ValueError:
            self._report(job, f"refused the result {where}: it is not JSON; grading it")
            return None
        except signing.Refused as exc:
            self._report(job, f"refused the result {where}: {exc}; grading it")
            return None
        if body.get("key") != job.key:
            self._report(job, f"refused the result {where}: it is signed for other inputs; grading it")
            return None
        sent = self._sent.get(job.id)
        if self.force and (sent is None or body.get("job_nonce") != sent.nonce):
            return None
        return {name: body.get(name) for name in ("result", "host", "image")}

    def _expired(self, outstanding: dict[str, GradingJob]) -> list[dict[str, Any]]:
        """Error notes for the jobs whose message expired without an authentic answer."""
        now = time.time()
        late = [job for job in outstanding.values() if now > self._sent[job.id].deadline]
        message = "no authentic result before its job message expired (dropped or refused in the broker?)"
        return [{"job": job.id, "kind": "error", "cacheable": False, "message": message} for job in late]

    def _report(self, job: GradingJob | None, message: str) -> None:
        """Say once that something in the broker was refused (a batch warning line)."""
        line = f"{job.id}: {message}" if job is not None else message
        if line not in self._warned:
            self._warned.add(line)
            self.warn(line)

    def _completed(self, job: GradingJob, note: dict[str, Any]) -> Completed:
        host = str(note.get("host") or "")
        if note["kind"] == "rejected":  # a forged or expired job message: nothing of it ran
            result = self._error(job, f"{note['message']}; run the same command to grade it")
        elif note["kind"] == "error":
            result = self._error(job, str(note["message"]))
        else:
            result = GradeResult.from_dict(note["result"])
        result.submission = job.label
        return Completed(job, result, host, cacheable=bool(note.get("cacheable", True)))

    def _error(self, job: GradingJob, message: str) -> GradeResult:
        return error_result(self.challenge, self.sandbox, message, submission=job.label)

    def cancel(self) -> int:
        """Tell workers to drop this batch (a flag they check) and revoke its queued tasks."""
        outstanding = list(self._tasks.values())
        try:
            self.redis.set(spec.cancelled_key(self.batch), "1", ex=spec.BATCH_TTL_SECONDS)
            if outstanding:
                self.app.control.revoke(outstanding)
        except _broker_errors():  # broker unreachable: the revoke is lost, the batch stops anyway
            pass
        self._tasks.clear()
        return len(outstanding)

    def _call(self, action: Callable[[], T]) -> T:
        """A broker call that waits out a Redis restart, up to OUTAGE_SECONDS."""
        deadline = time.monotonic() + OUTAGE_SECONDS
        while True:
            try:
                return action()
            except _broker_errors() as exc:
                if time.monotonic() > deadline:
                    raise InfrastructureError(
                        f"lost the broker at {spec.redact(self.broker_url)} ({exc})",
                        hint="restart Redis, then run the same command to continue",
                    ) from None
                time.sleep(1.0)


def _broker_errors() -> tuple[type[BaseException], ...]:
    import kombu.exceptions
    import redis

    return (redis.ConnectionError, redis.TimeoutError, kombu.exceptions.OperationalError)
