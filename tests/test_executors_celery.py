"""Distributed grading: a real ``redis-server`` on loopback and real ``grader worker`` processes.

Two workers on this machine stand for two hosts (distinct ``--hostname``).
Each test gets its own Redis on a free port (append-only file on, so a
restart keeps the queue) and its own workers, stopped in teardown.
"""

from __future__ import annotations

import csv
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import GOLDEN, ROOT, owned_containers

pytestmark = [pytest.mark.redis, pytest.mark.slow]
HELLO = GOLDEN / "hello-world"
GRADER = [sys.executable, "-m", "grader"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.2)


class Cluster:
    """A redis-server and grader workers, all processes of this test."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.data = tmp / "redis"
        self.data.mkdir()
        self.redis: subprocess.Popen[bytes] | None = None
        self.workers: dict[str, subprocess.Popen[bytes]] = {}
        self.start_redis()

    def start_redis(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.data)]
        command += ["--appendonly", "yes", "--appendfsync", "always", "--save", ""]
        with open(self.tmp / "redis.log", "ab") as log:  # the child keeps its own copy of the fd
            self.redis = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        _wait_for(self._redis_up, 20, "redis-server")

    def _redis_up(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop_redis(self) -> None:
        assert self.redis is not None
        self.redis.terminate()  # SIGTERM: redis flushes its append-only file and exits
        self.redis.wait(timeout=20)

    def worker(self, name: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        log = self.tmp / f"{name}.log"
        command = [*GRADER, "worker", "--broker", self.url, "-n", f"{name}@test", "-c", "1"]
        with open(log, "wb") as stderr:
            proc = subprocess.Popen(
                command, stdout=subprocess.DEVNULL, stderr=stderr, env={**os.environ, **(env or {})}
            )
        self.workers[name] = proc
        _wait_for(lambda: b" ready." in log.read_bytes() or proc.poll() is not None, 60, f"worker {name}")
        assert proc.poll() is None, log.read_text()
        return proc

    def batch(
        self, challenge: str, subs: Path, out: Path, *extra: str, **popen: Any
    ) -> subprocess.Popen[str]:
        command = [*GRADER, "batch", challenge, str(subs), "--out", str(out), "--broker", self.url, *extra]
        return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)

    def close(self) -> None:
        for proc in self.workers.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.workers.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self.redis is not None and self.redis.poll() is None:
            self.redis.kill()
            self.redis.wait()


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is not installed: scripts/lib.sh ensure_packages installs it")
    made = Cluster(tmp_path)
    try:
        yield made
    finally:
        made.close()


def _submissions(root: Path, count: int, cases: list[str] | None = None) -> None:
    """``count`` distinct submissions cycling through golden hello-world cases (correct, buggy, broken).

    Each gets its own ``id.txt``, so no two share a result key (identical
    content would be graded once and its result reused).
    """
    names = cases or sorted(p.name for p in HELLO.iterdir())
    root.mkdir(parents=True)
    for i in range(count):
        target = root / f"s{i:02d}-{names[i % len(names)]}"
        shutil.copytree(HELLO / names[i % len(names)], target)
        (target / "id.txt").write_text(f"{i}\n")


def _rows(out: Path) -> dict[str, dict[str, str]]:
    with open(out / "results.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids)), "a submission has two rows"
    return {row["id"]: row for row in rows}


def _finish(proc: subprocess.Popen[str], timeout: float) -> tuple[int, str]:
    try:
        _, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, stderr = proc.communicate()
        pytest.fail(f"the batch did not finish in {timeout:g} s: {stderr[-2000:]}")
    return proc.returncode, stderr


def test_two_workers_give_the_local_verdicts(cluster: Cluster, tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    _submissions(subs, 39)
    (subs / "s39-broken.zip").write_text("not a zip")  # a poisoned job among them
    for name in ("w1", "w2"):
        cluster.worker(name)
    command = [*GRADER, "batch", "hello-world", str(subs), "--out", str(tmp_path / "local")]
    local = subprocess.run([*command, "--sandbox", "local", "--jobs", "2"], capture_output=True, text=True)
    assert local.returncode == 0, local.stderr
    code, stderr = _finish(cluster.batch("hello-world", subs, tmp_path / "dist", "--sandbox", "local"), 600)
    assert code == 0, stderr
    expected, rows = _rows(tmp_path / "local"), _rows(tmp_path / "dist")
    verdict = ("status", "score", "max_score", "failed_tests")
    assert {i: [r[k] for k in verdict] for i, r in rows.items()} == {
        i: [r[k] for k in verdict] for i, r in expected.items()
    }
    assert len(rows) == 40
    assert {r["status"] for r in rows.values()} == {"passed", "failed", "error"}
    assert {r["host"] for r in rows.values()} == {"w1@test", "w2@test"}
    assert "not a readable archive" in rows["s39-broken"]["message"]
    assert "[40/40]" in stderr  # the live progress line, fed by arriving results


def test_a_killed_workers_job_is_graded_again_in_docker(
    cluster: Cluster, tmp_path: Path, docker_client: Any
) -> None:
    subs = tmp_path / "subs"
    _submissions(subs, 6, ["no-escape", "factory-html-escape"])
    doomed = cluster.worker("w1")
    cluster.worker("w2")
    batch = cluster.batch("hello-world", subs, tmp_path / "out")
    _wait_for(lambda: owned_containers(docker_client, doomed.pid), 120, "a grading on w1")
    doomed.send_signal(signal.SIGKILL)
    killed_at = time.monotonic()
    doomed.wait()  # reaped, as its supervisor would: a zombie's pid still looks alive to prune
    code, stderr = _finish(batch, 240)
    assert code == 0, stderr
    recovered_in = time.monotonic() - killed_at
    rows = _rows(tmp_path / "out")
    assert len(rows) == 6 and len(list((tmp_path / "out" / "results").glob("*.json"))) == 6
    assert {r["host"] for r in rows.values()} == {"w2@test"}  # w1 died during its first job
    assert {r["status"] for r in rows.values()} <= {"passed", "failed"}, rows
    # the visibility timeout (30 s) plus the restore sweep (5 s) bound the redelivery
    assert recovered_in < 60, f"the batch needed {recovered_in:.0f} s after the kill"
    _wait_for(lambda: not owned_containers(docker_client, doomed.pid), 30, "w2 to prune w1's containers")


def test_a_redis_restart_mid_batch_is_waited_out(cluster: Cluster, tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    _submissions(subs, 12)
    for name in ("w1", "w2"):
        cluster.worker(name)
    out = tmp_path / "out"
    batch = cluster.batch("hello-world", subs, out, "--sandbox", "local")
    _wait_for(lambda: len(list((out / "results").glob("*.json"))) >= 3, 120, "the first results")
    cluster.stop_redis()
    time.sleep(2)
    cluster.start_redis()
    code, stderr = _finish(batch, 240)
    assert code == 0, stderr
    rows = _rows(out)
    assert len(rows) == 12
    assert "error" not in {r["status"] for r in rows.values() if "no-app" not in r["id"]}, rows


def test_poisoned_jobs_become_error_rows_and_never_block_the_queue(cluster: Cluster, tmp_path: Path) -> None:
    cluster.worker("w1")
    # a challenge the client has and the worker does not
    extra = tmp_path / "challenges"
    shutil.copytree(ROOT / "challenges", extra)
    shutil.copytree(extra / "hello-world", extra / "hello-copy")
    manifest = extra / "hello-copy" / "challenge.toml"
    manifest.write_text(manifest.read_text().replace('id = "hello-world"', 'id = "hello-copy"'))
    subs = tmp_path / "subs"
    _submissions(subs, 3, ["no-escape", "factory-html-escape"])
    (subs / "unreadable.zip").write_bytes(b"PK\x03\x04 truncated")
    env = {**os.environ, "GRADER_CHALLENGES": str(extra)}
    code, stderr = _finish(
        cluster.batch("hello-copy", subs, tmp_path / "unknown", "--sandbox", "local", env=env), 120
    )
    assert code == 0, stderr
    unknown = _rows(tmp_path / "unknown")
    assert len(unknown) == 4 and {r["status"] for r in unknown.values()} == {"error"}
    assert all(
        "w1@test cannot grade it: unknown challenge 'hello-copy'" in r["message"] for r in unknown.values()
    )
    # the same worker goes on with the next batch; the unreadable archive is that submission's row
    code, stderr = _finish(cluster.batch("hello-world", subs, tmp_path / "known", "--sandbox", "local"), 120)
    assert code == 0, stderr
    known = _rows(tmp_path / "known")
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
    cluster.worker("old", env={"GRADER_CHALLENGES": str(other)})
    subs = tmp_path / "subs"
    _submissions(subs, 2, ["no-escape"])
    code, stderr = _finish(cluster.batch("hello-world", subs, tmp_path / "out", "--sandbox", "local"), 120)
    assert code == 3, stderr
    assert "error: worker old@test refused s0" in stderr
    assert "challenge is version" in stderr and "deploy the same challenges on every worker" in stderr
    assert "Traceback" not in stderr
