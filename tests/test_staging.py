"""Staging: a batch archive as one member per candidate, bad ones refused alone; each submission read once."""

from __future__ import annotations

import io
import json
import tarfile
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest

from grader.errors import InvalidSubmission
from grader.staging import prepared_batch
from grader.submission import UploadBudget, UploadBudgetExceeded

from .conftest import GOLDEN, Cli


def _tar(path: Path, files: dict[str, bytes], links: dict[str, str] | None = None) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            archive.addfile(info)
    return path


def test_one_folder_is_a_batch_of_one_with_its_subfolders(tmp_path: Path) -> None:
    archive = _tar(tmp_path / "b.tar.gz", {"ann/app/__init__.py": b"", "ann/app/views.py": b""})
    with prepared_batch(archive, label="b.tar.gz") as members:
        assert [(m.label, m.id, m.problem) for m in members] == [("ann", "ann", "")]
        assert (members[0].path / "app" / "views.py").is_file()


def test_a_link_refuses_only_its_candidate_even_at_the_top(tmp_path: Path) -> None:
    archive = _tar(
        tmp_path / "b.tar.gz",
        {"ann/app.py": b"", "bob/app.py": b"", "__MACOSX/x": b""},
        links={"bob/key": "/etc/passwd", "cy": "/", "__MACOSX/l": "/"},
    )
    with prepared_batch(archive, label="b.tar.gz") as members:
        problems = {m.label: m.problem for m in members}
    assert problems["ann"] == ""
    assert problems["bob"].startswith("bob: archive member 'bob/key' is a link: replace each link")
    assert problems["cy"].startswith("cy: archive member 'cy' is a link")
    assert set(problems) == {"ann", "bob", "cy"}


def test_colliding_names_are_refused_as_a_pair(tmp_path: Path) -> None:
    archive = _tar(
        tmp_path / "b.tar.gz",
        {
            "Zo\u00eb/app.py": b"",
            "Zoe\u0308/app.py": b"",
            "Zoe/app.py": b"",
            "ann/app.py": b"",
            "ann.zip": b"",
        },
    )
    with prepared_batch(archive, label="b.tar.gz") as members:
        problems = {m.label: m.problem for m in members}
    assert problems["Zoe"] == ""
    for label in ("Zo\u00eb", "Zoe\u0308", "ann", "ann.zip"):
        assert "2 candidates of this batch are named alike" in problems[label]


def test_refusals_name_the_label_never_the_path(tmp_path: Path) -> None:
    archive = _tar(tmp_path / "b.tar.gz", {"notes.txt": b""})
    with pytest.raises(InvalidSubmission) as refused, prepared_batch(archive, label="mine.tar.gz"):
        pass
    assert refused.value.format().startswith("no candidates in mine.tar.gz")
    flat = _tar(tmp_path / "f.tar.gz", {"app.py": b"", "templates/base.html": b""})
    with pytest.raises(InvalidSubmission) as refused, prepared_batch(flat, label="flat.tar.gz"):
        pass
    assert refused.value.format().startswith(
        "flat.tar.gz holds app.py at its top: it looks like one submission"
    )
    slip = _tar(tmp_path / "s.tar.gz", {"ann/../../x.py": b""})
    with pytest.raises(InvalidSubmission) as refused, prepared_batch(slip, label="s.tar.gz"):
        pass
    assert str(tmp_path) not in refused.value.format()


def test_the_upload_budget_covers_time_too(tmp_path: Path) -> None:
    archive = _tar(tmp_path / "b.tar.gz", {"ann/app.py": b"x"})
    budget = UploadBudget("b.tar.gz", 2**20, seconds=0.0)
    with (
        pytest.raises(UploadBudgetExceeded, match="took longer than 0 s in all"),
        prepared_batch(archive, label="b.tar.gz", budget=budget),
    ):
        pass


