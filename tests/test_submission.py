"""Staging submissions: folders copied, links refused, archives unpacked safely."""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import os
import subprocess
import tarfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from grader import submission as staging
from grader.errors import InvalidSubmission, SubmissionNotFound
from grader.staging import staged_submission
from grader.submission import (
    MAX_DEPTH,
    MAX_PATH_CHARS,
    MAX_TOTAL_BYTES,
    regular_files,
    shown,
    tree_hash,
)
from grader.targuard import MAX_RECORD_BYTES

from .conftest import ROOT, Cli
from .redteam.craft import APP, END, MIB, header, padded, write_gz, zeros
from .test_redteam import grade_in_subprocess


@contextmanager
def prepared_submission(path: Path) -> Iterator[Path]:
    """The staged app folder of ``path`` (these tests look at the copy, not its key)."""
    with staged_submission(path) as staged:
        yield staged.root


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def _refused(path: Path, match: str) -> str:
    """Stage ``path``, expecting a refusal matching ``match``; the one-line message."""
    with pytest.raises(InvalidSubmission, match=match) as caught, prepared_submission(path):
        pass
    line = caught.value.format()
    assert line.isprintable() and "\n" not in line
    return line


def test_folder_is_copied_and_left_untouched(tmp_path: Path) -> None:
    source = _write(tmp_path / "sub", {"app.py": "app = 1\n", "pkg/mod.py": "x = 2\n"})
    before = sorted(p.name for p in source.rglob("*"))
    with prepared_submission(source) as staged:
        assert staged != source
        assert (staged / "app.py").read_text() == "app = 1\n"
        assert (staged / "pkg" / "mod.py").is_file()
        assert oct(staged.stat().st_mode & 0o777) == "0o755"
        assert oct((staged / "pkg" / "mod.py").stat().st_mode & 0o777) == "0o644"
    assert not staged.exists(), "the staged copy is removed afterwards"
    assert sorted(p.name for p in source.rglob("*")) == before


@pytest.mark.parametrize("target", ["/etc/hostname", "pkg"])
def test_a_folder_with_a_link_is_refused_like_an_archive_with_one(tmp_path: Path, target: str) -> None:
    """Links were dropped silently from folders but refused in archives: both are refused now."""
    source = _write(tmp_path / "sub", {"app.py": "app = 1\n", "pkg/mod.py": "x = 2\n"})
    os.symlink(target, source / "linked")
    line = _refused(source, "'linked' is a symbolic link")
    assert "replace each link with the file it points to" in line


def test_links_named_like_skipped_folders_are_skipped_with_them(tmp_path: Path) -> None:
    source = _write(tmp_path / "sub", {"app.py": "app = 1\n"})
    os.symlink("/usr", source / ".venv")
    with prepared_submission(source) as staged:
        assert sorted(p.name for p in staged.iterdir()) == ["app.py"]


def test_a_pipe_in_a_folder_is_refused(tmp_path: Path) -> None:
    source = _write(tmp_path / "sub", {"app.py": ""})
    os.mkfifo(source / "data.txt")
    _refused(source, "'data.txt' is not a regular file")


def _os_walk_reference(source: Path) -> list[tuple[str, int]]:
    """What regular_files yielded when it was built on os.walk (cache keys depend on it)."""
    found = []
    for current, dirs, files in os.walk(source, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in staging.SKIPPED_DIRS)
        for name in sorted(files):
            path = Path(current, name)
            if path.is_file() and not path.is_symlink():
                found.append((path.relative_to(source).as_posix(), path.stat().st_size))
    return found


