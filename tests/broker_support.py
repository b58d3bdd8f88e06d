"""Helpers for the broker tests: a real ``redis-server`` on loopback, real ``grader worker`` processes.

Each test gets its own Redis on a free port (append-only file on, so a
restart keeps the queue) and its own workers, stopped in teardown. Workers
read the broker key from a file (``--broker-key-file``), batches from
``GRADER_BROKER_KEY``. :func:`queued` and :func:`requeue` read and rewrite
the jobs waiting in Redis the way anyone who reaches Redis can.
"""

from __future__ import annotations

import base64
import csv
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from .conftest import GOLDEN, free_port

HELLO = GOLDEN / "hello-world"
GRADER = [sys.executable, "-m", "grader"]
#: The broker key of these tests' clients and workers (any 32+ characters; never stored in Redis).
KEY = "test-broker-key-" + "0123456789abcdef" * 3
#: The Redis list Celery's queue lives in (kombu's Redis transport).
QUEUE_LIST = "flask-grader"


def wait_for(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.2)


class Cluster:
    """A redis-server and grader workers, all processes of this test."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.data = tmp / "redis"
        self.data.mkdir()
        self.redis: subprocess.Popen[bytes] | None = None
        self.workers: dict[str, subprocess.Popen[bytes]] = {}
        self.key_file = tmp / "broker.key"
        self.key_file.write_text(KEY + "\n")
        self.key_file.chmod(0o600)
        #: what every batch runs with: the key in the environment, no key file
        self.env = {**os.environ, "GRADER_BROKER_KEY": KEY}
        self.env.pop("GRADER_BROKER_KEY_FILE", None)
        self.start_redis()

    def start_redis(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.data)]
        command += ["--appendonly", "yes", "--appendfsync", "always", "--save", ""]
        with open(self.tmp / "redis.log", "ab") as log:  # the child keeps its own copy of the fd
            self.redis = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        wait_for(self._redis_up, 20, "redis-server")

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

    def worker(
        self, name: str, env: dict[str, str] | None = None, sandbox: str = "docker"
    ) -> subprocess.Popen[bytes]:
        """A ``grader worker`` grading in ``sandbox``, with the key from its file."""
        log = self.tmp / f"{name}.log"
        command = [*GRADER, "worker", "--broker", self.url, "-n", f"{name}@test", "-c", "1"]
        command += ["--sandbox", sandbox, "--broker-key-file", str(self.key_file)]
        environ = {**os.environ, **(env or {})}
        environ.pop("GRADER_BROKER_KEY", None)
        with open(log, "ab") as stderr:
            proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr, env=environ)
        self.workers[name] = proc
        wait_for(lambda: b" ready." in log.read_bytes() or proc.poll() is not None, 60, f"worker {name}")
        assert proc.poll() is None, log.read_text()
        return proc

    def log(self, name: str) -> str:
        return (self.tmp / f"{name}.log").read_text(errors="replace")

    def stop_worker(self, name: str) -> None:
        proc = self.workers[name]
        proc.terminate()  # a warm shutdown: the job under way finishes first
        proc.wait(timeout=60)

    def batch(
        self, challenge: str, subs: Path, out: Path, *extra: str, **popen: Any
    ) -> subprocess.Popen[str]:
        command = [*GRADER, "batch", challenge, str(subs), "--out", str(out), "--broker", self.url, *extra]
        popen["env"] = {**self.env, **popen.get("env", {})}
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


@contextmanager
def running_cluster(tmp_path: Path) -> Iterator[Cluster]:
    """A cluster for one test; FAILS (never skips) without redis-server."""
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is not installed: scripts/lib.sh ensure_packages installs it")
    made = Cluster(tmp_path)
    try:
        yield made
    finally:
        made.close()


def submissions(root: Path, count: int, cases: list[str] | None = None) -> None:
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


def read_rows(out: Path) -> dict[str, dict[str, str]]:
    with open(out / "results.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids)), "a submission has two rows"
    return {row["id"]: row for row in rows}


def finish(proc: subprocess.Popen[str], timeout: float) -> tuple[int, str]:
    try:
        _, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, stderr = proc.communicate()
        pytest.fail(f"the batch did not finish in {timeout:g} s: {stderr[-2000:]}")
    return proc.returncode, stderr


def redis_client(cluster: Cluster) -> Any:
    import redis

    return redis.Redis.from_url(cluster.url, socket_timeout=10)


def wait_for_queue(client: Any, count: int, timeout: float = 60) -> None:
    """Wait until ``count`` job messages wait in the queue (no worker is running)."""
    wait_for(lambda: client.llen(QUEUE_LIST) >= count, timeout, f"{count} queued jobs")


def queued(client: Any) -> list[tuple[dict[str, Any], list[Any]]]:
    """The messages waiting in the queue, oldest first: kombu's envelope and the task's decoded body.

    kombu pushes on the left and pops on the right; the body is base64 of
    Celery's ``[args, kwargs, embed]`` JSON.
    """
    found = []
    for raw in reversed(client.lrange(QUEUE_LIST, 0, -1)):
        message = json.loads(raw)
        found.append((message, json.loads(base64.b64decode(message["body"]))))
    return found


def requeue(client: Any, index: int, message: dict[str, Any], body: list[Any]) -> None:
    """Write ``body`` back as the task body of the ``index``-th oldest message (in place)."""
    message = {**message, "body": base64.b64encode(json.dumps(body).encode()).decode()}
    client.lset(QUEUE_LIST, -1 - index, json.dumps(message))


def push_copy(client: Any, message: dict[str, Any]) -> None:
    """Queue a copy of ``message`` as a new delivery (fresh tag and task id): a replay."""
    import uuid

    copy = json.loads(json.dumps(message))
    copy["properties"]["delivery_tag"] = str(uuid.uuid4())
    copy["headers"]["id"] = copy["headers"]["root_id"] = str(uuid.uuid4())
    copy["properties"]["correlation_id"] = copy["headers"]["id"]
    client.lpush(QUEUE_LIST, json.dumps(copy))


def resign(envelope: dict[str, Any], key: bytes, **changes: Any) -> dict[str, Any]:
    """``envelope`` with ``changes`` and a MAC under ``key`` (its nonce kept, as a copier would)."""
    import hashlib
    import hmac

    from grader.executors.signing import canonical

    unsigned = {name: value for name, value in envelope.items() if name != "mac"} | changes
    return {**unsigned, "mac": hmac.new(key, canonical(unsigned), hashlib.sha256).hexdigest()}


def marker_app(root: Path, marker: Path) -> Path:
    """A submission whose import appends to ``marker``, a host path only an unsandboxed run reaches."""
    root.mkdir(parents=True)
    shutil.copytree(HELLO / "factory-html-escape", root, dirs_exist_ok=True)
    app = root / "app.py"
    app.write_text(f"open({str(marker)!r}, 'a').write('ran\\n')\n" + app.read_text())
    return root