class _Counter:
    """Wraps :func:`grader.submission.stage_into`, the one read of a submission, and counts its calls."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from grader import staging

        self.real = staging.stage_into
        self.calls: list[str] = []
        monkeypatch.setattr(staging, "stage_into", self)

    def __call__(self, source: Path, target: Path, budget: Any) -> None:
        self.calls.append(source.name)
        self.real(source, target, budget)


def _candidates(folder: Path) -> set[str]:
    """A folder, a zip with a wrapping folder, a .tar.gz, a lone .py and a broken zip."""
    app = (GOLDEN / "hello-world" / "module-markupsafe" / "app.py").read_bytes()
    (folder / "ann").mkdir(parents=True)
    (folder / "ann" / "app.py").write_bytes(app)
    with zipfile.ZipFile(folder / "bob.zip", "w") as archive:
        archive.writestr("bob/app.py", app)
    _tar(folder / "cat.tar.gz", {"app.py": app})
    (folder / "dan.py").write_bytes(app)
    (folder / "eve.zip").write_bytes(b"not a zip")
    return {"ann", "bob.zip", "cat.tar.gz", "dan.py", "eve.zip"}


@pytest.mark.slow
def test_a_batch_reads_each_submission_once_for_key_grade_similarity_and_report(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 19: staged once, then keyed, graded, compared and shown from that copy."""
    names = _candidates(tmp_path / "subs")
    counter = _Counter(monkeypatch)
    out = tmp_path / "out"
    done = cli("batch", "hello-world", str(tmp_path / "subs"), "--out", str(out), "--sandbox", "local")
    assert done.exit_code == 0, done.output
    assert sorted(counter.calls) == sorted(names), "one read per submission, none again"
    html = (out / "report.html").read_text()
    assert html.count("<h4>app.py") == 4, "the report shows the files it graded"
    assert "similarity: " in done.stderr
    # the same code zipped or not is one content: ann, bob, cat and dan share one key
    keys = {json.loads(p.read_text())["cache_key"] for p in (out / "results").glob("*.json")}
    assert len(keys) == 2 and None in keys, keys  # one key for the four copies, none for the refused eve


@pytest.mark.slow
def test_the_service_reads_an_upload_once_and_shows_the_stored_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 19: an upload is staged at intake; the job grades and the page shows that stored tree."""
    from grader.service.app import create_app, service
    from grader.service.models import Submission

    from .service_support import batch_archive, csrf, golden_zip, login, make_team

    data = tmp_path / "data"
    data.mkdir()
    make_team(data, "alpha", user="alice")
    counter = _Counter(monkeypatch)
    app = create_app({"DATA_DIR": str(data), "SANDBOX": "local", "WORKERS": 1})
    try:
        client = login(app, "alice")
        uploads = [(golden_zip("module-markupsafe"), "one.zip", "single")]
        uploads.append((batch_archive({"ann": "no-escape", "bob": "methodview"}), "two.tar.gz", "batch"))
        for archive, name, kind in uploads:
            token = csrf(client, "/upload")
            fields = {"challenge": "hello-world", "kind": kind, "csrf_token": token}
            answer = client.post(
                "/upload",
                data={**fields, "file": (io.BytesIO(archive), name)},
                content_type="multipart/form-data",
            )
            assert answer.status_code == 302, answer.get_data(as_text=True)[:300]
        with app.app_context():
            db = service().db
            deadline = time.monotonic() + 120
            while True:
                with db.session() as session:
                    rows = session.query(Submission).all()
                    if len(rows) == 3 and all(r.status == "done" for r in rows):
                        ids = [r.id for r in rows]
                        break
                assert time.monotonic() < deadline, "not graded in time"
                time.sleep(0.2)
        for _ in range(2):
            for submission_id in ids:
                page = client.get(f"/submissions/{submission_id}").get_data(as_text=True)
                assert "<code>app.py</code>" in page
    finally:
        app.extensions["grader"].stop()
    assert len(counter.calls) == 3, (
        f"one read per submission (the batch's two members and one upload): {counter.calls}"
    )
