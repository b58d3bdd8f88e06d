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

A worker believes nothing it reads from Redis unless it is signed with the
broker key (:mod:`.signing`): a job that is not, that expired, or that this
process already took (its nonce) is refused and logged, and nothing of it
runs. It grades only in the sandbox its operator started it with
(``grader worker --sandbox``), whatever a job asks for.
"""

from __future__ import annotations

import logging
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..challenges import Challenge, get_challenge
from ..errors import Cancelled, InfrastructureError, UnknownChallenge
from ..grading import error_result, grade_safely
from ..results import GradeResult
from ..sandbox.base import Sandbox
from ..submission import kind_suffix, shown
from . import jobspec as spec
from . import signing
from .celery_app import make_app
from .ledger import Ticket, connect_broker, notify, redis_errors, retrying, store, stored

PRUNE_SECONDS = 10.0
log = logging.getLogger("grader.worker")


@dataclass
class _Running:
    sandbox: Sandbox
    batch: str
    deadline: float
    timed_out: bool = False
    cancelled: bool = False


@dataclass
class Runtime:
    """What a worker process shares between its gradings: the broker, its key, its one sandbox."""

    redis: Any
    key: bytes
    sandbox_name: str = "docker"
    docker: Any = None
    #: jobs graded at once (the Celery pool's threads)
    at_once: int = 1
    replays: signing.ReplayGuard = field(default_factory=signing.ReplayGuard)
    running: dict[int, _Running] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> None:
        threading.Thread(target=self._maintain, name="grader-maintenance", daemon=True).start()

    def sandbox(self) -> Sandbox:
        """A fresh sandbox of the kind the operator chose (never one a job names).

        Fresh, so that cancelling one job's grading cancels no other; in docker it
        grades in the runners this process keeps (:mod:`grader.sandbox.kept`), two
        per job it runs at a time, as a batch does.
        """
        from ..sandbox import make_sandbox

        return make_sandbox(self.sandbox_name, at_once=self.at_once, client=self.docker)

    def identity(self) -> str:
        """What this worker's verdicts depend on besides the submission (its image id)."""
        return self.sandbox().identity()

    def _maintain(self) -> None:
        last_beat = last_prune = 0.0
        passing: tuple[type[BaseException], ...] = (OSError, InfrastructureError, *redis_errors())
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


def grade_task(task: Any, *args: Any, **kwargs: Any) -> None:
    """The Celery task: check, grade, store once, tell the batch; the message is acked on return.

    It takes any arguments, so a message of another shape is refused and
    logged like any other forgery instead of failing inside Celery.
    """
    if _RUNTIME is None:
        raise RuntimeError("grader tasks run only in `grader worker`")
    message = args[0] if len(args) == 1 and not kwargs else None
    handle(_RUNTIME, message, str(task.request.hostname or "unknown"))


def handle(runtime: Runtime, message: object, host: str) -> None:
    """Grade one job unless it is forged, expired, replayed, already graded, refused or cancelled."""
    try:
        opened = signing.unseal(runtime.key, message, spec.JOB)
        problem = spec.job_problem(opened.body)
        if problem:
            raise signing.Forged(f"it is signed but {problem}")
    except signing.Refused as exc:
        _reject(runtime, message, host, exc)
        return
    job = opened.body
    if not runtime.replays.first_time(opened):
        log.warning(
            "worker %s refused job %s of batch %s: a replay (this worker already took a job with its "
            "nonce); nothing was run",
            host,
            shown(job["job"], 80),
            job["batch"][:8],
        )
        return
    ticket = Ticket(job["batch"], job["job"], opened.nonce)
    r = runtime.redis
    if retrying(lambda: r.exists(spec.cancelled_key(ticket.batch))):
        return
    previous = stored(r, runtime.key, job["key"], host)
    if previous is not None and not job["force"]:  # delivered twice, or graded by an earlier batch
        _tell(runtime, ticket, {"kind": "result", "cacheable": True, **previous})
        return
    try:
        challenge = get_challenge(job["challenge"])
    except UnknownChallenge as exc:
        message = f"worker {host} cannot grade it: {exc.format()}"
        _tell(runtime, ticket, {"kind": "error", "cacheable": False, "host": host, "message": message})
        return
    refusal = _refusal(runtime, challenge, job, host)
    if refusal:
        log.warning("%s", refusal)
        _tell(runtime, ticket, {"kind": "refused", "host": host, "message": refusal})
        return
    sandbox = runtime.sandbox()
    outcome = _grade(runtime, challenge, sandbox, job, host)
    if outcome is None:
        return
    result, cacheable = outcome
    fields = {"result": result.to_dict(), "host": host, "image": result.image}
    if cacheable:
        fields = store(r, runtime.key, job, ticket, fields, host)
    _tell(runtime, ticket, {"kind": "result", "cacheable": cacheable, **fields})


