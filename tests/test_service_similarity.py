"""Similarity in the service: a team's submissions to a challenge compared across batches, and only its own.

The dashboard through Flask's test client, on a real SQLite database and
real stored uploads. No grading runs (``START_JOBS`` off): similarity reads
the uploaded code, whatever its grading state.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from grader.service import similarity as service_similarity
from grader.service.app import create_app, service
from grader.service.models import SimilarityDocument, Submission, Team

from .conftest import ROOT
from .service_support import csrf, login, make_team, zip_folder

pytestmark = pytest.mark.slow

CORPUS = ROOT / "tests" / "similarity" / "json-post"


def _archive(members: dict[str, str], extra: dict[str, bytes] | None = None) -> bytes:
    """A .zip with one folder per candidate, each a copy of a corpus submission."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for candidate, source in members.items():
            for path in sorted((CORPUS / source).rglob("*.py")):
                archive.write(path, f"{candidate}/{path.relative_to(CORPUS / source).as_posix()}")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    data = tmp_path_factory.mktemp("similar") / "data"
    data.mkdir()
    tokens = {"alpha": make_team(data, "alpha", user="alice"), "beta": make_team(data, "beta", user="bert")}
    flask_app = create_app({"DATA_DIR": str(data), "SANDBOX": "local", "START_JOBS": False})
    flask_app.config["TEST_TOKENS"] = tokens
    yield flask_app
    flask_app.extensions["grader"].stop()


def _upload(client: FlaskClient, data: bytes, name: str, kind: str, **form: str) -> int:
    fields = {"challenge": "json-post", "kind": kind, "file": (io.BytesIO(data), name), **form}
    fields["csrf_token"] = csrf(client, "/upload")
    answer = client.post("/upload", data=fields, content_type="multipart/form-data")
    assert answer.status_code == 302, answer.get_data(as_text=True)[:2000]
    return int(answer.headers["Location"].rsplit("/", 1)[1])


def _ids(app: Flask, team_name: str) -> dict[str, int]:
    """The team's submissions by candidate (or file name; the first of a re-upload)."""
    with app.app_context():
        grader = service()
    with grader.db.session() as session:
        team = session.scalars(select(Team).where(Team.name == team_name)).one()
        found: dict[str, int] = {}
        for s in session.scalars(
            select(Submission).where(Submission.team_id == team.id).order_by(Submission.id)
        ):
            found.setdefault(s.candidate or s.filename, s.id)  # the first one under a name
        return found


@pytest.fixture(scope="module")
def uploaded(app: Flask) -> dict[str, Any]:
    """Alpha: a batch (alice's code, carol, a broken member), then a later batch with alice's disguised copy.

    Beta: the very same code as alice's, twice under two names, and dave.
    """
    alice, bert = login(app, "alice"), login(app, "bert")
    first = _upload(
        alice, _archive({"ann": "alice", "cat": "carol"}, {"broken.zip": b"not a zip"}), "one.zip", "batch"
    )
    second = _upload(alice, _archive({"abe": "alice-all", "dan": "dave"}), "two.zip", "batch")
    again = _upload(alice, zip_folder(CORPUS / "alice"), "again.zip", "single", candidate="ann")
    odd = _upload(alice, zip_folder(CORPUS / "alice-rename"), "odd.zip", "single", candidate="<i>eve</i>")
    beta_batch = _upload(bert, _archive({"xena": "alice", "yuri": "alice", "zoe": "dave"}), "b.zip", "batch")
    return {
        "alice": alice, "bert": bert, "first": first, "second": second, "again": again, "odd": odd,
        "beta_batch": beta_batch, "alpha": _ids(app, "alpha"), "beta": _ids(app, "beta"),
    }  # fmt: skip


def _pairs(page: str) -> list[tuple[str, set[int]]]:
    """The flagged pairs a page lists: (score, the two submission ids)."""
    section = page.split('id="similar-pairs"', 1)[1].split("</table>", 1)[0]
    found = []
    for row in section.split('<tr class="similar-pair">')[1:]:
        score = re.search(r"<b>([0-9.]+)</b>", row).group(1)  # type: ignore[union-attr]
        ids = set(map(int, re.findall(r'<a href="/submissions/(\d+)">#', row)))
        found.append((score, ids))
    return found