def test_the_iterative_walk_keeps_os_walks_order_and_hash(tmp_path: Path) -> None:
    files = {"b.py": "1", "a.py": "22", "z/x.py": "3", "a/b/c.py": "4", "a/a.py": "5", "a_b/d.py": "6"}
    source = _write(tmp_path / "sub", {**files, ".git/HEAD": "7", "a/__pycache__/c.pyc": "8", "venv": "9"})
    os.symlink("/etc", source / "a" / "etc")
    os.symlink("/etc/hostname", source / "host")
    walked = [(r.as_posix(), info.st_size) for r, info in regular_files(source)]
    assert walked == _os_walk_reference(source)
    assert [name for name, _ in walked] == [
        "a.py",
        "b.py",
        "venv",
        "a/a.py",
        "a/b/c.py",
        "a_b/d.py",
        "z/x.py",
    ]
    digest = hashlib.sha256()
    for name, _ in walked:
        digest.update(name.encode() + b"\0" + (source / name).read_bytes() + b"\0")
    assert tree_hash(source) == digest.hexdigest(), "batch cache keys of earlier runs stay valid"


def _deep_folder(root: Path, levels: int, name: str = "d") -> Path:
    _write(root, {"app.py": "app = 1\n"})
    current = str(root)
    for _ in range(levels):  # os.makedirs recurses per level too
        current = os.path.join(current, name)
        os.mkdir(current)
    Path(current, "x.py").write_text("")
    return root


def test_a_folder_1100_levels_deep_is_refused_and_hashed_without_recursion(tmp_path: Path) -> None:
    source = _deep_folder(tmp_path / "deep", 1100)
    try:
        _refused(source, f"is more than {MAX_DEPTH} folders deep")
        assert len(tree_hash(source)) == 64, "a batch can still compute its cache key"
    finally:
        subprocess.run(["rm", "-rf", str(source)], check=True)  # shutil.rmtree recurses per level


def test_depth_and_path_length_caps_for_folders(tmp_path: Path) -> None:
    with prepared_submission(_deep_folder(tmp_path / "ok", MAX_DEPTH)) as staged:
        assert (staged.joinpath(*["d"] * MAX_DEPTH) / "x.py").is_file()
    _refused(_deep_folder(tmp_path / "deep", MAX_DEPTH + 1), "folders deep")
    _refused(_deep_folder(tmp_path / "long", 3, "p" * 200), f"longer than {MAX_PATH_CHARS} characters")


@pytest.mark.parametrize(
    ("name", "match"),
    [
        ("d/" * (MAX_DEPTH + 1) + "x.py", "folders deep"),
        ("d/" * 1100 + "x.py", "longer than"),
        (("p" * 200 + "/") * 3 + "x.py", "longer than"),
    ],
)
@pytest.mark.parametrize("kind", ["zip", "tar.gz"])
def test_depth_and_path_length_caps_for_archives(tmp_path: Path, name: str, match: str, kind: str) -> None:
    members = {"app.py": APP, name: b""}
    if kind == "zip":
        archive = _zip(tmp_path / "s.zip", members)
    else:
        archive = tmp_path / "s.tar.gz"
        with tarfile.open(archive, "w:gz") as tar:
            for member, data in members.items():
                info = tarfile.TarInfo(member)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    _refused(archive, match)


def test_an_archive_exactly_at_the_depth_cap_is_unpacked(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "s.zip", {"app.py": APP, "d/" * MAX_DEPTH + "x.py": b"x"})
    with prepared_submission(archive) as staged:
        assert (staged.joinpath(*["d"] * MAX_DEPTH) / "x.py").read_bytes() == b"x"


def test_names_in_refusals_are_quoted_without_control_characters(tmp_path: Path) -> None:
    name = "\x1b]0;pwned\x07\r\x1b[2K\x1b[32mPASSED\x1b[0m.py"
    archive = _zip(tmp_path / "s.zip", {name: bytes(staging.MAX_FILE_BYTES + 1)})
    line = _refused(archive, "is larger than")
    assert "\\x1b[2K" in line and "\x1b" not in line
    hostile = tmp_path / "\x1b[2Kx.zip"
    hostile.write_bytes(b"not a zip")
    assert "\\x1b[2Kx.zip" in _refused(hostile, "not a readable archive")


