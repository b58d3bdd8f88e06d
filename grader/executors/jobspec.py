"""What clients and workers agree on: the job format, its limits and the Redis keys.

A job is one JSON message: the challenge id and fingerprint, the sandbox and
its image, the result key, and the submission itself as a size-capped archive
(base64), so a worker needs no shared file system. Results are not kept by
Celery: a worker stores each under ``flask-grader:result:<key>`` in the same
Redis (``SET NX``, so a job delivered twice is stored once) and then tells
the batch on its ``done`` list; only after that does the task return and its
message get acknowledged (``acks_late``).

Every one of them (job, stored result, notice) is a signed envelope of
:mod:`.signing` whose purpose is :data:`JOB`, :data:`RESULT` or :data:`NOTICE`:
a stored result is bound to its content key, a notice to its batch, job id
and the job's nonce.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

from ..challenges import Limits
from ..errors import InvalidSubmission, UsageError
from ..submission import MAX_TOTAL_BYTES, is_archive, is_single_file, packed

TASK_NAME = "grader.grade"
QUEUE = "flask-grader"
#: A message whose worker stopped heart-beating (see grader.executors.worker) for this
#: long is given to another worker. Live workers refresh their messages every
#: HEARTBEAT_SECONDS, so a long grading is never handed out twice.
VISIBILITY_TIMEOUT = 30
HEARTBEAT_SECONDS = 5
#: How often a worker looks for messages to give back (kombu's default is 10 s x 10).
RESTORE_INTERVAL = 5
#: Added to a challenge's own start and run limits to bound a whole job (staging, containers).
JOB_MARGIN_SECONDS = 30.0
#: The largest submission archive a job may carry.
MAX_JOB_BYTES = 16 * 2**20
#: How long results and a batch's lists stay in Redis.
RESULT_TTL_SECONDS = 7 * 24 * 3600
BATCH_TTL_SECONDS = 24 * 3600
PREFIX = "flask-grader"
#: How long a job may wait in the queue before a worker takes it (signed in the job).
JOB_TTL_SECONDS = BATCH_TTL_SECONDS
#: What each signed envelope is for (signed too: one cannot stand for another).
JOB, RESULT, NOTICE = "job", "result", "notice"
BATCH_ID = re.compile(r"[0-9a-f]{32}")
CONTENT_KEY = re.compile(r"[0-9a-f]{64}")
_JOB_TEXT = ("job", "challenge", "fingerprint", "sandbox", "image", "name", "archive")


def job_problem(body: dict[str, Any]) -> str | None:
    """What is wrong with a job's fields (even a signed one must be well formed), or None."""
    if not isinstance(body.get("batch"), str) or not BATCH_ID.fullmatch(body["batch"]):
        return "its batch id is malformed"
    if not isinstance(body.get("key"), str) or not CONTENT_KEY.fullmatch(body["key"]):
        return "its result key is malformed"
    if not isinstance(body.get("force"), bool):
        return "its force flag is malformed"
    missing = [name for name in _JOB_TEXT if not isinstance(body.get(name), str)]
    return f"its field {missing[0]!r} is missing or malformed" if missing else None


def result_key(key: str) -> str:
    """Where the result of the inputs hashed as ``key`` is stored, once."""
    return f"{PREFIX}:result:{key}"


def done_key(batch: str) -> str:
    """The list a batch reads its results from, as workers finish them."""
    return f"{PREFIX}:batch:{batch}:done"


def cancelled_key(batch: str) -> str:
    """Set when a batch is interrupted: workers drop its jobs and stop its gradings."""
    return f"{PREFIX}:batch:{batch}:cancelled"


def job_limit(limits: Limits) -> float:
    """The most a job may take, in seconds, before its worker stops it."""
    return limits.start_timeout + limits.run_timeout + JOB_MARGIN_SECONDS


def pack(path: Path, label: str) -> tuple[str, bytes]:
    """The submission as one archive: its own bytes, or a folder's regular files as tar.gz.

    Raises :class:`InvalidSubmission`, naming it ``label``, when it cannot be
    read or is too large to send.
    """
    cap = f"larger than {MAX_JOB_BYTES // 2**20} MiB, the most a job may carry"
    try:
        if path.is_file() and (is_archive(path) or is_single_file(path)):
            if path.stat().st_size > MAX_JOB_BYTES:
                raise InvalidSubmission(f"{label} is {cap}")
            return path.name, path.read_bytes()
        if not path.is_dir():
            raise InvalidSubmission(f"{label} is neither a folder, an archive nor a .py file")
        data = packed(path, max_total=MAX_TOTAL_BYTES, label=label, compresslevel=1)
    except OSError as exc:
        raise InvalidSubmission(f"{label}: cannot be read ({exc.strerror})") from None
    if len(data) > MAX_JOB_BYTES:
        raise InvalidSubmission(f"{label} is {cap} once packed")
    return f"{path.name}.tar.gz", data


def encode(archive: bytes) -> str:
    return base64.b64encode(archive).decode("ascii")


def decode(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except ValueError:
        raise UsageError("the job's submission is not valid base64") from None


def redact(url: str) -> str:
    """The broker URL without its password, for messages."""
    scheme, sep, rest = url.partition("://")
    if "@" not in rest:
        return url
    return f"{scheme}{sep}***@{rest.rpartition('@')[2]}"
