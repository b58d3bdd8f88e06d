"""Uploads through a real ``grader serve``: batch members, bad bodies, fairness caps, CSV, regrades.

Each test names the finding of issue 17 (third red-team round) it pins down.
"""

from __future__ import annotations

import csv
import io
import sqlite3
import tarfile
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from .conftest import Cli
from .service_support import HELLO, Api, Server, expected_status, golden_zip, make_team

pytestmark = pytest.mark.slow


def _case_files(case: str) -> dict[str, bytes]:
    folder = HELLO / case
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "expected.toml" and "__pycache__" not in p.parts
    }


def tar_gz(files: dict[str, bytes], links: dict[str, str] | None = None) -> bytes:
    """A .tar.gz of ``{member: bytes}`` plus symbolic links ``{member: target}``."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            archive.addfile(info)
    return buffer.getvalue()


def candidates(cases: dict[str, str]) -> dict[str, bytes]:
    """``{candidate folder: golden case}`` as archive members."""
    return {f"{who}/{name}": data for who, case in cases.items() for name, data in _case_files(case).items()}


def post_batch(api: Api, data: bytes, name: str = "batch.tar.gz", **form: str) -> requests.Response:
    return api.post("/batches", data={"challenge": "hello-world", **form}, files={"file": (name, data)})


def _no_server_path(text: str, data: Path) -> None:
    assert str(data) not in text and "/tmp/" not in text and "grader-sub-" not in text, text


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    data = tmp_path_factory.mktemp("intake") / "data"
    data.mkdir()
    token = make_team(data, "alpha")
    server = Server(data, workers=2).start()
    yield {"server": server, "data": data, "api": Api(server, token)}
    assert server.stop() == 0


def test_batch_members_keep_their_own_code_and_labels(env: dict[str, Any]) -> None:
    """Finding 1: names that collapse under secure_filename() no longer share a scratch file."""
    cases = {
        "Zoë": "methodview",
        "Zoe": "no-escape",
        "John Smith": "module-markupsafe",
        "John_Smith": "index-201",
        "张伟": "route-methods-template",
        "李娜": "no-comma",
    }
    answer = post_batch(env["api"], tar_gz(candidates(cases)))
    assert answer.status_code == 202, answer.text
    batch = env["api"].wait_done(f"/batches/{answer.json()['id']}", timeout=180)
    got = {s["candidate"]: (s["filename"], s["result"]["status"]) for s in batch["submissions"]}
    assert got == {who: (who, expected_status(case)) for who, case in cases.items()}
    names = [p.name for p in env["data"].rglob("*")]
    assert not [n for n in names if any(part in n for part in ("Zo", "John", "张", "李"))], names


def test_members_whose_labels_collide_are_refused_as_a_pair(env: dict[str, Any]) -> None:
    """Finding 1: two members that would read as one candidate both get an error row saying why."""
    files = candidates({"ann": "methodview", "Bob": "methodview", "bob": "no-comma", "cy": "no-escape"})
    files["ann.zip"] = golden_zip("no-escape")
    answer = post_batch(env["api"], tar_gz(files))
    assert answer.status_code == 202, answer.text
    batch = env["api"].wait_done(f"/batches/{answer.json()['id']}", timeout=120)
    rows = {s["filename"]: s["result"] for s in batch["submissions"]}
    assert set(rows) == {"ann", "ann.zip", "Bob", "bob", "cy"}
    for label in ("ann", "ann.zip", "Bob", "bob"):
        assert rows[label]["status"] == "error"
        assert "named alike" in rows[label]["message"], rows[label]
    assert "'ann', 'ann.zip'" in rows["ann"]["message"] and "'Bob', 'bob'" in rows["bob"]["message"]
    assert rows["cy"]["status"] == "failed"


def test_a_one_candidate_archive_is_a_batch_of_one(env: dict[str, Any]) -> None:
    """Finding 9: never a step into the one folder; its subfolders stay part of the candidate."""
    files = {f"ann/{name}": data for name, data in _case_files("package-blueprint").items()}
    assert any(name.count("/") >= 2 for name in files)  # ann/ has a subfolder
    answer = post_batch(env["api"], tar_gz(files), "one.tar.gz")
    assert answer.status_code == 202, answer.text
    batch = env["api"].wait_done(f"/batches/{answer.json()['id']}")
    assert [(s["candidate"], s["result"]["status"]) for s in batch["submissions"]] == [("ann", "passed")]
    flat = post_batch(env["api"], tar_gz({"app.py": b"x = 1\n"}), "flat.tar.gz")
    assert flat.status_code == 400
    assert flat.json()["detail"] == (
        "flat.tar.gz holds app.py at its top: it looks like one submission, not a batch: "
        "upload it as a submission, or put one folder or archive per candidate at the top"
    )


def test_one_bad_candidate_gets_its_own_error_row(env: dict[str, Any]) -> None:
    """Issue 19: ten candidates, one holding a symlink: nine graded and one error row, not a 400."""
    cases = {f"c{i}": ["methodview", "no-comma", "no-escape"][i % 3] for i in range(10)}
    answer = post_batch(
        env["api"], tar_gz(candidates(cases), links={"c3/secret.txt": "/etc/passwd"}), "ten.tar.gz"
    )
    assert answer.status_code == 202, answer.text
    batch = env["api"].wait_done(f"/batches/{answer.json()['id']}", timeout=180)
    rows = {s["candidate"]: s["result"] for s in batch["submissions"]}
    assert len(rows) == 10
    assert rows["c3"]["status"] == "error"
    assert rows["c3"]["message"].startswith("c3: archive member 'c3/secret.txt' is a link")
    _no_server_path(rows["c3"]["message"], env["data"])
    assert {c: r["status"] for c, r in rows.items() if c != "c3"} == {
        c: expected_status(case) for c, case in cases.items() if c != "c3"
    }


def test_a_service_batch_and_grader_batch_give_the_same_rows(
    env: dict[str, Any], cli: Cli, tmp_path: Path
) -> None:
    """Issue 19: the same archive, uploaded or unpacked into a folder for `grader batch`: the same rows."""
    cases = {"ann": "methodview", "bob": "no-comma", "cat": "no-app", "dan": "no-escape"}
    files = {
        **candidates(cases),
        "eve.zip": b"not a zip at all",
        "kim.py": (HELLO / "no-escape" / "app.py").read_bytes(),
    }
    links = {"dan/secret.txt": "/etc/passwd"}
    archive = tar_gz(files, links)
    answer = post_batch(env["api"], archive, "same.tar.gz")
    assert answer.status_code == 202, answer.text
    batch = env["api"].wait_done(f"/batches/{answer.json()['id']}", timeout=180)
    served = {s["candidate"]: s["result"] for s in batch["submissions"]}
    folder = tmp_path / "same"
    folder.mkdir()
    with tarfile.open(fileobj=io.BytesIO(archive)) as unpacked:
        unpacked.extractall(folder, filter="fully_trusted")  # the test's own archive, links included
    out = tmp_path / "out"
    ran = cli("batch", "hello-world", str(folder), "--out", str(out), "--sandbox", "local", "--no-similarity")
    assert ran.exit_code == 0, ran.output
    with open(out / "results.csv", encoding="utf-8") as handle:
        local = {row["id"]: row for row in csv.DictReader(handle)}
    assert sorted(served) == sorted(local) == ["ann", "bob", "cat", "dan", "eve", "kim"]
    for name, result in served.items():
        row = local[name]
        assert result["status"] == row["status"], (name, result["message"], row["message"])
        failed = ";".join(t["name"] for t in result["tests"] if t["status"] != "passed")
        if result["status"] == "error":
            assert row["score"] == "" and row["failed_tests"] == "", row
            assert result["message"] and row["message"], name
        else:
            assert (f"{result['score']:g}", failed) == (row["score"], row["failed_tests"]), name
    assert "secret.txt" in served["dan"]["message"] and "secret.txt" in local["dan"]["message"]
    assert (
        "not a readable archive" in served["eve"]["message"]
        and "not a readable archive" in local["eve"]["message"]
    )


def test_refusals_never_show_a_server_path(env: dict[str, Any]) -> None:
    """Finding 9: every refusal names the upload as the client named it."""
    api: Api = env["api"]
    for answer in (
        post_batch(api, b"not an archive", "broken.zip"),
        post_batch(api, tar_gz({"../x/app.py": b""}), "slip.tar.gz"),
        post_batch(api, tar_gz({"ann/app.py": b"x = 1\n"}), "one.tar.gz"),
        api.upload(b"\x1f\x8b broken gzip", "sub.tar.gz"),
        api.upload(tar_gz({}), "empty.tar.gz"),
    ):
        assert answer.status_code in (202, 400), answer.text
        _no_server_path(answer.text, env["data"])
    detail = post_batch(api, b"x", "broken.zip").json()["detail"]
    assert detail.startswith("broken.zip: not a readable archive")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("[1, 2]", "JSON object"),
        ('"text"', "JSON object"),
        ("null", "JSON object"),
        ("{not json", "JSON object"),
        ('{"submissions": [true]}', "`submissions`"),
        (f'{{"submissions": [{2**70}]}}', "`submissions`"),
        ('{"submissions": [1.0]}', "`submissions`"),
        ('{"submissions": []}', "`submissions`"),
        ('{"submissions": [1], "name": {"a": 1}}', "`name`"),
    ],
)
def test_bad_json_bodies_are_a_400_naming_the_field(env: dict[str, Any], body: str, field: str) -> None:
    """Finding 10: no 500, and `[true]` is not id 1."""
    answer = env["api"].post("/batches", data=body, headers={"Content-Type": "application/json"})
    assert answer.status_code == 400, answer.text
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert field in answer.json()["detail"]


def test_very_large_ids_are_not_found(env: dict[str, Any]) -> None:
    """Finding 10: an id past the column's range is a 404, not a database error."""
    api: Api = env["api"]
    for path in (f"/submissions/{2**70}", f"/batches/{2**63}", f"/submissions/{2**31}/result"):
        answer = api.get(path)
        assert answer.status_code == 404, (path, answer.text)
    assert api.post(f"/submissions/{2**64}/regrade").status_code == 404
    assert api.post("/webhooks", json=["http://x"]).status_code == 400


