"""A worker grades only what the broker key signed, and only in its own sandbox.

Real ``redis-server``, real ``grader worker`` processes (tests/broker_support.py).
The attacker here is anyone who reaches Redis: they can read every job, write
any message, and rewrite or copy the jobs waiting in the queue. Submissions
that must never run carry an ``app.py`` that appends to a file on the host
(``marker_app``): if a refused job ran, even in the local sandbox, the file
would exist.
"""

from __future__ import annotations

import copy
import os
import re
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from grader.challenges import get_challenge
from grader.executors import jobspec as spec
from grader.executors.celery_app import make_app
from grader.sandbox.local import LocalSandbox

from .broker_support import (
    GRADER,
    KEY,
    Cluster,
    finish,
    marker_app,
    push_copy,
    queued,
    read_rows,
    redis_client,
    requeue,
    resign,
    running_cluster,
    submissions,
    wait_for,
    wait_for_queue,
)
from .conftest import PRUNE_GROUP

pytestmark = [pytest.mark.redis, pytest.mark.slow]


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    with running_cluster(tmp_path) as made:
        yield made


def _plain_job(submission: Path, sandbox: str) -> dict[str, Any]:
    """A job in the unsigned format workers used to accept, with the values anyone can compute."""
    name, archive = spec.pack(submission, submission.name)
    return {
        "batch": uuid.uuid4().hex,
        "job": "evil",
        "key": "e" * 64,
        "challenge": "hello-world",
        "fingerprint": get_challenge("hello-world").fingerprint(),
        "sandbox": sandbox,
        "image": LocalSandbox().identity(),
        "force": False,
        "name": name,
        "archive": spec.encode(archive),
    }


def _send(cluster: Cluster, message: object) -> None:
    """Queue ``message`` as a grading task, as anyone who reaches Redis can."""
    app = make_app(cluster.url)
    try:
        app.send_task(spec.TASK_NAME, args=[message])
    finally:
        app.close()


@pytest.mark.docker
@pytest.mark.xdist_group(PRUNE_GROUP)  # a docker worker prunes at start
def test_a_plain_job_asking_for_local_is_refused_and_never_run(
    cluster: Cluster, tmp_path: Path, docker_client: Any
) -> None:
    cluster.worker("w1")  # the docker sandbox, the default
    marker = tmp_path / "ran"
    job = _plain_job(marker_app(tmp_path / "evil", marker), "local")
    _send(cluster, job)
    wait_for(lambda: "refused a forged job" in cluster.log("w1"), 60, "the worker to refuse the job")
    assert "it is not a signed message" in cluster.log("w1")
    # the same job signed with a key that is not the workers'
    from grader.executors.signing import seal

    _send(cluster, seal(b"not-the-workers-key-" * 3, spec.JOB, job, 600))
    wait_for(lambda: "another key" in cluster.log("w1"), 60, "the worker to refuse the other key's job")
    assert not marker.exists(), "a refused job ran on the worker host"
    client = redis_client(cluster)
    assert client.keys(f"{spec.PREFIX}:result:*") == []
    # each is reported in the worker's log and, as each names a batch, to that batch
    notices = client.lrange(spec.done_key(job["batch"]), 0, -1)
    assert len(notices) == 1  # the plain job has no nonce to answer: its refusal is only logged
    assert cluster.workers["w1"].poll() is None


@pytest.mark.docker
@pytest.mark.xdist_group(PRUNE_GROUP)  # a docker worker prunes at start
def test_a_signed_job_for_another_sandbox_is_refused_and_the_batch_says_why(
    cluster: Cluster, tmp_path: Path, docker_client: Any
) -> None:
    cluster.worker("w1")  # docker
    marker = tmp_path / "ran"
    subs = tmp_path / "subs"
    marker_app(subs / "evil", marker)
    code, stderr = finish(cluster.batch("hello-world", subs, tmp_path / "out", "--sandbox", "local"), 120)
    assert code == 3, stderr
    assert (
        "error: worker w1@test refused evil: it grades only in the docker sandbox, "
        "the job asks for local: run the batch with --sandbox docker" in stderr
    )
    assert "it grades only in the docker sandbox" in cluster.log("w1")
    assert not marker.exists(), "the job ran outside the worker's sandbox"
    assert "Traceback" not in stderr


