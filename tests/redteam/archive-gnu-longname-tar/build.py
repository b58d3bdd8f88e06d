"""A .tar.gz whose GNU long-name record declares a 1 GiB name (256 MiB of zeros follow)."""

from __future__ import annotations

from pathlib import Path

from tests.redteam.craft import MIB, header, write_gz, zeros


def build(folder: Path) -> Path:
    parts = [header("././@LongLink", 1024 * MIB, b"L"), zeros(256 * MIB)]
    return write_gz(folder / "longname.tar.gz", parts)