def test_a_filename_that_is_not_utf8_is_a_400_naming_the_field(env: dict[str, Any]) -> None:
    """Finding 16: Werkzeug dropped the whole form, answering 404 "unknown challenge ''"."""
    body = (
        b'--XX\r\nContent-Disposition: form-data; name="challenge"\r\n\r\nhello-world\r\n'
        b'--XX\r\nContent-Disposition: form-data; name="file"; filename="Zo\xeb.zip"\r\n'
        b"Content-Type: application/zip\r\n\r\n" + golden_zip("methodview") + b"\r\n--XX--\r\n"
    )
    answer = env["api"].post(
        "/submissions", data=body, headers={"Content-Type": "multipart/form-data; boundary=XX"}
    )
    assert answer.status_code == 400, answer.text
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert answer.json()["detail"].startswith("`file`: its headers (the file name) are not UTF-8")
    no_challenge = env["api"].post("/submissions", files={"file": ("a.zip", golden_zip("no-comma"))})
    assert no_challenge.status_code == 400 and "`challenge` is required" in no_challenge.json()["detail"]


def _jobs_of(data: Path, submission_id: int) -> list[str]:
    with sqlite3.connect(data / "grader.db") as connection:
        rows = connection.execute("select status from jobs where submission_id = ?", (submission_id,))
        return [row[0] for row in rows]


