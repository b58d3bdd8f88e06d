"""The service on a real PostgreSQL server (``DATABASE_URL``).

A throw-away cluster is created with ``initdb`` in a temporary folder, started
with ``pg_ctl`` on a free loopback port (as the ``postgres`` user when the
tests run as root: the server refuses root), and stopped and removed
afterwards. A machine without the server fails these tests, never skips them:
``scripts/lib.sh`` installs Debian's ``postgresql`` (``./scripts/test.sh``
runs it), and the README recommends PostgreSQL for more than one team.
"""

from __future__ import annotations

import glob
import io
import os
import pwd
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import free_port
from .service_support import golden_zip

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def _version(bin_dir: str) -> tuple[int, ...]:
    name = Path(bin_dir).parent.name
    return tuple(int(part) for part in name.split(".") if part.isdigit())


def pg_bin() -> Path | None:
    """Where ``initdb`` and ``pg_ctl`` are: Debian keeps them off the PATH, newest version wins."""
    found = [d for d in glob.glob("/usr/lib/postgresql/*/bin") if Path(d, "initdb").exists()]
    if found:
        return Path(max(found, key=_version))
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb and shutil.which("pg_ctl") else None


def _as_postgres_user() -> list[str]:
    """The command prefix that runs the server as an unprivileged user when we are root."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        pytest.fail("running as root but there is no postgres user: install Debian's postgresql package")
    return ["runuser", "-u", "postgres", "--"]


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    bin_dir = pg_bin()
    if bin_dir is None:
        pytest.fail(
            "no PostgreSQL server (initdb, pg_ctl): scripts/lib.sh ensure_packages installs postgresql"
        )
    prefix = _as_postgres_user()
    folder = Path(tempfile.mkdtemp(prefix="grader-pg-"))
    if prefix:
        shutil.chown(folder, "postgres")
    data = folder / "data"
    port = free_port()

    def run(*args: str) -> None:
        done = subprocess.run([*prefix, *args], capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            log = folder / "log"
            pytest.fail(
                f"{args[0]} failed: {done.stderr[-1500:]} {log.read_text()[-1500:] if log.exists() else ''}"
            )

    run(str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync")
    try:
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-w", "-t", "60", "-l", str(folder / "log"),
            "-o", f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off", "start")  # fmt: skip
        try:
            yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
        finally:
            run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "-t", "60", "stop")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_the_server_is_real_and_on_loopback(database_url: str) -> None:
    import sqlalchemy

    engine = sqlalchemy.create_engine(database_url)
    try:
        with engine.connect() as connection:
            version = connection.execute(sqlalchemy.text("SELECT version()")).scalar_one()
            address = connection.execute(sqlalchemy.text("SELECT inet_server_addr()")).scalar_one()
    finally:
        engine.dispose()
    assert str(version).startswith("PostgreSQL")
    assert str(address) == "127.0.0.1"


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
        _lists_and_times_on_postgres(client, headers, body)
        _regrades_are_idempotent(app, headers, answer.json["id"])
        assert client.get(f"/api/v1/submissions/{2**31}", headers=headers).status_code == 404  # not int4
    finally:
        app.extensions["grader"].stop()
        app.extensions["grader"].db.dispose()


def _lists_and_times_on_postgres(client: Any, headers: dict[str, str], done: Any) -> None:
    """Issue 22, items 12-13: the list filters (JSON verdict, member subqueries) and times on PostgreSQL."""
    assert done["created_at"].endswith("Z") and done["finished_at"].endswith("Z")
    batch = client.post("/api/v1/batches", headers=headers, json={"submissions": [done["id"]]}).json
    assert batch["created_at"].endswith("Z")

    def ids(path: str, **params: str) -> list[int]:
        answer = client.get(f"/api/v1/{path}", headers=headers, query_string=params)
        assert answer.status_code == 200, answer.get_data(as_text=True)
        return [item["id"] for item in answer.json["items"]]

    assert ids("submissions", status="failed", challenge="hello-world") == [done["id"]]
    assert ids("submissions", status="passed") == []
    before = done["created_at"].replace("Z", "+00:00")
    assert ids("submissions", created_after=before) == []
    assert ids("submissions", created_after="2000-01-01T01:00:00+01:00") == [done["id"]]
    assert ids("batches", status="done") == [batch["id"]]
    assert ids("batches", status="pending", challenge="hello-world") == []
    assert ids("batches", candidate="nobody") == []


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