def test_copies_in_two_batches_are_flagged_on_both_batch_pages_and_the_challenge_page(
    uploaded: dict[str, Any],
) -> None:
    alice, alpha = uploaded["alice"], uploaded["alpha"]
    ann, abe = alpha["ann"], alpha["abe"]
    for path in (f"/batches/{uploaded['first']}", f"/batches/{uploaded['second']}", "/challenges/json-post"):
        page = alice.get(path).get_data(as_text=True)
        pairs = _pairs(page)
        assert any({ann, abe} <= ids for _, ids in pairs), (path, pairs)
        for own in uploaded["beta"].values():  # another team's identical code is never shown
            assert f'/submissions/{own}"' not in page, path
    # the re-upload of ann's code by ann is ann, not a pair of its own
    challenge_page = alice.get("/challenges/json-post").get_data(as_text=True)
    assert not any(ids == {ann, uploaded["again"]} for _, ids in _pairs(challenge_page))
    assert f"also #{uploaded['again']}" in challenge_page
    # the second batch's page does not list pairs touching neither of its submissions
    second = _pairs(alice.get(f"/batches/{uploaded['second']}").get_data(as_text=True))
    assert all(ids & {abe, alpha["dan"]} for _, ids in second)


def test_names_are_escaped(uploaded: dict[str, Any]) -> None:
    page = uploaded["alice"].get("/challenges/json-post").get_data(as_text=True)
    assert "&lt;i&gt;eve&lt;/i&gt;" in page and "<i>eve</i>" not in page
    assert any(uploaded["odd"] in ids for _, ids in _pairs(page))


def test_csv_fills_max_similarity_and_similar_to(uploaded: dict[str, Any]) -> None:
    alice, alpha = uploaded["alice"], uploaded["alpha"]
    rows = {}
    for batch in (uploaded["first"], uploaded["second"]):
        text = alice.get(f"/batches/{batch}/results.csv").get_data(as_text=True)
        rows.update({r["candidate"]: r for r in csv.DictReader(io.StringIO(text))})
    assert float(rows["ann"]["max_similarity"]) >= 0.5 and int(rows["ann"]["similar_to"]) in (
        alpha["abe"], alpha["<i>eve</i>"],
    )  # fmt: skip
    assert float(rows["abe"]["max_similarity"]) >= 0.5
    assert int(rows["abe"]["similar_to"]) in (alpha["ann"], alpha["<i>eve</i>"])
    broken = rows["broken"]
    assert broken["status"] == "error"
    assert broken["max_similarity"] == "" and broken["similar_to"] == ""
    every = set(map(int, (r["similar_to"] for r in rows.values() if r["similar_to"])))
    assert every <= set(alpha.values())
    # beta's identical copies are a 1.0 pair of beta's, never alpha's
    beta = uploaded["beta"]
    text = uploaded["bert"].get(f"/batches/{uploaded['beta_batch']}/results.csv").get_data(as_text=True)
    beta_rows = {r["candidate"]: r for r in csv.DictReader(io.StringIO(text))}
    assert (
        beta_rows["xena"]["max_similarity"] == "1.0" and int(beta_rows["xena"]["similar_to"]) == beta["yuri"]
    )
    assert {int(r["similar_to"]) for r in beta_rows.values() if r["similar_to"]} <= set(beta.values())


