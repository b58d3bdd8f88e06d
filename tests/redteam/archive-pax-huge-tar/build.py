"""A .tar.gz whose pax record declares 1 GiB (256 MiB of zeros follow)."""

from __future__ import annotations

from pathlib import Path

from tests.redteam.craft import MIB, header, write_gz, zeros


def build(folder: Path) -> Path:
    parts = [header("./PaxHeaders/app.py", 1024 * MIB, b"x"), zeros(256 * MIB)]
    return write_gz(folder / "pax.tar.gz", parts)