def test_shown_escapes_and_cuts() -> None:
    assert shown("plain name") == "plain name"
    assert shown("a\x1b[2Kb\u202e") == "a\\x1b[2Kb\\u202e"
    assert shown("x" * 500, limit=10) == "x" * 10 + "..."


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


def _tar_bytes(members: dict[str, bytes], fmt: int = tarfile.PAX_FORMAT) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=fmt) as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.mark.parametrize("fmt", [tarfile.PAX_FORMAT, tarfile.GNU_FORMAT])
@pytest.mark.parametrize("suffix", [".tar", ".tar.gz", ".tgz"])
def test_tars_with_long_names_unpack_in_the_compression_their_name_says(
    tmp_path: Path, suffix: str, fmt: int
) -> None:
    long_name = "pkg/" + "m" * 150 + ".py"  # a pax record or a GNU long-name record
    data = _tar_bytes({"app.py": APP, long_name: b"x = 1\n"}, fmt)
    archive = tmp_path / f"s{suffix}"
    archive.write_bytes(gzip.compress(data) if suffix != ".tar" else data)
    with prepared_submission(archive) as staged:
        assert (staged / "app.py").read_bytes() == APP
        assert (staged / long_name).read_bytes() == b"x = 1\n"


def test_an_archive_in_another_compression_than_its_name_is_refused(tmp_path: Path) -> None:
    data = _tar_bytes({"app.py": APP})
    (tmp_path / "bz.tar.gz").write_bytes(bz2.compress(data))
    _refused(tmp_path / "bz.tar.gz", "not gzip-compressed, as its name says")
    noise = _tar_bytes({"app.py": APP, "noise.bin": os.urandom(4096)})  # gzip over one header block
    (tmp_path / "gz.tar").write_bytes(gzip.compress(noise))
    _refused(tmp_path / "gz.tar", "unsafe tar archive: a tar header is damaged")


