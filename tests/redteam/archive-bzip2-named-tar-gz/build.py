"""A bzip2 tar named .tar.gz, holding a member of 256 MiB of zeros (a few hundred bytes sent)."""

from __future__ import annotations

from pathlib import Path

from tests.redteam.craft import END, MIB, header, write_bz2, zeros


def build(folder: Path) -> Path:
    parts = [header("app.py", 256 * MIB), zeros(256 * MIB), END]
    return write_bz2(folder / "sneaky.tar.gz", parts)
