"""Turn what the user named (a folder, a ``.zip``, a ``.tar.gz``) into a safe copy.

Every submission is staged into a fresh scratch folder before anything runs:

* the original is only read, never modified, and a sandbox only sees the copy;
* symbolic links, devices and other special files are never copied, so a link
  cannot make the host read one of its own files into the sandbox;
* archive members with absolute paths or ``..`` are rejected, and the number
  of files and the unpacked size are capped *before* anything is written, so
  a zip bomb is refused rather than unpacked.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import tarfile
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from .errors import InvalidSubmission, SubmissionNotFound

MAX_FILES = 2000
MAX_TOTAL_BYTES = 50 * 1024 * 1024
MAX_FILE_BYTES = 20 * 1024 * 1024
SKIPPED_DIRS = {"__pycache__", ".git", ".venv", "venv", "node_modules", ".mypy_cache", ".pytest_cache"}
ARCHIVE_SUFFIXES = (".zip", ".tar.gz", ".tgz", ".tar")


def is_archive(path: Path) -> bool:
    return path.name.lower().endswith(ARCHIVE_SUFFIXES)


class _Budget:
    """Counts files and bytes against the caps, failing with a clear reason."""

    def __init__(self, origin: Path) -> None:
        self.origin = origin
        self.files = 0
        self.bytes = 0

    def add(self, name: str, size: int) -> None:
        self.files += 1
        self.bytes += size
        if self.files > MAX_FILES:
            raise InvalidSubmission(f"{self.origin}: more than {MAX_FILES} files")
        if size > MAX_FILE_BYTES:
            raise InvalidSubmission(f"{self.origin}: {name} is larger than {MAX_FILE_BYTES // 2**20} MiB")
        if self.bytes > MAX_TOTAL_BYTES:
            raise InvalidSubmission(f"{self.origin}: unpacked size exceeds {MAX_TOTAL_BYTES // 2**20} MiB")


def _safe_member(origin: Path, name: str) -> PurePosixPath | None:
    """The member's relative path, None to skip it, or an error if it is unsafe."""
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise InvalidSubmission(f"{origin}: archive member {name!r} has an absolute path")
    if ".." in path.parts:
        raise InvalidSubmission(f"{origin}: archive member {name!r} points outside the archive")
    parts = [p for p in path.parts if p not in ("", ".")]
    if not parts or any(p in SKIPPED_DIRS for p in parts) or parts[0] == "__MACOSX":
        return None
    return PurePosixPath(*parts)


def regular_files(source: Path) -> Iterator[tuple[Path, os.stat_result]]:
    """Every file of a submission folder the grader reads, as (relative path, lstat), in a stable order.

    Only regular files count: links (to files or folders), sockets and devices
    are never followed or read, and cache and VCS folders are skipped.
    """
    for current, dirs, files in os.walk(source, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        for name in sorted(files):
            path = Path(current, name)
            info = path.lstat()
            if stat.S_ISREG(info.st_mode):
                yield path.relative_to(source), info


def tree_hash(source: Path) -> str:
    """A hash of what the grader reads of a folder: each regular file's relative path and bytes."""
    digest = hashlib.sha256()
    for relative, _ in regular_files(source):
        digest.update(relative.as_posix().encode() + b"\0")
        digest.update((source / relative).read_bytes() + b"\0")
    return digest.hexdigest()


def _copy_folder(source: Path, target: Path) -> None:
    budget = _Budget(source)
    for relative, info in regular_files(source):
        budget.add(str(relative), info.st_size)
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / relative, destination, follow_symlinks=False)


def _extract_zip(source: Path, target: Path) -> None:
    budget = _Budget(source)
    with zipfile.ZipFile(source) as archive:
        members = []
        for info in archive.infolist():
            relative = _safe_member(source, info.filename)
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise InvalidSubmission(f"{source}: archive member {info.filename!r} is a link")
            if relative is None or info.is_dir():
                continue
            budget.add(info.filename, info.file_size)
            members.append((info, relative))
        for info, relative in members:
            destination = target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as src, open(destination, "wb") as dst:
                # the declared size was checked; never trust it while writing either
                shutil.copyfileobj(_Capped(src, info.file_size), dst)


class _Capped:
    """A reader that refuses to yield more than the size the archive declared."""

    def __init__(self, stream: object, limit: int) -> None:
        self.stream = stream
        self.left = limit

    def read(self, size: int = -1) -> bytes:
        chunk: bytes = self.stream.read(65536 if size < 0 else min(size, 65536))  # type: ignore[attr-defined]
        self.left -= len(chunk)
        if self.left < 0:
            raise InvalidSubmission("archive member is larger than it declares")
        return chunk


def _extract_tar(source: Path, target: Path) -> None:
    budget = _Budget(source)
    with tarfile.open(source, "r:*") as archive:
        members = []
        for member in archive.getmembers():
            relative = _safe_member(source, member.name)
            if member.issym() or member.islnk():
                raise InvalidSubmission(f"{source}: archive member {member.name!r} is a link")
            if member.isdev() or member.isfifo():
                raise InvalidSubmission(f"{source}: archive member {member.name!r} is a device")
            if relative is None or member.isdir():
                continue
            if not member.isfile():
                continue
            budget.add(member.name, member.size)
            members.append((member, relative))
        for member, relative in members:
            destination = target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            extracted = archive.extractfile(member)
            if extracted is None:
                continue
            with extracted as src, open(destination, "wb") as dst:
                shutil.copyfileobj(_Capped(src, member.size), dst)


def _unpack(source: Path, target: Path) -> None:
    name = source.name.lower()
    try:
        if name.endswith(".zip"):
            _extract_zip(source, target)
        else:
            _extract_tar(source, target)
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError) as exc:
        raise InvalidSubmission(f"{source}: not a readable archive ({exc})") from None


def _app_root(folder: Path) -> Path:
    """Descend through a single wrapping folder (``submission/app.py`` in an archive)."""
    current = folder
    for _ in range(3):
        entries = [p for p in current.iterdir() if not p.name.startswith(".")]
        has_code = any(p.suffix == ".py" or (p / "__init__.py").exists() for p in entries)
        dirs = [p for p in entries if p.is_dir()]
        if has_code or len(entries) != 1 or len(dirs) != 1:
            return current
        current = dirs[0]
    return current


def _make_readable(root: Path) -> None:
    """The sandbox user is not the host user: let it read (never write) the copy."""
    root.chmod(0o755)
    for path in root.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)


@contextmanager
def prepared_submission(path: Path) -> Iterator[Path]:
    """Yield a private, read-only-for-others copy of the submission's app folder."""
    source = Path(path)
    if not source.exists():
        raise SubmissionNotFound(f"no such file or folder: {source}", hint="check the path")
    if source.is_file() and not is_archive(source):
        raise InvalidSubmission(
            f"{source} is neither a folder nor an archive", hint="pass a folder, .zip or .tar.gz"
        )
    with tempfile.TemporaryDirectory(prefix="grader-sub-") as scratch:
        target = Path(scratch, "submission")
        target.mkdir()
        if source.is_dir():
            _copy_folder(source.resolve(), target)
        else:
            _unpack(source, target)
        if not any(target.iterdir()):
            raise InvalidSubmission(f"{source} is empty", hint="it should contain app.py")
        Path(scratch).chmod(0o755)
        _make_readable(target)
        yield _app_root(target)
