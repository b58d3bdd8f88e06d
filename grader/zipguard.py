"""A zip's central directory, checked before :mod:`zipfile` reads it (the zip side of :mod:`grader.targuard`).

Kept apart from :mod:`grader.submission`, which calls it, as :mod:`grader.targuard` is.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import InvalidSubmission

#: Largest central directory a zip may declare: ``zipfile`` reads it whole, one object an entry.
MAX_ZIP_DIRECTORY_BYTES = 4 * 1024 * 1024
_EOCD = b"PK\x05\x06"


def check_zip_directory(source: Path, origin: str, max_entries: int) -> None:
    """Refuse a zip whose central directory is too large before ``zipfile`` loads it.

    The end-of-central-directory record (in the last 64 KiB) declares the
    directory's size and entry count; ``zipfile`` reads and parses that many
    bytes into objects at once, so millions of tiny entries would cost
    hundreds of MB before any cap of ours applied. ZIP64 is never needed by a
    submission and is refused.
    """
    with open(source, "rb") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        handle.seek(max(0, size - 65536 - 22))
        tail = handle.read()
    at = tail.rfind(_EOCD)
    if at < 0 or len(tail) < at + 22:
        return  # not a zip: zipfile says so in its own words
    entries = int.from_bytes(tail[at + 10 : at + 12], "little")
    directory = int.from_bytes(tail[at + 12 : at + 16], "little")
    if entries == 0xFFFF or directory == 0xFFFFFFFF:
        raise InvalidSubmission(f"{origin}: ZIP64 archives are not accepted", hint="zip fewer, smaller files")
    if entries > max_entries or directory > MAX_ZIP_DIRECTORY_BYTES:
        raise InvalidSubmission(
            f"{origin}: the zip declares more than {max_entries} entries or a huge directory",
            hint="zip only the submission's own files",
        )
