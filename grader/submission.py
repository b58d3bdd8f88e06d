"""Turn what the user named (a folder, a ``.zip``, a ``.tar.gz``) into a safe copy.

Every submission is staged into a fresh scratch folder before anything runs:

* the original is only read, never modified, and a sandbox only sees the copy;
* a symbolic link, device, socket or pipe anywhere in the submission refuses
  it whole, folder and archive alike, with one line naming it: a link's
  target is not part of the submission, and dropping it silently would grade
  a different program than the candidate wrote (see README, "Submissions");
* archive members with absolute paths or ``..`` are refused, and so are
  paths more than :data:`MAX_DEPTH` folders deep or longer than
  :data:`MAX_PATH_CHARS` characters (deep trees crash recursive tools);
* caps on files, bytes and time are checked as the submission is read, each
  member's declared size before it is written, and the first cap reached
  stops the staging; the actual bytes written never exceed what was declared;
* a ``.tar.gz``/``.tgz`` must be gzip and a ``.tar`` uncompressed, and tar
  headers are checked by :mod:`grader.targuard` before ``tarfile`` reads them.

Every name in an error goes through :func:`quoted` or :func:`shown`: names come from the
candidate and must not reach a terminal with control characters in them.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import stat
import tarfile
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from typing import IO, BinaryIO

from .errors import InvalidSubmission
from .targuard import HeaderGuard, UnsafeTar
from .zipguard import check_zip_directory

MAX_FILES = 2000
MAX_TOTAL_BYTES = 50 * 1024 * 1024
MAX_FILE_BYTES = 20 * 1024 * 1024
#: Archive entries of any kind (folders and skipped members included).
MAX_ENTRIES = 10 * MAX_FILES
#: Bytes read from an archive, skipped members included; also the largest archive accepted.
MAX_READ_BYTES = 4 * MAX_TOTAL_BYTES
MAX_DEPTH = 32
MAX_PATH_CHARS = 512
#: Staging stops with an error past this, however it is spent.
STAGING_SECONDS = 30.0
SKIPPED_DIRS = {"__pycache__", ".git", ".venv", "venv", "node_modules", ".mypy_cache", ".pytest_cache"}
ARCHIVE_SUFFIXES = (".zip", ".tar.gz", ".tgz", ".tar")
_CHUNK = 65536
_LINK_HINT = "replace each link with the file it points to, or leave it out"


#: A lone Python file is a one-file submission, staged as ``app.py``
#: (see :func:`grader.staging.staged_submission`).
SINGLE_FILE_SUFFIX = ".py"
#: The name a one-file submission gets in its staged folder: where the loader looks first, as ``flask run``.
SINGLE_FILE_NAME = "app.py"


def is_archive(path: Path) -> bool:
    return path.name.lower().endswith(ARCHIVE_SUFFIXES)


def kind_suffix(name: str) -> str:
    """What a submission file is, by its suffix (``.tar.gz``, ``.zip``, ``.py``), lower-cased; else ``""``.

    The longest match wins, so ``x.tar.gz`` is a ``.tar.gz``, never a ``.gz``.
    """
    lowered = name.lower()
    known = sorted((*ARCHIVE_SUFFIXES, SINGLE_FILE_SUFFIX), key=len, reverse=True)
    return next((suffix for suffix in known if lowered.endswith(suffix)), "")


def is_single_file(path: Path) -> bool:
    """A ``.py`` file given as a whole submission (``kim.py``): candidates often send just that."""
    return path.name.lower().endswith(SINGLE_FILE_SUFFIX)


def _stage_single_file(source: Path, target: Path, budget: _Budget) -> None:
    """Copy a one-file submission into ``target`` as :data:`SINGLE_FILE_NAME`, under the same caps."""
    with open(source, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        budget.add(source.name, size)
        _write(target / SINGLE_FILE_NAME, handle, size, budget, source.name)


def shown(text: object, limit: int = 160) -> str:
    """``text`` safe for a terminal and a one-line message.

    Control and other invisible characters are escaped the way ``repr``
    does (so an escape sequence prints as ``\\x1b[2K``), and long names are cut.
    """
    value = str(text)
    if len(value) > limit:
        value = value[:limit] + "..."
    return value if value.isprintable() else repr(value)[1:-1]


def quoted(name: str, limit: int = 80) -> str:
    """A name from a submission, quoted for a message: ``repr`` escapes every control character."""
    return repr(name if len(name) <= limit else name[:limit] + "...")


class UploadBudgetExceeded(InvalidSubmission):
    """One upload (a batch archive and all its members) spent its whole staging budget."""


class UploadBudget:
    """Bytes and seconds shared by every staging of one upload.

    A batch upload is staged once as a whole and then once per member; each
    staging has its own caps, but without a shared budget 80 members of
    48 MiB each unpack to 3.8 GiB in one request. The first staging that
    would cross the budget raises :class:`UploadBudgetExceeded`, which
    refuses the whole upload (it is not one member's fault).
    """

    def __init__(self, label: str, max_bytes: int, seconds: float) -> None:
        self.label = shown(label)
        self.max_bytes = max_bytes
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.bytes = 0

    def _refuse(self, what: str) -> UploadBudgetExceeded:
        return UploadBudgetExceeded(f"{self.label}: {what}", hint="upload it in smaller parts")

    def charge(self, size: int) -> None:
        self.bytes += size
        if self.bytes > self.max_bytes:
            raise self._refuse(f"this upload unpacks to more than {self.max_bytes // 2**20} MiB in all")

    def tick(self) -> None:
        if time.monotonic() > self.deadline:
            raise self._refuse(f"unpacking this upload took longer than {self.seconds:g} s in all")


class _Budget:
    """Counts entries, files, bytes and time against the caps, failing with a clear reason.

    ``origin`` is what messages call the submission: the caller's label (a
    service passes the client's file name, never its own scratch path).
    """

    def __init__(self, origin: Path | str, shared: UploadBudget | None = None) -> None:
        self.origin = shown(origin)
        self.shared = shared
        self.deadline = time.monotonic() + STAGING_SECONDS
        self.entries = 0
        self.files = 0
        self.bytes = 0

    def refuse(self, what: str, hint: str | None = None) -> InvalidSubmission:
        return InvalidSubmission(f"{self.origin}: {what}", hint=hint)

    def unsafe(self, name: str, what: str, hint: str | None = None) -> None:
        """A link, device or pipe named ``name``: refuses the submission (a batch overrides this)."""
        raise self.refuse(what, hint)

    def tick(self) -> None:
        if self.shared is not None:
            self.shared.tick()
        if time.monotonic() > self.deadline:
            raise self.refuse(
                f"staging took longer than {STAGING_SECONDS:g} s", "make the submission smaller"
            )

    def entry(self) -> None:
        self.tick()
        self.entries += 1
        if self.entries > MAX_ENTRIES:
            raise self.refuse(f"more than {MAX_ENTRIES} entries")

    def add(self, name: str, size: int) -> None:
        self.files += 1
        self.bytes += size
        if self.files > MAX_FILES:
            raise self.refuse(f"more than {MAX_FILES} files")
        if size > MAX_FILE_BYTES:
            raise self.refuse(f"{quoted(name)} is larger than {MAX_FILE_BYTES // 2**20} MiB")
        if self.bytes > MAX_TOTAL_BYTES:
            raise self.refuse(f"unpacked size exceeds {MAX_TOTAL_BYTES // 2**20} MiB")
        if self.shared is not None:
            self.shared.charge(size)

    def path(self, name: str, folders: int) -> None:
        """Refuse a path too deep or too long (``folders``: how many folders hold it)."""
        if len(name) > MAX_PATH_CHARS:
            raise self.refuse(f"{quoted(name, 60)} is a path longer than {MAX_PATH_CHARS} characters")
        if folders > MAX_DEPTH:
            raise self.refuse(f"{quoted(name, 60)} is more than {MAX_DEPTH} folders deep")


def _member_path(budget: _Budget, name: str, is_dir: bool) -> PurePosixPath | None:
    """The member's relative path, None to skip it, or an error if it is unsafe."""
    if len(name) > MAX_PATH_CHARS:
        budget.path(name, 0)
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise budget.refuse(f"archive member {quoted(name)} has an absolute path")
    if ".." in path.parts:
        raise budget.refuse(f"archive member {quoted(name)} points outside the archive")
    parts = [p for p in path.parts if p not in ("", ".")]
    budget.path(name, len(parts) - (0 if is_dir else 1))
    if not parts or any(p in SKIPPED_DIRS for p in parts) or parts[0] == "__MACOSX":
        return None
    return PurePosixPath(*parts)


def _walk(source: Path) -> Iterator[tuple[Path, os.stat_result]]:
    """Every entry under ``source`` as (relative path, lstat), without recursion.

    In each folder: its non-folder entries by name, then each subfolder (the
    folder itself, then its contents) by name, as ``os.walk`` would; a folder
    is listed only after the caller has seen it, so refusing it stops the
    walk. Links are reported, never followed; cache and VCS folders (and
    links named like them) are skipped.
    """
    stack: list[tuple[Path, os.stat_result | None]] = [(Path(), None)]
    while stack:
        relative, info = stack.pop()
        if info is not None:
            yield relative, info
        subfolders = []
        with os.scandir(source / relative) as listing:
            entries = sorted(listing, key=lambda e: e.name)
        for entry in entries:
            entry_info = entry.stat(follow_symlinks=False)
            if stat.S_ISDIR(entry_info.st_mode):
                if entry.name not in SKIPPED_DIRS:
                    subfolders.append((relative / entry.name, entry_info))
            elif stat.S_ISREG(entry_info.st_mode) or entry.name not in SKIPPED_DIRS:
                yield relative / entry.name, entry_info
        stack.extend(reversed(subfolders))


def regular_files(source: Path) -> Iterator[tuple[Path, os.stat_result]]:
    """Every regular file of a folder the grader reads, as (relative path, lstat), in a stable order.

    Links (to files or folders), sockets and devices are never followed or
    read, and cache and VCS folders are skipped. The order is part of
    :func:`tree_hash`, hence of every batch cache key: keep it.
    """
    for relative, info in _walk(source):
        if stat.S_ISREG(info.st_mode):
            yield relative, info


def packed(
    source: Path,
    *,
    keep: Callable[[Path], bool] = lambda relative: True,
    max_total: int | None = None,
    label: str = "the submission",
    compresslevel: int = 9,
) -> bytes:
    """A folder's regular files (as :func:`regular_files` reads them) as one .tar.gz, in memory.

    The one packer of a staged folder: a job for ``grader worker``, the
    upload of ``grader submit``. ``keep`` filters relative paths; past
    ``max_total`` unpacked bytes, :class:`InvalidSubmission` names ``label``.
    """
    buffer = io.BytesIO()
    total = 0
    with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=compresslevel) as archive:
        for relative, info in regular_files(source):
            if not keep(relative):
                continue
            total += info.st_size
            if max_total is not None and total > max_total:
                raise InvalidSubmission(f"{label}: unpacked size exceeds {max_total // 2**20} MiB")
            archive.add(source / relative, arcname=relative.as_posix(), recursive=False)
    return buffer.getvalue()


def tree_hash(source: Path) -> str:
    """A hash of what the grader reads of a folder: each regular file's relative path and bytes."""
    digest = hashlib.sha256()
    for relative, _ in regular_files(source):
        digest.update(relative.as_posix().encode() + b"\0")
        with open(source / relative, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        digest.update(b"\0")
    return digest.hexdigest()


class _Capped:
    """A reader that refuses to yield more than the size declared, or to outlive the deadline."""

    def __init__(self, stream: IO[bytes], limit: int, budget: _Budget, name: str) -> None:
        self.stream = stream
        self.left = limit
        self.budget = budget
        self.name = name

    def read(self, size: int = -1) -> bytes:
        self.budget.tick()
        chunk = self.stream.read(_CHUNK if size < 0 else min(size, _CHUNK))
        self.left -= len(chunk)
        if self.left < 0:
            raise self.budget.refuse(f"{quoted(self.name)} is larger than it declares")
        return chunk


def _write(destination: Path, stream: IO[bytes], size: int, budget: _Budget, name: str) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)  # at most MAX_DEPTH levels
    reader = _Capped(stream, size, budget, name)
    with open(destination, "wb") as out:
        while chunk := reader.read():
            out.write(chunk)


def _copy_folder(source: Path, target: Path, budget: _Budget) -> None:
    for relative, info in _walk(source):
        budget.entry()
        name = relative.as_posix()
        is_dir = stat.S_ISDIR(info.st_mode)
        budget.path(name, len(relative.parts) - (0 if is_dir else 1))
        if is_dir:
            continue  # created with the files it holds, as archives' folders are
        if stat.S_ISLNK(info.st_mode):
            raise budget.refuse(f"{quoted(name)} is a symbolic link", _LINK_HINT)
        if not stat.S_ISREG(info.st_mode):
            raise budget.refuse(f"{quoted(name)} is not a regular file (a device, socket or pipe)")
        budget.add(name, info.st_size)
        fd = os.open(source / relative, os.O_RDONLY | os.O_NOFOLLOW)
        with open(fd, "rb") as src:
            _write(target / relative, src, info.st_size, budget, name)


def _extract_zip(source: Path, target: Path, budget: _Budget) -> None:
    check_zip_directory(source, budget.origin, MAX_ENTRIES)
    with zipfile.ZipFile(source) as archive:
        members = []
        for info in archive.infolist():
            budget.entry()
            relative = _member_path(budget, info.filename, info.is_dir())
            if stat.S_ISLNK(info.external_attr >> 16):
                budget.unsafe(info.filename, f"archive member {quoted(info.filename)} is a link", _LINK_HINT)
                continue
            if relative is None or info.is_dir():
                continue
            budget.add(info.filename, info.file_size)
            members.append((info, relative))
        for info, relative in members:
            with archive.open(info) as src:
                _write(target / relative, src, info.file_size, budget, info.filename)


def _extract_tar(source: Path, target: Path, budget: _Budget) -> None:
    """Stream the members in order: each is checked, then written, before the next header is read."""
    with open(source, "rb") as raw:
        gzipped = source.name.lower().endswith((".tar.gz", ".tgz"))
        stream: BinaryIO = gzip.GzipFile(fileobj=raw, mode="rb") if gzipped else raw  # type: ignore[assignment]
        guarded = HeaderGuard(stream, MAX_READ_BYTES, budget.tick)
        with tarfile.open(fileobj=guarded, mode="r|") as archive:  # type: ignore[call-overload]
            while (member := archive.next()) is not None:
                budget.entry()
                relative = _member_path(budget, member.name, member.isdir())
                what = f"archive member {quoted(member.name)}"
                if member.issym() or member.islnk():
                    budget.unsafe(member.name, f"{what} is a link", _LINK_HINT)
                    continue
                if not (member.isfile() or member.isdir()):
                    budget.unsafe(member.name, f"{what} is a device or pipe")
                    continue
                if member.isdir():
                    continue
                if relative is None:  # skipped, but tarfile reads its data to get past it
                    if member.size > MAX_READ_BYTES - guarded.seen:
                        raise budget.refuse(f"{what} is larger than {MAX_READ_BYTES // 2**20} MiB")
                    continue
                budget.add(member.name, member.size)
                extracted = archive.extractfile(member)
                if extracted is not None:
                    with extracted:
                        _write(target / relative, extracted, member.size, budget, member.name)


def unpack(source: Path, target: Path, budget: _Budget) -> None:
    """Unpack the archive ``source`` into ``target`` under ``budget`` (errors name ``budget.origin``)."""
    name = source.name.lower()
    origin = budget.origin
    if source.stat().st_size > MAX_READ_BYTES:
        raise InvalidSubmission(f"{origin}: the archive is larger than {MAX_READ_BYTES // 2**20} MiB")
    try:
        if name.endswith(".zip"):
            _extract_zip(source, target, budget)
        else:
            _extract_tar(source, target, budget)
    except gzip.BadGzipFile:
        raise InvalidSubmission(
            f"{origin}: not gzip-compressed, as its name says", hint="name it after its real format"
        ) from None
    except UnsafeTar as exc:
        raise InvalidSubmission(f"{origin}: unsafe tar archive: {exc}") from None
    except OSError as exc:  # its message may name a server path: the reason only
        raise InvalidSubmission(f"{origin}: not a readable archive ({shown(exc.strerror or exc)})") from None
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, ValueError) as exc:
        raise InvalidSubmission(f"{origin}: not a readable archive ({shown(exc)})") from None


def stage_into(source: Path, target: Path, budget: _Budget) -> None:
    """Copy or unpack the submission ``source`` into the empty folder ``target``: the one read of it.

    Every staging goes through here, once per submission and grading
    (:func:`grader.staging.staged_submission`); a test counts the calls.
    Errors name ``budget.origin``, never a path of this machine.
    """
    origin = budget.origin
    try:
        if source.is_dir():
            _copy_folder(source.resolve(), target, budget)
            return
        if is_single_file(source):
            _stage_single_file(source, target, budget)
            return
    except OSError as exc:
        raise InvalidSubmission(f"{origin}: cannot be read ({shown(exc.strerror or exc)})") from None
    unpack(source, target, budget)


def make_readable(root: Path) -> None:
    """The sandbox user is not the host user: let it read (never write) the copy."""
    root.chmod(0o755)
    for relative, info in _walk(root):
        (root / relative).chmod(0o755 if stat.S_ISDIR(info.st_mode) else 0o644)
