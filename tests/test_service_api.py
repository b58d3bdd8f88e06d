"""The REST API against a real ``grader serve`` process (local sandbox, two grading threads)."""

from __future__ import annotations

import csv
import io
import json
import re
import time
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from grader.results import GradeResult

from .private_support import write_challenge, zipped
from .service_support import HELLO, Api, Server, admin, batch_archive, expected_status, golden_zip, make_team

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("service")
    data = root / "data"
    data.mkdir()
    tokens = {"a": make_team(data, "alpha"), "b": make_team(data, "beta")}
    server = Server(data).start()
    yield {
        "server": server,
        "data": data,
        "root": root,
        "a": Api(server, tokens["a"]),
        "b": Api(server, tokens["b"]),
    }
    assert server.stop() == 0


def test_challenges_lists_level_points_version(env: dict[str, Any]) -> None:
    body = env["a"].get("/challenges").json()
    hello = next(c for c in body if c["id"] == "hello-world")
    assert set(hello) == {"id", "title", "topic", "level", "points", "version", "private"}
    assert hello["level"] == "easy" and hello["points"] == 12.0 and hello["version"]
    assert hello["private"] is False


def test_upload_poll_and_every_result_format(env: dict[str, Any]) -> None:
    api: Api = env["a"]
    answer = api.upload(golden_zip("no-escape"), "no-escape.zip", candidate="ann", external_id="ext-1")
    assert answer.status_code == 202, answer.text
    assert answer.json()["status"] == "queued"
    sub_id = answer.json()["id"]
    body = api.wait_done(f"/submissions/{sub_id}")
    assert body["candidate"] == "ann" and body["external_id"] == "ext-1"
    result = GradeResult.from_dict(body["result"])  # exactly the --format json object
    assert set(body["result"]) == set(result.to_dict())
    assert result.status == "failed"
    assert [t.name for t in result.failed_tests] == ["test_hello_escapes_html"]
    assert api.get(f"/submissions/{sub_id}/result?format=json").json() == body["result"]
    junit = ET.fromstring(api.get(f"/submissions/{sub_id}/result?format=junit").text)
    assert junit.get("failures") == "1"
    assert "test_hello_escapes_html" in api.get(f"/submissions/{sub_id}/result?format=markdown").text
    assert api.get(f"/submissions/{sub_id}/result?format=exercism").json()["status"] == "fail"
    assert api.get(f"/submissions/{sub_id}/result?format=gradescope").json()["score"] == result.score
    bad = api.get(f"/submissions/{sub_id}/result?format=pdf")
    assert bad.status_code == 400 and bad.headers["Content-Type"] == "application/problem+json"


def test_a_lone_py_file_is_a_submission_alone_and_in_a_batch(env: dict[str, Any]) -> None:
    """As with `grader grade kim.py`: a one-file submission is graded as its app.py, in both routes."""
    api: Api = env["a"]
    source = (HELLO / "no-escape" / "app.py").read_bytes()
    answer = api.upload(source, "kim.py")
    assert answer.status_code == 202, answer.text
    result = GradeResult.from_dict(api.wait_done(f"/submissions/{answer.json()['id']}")["result"])
    assert [t.name for t in result.failed_tests] == ["test_hello_escapes_html"]
    archive = batch_archive({"ann": "no-escape"}, extra={"lee.py": source})
    batch = api.post("/batches", data={"challenge": "hello-world"}, files={"file": ("all.tar.gz", archive)})
    assert batch.status_code == 202, batch.text
    done = api.wait_done(f"/batches/{batch.json()['id']}")
    statuses = {s["candidate"]: s["result"]["status"] for s in done["submissions"]}
    assert statuses == {"ann": "failed", "lee": "failed"}, done


def test_same_content_is_graded_once_unless_regrade(env: dict[str, Any]) -> None:
    api: Api = env["a"]
    first = api.upload(golden_zip("no-comma"), "one.zip").json()
    again = api.upload(golden_zip("no-comma"), "two.zip", candidate="copycat").json()
    assert again["same_as"] == first["id"]
    done = api.wait_done(f"/submissions/{again['id']}")
    assert done["result"]["status"] == "failed" and done["result"]["submission"] == "two.zip"
    forced = api.upload(golden_zip("no-comma"), "three.zip", regrade="true").json()
    assert forced["same_as"] is None and forced["status"] == "queued"
    assert api.wait_done(f"/submissions/{forced['id']}")["result"]["status"] == "failed"
    other_team = env["b"].upload(golden_zip("no-comma"), "b.zip").json()
    assert other_team["same_as"] is None  # never linked to another team's submission


