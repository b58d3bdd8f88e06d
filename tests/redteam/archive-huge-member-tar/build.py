"""A .tar.gz whose one member declares 200 GiB (8 MiB of zeros actually follow)."""

from __future__ import annotations

from pathlib import Path

from tests.redteam.craft import MIB, header, write_gz, zeros


def build(folder: Path) -> Path:
    return write_gz(folder / "huge.tar.gz", [header("app.py", 200 * 1024 * MIB), zeros(8 * MIB)])
