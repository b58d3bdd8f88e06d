"""What workers read from and write to Redis besides Celery's queue, always signed.

A worker stores each cacheable verdict once under its content key, as a
signed :data:`~.jobspec.RESULT` envelope bound to that key, and answers
every job with a signed :data:`~.jobspec.NOTICE` on its batch's done list,
bound to the batch, the job id and the nonce of the job message. Redis calls
wait out a restart of Redis (``STORE_RETRY_SECONDS``), so a finished grading
is not lost to one.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from ..errors import InfrastructureError
from . import jobspec as spec
from . import signing

#: How long a worker keeps trying to store a result while Redis is away (a restart).
STORE_RETRY_SECONDS = 120.0
#: The fields of a verdict that travel from a stored result into a notice.
VERDICT_FIELDS = ("result", "host", "image")
log = logging.getLogger("grader.worker")
T = TypeVar("T")


@dataclass(frozen=True)
class Ticket:
    """Whom a notice answers: the batch, the job and the nonce of the job message."""

    batch: str
    job: str
    nonce: str


def redis_errors() -> tuple[type[BaseException], ...]:
    """The errors of a Redis that is restarting or unreachable (worth waiting out)."""
    import redis

    return (redis.ConnectionError, redis.TimeoutError)


def retrying(action: Callable[[], T]) -> T:
    """Run a Redis call, waiting out a restart of Redis for up to STORE_RETRY_SECONDS."""
    deadline = time.monotonic() + STORE_RETRY_SECONDS
    while True:
        try:
            return action()
        except redis_errors():
            if time.monotonic() > deadline:
                raise
            time.sleep(1.0)


def connect_broker(broker_url: str) -> Any:
    """A Redis client for the broker, or :class:`InfrastructureError` saying how to reach one."""
    import redis

    try:
        client = redis.Redis.from_url(broker_url, socket_timeout=30, socket_connect_timeout=10)
        client.ping()
    except (redis.RedisError, ValueError) as exc:
        raise InfrastructureError(
            f"cannot reach the broker at {spec.redact(broker_url)} ({str(exc).splitlines()[0][:160]})",
            hint="start Redis there, or check --broker / GRADER_BROKER_URL and its password",
        ) from None
    return client


def stored(redis: Any, key: bytes, content_key: str, host: str) -> dict[str, Any] | None:
    """The verdict stored for ``content_key`` if it is authentic and bound to that key; else None.

    A value that is not (planted, tampered with, moved from another key) is
    logged and treated as absent: the job is graded and the value replaced.
    """
    text = retrying(lambda: redis.get(spec.result_key(content_key)))
    if text is None:
        return None
    problem = "it is not JSON"
    try:
        body = signing.unseal(key, json.loads(text), spec.RESULT).body
        if body.get("key") == content_key:
            return {name: body.get(name) for name in VERDICT_FIELDS}
        problem = "it is signed for other inputs (moved from another key)"
    except ValueError:
        pass
    except signing.Refused as exc:
        problem = str(exc)
    log.warning("worker %s ignored the result stored for %s: %s; grading it", host, content_key[:12], problem)
    return None


def store(
    redis: Any, key: bytes, job: dict[str, Any], ticket: Ticket, fields: dict[str, Any], host: str
) -> dict[str, Any]:
    """Store a cacheable verdict once (signed, bound to its content key); the fields the batch gets."""
    where = spec.result_key(job["key"])
    body = {"key": job["key"], "job_nonce": ticket.nonce, **fields}
    text = json.dumps(signing.seal(key, spec.RESULT, body, spec.RESULT_TTL_SECONDS))
    if retrying(lambda: redis.set(where, text, nx=not job["force"], ex=spec.RESULT_TTL_SECONDS)):
        return fields
    first = stored(redis, key, job["key"], host)  # another delivery stored it first: use that one
    if first is not None:
        return first
    # what is there is not authentic: replace it with ours
    retrying(lambda: redis.set(where, text, ex=spec.RESULT_TTL_SECONDS))
    return fields


def notify(redis: Any, key: bytes, ticket: Ticket, note: dict[str, Any]) -> None:
    """Push a signed notice, bound to the batch, job and job nonce it answers, on the batch's done list."""
    where = spec.done_key(ticket.batch)
    body = {"batch": ticket.batch, "job": ticket.job, "job_nonce": ticket.nonce, **note}
    text = json.dumps(signing.seal(key, spec.NOTICE, body, spec.BATCH_TTL_SECONDS))

    def push() -> None:
        pipe = redis.pipeline()
        pipe.rpush(where, text)
        pipe.expire(where, spec.BATCH_TTL_SECONDS)
        pipe.execute()

    retrying(push)
