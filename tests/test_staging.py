"""``prepared_batch``: a batch archive as one member per candidate, bad members refused alone."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from grader.errors import InvalidSubmission
from grader.staging import prepared_batch
from grader.submission import UploadBudget, UploadBudgetExceeded


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
