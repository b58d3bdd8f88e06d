"""Helpers for the red-team cases whose submission is built at test time (``build.py``).

Hostile archives are small to send but some would be large to commit, and
some are folders git cannot hold (1,100 levels deep, names with escape
sequences, links, pipes): each such case has a ``build.py`` whose
``build(folder)`` creates the submission inside ``folder`` and returns its path.
"""

from __future__ import annotations

import bz2
import gzip
import io
import tarfile
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

MIB = 1 << 20
#: Two zero blocks: the end of a tar archive.
END = b"\0" * 1024


def header(name: str, size: int, kind: bytes = tarfile.REGTYPE) -> bytes:
    """One raw 512-byte GNU tar header (sizes past 8 GiB in base-256), as a hostile tool writes it."""
    info = tarfile.TarInfo(name)
    info.size = size
    info.type = kind
    return info.tobuf(format=tarfile.GNU_FORMAT)


def zeros(size: int) -> Iterator[bytes]:
    """``size`` zero bytes in 1 MiB pieces (never all in memory)."""
    while size > 0:
        yield b"\0" * min(size, MIB)
        size -= MIB


def padded(data: bytes) -> bytes:
    return data + b"\0" * (-len(data) % 512)


def _pieces(parts: Iterable[bytes | Iterable[bytes]]) -> Iterator[bytes]:
    for part in parts:
        if isinstance(part, bytes):
            yield part
        else:
            yield from part


def write_gz(path: Path, parts: Iterable[bytes | Iterable[bytes]]) -> Path:
    """``parts`` (bytes, or iterables of bytes such as :func:`zeros`) gzip-compressed into ``path``."""
    with gzip.open(path, "wb", compresslevel=6) as out:
        for piece in _pieces(parts):
            out.write(piece)
    return path


def write_bz2(path: Path, parts: Iterable[bytes | Iterable[bytes]]) -> Path:
    with bz2.open(path, "wb") as out:
        for piece in _pieces(parts):
            out.write(piece)
    return path


def write_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def tar_gz(path: Path, members: dict[str, bytes]) -> Path:
    """A well-formed .tar.gz written by tarfile itself (pax format, so long names become pax records)."""
    with tarfile.open(path, "w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


APP = b"from flask import Flask\napp = Flask(__name__)\n\n@app.get('/')\ndef index():\n    return 'hi'\n"
