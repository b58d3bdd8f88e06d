"""Check a tar stream's raw headers before :mod:`tarfile` acts on them.

``tarfile`` trusts the sizes written in a tar's headers: a GNU long-name or
pax record that declares 1 GiB is read into memory whole while the member is
merely listed, a chain of such records recurses once per record, and an
unknown member kind makes it read past the member's declared data. A
1.6 KB archive is enough for any of these.

:class:`HeaderGuard` sits between the decompressor and ``tarfile``: every
byte ``tarfile`` reads passes through it first, and it follows the stream
block by block, so it sees each 512-byte header *before* ``tarfile`` does.
It refuses record headers larger than :data:`MAX_RECORD_BYTES`, more than
:data:`MAX_RECORD_CHAIN` records in a row, member kinds the grader never
unpacks into a regular file or folder (sparse files, volume labels,
multi-volume parts), pax records that change a member's size, and more than
``max_bytes`` of tar data in all. Links and devices pass (they carry no
data), so that the caller can refuse them by name.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import BinaryIO

BLOCK = 512
#: Largest GNU long-name/long-link or pax record accepted (a path is capped far below).
MAX_RECORD_BYTES = 64 * 1024
#: Records (long name, long link, pax) allowed before one member; tarfile recurses per record.
MAX_RECORD_CHAIN = 4
_RECORD_TYPES = {b"L": "GNU long-name", b"K": "GNU long-link", b"x": "pax", b"g": "pax global", b"X": "pax"}
_FILE_TYPES = {b"0", b"\0", b"7"}
_DATALESS_TYPES = {b"1", b"2", b"3", b"4", b"5", b"6"}  # links, devices, folders, fifos
_PAX_RECORD = re.compile(rb"(\d+) ([^=\n]+)=")


class UnsafeTar(ValueError):
    """The tar stream holds something the grader will not let tarfile read."""


def _number(field: bytes) -> int:
    """A numeric header field: NUL/space-terminated octal, or GNU base-256."""
    if field[:1] in (b"\x80", b"\xff"):
        value = int.from_bytes(field[1:], "big")
        return -value if field[:1] == b"\xff" else value
    text = field.split(b"\0", 1)[0].strip()
    try:
        return int(text or b"0", 8)
    except ValueError:
        raise UnsafeTar("a tar header has an invalid number") from None


def _checksum_ok(block: bytes) -> bool:
    try:
        stored = _number(block[148:156])
    except UnsafeTar:
        return False
    unsigned = sum(block[:148]) + 8 * 0x20 + sum(block[156:])
    signed = sum(b - 256 if b > 127 else b for b in block[:148] + block[156:]) + 8 * 0x20
    return stored in (unsigned, signed)


def _check_pax(record: bytes) -> None:
    """Refuse pax keywords that change how much data follows (size, GNU sparse maps)."""
    pos = 0
    while pos < len(record):
        match = _PAX_RECORD.match(record, pos)
        if match is None or not len(match.group(0)) < int(match.group(1)) <= len(record) - pos:
            raise UnsafeTar("a pax record is malformed")
        keyword = match.group(2)
        if keyword == b"size" or keyword.startswith(b"GNU.sparse"):
            raise UnsafeTar(
                f"a pax record sets {keyword.decode('ascii', 'replace')!r}, which is not supported"
            )
        pos += int(match.group(1))


class HeaderGuard:
    """A read-only stream that follows the tar structure of what passes through it."""

    def __init__(self, stream: BinaryIO, max_bytes: int, on_read: Callable[[], None]) -> None:
        self.stream = stream
        self.max_bytes = max_bytes
        self.on_read = on_read
        self.seen = 0
        self._header = bytearray()
        self._data_left = 0
        self._record: bytearray | None = None
        self._record_size = 0
        self._chain = 0
        self._ended = False

    def read(self, size: int = -1) -> bytes:
        self.on_read()
        chunk: bytes = self.stream.read(size if size >= 0 else 16 * BLOCK)
        self.seen += len(chunk)
        if self.seen > self.max_bytes:
            raise UnsafeTar(f"it holds more than {self.max_bytes // 2**20} MiB of tar data")
        self._follow(chunk)
        return chunk

    def _follow(self, chunk: bytes) -> None:
        pos = 0
        while pos < len(chunk) and not self._ended:
            if self._data_left:
                taken = min(self._data_left, len(chunk) - pos)
                if self._record is not None:
                    self._record += chunk[pos : pos + taken]
                self._data_left -= taken
                pos += taken
                if not self._data_left and self._record is not None:
                    _check_pax(bytes(self._record[: self._record_size]))
                    self._record = None
                continue
            taken = BLOCK - len(self._header)
            self._header += chunk[pos : pos + taken]
            pos += taken
            if len(self._header) == BLOCK:
                self._on_header(bytes(self._header))
                self._header.clear()

    def _on_header(self, block: bytes) -> None:
        if not block.strip(b"\0"):
            self._ended = True  # end of archive: tarfile stops reading members here too
            return
        if not _checksum_ok(block):
            raise UnsafeTar("a tar header is damaged (bad checksum)")
        kind = block[156:157]
        size = _number(block[124:136])
        if size < 0:
            raise UnsafeTar("a tar header declares a negative size")
        blocks = -(-size // BLOCK) * BLOCK
        if kind in _RECORD_TYPES:
            if size > MAX_RECORD_BYTES:
                raise UnsafeTar(
                    f"a {_RECORD_TYPES[kind]} record declares {size} bytes "
                    f"(at most {MAX_RECORD_BYTES} are accepted)"
                )
            self._chain += 1
            if self._chain > MAX_RECORD_CHAIN:
                raise UnsafeTar(f"more than {MAX_RECORD_CHAIN} header records precede one member")
            self._record = bytearray() if kind in (b"x", b"g", b"X") else None
            self._record_size = size
            self._data_left = blocks
            if self._record is not None and not blocks:
                self._record = None
            return
        self._chain = 0
        name = block[:100].split(b"\0", 1)[0]
        if kind in _DATALESS_TYPES or (kind == b"\0" and name.endswith(b"/")):
            return  # tarfile reads no data after these, whatever size they declare
        if kind not in _FILE_TYPES:
            raise UnsafeTar(f"a member is of an unsupported kind ({kind!r})")
        self._data_left = blocks
