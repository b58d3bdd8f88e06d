"""The worker side: grade one job on this host, keep its message alive, clean up.

One :class:`Runtime` per worker process (``grader worker`` runs Celery's
thread pool, so a SIGKILL takes every grading of the worker with it and the
containers it leaves carry a dead owner that :func:`grader.sandbox.docker.prune`
removes). A maintenance thread, every second:

* stops a job past its time limit (``job_limit``) or whose batch was interrupted;
* every ``HEARTBEAT_SECONDS`` re-stamps the broker's ``unacked_index`` entries of
  the messages this worker holds, so only a dead worker's messages ever get
  older than ``VISIBILITY_TIMEOUT`` and are handed to another worker;
* every ``PRUNE_SECONDS`` removes containers whose grader process is gone.
"""

from __future__ import annotations

import json
import logging
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from ..challenges import Challenge, get_challenge
from ..errors import Cancelled, InfrastructureError, UnknownChallenge, UsageError
from ..grading import error_result, grade
from ..results import GradeResult
from ..sandbox.base import Sandbox
from . import celery_app as spec

PRUNE_SECONDS = 10.0
#: How long a worker keeps trying to store a result while Redis is away (a restart).
STORE_RETRY_SECONDS = 120.0
log = logging.getLogger("grader.worker")
T = TypeVar("T")


@dataclass
class _Running:
    sandbox: Sandbox
    batch: str
    deadline: float
    timed_out: bool = False
    cancelled: bool = False


@dataclass
class Runtime:
    """What a worker process shares between its gradings."""

    redis: Any
    docker: Any = None
    running: dict[int, _Running] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> None:
        threading.Thread(target=self._maintain, name="grader-maintenance", daemon=True).start()

    def sandbox(self, name: str) -> Sandbox:
        if name == "local":
            from ..sandbox.local import LocalSandbox

            return LocalSandbox()
        from ..sandbox.docker import DockerSandbox

        return DockerSandbox(client=self.docker)

    def _maintain(self) -> None:
        last_beat = last_prune = 0.0
        passing: tuple[type[BaseException], ...] = (OSError, InfrastructureError, *_redis_errors())
        while True:
            time.sleep(1.0)
            now = time.monotonic()
            try:
                self._police()
                if now - last_beat >= spec.HEARTBEAT_SECONDS:
                    last_beat = now
                    self._heartbeat()
                if self.docker is not None and now - last_prune >= PRUNE_SECONDS:
                    last_prune = now
                    self.prune()
            except passing as exc:
                log.warning("maintenance skipped: %s", exc)

    def _police(self) -> None:
        with self.lock:
            running = list(self.running.values())
        for run in running:
            if time.monotonic() > run.deadline:
                run.timed_out = True
                run.sandbox.cancel()
            elif self.redis.exists(spec.cancelled_key(run.batch)):
                run.cancelled = True
                run.sandbox.cancel()

    def _heartbeat(self) -> None:
        from celery.worker import state

        try:
            tags = [r.message.delivery_tag for r in list(state.requests.values())]
        except RuntimeError:  # the dict changed while copied: next beat
            return
        if tags:
            self.redis.zadd("unacked_index", dict.fromkeys(tags, time.time()), xx=True)

    def prune(self) -> int:
        """Remove containers whose grader process is gone (a killed worker's); 0 if Docker balked."""
        from docker.errors import APIError

        from ..sandbox.docker import prune

        try:
            return prune(self.docker).removed
        except APIError as exc:  # a container vanished while listed (another prune): next round
            log.warning("prune skipped: %s", str(exc).splitlines()[0][:200])
            return 0


_RUNTIME: Runtime | None = None


def install(runtime: Runtime) -> None:
    """Make ``runtime`` the one this process's tasks use, and start its maintenance."""
    global _RUNTIME
    _RUNTIME = runtime
    runtime.start()


def _redis_errors() -> tuple[type[BaseException], ...]:
    import redis

    return (redis.ConnectionError, redis.TimeoutError)


def _retrying(action: Callable[[], T]) -> T:
    """Run a Redis call, waiting out a restart of Redis for up to STORE_RETRY_SECONDS."""
    deadline = time.monotonic() + STORE_RETRY_SECONDS
    while True:
        try:
            return action()
        except _redis_errors():
            if time.monotonic() > deadline:
                raise
            time.sleep(1.0)


def grade_task(task: Any, job: dict[str, Any]) -> None:
    """The Celery task: grade, store once, tell the batch; the message is acked on return."""
    if _RUNTIME is None:
        raise RuntimeError("grader tasks run only in `grader worker`")
    handle(_RUNTIME, job, str(task.request.hostname or "unknown"))