def _tell(runtime: Runtime, ticket: Ticket, note: dict[str, Any]) -> None:
    notify(runtime.redis, runtime.key, ticket, note)


def _reject(runtime: Runtime, message: object, host: str, why: signing.Refused) -> None:
    """Log a job that failed its check and, if it names a batch, tell that batch (signed).

    Nothing of a forged message is believed: the batch, job and nonce it
    claims are only echoed back (when well formed), so the batch they name
    gives that submission an error row instead of waiting; a forged claim
    can only do what dropping the job would.
    """
    what = "an expired job" if isinstance(why, signing.Expired) else "a forged job"
    claimed = _claimed(message)
    named = f" {shown(claimed.job, 80)} of batch {claimed.batch[:8]}" if claimed else ""
    text = f"worker {host} refused {what}{named}: {why}; nothing was run"
    log.warning("%s", text)
    if claimed is not None:
        _tell(runtime, claimed, {"kind": "rejected", "cacheable": False, "host": host, "message": text})


def _claimed(message: object) -> Ticket | None:
    """The batch, job and nonce a message claims, if they are well formed (not if they are true)."""
    if not isinstance(message, dict) or not isinstance(message.get("body"), dict):
        return None
    batch, job, nonce = message["body"].get("batch"), message["body"].get("job"), message.get("nonce")
    if not isinstance(batch, str) or not spec.BATCH_ID.fullmatch(batch):
        return None
    if not isinstance(job, str) or not 0 < len(job) <= 1000 or not isinstance(nonce, str):
        return None
    return Ticket(batch, job, nonce) if signing.NONCE.fullmatch(nonce) else None


def _refusal(runtime: Runtime, challenge: Challenge, job: dict[str, Any], host: str) -> str | None:
    """Why this worker must not grade the job (another sandbox, other tests, another image), or None."""
    if job["sandbox"] != runtime.sandbox_name:
        return (
            f"worker {host} refused {shown(job['job'], 80)}: it grades only in the "
            f"{runtime.sandbox_name} sandbox, the job asks for {shown(job['sandbox'], 20)}: run the batch "
            f"with --sandbox {runtime.sandbox_name}, or start workers with the sandbox you mean"
        )
    ours = challenge.fingerprint()
    if ours != job["fingerprint"]:
        return (
            f"worker {host} refused {shown(job['job'], 80)}: its {challenge.id} challenge is version "
            f"{ours[:12]}, the job's is {shown(job['fingerprint'][:12])}: "
            "deploy the same challenges on every worker and on the client"
        )
    image = runtime.identity()
    if image != job["image"]:
        return (
            f"worker {host} refused {shown(job['job'], 80)}: its sandbox image is {image[:19]}, "
            f"the job's is {shown(job['image'][:19])}: build the same image on every worker "
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
            path = Path(scratch, "submission" + kind_suffix(str(job["name"])))  # never the job's own name
            path.write_bytes(spec.decode(str(job["archive"])))
            # the one policy: the submission's faults (unreadable, unsafe, or anything unexpected) are its row
            result = grade_safely(challenge, path, sandbox, label=path.name)
        return result, True
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


def preflight(broker_url: str, key: bytes, sandbox_name: str = "docker") -> tuple[Runtime, str]:
    """Check the broker and the sandbox (Docker, its image); the runtime and a line saying what was found."""
    from ..challenges import list_challenges

    redis = connect_broker(broker_url)
    runtime = Runtime(redis=redis, key=key, sandbox_name=sandbox_name)
    if sandbox_name == "docker":
        from ..sandbox.docker import DockerSandbox

        sandbox = DockerSandbox()
        # DockerUnavailable or ImageMissing, each saying what to do
        found = f"image {sandbox.image_id()[:19]}"
        runtime.docker = sandbox.client
    else:
        found = f"sandbox {runtime.identity()}"
    challenges = ", ".join(f"{c.id} {c.fingerprint()[:12]}" for c in list_challenges())
    return runtime, f"{found}; challenges: {challenges}"


def start_worker(broker_url: str, hostname: str, concurrency: int, runtime: Runtime) -> None:
    """Run a Celery worker (thread pool) on the grading queue until it is stopped."""
    app = make_app(broker_url)
    app.task(name=spec.TASK_NAME, bind=True, acks_late=True, reject_on_worker_lost=True)(grade_task)
    runtime.at_once = concurrency
    install(runtime)
    if runtime.docker is not None:
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
