"""Durable jobs: exclusive claims, recovery after a crash, results written once.

The last test SIGKILLs a real ``grader serve`` in the middle of a 30-submission
batch and starts it again on the same data folder.
"""

from __future__ import annotations

import signal
import socket
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from grader.challenges import Challenge
from grader.errors import DockerUnavailable
from grader.results import GradeResult
from grader.sandbox.base import Sandbox
from grader.sandbox.local import LocalSandbox
from grader.sandbox.owner import pid_namespace
from grader.service.db import Database, sqlite_url
from grader.service.jobs import MAX_ATTEMPTS, JobStore, execute
from grader.service.models import Base, Job, Submission, Team

from .service_support import Api, Server, batch_archive, expected_status, make_team


def _database(tmp_path: Path, jobs: int, team_name: str = "t", db: Database | None = None) -> Database:
    if db is None:
        db = Database(sqlite_url(tmp_path))
        db.upgrade()
    with db.session() as session:
        team = Team(name=team_name)
        session.add(team)
        session.flush()
        for index in range(jobs):
            sub = Submission(
                team_id=team.id,
                challenge_id="hello-world",
                challenge_version="1",
                filename=f"{index}.zip",
                stored_path=f"submissions/{index}.zip",
                content_hash=str(index),
                status="queued",
                grade_count=0,
            )
            session.add(sub)
            session.flush()
            session.add(Job(submission_id=sub.id))
    return db


def _result(status: str = "passed") -> GradeResult:
    return GradeResult("hello-world", status, 1.0, 1.0, "ok", "local", 0.1, challenge_version="1")


def test_migrations_match_the_models(tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    db = Database(sqlite_url(tmp_path))
    db.upgrade()
    db.upgrade()  # idempotent
    with db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_each_job_is_claimed_by_exactly_one_worker(tmp_path: Path) -> None:
    db = _database(tmp_path, 40)
    claims: list[int] = []
    lock = threading.Lock()

    def work(name: str) -> None:
        store = JobStore(db, tmp_path, name)
        while (job := store.claim()) is not None:
            with lock:
                claims.append(job.id)
            assert store.complete(job, _result())

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(claims) == list(range(1, 41))
    with db.session() as session:
        assert {s.grade_count for s in session.scalars(select(Submission))} == {1}


def test_claims_go_round_robin_between_teams(tmp_path: Path) -> None:
    """Finding 7: a team's 10 queued jobs do not hold back another team's 2 uploaded after them."""
    db = _database(tmp_path, 10, "big")
    _database(tmp_path, 2, "small", db)
    with db.session() as session:
        team_of = {s.id: s.team_id for s in session.scalars(select(Submission))}
    store = JobStore(db, tmp_path, "w")
    order = []
    while (job := store.claim()) is not None:
        order.append(team_of[job.submission_id])
        assert store.complete(job, _result())
    assert order[:4] == [1, 2, 1, 2] and order[4:] == [1] * 8
    # with jobs running, the team with fewer running goes first
    _database(tmp_path, 3, "third", db)
    _database(tmp_path, 1, "fourth", db)
    first = store.claim()
    second = store.claim()
    assert first is not None and second is not None
    assert {team_of.get(first.submission_id), team_of.get(second.submission_id)} == {None}  # new teams
    with db.session() as session:
        teams = {session.get_one(Submission, j.submission_id).team_id for j in (first, second)}
    assert teams == {3, 4}


def test_recovery_requeues_running_jobs_and_a_stale_worker_cannot_write(tmp_path: Path) -> None:
    db = _database(tmp_path, 2)
    dead = JobStore(db, tmp_path, "dead:1")
    job = dead.claim()
    assert job is not None
    fresh = JobStore(db, tmp_path, "fresh:2")
    assert fresh.recover() == 1
    with db.session() as session:
        assert session.get_one(Submission, job.submission_id).status == "queued"
    again = fresh.claim()
    assert again is not None and again.id == job.id and again.attempts == 2
    assert not dead.complete(job, _result("failed"))  # the dead process's late write is refused
    assert fresh.complete(again, _result())
    assert not fresh.complete(again, _result())  # and nobody writes twice
    with db.session() as session:
        sub = session.get_one(Submission, job.submission_id)
        assert (sub.status, sub.grade_count, sub.result["status"]) == ("done", 1, "passed")


def test_engine_failures_retry_then_become_an_error_result(tmp_path: Path) -> None:
    db = _database(tmp_path, 1)
    store = JobStore(db, tmp_path, "w")

    def broken(challenge: Challenge, path: Path, sandbox: Sandbox, **how: object) -> GradeResult:
        raise DockerUnavailable("the Docker engine is not running")

    outcomes = []
    while (job := store.claim()) is not None:
        outcomes.append(execute(store, job, LocalSandbox(), broken))
    assert outcomes == ["released"] * (MAX_ATTEMPTS - 1) + ["done"]
    with db.session() as session:
        result = session.get_one(Submission, 1).result
    assert result is not None and result["status"] == "error"
    assert result["message"] == "the grader could not run: the Docker engine is not running"


def _rows(data: Path, query: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(data / "grader.db") as connection:
        return connection.execute(query).fetchall()


@pytest.mark.slow
def test_sigkill_mid_batch_then_restart_finishes_every_job_once(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    api_token = make_team(data, "alpha")
    cases = ["no-escape", "methodview", "no-comma", "index-201", "no-app", "post-allowed"]
    candidates = {f"c{i:02}": cases[i % len(cases)] for i in range(30)}
    # each candidate's content differs, so none is deduplicated away
    unique = {f"c{i:02}/id.txt": f"candidate {i}\n".encode() for i in range(30)}
    tmpdir = tmp_path / "tmpdir"
    tmpdir.mkdir()
    server = Server(data, workers=2, env={"TMPDIR": str(tmpdir)}).start()
    assert server.process is not None
    killed_scratch = data / "tmp" / f"proc-{pid_namespace()}-{server.process.pid}-{socket.gethostname()}"
    api = Api(server, api_token)
    batch = api.post(
        "/batches",
        data={"challenge": "hello-world"},
        files={"file": ("b.tar.gz", batch_archive(candidates, unique))},
    ).json()
    deadline = time.monotonic() + 60
    while api.get(f"/batches/{batch['id']}").json()["progress"]["done"] < 4:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert server.stop(signal.SIGKILL) == -signal.SIGKILL
    done_at_kill = _rows(data, "select count(*) from submissions where status = 'done'")[0][0]
    assert 4 <= done_at_kill < 30
    running_at_kill = _rows(data, "select count(*) from jobs where status = 'running'")[0][0]
    assert killed_scratch.is_dir()  # what the killed process was staging is under its own folder...
    assert not list(tmpdir.glob("grader-sub-*"))  # ...and no candidate code was staged in TMPDIR
    server = Server(data, workers=2).start()
    assert not killed_scratch.exists()  # removed at start: its process is provably dead
    final = Api(server, api_token).wait_done(f"/batches/{batch['id']}", timeout=120)
    assert server.stop() == 0
    assert final["progress"]["done"] == 30 and len(final["submissions"]) == 30
    assert _rows(data, "select count(*), min(grade_count), max(grade_count) from submissions") == [(30, 1, 1)]
    assert _rows(data, "select status, count(*) from jobs group by status") == [("done", 30)]
    retried = _rows(data, "select count(*) from jobs where attempts = 2")[0][0]
    assert retried == running_at_kill
    verdicts = {s["candidate"]: s["result"]["status"] for s in final["submissions"]}
    assert verdicts == {c: expected_status(case) for c, case in candidates.items()}