def handle(runtime: Runtime, job: dict[str, Any], host: str) -> None:
    """Grade one job unless it was already graded, refused or cancelled."""
    r = runtime.redis
    batch = str(job["batch"])
    if _retrying(lambda: r.exists(spec.cancelled_key(batch))):
        return
    stored = _retrying(lambda: r.get(spec.result_key(job["key"])))
    if stored is not None and not job.get("force"):  # delivered twice, or graded by an earlier batch
        _notify(runtime, job, {"kind": "result", "cacheable": True, **json.loads(stored)})
        return
    try:
        challenge = get_challenge(str(job["challenge"]))
    except UnknownChallenge as exc:
        message = f"worker {host} cannot grade it: {exc.format()}"
        _notify(runtime, job, {"kind": "error", "cacheable": False, "host": host, "message": message})
        return
    sandbox = runtime.sandbox(str(job["sandbox"]))
    refusal = _refusal(challenge, sandbox, job, host)
    if refusal:
        _notify(runtime, job, {"kind": "refused", "host": host, "message": refusal})
        return
    outcome = _grade(runtime, challenge, sandbox, job, host)
    if outcome is None:
        return
    result, cacheable = outcome
    payload = {"result": result.to_dict(), "host": host, "image": result.image}
    if not cacheable:
        _notify(runtime, job, {"kind": "result", "cacheable": False, **payload})
        return
    key = spec.result_key(job["key"])
    text = json.dumps(payload)
    if not _retrying(lambda: r.set(key, text, nx=not job.get("force"), ex=spec.RESULT_TTL_SECONDS)):
        text = _retrying(lambda: r.get(key)) or text  # another delivery stored it first: use that one
    _notify(runtime, job, {"kind": "result", "cacheable": True, **json.loads(text)})


def _refusal(challenge: Challenge, sandbox: Sandbox, job: dict[str, Any], host: str) -> str | None:
    """Why this worker must not grade the job (other tests or another image), or None."""
    ours = challenge.fingerprint()
    if ours != job["fingerprint"]:
        return (
            f"worker {host} refused {job['job']}: its {challenge.id} challenge is version "
            f"{ours[:12]}, the job's is {str(job['fingerprint'])[:12]}: "
            "deploy the same challenges on every worker and on the client"
        )
    image = sandbox.identity()
    if image != job["image"]:
        return (
            f"worker {host} refused {job['job']}: its sandbox image is {image[:19]}, "
            f"the job's is {str(job['image'])[:19]}: build the same image on every worker "
            "(`grader sandbox build`) and on the client"
        )
    return None


def _grade(
    runtime: Runtime, challenge: Challenge, sandbox: Sandbox, job: dict[str, Any], host: str
) -> tuple[GradeResult, bool] | None:
    """The verdict and whether it may be cached; None if the batch was cancelled."""
    run = _Running(sandbox, str(job["batch"]), time.monotonic() + spec.job_limit(challenge.limits))
    with runtime.lock:
        runtime.running[id(run)] = run
    try:
        with tempfile.TemporaryDirectory(prefix="grader-job-") as scratch:
            path = Path(scratch, Path(str(job["name"])).name)
            path.write_bytes(spec.decode(str(job["archive"])))
            result = grade(challenge, path, sandbox)
        return result, True
    except UsageError as exc:  # unreadable archive, unsafe member: the submission's own error
        return error_result(challenge, sandbox.name, exc.format()), True
    except Cancelled:
        if run.timed_out:
            limit = spec.job_limit(challenge.limits)
            message = f"the job exceeded its time limit ({limit:g} s) on worker {host} and was stopped"
            return error_result(challenge, sandbox.name, message), False
        return None
    except InfrastructureError as exc:
        message = f"worker {host} could not grade it: {exc.format()}"
        return error_result(challenge, sandbox.name, message), False
    finally:
        with runtime.lock:
            runtime.running.pop(id(run), None)


def _notify(runtime: Runtime, job: dict[str, Any], note: dict[str, Any]) -> None:
    key = spec.done_key(str(job["batch"]))
    text = json.dumps({"job": job["job"], **note})

    def push() -> None:
        pipe = runtime.redis.pipeline()
        pipe.rpush(key, text)
        pipe.expire(key, spec.BATCH_TTL_SECONDS)
        pipe.execute()

    _retrying(push)


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


def preflight(broker_url: str) -> tuple[Runtime, str]:
    """Check the broker, Docker and the sandbox image; the runtime and a line saying what was found."""
    from ..challenges import list_challenges
    from ..sandbox.docker import DockerSandbox

    redis = connect_broker(broker_url)
    sandbox = DockerSandbox()
    image = sandbox.image_id()  # DockerUnavailable or ImageMissing, each saying what to do
    challenges = ", ".join(f"{c.id} {c.fingerprint()[:12]}" for c in list_challenges())
    return Runtime(redis=redis, docker=sandbox.client), f"image {image[:19]}; challenges: {challenges}"


def start_worker(broker_url: str, hostname: str, concurrency: int, runtime: Runtime) -> None:
    """Run a Celery worker (thread pool) on the grading queue until it is stopped."""
    app = spec.make_app(broker_url)
    install(runtime)
    runtime.prune()
    worker = app.Worker(
        hostname=hostname,
        pool="threads",
        concurrency=concurrency,
        queues=[spec.QUEUE],
        loglevel="INFO",
        without_mingle=True,
        without_gossip=True,
        without_heartbeat=True,
        quiet=True,
    )
    worker.start()