def test_batch_archive_progress_results_and_csv(env: dict[str, Any]) -> None:
    api: Api = env["a"]
    cases = {"ann": "index-201", "bob": "methodview", "cat": "no-app", "dan": "package-blueprint"}
    archive = batch_archive(cases, {"eve.zip": b"not a zip at all"})
    answer = api.post(
        "/batches", data={"challenge": "hello-world"}, files={"file": ("batch.tar.gz", archive)}
    )
    assert answer.status_code == 202, answer.text
    assert answer.json()["progress"]["total"] == 5
    batch = api.wait_done(f"/batches/{answer.json()['id']}")
    verdicts = {s["candidate"]: s["result"]["status"] for s in batch["submissions"]}
    assert verdicts == {**{c: expected_status(case) for c, case in cases.items()}, "eve": "error"}
    assert batch["progress"]["done"] == 5 and batch["progress"]["passed"] == 2
    eve = next(s for s in batch["submissions"] if s["candidate"] == "eve")
    assert "not a readable archive" in eve["result"]["message"]
    for name in ("eve", "cat"):  # refused at upload, or no app: not graded, so no score (issue 19)
        found = next(s for s in batch["submissions"] if s["candidate"] == name)["result"]
        assert (found["score"], found["percent"], found["tests"]) == (None, None, []), found
    listed = {s["candidate"]: s for s in api.get("/submissions", params={"per_page": 100}).json()["items"]}
    assert (listed["cat"]["verdict"], listed["cat"]["percent"]) == ("error", None)
    csv_text = api.get(f"/batches/{batch['id']}/results.csv").text
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("submission,candidate,external_id,status,score")
    assert len(lines) == 6 and any(",index-201," not in line and ",ann," in line for line in lines)
    rows = {row["candidate"]: row for row in csv.DictReader(io.StringIO(csv_text))}
    assert rows["eve"]["status"] == "error" and "not a readable archive" in rows["eve"]["message"]
    assert (rows["eve"]["score"], rows["eve"]["percent"], rows["eve"]["failed_tests"]) == ("", "", "")
    ids = [s["id"] for s in batch["submissions"][:2]]
    by_ids = api.post("/batches", json={"submissions": ids, "name": "shortlist"})
    assert by_ids.status_code == 202 and by_ids.json()["progress"]["done"] == 2


def _ids_of_team_a(env: dict[str, Any]) -> dict[str, Any]:
    api: Api = env["a"]
    # a private challenge, verified (its routes answer the owner 200, anyone else 404)
    added = api.post(
        "/challenges", files={"file": ("c.zip", zipped(write_challenge(env["root"] / "iso-c", "iso-c")))}
    )
    assert added.status_code == 202, added.text
    deadline = time.monotonic() + 120
    while api.get("/challenges/iso-c/revisions/1").json()["status"] == "verifying":
        assert time.monotonic() < deadline
        time.sleep(0.25)
    sub = api.upload(golden_zip("hello-optional-name"), "iso.zip").json()["id"]
    api.wait_done(f"/submissions/{sub}")
    batch = api.post("/batches", json={"submissions": [sub]}).json()["id"]
    # a public address (registration refuses private ones); removed at the end of the test
    hook = api.post("/webhooks", json={"url": "https://192.88.99.200/hook"}).json()["id"]
    deadline = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    invited = api.post(
        "/invitations",
        json={"challenge": "hello-world", "name": "Ann", "email": "ann@example.com", "deadline": deadline},
    ).json()
    return {
        "submission_id": sub, "batch_id": batch, "webhook_id": hook,
        "invitation_id": invited["id"], "candidate_id": invited["candidate"],
        "challenge_id": "iso-c", "revision": 1,
    }  # fmt: skip


