"""Staging submissions: folders copied without links, archives unpacked safely."""

from __future__ import annotations

import io
import os
import tarfile
import zipfile
from pathlib import Path

import pytest

from grader.errors import InvalidSubmission, SubmissionNotFound
from grader.submission import MAX_TOTAL_BYTES, prepared_submission


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_folder_is_copied_without_links_and_left_untouched(tmp_path: Path) -> None:
    source = _write(tmp_path / "sub", {"app.py": "app = 1\n", "pkg/mod.py": "x = 2\n"})
    os.symlink("/etc/hostname", source / "leak.txt")
    os.symlink(source / "pkg", source / "linked_pkg")
    before = sorted(p.name for p in source.rglob("*"))
    with prepared_submission(source) as staged:
        assert staged != source
        assert (staged / "app.py").read_text() == "app = 1\n"
        assert (staged / "pkg" / "mod.py").is_file()
        assert not (staged / "leak.txt").exists()
        assert not (staged / "linked_pkg").exists()
        assert oct(staged.stat().st_mode & 0o777) == "0o755"
    assert not staged.exists(), "the staged copy is removed afterwards"
    assert sorted(p.name for p in source.rglob("*")) == before


def test_caches_and_vcs_folders_are_skipped(tmp_path: Path) -> None:
    source = _write(tmp_path, {"app.py": "", ".git/config": "", "__pycache__/app.pyc": ""})
    with prepared_submission(source) as staged:
        assert sorted(p.name for p in staged.iterdir()) == ["app.py"]


def test_missing_path_and_plain_file_and_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(SubmissionNotFound), prepared_submission(tmp_path / "nope"):
        pass
    (tmp_path / "notes.txt").write_text("hi")
    not_archive = tmp_path / "notes.txt"
    with pytest.raises(InvalidSubmission, match="neither a folder"), prepared_submission(not_archive):
        pass
    (tmp_path / "empty").mkdir()
    with pytest.raises(InvalidSubmission, match="empty"), prepared_submission(tmp_path / "empty"):
        pass


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_zip_with_wrapping_folder_is_unpacked(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "s.zip", {"submission/app.py": b"app = 1\n", "__MACOSX/._app.py": b""})
    with prepared_submission(archive) as staged:
        assert (staged / "app.py").read_bytes() == b"app = 1\n"


@pytest.mark.parametrize("name", ["../evil.py", "/abs/evil.py", "a/../../evil.py", "C:/evil.py"])
def test_zip_slip_is_rejected(tmp_path: Path, name: str) -> None:
    archive = _zip(tmp_path / "s.zip", {"app.py": b"", name: b"x"})
    with pytest.raises(InvalidSubmission), prepared_submission(archive):
        pass
    assert not (tmp_path / "evil.py").exists()


def test_zip_bomb_is_rejected_before_writing(tmp_path: Path) -> None:
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as bomb:
        for i in range(6):
            bomb.writestr(f"f{i}.txt", b"\0" * (MAX_TOTAL_BYTES // 5))
    assert archive.stat().st_size < 1024 * 1024
    with pytest.raises(InvalidSubmission, match="unpacked size exceeds"), prepared_submission(archive):
        pass


def test_zip_symlink_member_is_rejected(tmp_path: Path) -> None:
    archive = tmp_path / "link.zip"
    with zipfile.ZipFile(archive, "w") as z:
        info = zipfile.ZipInfo("app.py")
        info.external_attr = 0o120777 << 16
        z.writestr(info, "/etc/passwd")
    with pytest.raises(InvalidSubmission, match="is a link"), prepared_submission(archive):
        pass


def _tar(path: Path, build: object) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        build(archive)  # type: ignore[operator]
    return path


def test_tar_gz_is_unpacked(tmp_path: Path) -> None:
    def build(archive: tarfile.TarFile) -> None:
        data = b"app = 1\n"
        info = tarfile.TarInfo("app.py")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))

    with prepared_submission(_tar(tmp_path / "s.tar.gz", build)) as staged:
        assert (staged / "app.py").read_bytes() == b"app = 1\n"


@pytest.mark.parametrize("kind", [tarfile.SYMTYPE, tarfile.LNKTYPE, tarfile.CHRTYPE])
def test_tar_links_and_devices_are_rejected(tmp_path: Path, kind: bytes) -> None:
    def build(archive: tarfile.TarFile) -> None:
        info = tarfile.TarInfo("app.py")
        info.type = kind
        info.linkname = "/etc/passwd"
        archive.addfile(info)

    with pytest.raises(InvalidSubmission), prepared_submission(_tar(tmp_path / "s.tar.gz", build)):
        pass


def test_not_an_archive(tmp_path: Path) -> None:
    fake = tmp_path / "fake.zip"
    fake.write_text("this is not a zip")
    with pytest.raises(InvalidSubmission, match="not a readable archive"), prepared_submission(fake):
        pass