def test_forged_tampered_replayed_and_expired_jobs_are_refused_and_reported(
    cluster: Cluster, tmp_path: Path
) -> None:
    marker = tmp_path / "ran"
    subs = tmp_path / "subs"
    submissions(subs, 6, ["factory-html-escape"])  # s00 ... s05, each a correct solution
    out = tmp_path / "out"
    batch = cluster.batch("hello-world", subs, out, "--sandbox", "local")
    client = redis_client(cluster)
    wait_for_queue(client, 6)  # no worker yet: the signed jobs wait in Redis
    found = {
        body[0][0]["body"]["job"][:3]: (i, message, body) for i, (message, body) in enumerate(queued(client))
    }

    def job(name: str) -> dict[str, Any]:
        return copy.deepcopy(found[name][2][0][0])

    def rewrite(name: str, envelope: dict[str, Any]) -> None:
        index, message, body = found[name]
        requeue(client, index, message, [[envelope], *body[1:]])

    evil_folder = marker_app(tmp_path / "evil", marker)
    evil_name, evil_archive = spec.pack(evil_folder, "evil")
    rewrite("s00", {field: value for field, value in job("s00").items() if field != "mac"})  # unsigned
    tampered = job("s01")
    tampered["body"].update(name=evil_name, archive=spec.encode(evil_archive))  # another submission
    rewrite("s01", tampered)
    push_copy(client, found["s02"][1])  # replayed: the same signed job queued a second time
    rewrite("s03", resign(job("s03"), KEY.encode(), expires=int(time.time()) - 60))  # waited too long
    other = job("s04")
    other["body"].update(name=evil_name, archive=spec.encode(evil_archive))
    rewrite("s04", resign(other, b"an-attackers-own-key-" * 2))  # signed, but not with the key

    cluster.worker("w1", sandbox="local")  # the local sandbox: anything that ran would leave the marker
    code, stderr = finish(batch, 180)  # nothing hangs: every submission gets a row
    assert code == 0, stderr
    rows = read_rows(out)
    assert {i[:3]: r["status"] for i, r in rows.items()} == {
        "s00": "error",
        "s01": "error",
        "s02": "passed",
        "s03": "error",
        "s04": "error",
        "s05": "passed",
    }
    by = {i[:3]: r["message"] for i, r in rows.items()}
    assert "w1@test refused a forged job" in by["s00"] and "not a signed message" in by["s00"]
    for name in ("s01", "s04"):
        assert "refused a forged job" in by[name] and "does not match the broker key" in by[name]
        assert "nothing was run" in by[name]
    assert "w1@test refused an expired job" in by["s03"] and "expired at" in by["s03"]
    for name in ("s00", "s01", "s03", "s04"):
        assert f"warning: {name}-factory-html-escape: worker w1@test refused" in stderr
    # the copy of s02 comes last; the worker refuses it as a replay and tells no one
    wait_for(lambda: "a replay" in cluster.log("w1"), 60, "the worker to refuse the replayed job")
    log = cluster.log("w1")
    assert "refused job s02-factory-html-escape of batch" in log
    assert log.count("refused a forged job") == 3 and log.count("refused an expired job") == 1
    assert not marker.exists(), "a refused job ran"
    assert len(client.keys(f"{spec.PREFIX}:result:*")) == 2  # s02 and s05, each graded once
    batch_id = found["s00"][2][0][0]["body"]["batch"]
    assert client.llen(spec.done_key(batch_id)) == 0  # the replay was answered by no notice


def _no_key_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("GRADER_BROKER_KEY", "GRADER_BROKER_KEY_FILE")}


def test_a_worker_without_the_key_exits_2_saying_how_to_give_it(tmp_path: Path) -> None:
    command = [*GRADER, "worker", "--broker", "redis://127.0.0.1:9/0"]
    done = subprocess.run(command, capture_output=True, text=True, env=_no_key_env(), timeout=60)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(
        "error: no broker key: set GRADER_BROKER_KEY or pass --broker-key-file FILE "
        "(or GRADER_BROKER_KEY_FILE=FILE)"
    )
    assert done.stderr.count("\n") == 1
    key = tmp_path / "key"
    key.write_text(KEY)
    key.chmod(0o644)
    env = {**_no_key_env(), "GRADER_BROKER_KEY_FILE": str(key)}
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 2, done.stderr
    assert f"error: the broker key file {key} is open to others (mode 0644): chmod 600 {key}" in done.stderr
    assert done.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("batch", "../../x", "its batch id is malformed"),
        ("key", "*", "its result key is malformed"),
        ("force", "yes", "its force flag is malformed"),
        ("archive", None, "its field 'archive' is missing or malformed"),
    ],
)
def test_a_signed_but_malformed_job_is_refused_and_names_no_redis_key(
    cluster: Cluster, tmp_path: Path, caplog: pytest.LogCaptureFixture, field: str, value: object, says: str
) -> None:
    """Even the key's holder cannot make a worker build a Redis key or a file name from a bad field."""
    from grader.executors.signing import seal
    from grader.executors.worker import Runtime, handle

    client = redis_client(cluster)
    job = _plain_job(marker_app(tmp_path / "evil", tmp_path / "ran"), "local")
    job[field] = value
    runtime = Runtime(redis=client, key=KEY.encode(), sandbox_name="local")
    with caplog.at_level("WARNING", logger="grader.worker"):
        handle(runtime, seal(KEY.encode(), spec.JOB, job, 600), "w@test")
    assert "w@test refused a forged job" in caplog.text and f"it is signed but {says}" in caplog.text
    assert not (tmp_path / "ran").exists()
    # at most the refusal's notice, on the done list of a well-formed batch id
    assert all(re.fullmatch(rb"flask-grader:batch:[0-9a-f]{32}:done", k) for k in client.keys("*"))
