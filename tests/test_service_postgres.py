"""The service on PostgreSQL (``DATABASE_URL``), when a PostgreSQL server is installed.

A throw-away cluster is created with ``initdb`` in a temporary folder and
listens on a Unix socket only; it is stopped and removed afterwards.
Skipped, with the reason, on a machine without PostgreSQL (``apt-get install
postgresql`` provides it).
"""

from __future__ import annotations

import glob
import io
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .service_support import golden_zip

pytestmark = pytest.mark.slow


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    bin_dir = _pg_bin()
    if bin_dir is None:
        pytest.skip("no PostgreSQL server installed (apt-get install postgresql to run this test)")
    folder = Path(tempfile.mkdtemp(prefix="grader-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:  # postgres refuses to run as root
        shutil.chown(folder, "postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    data = folder / "data"
    port = "55432"

    def run(*args: str) -> None:
        subprocess.run([*prefix, *args], check=True, capture_output=True, timeout=120)

    run(str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync")
    run(str(bin_dir / "pg_ctl"), "-D", str(data), "-w", "-l", str(folder / "log"),
        "-o", f"-p {port} -k {folder} -c listen_addresses='' -c fsync=off", "start")  # fmt: skip
    try:
        yield f"postgresql+psycopg://postgres@/postgres?host={folder}&port={port}"
    finally:
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(folder, ignore_errors=True)


def test_migrations_and_exclusive_claims_on_postgres(database_url: str, tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from grader.service.db import Database
    from grader.service.jobs import JobStore
    from grader.service.models import Base, Job, Submission, Team

    db = Database(database_url)
    db.upgrade()
    with db.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    with db.session() as session:
        team = Team(name="pg-claims")
        session.add(team)
        session.flush()
        for index in range(30):
            sub = Submission(
                team_id=team.id, challenge_id="hello-world", challenge_version="1", filename="a.zip",
                stored_path="a.zip", content_hash=str(index), status="queued", grade_count=0,
            )  # fmt: skip
            session.add(sub)
            session.flush()
            session.add(Job(submission_id=sub.id))
    claims: list[int] = []

    def work(name: str) -> None:
        store = JobStore(db, tmp_path, name)
        while (job := store.claim()) is not None:
            claims.append(job.id)

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(claims) == 30 == len(set(claims))
    db.dispose()


def test_upload_and_grade_through_the_api_on_postgres(database_url: str, tmp_path: Path) -> None:
    from grader.service.app import create_app, service
    from grader.service.auth import new_token
    from grader.service.models import Team

    app = create_app(
        {"DATA_DIR": str(tmp_path), "DATABASE_URL": database_url, "SANDBOX": "local", "WORKERS": 1}
    )
    try:
        with app.app_context(), service().db.session() as session:
            team = Team(name="pg-api")
            session.add(team)
            session.flush()
            _, token = new_token(session, team)
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        answer = client.post(
            "/api/v1/submissions",
            headers=headers,
            data={"challenge": "hello-world", "file": (io.BytesIO(golden_zip("no-comma")), "a.zip")},
        )
        assert answer.status_code == 202, answer.get_data(as_text=True)
        deadline = time.monotonic() + 60
        while (body := client.get(f"/api/v1/submissions/{answer.json['id']}", headers=headers).json)[
            "status"
        ] != "done":
            assert time.monotonic() < deadline
            time.sleep(0.2)
        assert body["result"]["status"] == "failed"
        _regrades_are_idempotent(app, headers, answer.json["id"])
        assert client.get(f"/api/v1/submissions/{2**31}", headers=headers).status_code == 404  # not int4
    finally:
        app.extensions["grader"].stop()
        app.extensions["grader"].db.dispose()


def _regrades_are_idempotent(app: Any, headers: dict[str, str], submission_id: int) -> None:
    """Issue 17, finding 12: eight regrades at once on PostgreSQL queue exactly one job."""
    from sqlalchemy import func, select

    from grader.service.app import service
    from grader.service.models import Job

    barrier = threading.Barrier(8)
    codes: list[int] = []

    def regrade() -> None:
        client = app.test_client()
        barrier.wait(timeout=10)
        codes.append(client.post(f"/api/v1/submissions/{submission_id}/regrade", headers=headers).status_code)

    threads = [threading.Thread(target=regrade) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    with app.app_context(), service().db.session() as session:
        jobs = session.scalar(select(func.count(Job.id)).where(Job.submission_id == submission_id))
    assert jobs == 2 and codes == [202] * 8