def test_team_isolation_on_every_route(env: dict[str, Any]) -> None:
    """Every documented route with an id answers 404 to another team, as if it did not exist."""
    ids = _ids_of_team_a(env)
    a: Api = env["a"]
    b: Api = env["b"]
    doc = a.get("/openapi.json").json()
    checked = 0
    for template, operations in doc["paths"].items():
        params = re.findall(r"{(\w+)}", template)
        if not params:
            continue
        path = template.format(**{p: ids[p] for p in params})
        for method in operations:
            theirs = b.request(method.upper(), path)
            assert theirs.status_code == 404, (method, path, theirs.text)
            assert theirs.headers["Content-Type"] == "application/problem+json"
            mine = a.request(method.upper(), path) if method == "get" else None
            assert mine is None or mine.status_code == 200, (method, path)
            checked += 1
    assert checked >= 6
    # routes without ids: lists hold only the team's own objects, and ids of others are not found
    assert ids["webhook_id"] not in [h["id"] for h in b.get("/webhooks").json()]
    assert b.post("/batches", json={"submissions": [ids["submission_id"]]}).status_code == 404
    assert a.get(f"/submissions/{ids['submission_id']}").status_code == 200
    assert a.request("DELETE", f"/webhooks/{ids['webhook_id']}").status_code == 204


def test_revoked_token_is_refused(env: dict[str, Any]) -> None:
    token = make_team(env["data"], "gamma")
    api = Api(env["server"], token)
    assert api.get("/challenges").status_code == 200
    token_id = admin(env["data"], "list-tokens").splitlines()[-1].split("\t")[0]
    admin(env["data"], "revoke-token", token_id)
    refused = api.get("/challenges")
    assert refused.status_code == 401 and refused.headers["Content-Type"] == "application/problem+json"
    assert Api(env["server"], "grd_made-up").get("/challenges").status_code == 401
    assert api.get("/openapi.json").status_code == 200  # the document is public


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()}


def test_hostile_uploads_get_clear_4xx_and_write_nothing_outside(env: dict[str, Any]) -> None:
    api: Api = env["a"]
    data: Path = env["data"]
    outside_before = _files_under(env["root"]) - _files_under(data)
    zeros = b"\0" * (19 * 2**20)
    bomb = _zip({"app.py": b"x = 1\n", "a.bin": zeros, "b.bin": zeros, "c.bin": zeros})
    assert len(bomb) < 2**20
    answer = api.upload(bomb, "bomb.zip")
    assert answer.status_code == 400
    assert answer.json()["detail"] == "bomb.zip: unpacked size exceeds 50 MiB"
    traversal = _zip({"app.py": b"x = 1\n", "../../evil.py": b"print('owned')\n"})
    answer = api.upload(traversal, "sneaky.zip")
    assert answer.status_code == 400
    assert answer.json()["detail"] == "sneaky.zip: archive member '../../evil.py' points outside the archive"
    answer = api.post("/batches", data={"challenge": "hello-world"}, files={"file": ("b.zip", traversal)})
    assert answer.status_code == 400 and "points outside the archive" in answer.json()["detail"]
    assert (_files_under(env["root"]) - _files_under(data)) - outside_before <= {env["server"].log}
    assert not any((data / "tmp").rglob("*.zip")), "uploads are removed once refused"
    not_archive = api.upload(b"hello", "notes.txt")
    assert not_archive.status_code == 400
    assert not_archive.json()["detail"] == (
        "notes.txt is neither an archive nor a .py file: upload a .zip, .tar.gz or a one-file app.py"
    )
    unknown = api.upload(golden_zip("no-comma"), challenge="hello-wrld")
    assert unknown.status_code == 404 and "did you mean 'hello-world'?" in unknown.json()["detail"]
    missing = api.post("/submissions", data={"challenge": "hello-world"})
    assert missing.status_code == 400 and "`file`" in missing.json()["detail"]
    huge = api.upload(b"\0" * (21 * 2**20), "huge.zip")
    assert huge.status_code == 413 and huge.headers["Content-Type"] == "application/problem+json"


def test_webhook_url_is_checked(env: dict[str, Any]) -> None:
    answer = env["a"].post("/webhooks", json={"url": "file:///etc/passwd"})
    assert answer.status_code == 400 and "invalid callback URL" in answer.json()["detail"]


def test_openapi_documents_every_api_route(tmp_path: Path) -> None:
    from grader.service.app import create_app
    from grader.service.openapi import document

    app = create_app({"DATA_DIR": str(tmp_path), "START_JOBS": False})
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule[len("/api/v1") :])
            routes |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(p, m) for p, ops in document()["paths"].items() for m in ops}
    assert routes == documented
    json.dumps(document())  # serialisable