def test_submission_page_links_the_side_by_side_view(uploaded: dict[str, Any]) -> None:
    alice, alpha = uploaded["alice"], uploaded["alpha"]
    ann = alpha["ann"]
    page = alice.get(f"/submissions/{ann}").get_data(as_text=True)
    found = re.search(r'similar to\s*<a href="/submissions/(\d+)">[^<]*</a>\s*\((0\.\d\d|1\.00)\)', page)
    assert found, page[:3000]
    partner = int(found.group(1))
    link = re.search(r'id="side-by-side" href="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    assert link.replace("&amp;", "&") == f"/submissions/{ann}/similar?to={partner}"
    side = alice.get(link.replace("&amp;", "&"))
    assert side.status_code == 200
    text = side.get_data(as_text=True)
    assert 'class="sides fragment"' in text and 'class="hit"' in text
    assert "<script>" not in text.split("<main>", 1)[1].split("</main>")[0]  # candidates' code is escaped
    # without ?to=, the closest one
    assert alice.get(f"/submissions/{ann}/similar").status_code == 200


def test_side_by_side_is_404_for_another_team(uploaded: dict[str, Any]) -> None:
    alpha, beta = uploaded["alpha"], uploaded["beta"]
    path = f"/submissions/{alpha['ann']}/similar?to={alpha['abe']}"
    assert uploaded["bert"].get(path).status_code == 404
    assert uploaded["bert"].get(f"/submissions/{beta['xena']}/similar?to={alpha['ann']}").status_code == 404
    assert uploaded["alice"].get(f"/submissions/{alpha['ann']}/similar?to={beta['xena']}").status_code == 404
    for bad in ("abc", "0", str(2**40), str(alpha["ann"])):
        assert uploaded["alice"].get(f"/submissions/{alpha['ann']}/similar?to={bad}").status_code == 404


def test_error_submission_is_listed_as_not_compared(uploaded: dict[str, Any]) -> None:
    page = uploaded["alice"].get(f"/batches/{uploaded['first']}").get_data(as_text=True)
    assert 'id="similar-skipped"' in page and "no files" in page
    broken = uploaded["alpha"]["broken"]
    assert uploaded["alice"].get(f"/submissions/{broken}").status_code == 200
    assert uploaded["alice"].get(f"/submissions/{broken}/similar").status_code == 200


def test_api_submission_carries_the_two_fields(app: Flask, uploaded: dict[str, Any]) -> None:
    api = app.test_client()
    auth = {"Authorization": f"Bearer {app.config['TEST_TOKENS']['alpha']}"}
    ann = uploaded["alpha"]["ann"]
    body = api.get(f"/api/v1/submissions/{ann}", headers=auth).get_json()
    assert body["max_similarity"] >= 0.5 and body["similar_to"] in uploaded["alpha"].values()
    batch = api.get(f"/api/v1/batches/{uploaded['first']}", headers=auth).get_json()
    row = next(s for s in batch["submissions"] if s["id"] == ann)
    assert (row["max_similarity"], row["similar_to"]) == (body["max_similarity"], body["similar_to"])
    text = api.get(f"/api/v1/batches/{uploaded['first']}/results.csv", headers=auth).get_data(as_text=True)
    assert {r["submission"]: r for r in csv.DictReader(io.StringIO(text))}[str(ann)]["similar_to"] == str(
        body["similar_to"]
    )
    dashboard = uploaded["alice"].get(f"/batches/{uploaded['first']}/results.json").get_json()
    assert next(s for s in dashboard["submissions"] if s["id"] == ann)["similar_to"] == body["similar_to"]


def test_each_content_is_read_once(
    app: Flask, uploaded: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page view that changes nothing reads no stored upload; the same code is one stored document."""
    reads: list[int] = []
    original = service_similarity._document

    def counted(submission: Submission) -> Any:
        reads.append(submission.id)
        return original(submission)

    monkeypatch.setattr(service_similarity, "_document", counted)
    alice = uploaded["alice"]
    alice.get("/challenges/json-post")
    alice.get(f"/batches/{uploaded['first']}")
    alice.get(f"/submissions/{uploaded['alpha']['ann']}")
    assert reads == []
    with app.app_context():
        grader = service()
    with grader.db.session() as session:
        contents = set(session.scalars(select(Submission.content_hash).where(Submission.content_hash != "")))
        assert session.scalar(select(func.count()).select_from(SimilarityDocument)) == len(contents)


def test_one_request_reads_a_bounded_number_of_documents(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """A backlog of unread uploads is read over several requests, and the page says what is left."""
    make_team(Path(app.config["DATA_DIR"]), "gamma", user="gus")
    gus = login(app, "gus")
    _upload(gus, _archive({"g1": "bob", "g2": "bob-all", "g3": "alice-comments"}), "g.zip", "batch")
    monkeypatch.setattr(service_similarity, "MAX_READS", 1)
    left = []
    for _ in range(3):
        page = gus.get("/challenges/json-post").get_data(as_text=True)
        found = re.search(r"(\d+) submission\(s\) not read yet", page)
        left.append(int(found.group(1)) if found else 0)
    assert left == [2, 1, 0]


def test_candidates_code_on_the_side_by_side_page_is_escaped(app: Flask) -> None:
    make_team(Path(app.config["DATA_DIR"]), "delta", user="dora")
    dora = login(app, "dora")
    hostile = (
        (CORPUS / "alice" / "app.py")
        .read_text()
        .replace('"""A JSON 400 answer with a reason."""', '"""</div><script>alert(1)</script>"""')
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", hostile)
    first = _upload(dora, buffer.getvalue(), "h.zip", "single", candidate="hana")
    second = _upload(dora, zip_folder(CORPUS / "alice-all"), "i.zip", "single", candidate="ida")
    page = dora.get(f"/submissions/{first}/similar?to={second}").get_data(as_text=True)
    assert 'class="sides fragment"' in page
    assert "&lt;/div&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert" not in page