@pytest.mark.parametrize(
    ("parts", "match"),
    [
        ([header("././@LongLink", 2**30, b"L")], "GNU long-name record declares 1073741824 bytes"),
        ([header("././@LongLink", MAX_RECORD_BYTES + 1, b"K")], "GNU long-link record declares"),
        ([header("./PaxHeaders/x", 2**30, b"x")], "pax record declares"),
        ([header("pax_global", 2**30, b"g")], "pax global record declares"),
        ([header("././@LongLink", 8, b"L"), padded(b"app.py\0\0")] * 5, "more than 4 header records"),
        ([header("./PaxHeaders/x", 21, b"x"), padded(b"21 size=107374182400\n")], "sets 'size'"),
        (
            [header("./PaxHeaders/x", 25, b"x"), padded(b"25 GNU.sparse.size=99999\n")],
            "sets 'GNU.sparse.size'",
        ),
        ([header("./PaxHeaders/x", 12, b"x"), padded(b"99 path=abc\n")], "pax record is malformed"),
        ([header("sparse.py", 10, b"S")], "unsupported kind"),
        ([header("volume", 0, b"V")], "unsupported kind"),
        ([header("app.py", 200 * 2**30)], "'app.py' is larger than 20 MiB"),
        ([header("__MACOSX/._big", 100 * 2**30)], "'__MACOSX/._big' is larger than 200 MiB"),
        ([header(f"f{i}.py", 19 * MIB) + bytes(19 * MIB) for i in range(3)], "unpacked size exceeds"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_hostile_tar_headers_are_refused_before_tarfile_reads_them(
    tmp_path: Path, parts: list[bytes], match: str
) -> None:
    archive = write_gz(tmp_path / "s.tar.gz", [header("app.py", len(APP)), padded(APP), *parts, END])
    _refused(archive, match)


def test_links_and_devices_pass_the_guard_and_are_refused_by_name(tmp_path: Path) -> None:
    damaged = bytearray(header("app.py", 0))
    damaged[0:1] = b"b"  # checksum no longer matches
    _refused(write_gz(tmp_path / "d.tar.gz", [bytes(damaged), END]), "damaged")
    fifo = header("pipe", 0, tarfile.FIFOTYPE)
    _refused(write_gz(tmp_path / "f.tar.gz", [header("app.py", len(APP)), padded(APP), fifo, END]), "'pipe'")


@pytest.mark.parametrize("kind", ["folder", "zip", "tar.gz"])
def test_staging_is_bounded_by_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    members = {"app.py": APP, "b.py": b"x"}
    if kind == "folder":
        path = _write(tmp_path / "sub", {k: v.decode() for k, v in members.items()})
    elif kind == "zip":
        path = _zip(tmp_path / "s.zip", members)
    else:
        path = tmp_path / "s.tar.gz"
        path.write_bytes(gzip.compress(_tar_bytes(members)))
    monkeypatch.setattr(staging, "STAGING_SECONDS", -1.0)
    _refused(path, "staging took longer than -1 s")


def test_a_refusal_is_one_clean_line_and_exit_2_with_bounded_memory(tmp_path: Path) -> None:
    """The real console script (local sandbox: never reached) on a 1 GiB long name and a 1,100-deep zip."""
    longname = write_gz(tmp_path / "l.tar.gz", [header("././@LongLink", 2**30, b"L"), zeros(256 * MIB)])
    deep = _zip(tmp_path / "deep.zip", {"app.py": APP, "d/" * 1100 + "x.py": b""})
    for archive, needle in ((longname, "long-name record"), (deep, "longer than")):
        code, stdout, stderr, _, peak_kib, _ = grade_in_subprocess("hello-world", archive, "local")
        assert (code, stdout) == (2, "")
        assert stderr.startswith("error: ") and stderr.count("\n") == 1 and needle in stderr
        assert peak_kib < 128 * 1024


def test_a_zip_declaring_a_huge_directory_is_refused_before_zipfile_reads_it(tmp_path: Path) -> None:
    """Millions of tiny entries would make zipfile build millions of objects before any cap of ours."""
    archive = _zip(tmp_path / "ok.zip", {"app.py": b"x = 1\n"})
    data = bytearray(archive.read_bytes())
    at = data.rfind(b"PK\x05\x06")
    data[at + 10 : at + 12] = (staging.MAX_ENTRIES + 1).to_bytes(2, "little")
    data[at + 8 : at + 10] = (staging.MAX_ENTRIES + 1).to_bytes(2, "little")
    forged = tmp_path / "forged.zip"
    forged.write_bytes(bytes(data))
    with pytest.raises(InvalidSubmission, match="entries"), prepared_submission(forged):
        pass
    data[at + 12 : at + 16] = (64 * 1024 * 1024).to_bytes(4, "little")
    forged.write_bytes(bytes(data))
    with pytest.raises(InvalidSubmission, match="directory"), prepared_submission(forged):
        pass


def test_a_lone_py_file_is_a_one_file_submission_staged_as_app_py(tmp_path: Path) -> None:
    source = tmp_path / "kim.py"
    source.write_text("from flask import Flask\napp = Flask(__name__)\n")
    with prepared_submission(source) as root:
        assert sorted(p.name for p in root.iterdir()) == ["app.py"]
        assert (root / "app.py").read_text() == source.read_text()
    assert source.exists()  # only read


def test_a_lone_py_file_keeps_the_size_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(staging, "MAX_FILE_BYTES", 10)
    source = tmp_path / "big.py"
    source.write_text("x = 1\n" * 10)
    with pytest.raises(InvalidSubmission, match="larger than"), prepared_submission(source):
        pass


def test_grading_a_lone_py_file(cli: Cli, tmp_path: Path) -> None:
    source = tmp_path / "lee.py"
    source.write_text((ROOT / "challenges" / "hello-world" / "solution" / "app.py").read_text())
    code, result = cli.grade_json("hello-world", source, "local")
    assert (code, result["status"]) == (0, "passed")
