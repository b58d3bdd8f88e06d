"""The Celery executor, client side: send a batch's jobs to workers and read their results.

Selected by a broker URL (``grader batch --broker redis://...`` or
``GRADER_BROKER_URL``). Each job goes out as one Celery task (see
:mod:`.celery_app` for its format); workers push each verdict on the batch's
``done`` list as soon as it is stored, and this side reads that list, so the
progress line moves as results arrive. A periodic sweep of the result keys
catches a verdict whose notice was lost (Redis restarted between the two
writes). Notices for a job already seen (a job delivered twice) are ignored.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any, TypeVar

from ..challenges import Challenge
from ..errors import InfrastructureError, UsageError
from ..grading import error_result
from ..results import GradeResult
from . import celery_app as spec
from .base import Completed, Job, this_host
from .worker import connect_broker

#: How often outstanding result keys are read directly, besides the done list.
SWEEP_SECONDS = 5.0
#: How long the broker may stay unreachable before the batch gives up (exit 3).
OUTAGE_SECONDS = 120.0
T = TypeVar("T")


class CeleryExecutor:
    """Grades jobs on ``grader worker`` processes behind the broker at ``broker_url``."""

    def __init__(
        self, broker_url: str, challenge: Challenge, sandbox: str, image: str, *, force: bool = False
    ) -> None:
        self.broker_url = broker_url
        self.challenge = challenge
        self.sandbox = sandbox
        self.image = image
        self.force = force
        self.fingerprint = challenge.fingerprint()
        self.redis = connect_broker(broker_url)
        self.app = spec.make_app(broker_url)
        self.batch = uuid.uuid4().hex
        self._tasks: dict[str, str] = {}  # job id -> task id, while outstanding

    def run(self, jobs: list[Job]) -> Iterator[Completed]:
        outstanding: dict[str, Job] = {}
        for job in jobs:
            try:
                name, archive = spec.pack(job.path)
            except UsageError as exc:  # too large or unreadable here: the submission's own error
                yield Completed(job, self._error(job, exc.format()), this_host())
                continue
            previous = None if self.force else self._call(partial(self.redis.get, spec.result_key(job.key)))
            if previous is not None:  # graded before (another batch, or a run that was interrupted)
                yield self._completed(job, {"kind": "result", "cacheable": True, **json.loads(previous)})
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
            task_id = str(uuid.uuid4())
            self._call(partial(self.app.send_task, spec.TASK_NAME, args=[payload], task_id=task_id))
            self._tasks[job.id] = task_id
            outstanding[job.id] = job
        yield from self._collect(outstanding)

    def _collect(self, outstanding: dict[str, Job]) -> Iterator[Completed]:
        done = spec.done_key(self.batch)
        last_sweep = time.monotonic()
        while outstanding:
            item = self._call(lambda: self.redis.blpop([done], timeout=1))
            notes = [json.loads(item[1])] if item else []
            if time.monotonic() - last_sweep > SWEEP_SECONDS:
                last_sweep = time.monotonic()
                notes += self._sweep(outstanding)
            for note in notes:
                job = outstanding.pop(str(note.get("job")), None)
                if job is None:
                    continue  # a job delivered twice: its first notice counted
                self._tasks.pop(job.id, None)
                if note["kind"] == "refused":
                    self.cancel()
                    raise InfrastructureError(str(note["message"]))
                yield self._completed(job, note)

    def _sweep(self, outstanding: dict[str, Job]) -> list[dict[str, Any]]:
        jobs = list(outstanding.values())
        keys = [spec.result_key(job.key) for job in jobs]
        found = self._call(lambda: self.redis.mget(keys)) if keys else []
        return [
            {"job": job.id, "kind": "result", "cacheable": True, **json.loads(text)}
            for job, text in zip(jobs, found, strict=True)
            if text is not None
        ]

    def _completed(self, job: Job, note: dict[str, Any]) -> Completed:
        host = str(note.get("host") or "")
        if note["kind"] == "error":
            result = self._error(job, str(note["message"]))
        else:
            result = GradeResult.from_dict(note["result"])
        result.submission = str(job.path)
        return Completed(job, result, host, cacheable=bool(note.get("cacheable", True)))

    def _error(self, job: Job, message: str) -> GradeResult:
        return error_result(self.challenge, self.sandbox, message, submission=str(job.path))

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