def test_concurrent_regrades_queue_one_job(env: dict[str, Any]) -> None:
    """Finding 12: a regrade is idempotent while one is queued or running."""
    api: Api = env["api"]
    sub = api.upload(golden_zip("double-escape"), "re.zip").json()["id"]
    api.wait_done(f"/submissions/{sub}")
    answers: list[int] = []
    barrier = threading.Barrier(8)

    def regrade() -> None:
        client = Api(env["server"], api.http.headers["Authorization"].split()[1])
        barrier.wait(timeout=10)
        answers.append(client.post(f"/submissions/{sub}/regrade").status_code)

    threads = [threading.Thread(target=regrade) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(_jobs_of(env["data"], sub)) == 2  # the first grading and exactly one regrade
    assert answers == [202] * 8
    assert api.wait_done(f"/submissions/{sub}")["result"]["status"] == "failed"


def test_csv_export_neutralises_formulas(env: dict[str, Any]) -> None:
    """Finding 14: labels starting with = + - @ (or tab, CR) are prefixed with a quote (OWASP)."""
    labels = ["=1+1", "+SUM(1)", "-2", "@cmd", "\tx", "plain"]
    files = candidates(dict.fromkeys(labels, "no-comma"))
    answer = post_batch(env["api"], tar_gz(files), "formulas.tar.gz")
    assert answer.status_code == 202, answer.text
    batch = env["api"].wait_done(f"/batches/{answer.json()['id']}")
    assert sorted(s["candidate"] for s in batch["submissions"]) == sorted(labels)  # labels as uploaded
    rows = list(csv.DictReader(io.StringIO(env["api"].get(f"/batches/{batch['id']}/results.csv").text)))
    quoted = ["'=1+1", "'+SUM(1)", "'-2", "'@cmd", "'\tx", "plain"]
    assert sorted(r["candidate"] for r in rows) == sorted(quoted)


def _server(tmp_path: Path, **env: str) -> tuple[Server, Api]:
    data = tmp_path / "data"
    data.mkdir()
    token = make_team(data, "alpha")
    server = Server(data, workers=1, env=env).start()
    return server, Api(server, token)


def test_a_team_may_queue_at_most_its_cap(tmp_path: Path) -> None:
    """Finding 7: past GRADER_MAX_QUEUED_JOBS an upload is a 429 and queues nothing."""
    server, api = _server(tmp_path, GRADER_MAX_QUEUED_JOBS="3", GRADER_START_JOBS="false")
    try:
        cases = {f"c{i}": "no-comma" for i in range(4)}
        unique = {f"c{i}/id.txt": f"{i}".encode() for i in range(4)}
        too_many = post_batch(api, tar_gz({**candidates(cases), **unique}))
        assert too_many.status_code == 429, too_many.text
        assert "at most 3 gradings queued" in too_many.json()["detail"]
        three = {k: v for k, v in {**candidates(cases), **unique}.items() if not k.startswith("c3/")}
        assert post_batch(api, tar_gz(three)).status_code == 202
        full = api.upload(golden_zip("methodview"), "more.zip")
        assert full.status_code == 429 and "already has 3 gradings queued" in full.json()["detail"]
        assert len(list((server.data_dir / "submissions").iterdir())) == 3  # nothing stored for a refusal
    finally:
        assert server.stop() == 0


def _zeros_zip(size: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("app.py", "from flask import Flask\napp = Flask(__name__)\n")
        archive.writestr("pad.bin", b"\0" * size)
    return buffer.getvalue()


def test_one_upload_has_one_staging_budget(tmp_path: Path) -> None:
    """Finding 7: members that each fit their own caps may not together unpack past the upload's budget."""
    server, api = _server(tmp_path, GRADER_UPLOAD_STAGING_MB="3", GRADER_START_JOBS="false")
    try:
        members = {f"m{i}.zip": _zeros_zip(1_000_000 + i) for i in range(4)}  # ~4 MB unpacked in all
        answer = post_batch(api, tar_gz(members), "nested.tar.gz")
        assert answer.status_code == 400, answer.text
        assert answer.json()["detail"] == (
            "nested.tar.gz: this upload unpacks to more than 3 MiB in all: upload it in smaller parts"
        )
        assert not (server.data_dir / "submissions").exists() or not any(
            (server.data_dir / "submissions").iterdir()
        )
        assert post_batch(api, tar_gz(dict(list(members.items())[:2])), "two.tar.gz").status_code == 202
    finally:
        assert server.stop() == 0
