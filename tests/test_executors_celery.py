"""Distributed grading: a real ``redis-server`` on loopback and real ``grader worker`` processes.

Two workers on this machine stand for two hosts (distinct ``--hostname``).
Each test gets its own Redis on a free port (append-only file on, so a
restart keeps the queue) and its own workers, stopped in teardown (see
``tests/broker_support.py``). Here: the client side (``grader batch
--broker``), including results planted in Redis, which it must never accept;
the attacks on jobs (forged, tampered, replayed, expired, another sandbox)
are in ``tests/test_executors_worker.py``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from grader.executors.base import this_host

from .broker_support import (
    GRADER,
    KEY,
    Cluster,
    finish,
    queued,
    read_rows,
    redis_client,
    running_cluster,
    submissions,
    wait_for,
    wait_for_queue,
)
from .conftest import PRUNE_GROUP, ROOT, owned_containers

pytestmark = [pytest.mark.redis, pytest.mark.slow]


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    with running_cluster(tmp_path) as made:
        yield made


@pytest.mark.slow(seconds=40)
def test_two_workers_give_the_local_verdicts(cluster: Cluster, tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    submissions(subs, 39)
    (subs / "s39-broken.zip").write_text("not a zip")  # a poisoned job among them
    # a one-file submission travels as itself and is graded as its app.py, as locally
    (subs / "s40-one-file.py").write_bytes((ROOT / "challenges/hello-world/solution/app.py").read_bytes())
    command = [*GRADER, "batch", "hello-world", str(subs), "--out", str(tmp_path / "local")]
    # The local batch (the reference) runs while the workers start and grade: the two are
    # independent (their own output folders, read-only submissions), and each grading mostly
    # waits, so side by side they take the time of one instead of two.
    pipes: dict[str, Any] = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
    local = subprocess.Popen([*command, "--sandbox", "local", "--jobs", "2"], **pipes)
    try:
        for name in ("w1", "w2"):
            cluster.worker(name, sandbox="local")
        distributed = cluster.batch("hello-world", subs, tmp_path / "dist", "--sandbox", "local")
        code, stderr = finish(distributed, 600)
    finally:
        local_code, local_stderr = finish(local, 600)
    assert local_code == 0, local_stderr
    assert code == 0, stderr
    expected, rows = read_rows(tmp_path / "local"), read_rows(tmp_path / "dist")
    verdict = ("status", "score", "max_score", "failed_tests")
    assert {i: [r[k] for k in verdict] for i, r in rows.items()} == {
        i: [r[k] for k in verdict] for i, r in expected.items()
    }
    assert len(rows) == 41 and rows["s40-one-file"]["status"] == "passed"
    assert {r["status"] for r in rows.values()} == {"passed", "failed", "error"}
    assert {r["host"] for i, r in rows.items() if i != "s39-broken"} == {"w1@test", "w2@test"}
    # staged once, by the batch: refused here, before any job is sent (its own row, never a job)
    assert "not a readable archive" in rows["s39-broken"]["message"]
    assert rows["s39-broken"]["host"] == this_host()
    assert "[41/41]" in stderr  # the live progress line, fed by arriving results


@pytest.mark.docker
@pytest.mark.xdist_group(PRUNE_GROUP)  # docker workers prune at start
@pytest.mark.slow(seconds=40)  # waits out the broker's 30 s visibility timeout: the claim is that bound
def test_a_killed_workers_job_is_graded_again_in_docker(
    cluster: Cluster, tmp_path: Path, docker_client: Any
) -> None:
    subs = tmp_path / "subs"
    submissions(subs, 6, ["no-escape", "factory-html-escape"])
    doomed = cluster.worker("w1")
    cluster.worker("w2")
    batch = cluster.batch("hello-world", subs, tmp_path / "out")

    def kept_by_w1() -> list[Any]:  # a worker grades in runners it keeps (two per job), as a batch does
        return [c for c in owned_containers(docker_client, doomed.pid) if "--kept" in c.attrs["Command"]]

    wait_for(kept_by_w1, 120, "a runner kept by w1")
    doomed.send_signal(signal.SIGKILL)
    killed_at = time.monotonic()
    doomed.wait()  # reaped, as its supervisor would: a zombie's pid still looks alive to prune
    code, stderr = finish(batch, 240)
    assert code == 0, stderr
    recovered_in = time.monotonic() - killed_at
    rows = read_rows(tmp_path / "out")
    assert len(rows) == 6 and len(list((tmp_path / "out" / "results").glob("*.json"))) == 6
    assert {r["host"] for r in rows.values()} == {"w2@test"}  # w1 died during its first job
    assert {r["status"] for r in rows.values()} <= {"passed", "failed"}, rows
    # the visibility timeout (30 s) plus the restore sweep (5 s) bound the redelivery
    assert recovered_in < 60, f"the batch needed {recovered_in:.0f} s after the kill"
    wait_for(lambda: not owned_containers(docker_client, doomed.pid), 30, "w2 to prune w1's containers")


def test_a_redis_restart_mid_batch_is_waited_out(cluster: Cluster, tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    submissions(subs, 12)
    for name in ("w1", "w2"):
        cluster.worker(name, sandbox="local")
    out = tmp_path / "out"
    batch = cluster.batch("hello-world", subs, out, "--sandbox", "local")
    wait_for(lambda: len(list((out / "results").glob("*.json"))) >= 3, 120, "the first results")
    cluster.stop_redis()
    time.sleep(2)
    cluster.start_redis()
    code, stderr = finish(batch, 240)
    assert code == 0, stderr
    rows = read_rows(out)
    assert len(rows) == 12
    assert "error" not in {r["status"] for r in rows.values() if "no-app" not in r["id"]}, rows


def test_poisoned_jobs_become_error_rows_and_never_block_the_queue(cluster: Cluster, tmp_path: Path) -> None:
    cluster.worker("w1", sandbox="local")
    # a challenge the client has and the worker does not
    extra = tmp_path / "challenges"
    shutil.copytree(ROOT / "challenges", extra)
    shutil.copytree(extra / "hello-world", extra / "hello-copy")
    manifest = extra / "hello-copy" / "challenge.toml"
    manifest.write_text(manifest.read_text().replace('id = "hello-world"', 'id = "hello-copy"'))
    subs = tmp_path / "subs"
    submissions(subs, 3, ["no-escape", "factory-html-escape"])
    (subs / "unreadable.zip").write_bytes(b"PK\x03\x04 truncated")
    env = {"GRADER_CHALLENGES": str(extra)}
    code, stderr = finish(
        cluster.batch("hello-copy", subs, tmp_path / "unknown", "--sandbox", "local", env=env), 120
    )
    assert code == 0, stderr
    unknown = read_rows(tmp_path / "unknown")
    assert len(unknown) == 4 and {r["status"] for r in unknown.values()} == {"error"}
    assert all(
        "w1@test cannot grade it: unknown challenge 'hello-copy'" in r["message"]
        for i, r in unknown.items()
        if i != "unreadable"  # refused while the batch staged it: never sent
    )
    assert "not a readable archive" in unknown["unreadable"]["message"]
    # the same worker goes on with the next batch; the unreadable archive is that submission's row
    code, stderr = finish(cluster.batch("hello-world", subs, tmp_path / "known", "--sandbox", "local"), 120)
    assert code == 0, stderr
    known = read_rows(tmp_path / "known")
    assert {i: r["status"] for i, r in known.items()} == {
        "s00-no-escape": "failed",
        "s01-factory-html-escape": "passed",
        "s02-no-escape": "failed",
        "unreadable": "error",
    }
    assert "not a readable archive" in known["unreadable"]["message"]


def test_a_worker_with_another_challenge_version_refuses(cluster: Cluster, tmp_path: Path) -> None:
    other = tmp_path / "challenges"
    shutil.copytree(ROOT / "challenges", other)
    hidden = next((other / "hello-world" / "tests" / "hidden").glob("test_*.py"))
    hidden.write_text(hidden.read_text() + "\n# a newer revision of the tests\n")
    cluster.worker("old", env={"GRADER_CHALLENGES": str(other)}, sandbox="local")
    subs = tmp_path / "subs"
    submissions(subs, 2, ["no-escape"])
    code, stderr = finish(cluster.batch("hello-world", subs, tmp_path / "out", "--sandbox", "local"), 120)
    assert code == 3, stderr
    assert "error: worker old@test refused s0" in stderr
    assert "challenge is version" in stderr and "deploy the same challenges on every worker" in stderr
    assert "Traceback" not in stderr


def test_results_planted_in_redis_are_refused_and_regraded(cluster: Cluster, tmp_path: Path) -> None:
    """A verdict written into Redis by anyone but a worker with the key is never accepted (item 3)."""
    from grader.batch import BatchRun, cache_key
    from grader.candidates import discover
    from grader.challenges import get_challenge
    from grader.executors import jobspec as spec
    from grader.executors.signing import seal
    from grader.sandbox import make_sandbox
    from grader.staging import staged_candidates

    subs = tmp_path / "subs"
    submissions(subs, 1, ["factory-html-escape"])
    submissions(subs / "more", 3, ["no-app"])  # app-less: "error" whatever they claim
    for made in (subs / "more").iterdir():
        made.rename(subs / f"{made.name[:3].replace('s', 'n')}-no-app")
    (subs / "more").rmdir()
    cluster.worker("w1", sandbox="local")
    client = redis_client(cluster)
    # a genuine verdict, signed by the worker, for the correct solution
    code, stderr = finish(cluster.batch("hello-world", subs, tmp_path / "first", "--sandbox", "local"), 120)
    assert code == 0, stderr
    layout = BatchRun(get_challenge("hello-world"), make_sandbox("local"), tmp_path / "scratch")
    with staged_candidates(discover(subs)) as staged:
        keys = {i[:3]: cache_key(c.key, layout.challenge_hash, layout.image) for i, c in staged.items()}
    genuine = json.loads(client.get(spec.result_key(keys["s00"])))
    passed = genuine["body"]["result"]
    assert passed["status"] == "passed"
    # what anyone who reaches Redis can write: the verdict "passed 12/12" for the app-less ones
    planted = {
        "n00": json.dumps({"result": passed, "host": "evil", "image": layout.image}),  # unsigned
        "n01": json.dumps(
            seal(b"an-attackers-own-key-" * 2, spec.RESULT, {"key": keys["n01"], "result": passed}, 600)
        ),
        "n02": json.dumps(genuine),  # authentic, but signed for s00's inputs: replayed for another job
    }
    for name, text in planted.items():
        client.set(spec.result_key(keys[name]), text)
    cluster.stop_worker("w1")
    out = tmp_path / "out"
    batch = cluster.batch("hello-world", subs, out, "--sandbox", "local", "--force")
    wait_for_queue(client, 4)  # --force: each is sent to the workers, none is taken from Redis
    batch_id = queued(client)[0][1][0][0]["body"]["batch"]
    # forged notices on the batch's done list, before any worker answers
    forged = {"job": "n00-no-app", "kind": "result", "cacheable": True, "result": passed, "host": "evil"}
    other = {**forged, "batch": uuid.uuid4().hex, "job": "n01-no-app", "job_nonce": "0" * 32}
    captured = seal(KEY.encode(), spec.NOTICE, other, 600)  # a genuine notice of another batch
    for notice in (forged, seal(b"an-attackers-own-key-" * 2, spec.NOTICE, forged, 600), captured):
        client.rpush(spec.done_key(batch_id), json.dumps(notice))
    client.rpush(spec.done_key(batch_id), b"\xff not json")
    cluster.worker("w2", sandbox="local")
    code, stderr = finish(batch, 180)
    assert code == 0, stderr
    rows = read_rows(out)
    assert {i: r["status"] for i, r in rows.items()} == {
        "s00-factory-html-escape": "passed",
        "n00-no-app": "error",
        "n01-no-app": "error",
        "n02-no-app": "error",
    }
    assert all("Failed to find Flask application" in rows[f"n0{i}-no-app"]["message"] for i in range(3)), rows
    assert {r["host"] for r in rows.values()} == {"w2@test"}
    assert "warning: refused a notice in the broker: it is not a signed message" in stderr
    assert "warning: refused a notice in the broker: its signature does not match the broker key" in stderr
    assert "warning: refused a signed notice that answers another batch (replayed)" in stderr
    assert "warning: refused a notice in the broker that is not JSON" in stderr
    assert "Traceback" not in stderr
    # without --force the planted values are refused too, reported, and graded again
    for name, text in planted.items():
        client.set(spec.result_key(keys[name]), text)
    code, stderr = finish(cluster.batch("hello-world", subs, tmp_path / "again", "--sandbox", "local"), 180)
    assert code == 0, stderr
    again = read_rows(tmp_path / "again")
    assert {i: r["status"] for i, r in again.items()} == {i: r["status"] for i, r in rows.items()}
    assert (
        "warning: n00-no-app: refused the result stored before this batch: it is not a signed message"
        in stderr
    )
    assert (
        "warning: n01-no-app: refused the result stored before this batch: its signature does not match"
        in stderr
    )
    assert (
        "warning: n02-no-app: refused the result stored before this batch: it is signed for other inputs"
        in stderr
    )
    assert "ignored the result stored for" in cluster.log("w2")
    for name in ("n00", "n01", "n02"):  # replaced by the worker's own signed verdict
        stored = json.loads(client.get(spec.result_key(keys[name])))
        assert stored["body"]["key"] == keys[name] and stored["body"]["result"]["status"] == "error"


def test_a_batch_without_the_key_exits_2_before_writing_anything(tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    submissions(subs, 1, ["no-escape"])
    env = {k: v for k, v in os.environ.items() if k not in ("GRADER_BROKER_KEY", "GRADER_BROKER_KEY_FILE")}
    command = [*GRADER, "batch", "hello-world", str(subs), "--out", str(tmp_path / "out")]
    command += ["--broker", "redis://127.0.0.1:9/0"]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(
        "error: no broker key: set GRADER_BROKER_KEY or pass --broker-key-file FILE"
    )
    assert done.stderr.count("\n") == 1
    assert not (tmp_path / "out").exists()
    done = subprocess.run(command, capture_output=True, text=True, env={**env, "GRADER_BROKER_KEY": "short"})
    assert done.returncode == 2 and "shorter than 32 characters" in done.stderr, done.stderr
