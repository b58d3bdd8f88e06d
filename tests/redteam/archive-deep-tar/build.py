"""A .tar.gz holding one file 40 folders deep (short names: under the path-length cap)."""

from __future__ import annotations

from pathlib import Path

from tests.redteam.craft import APP, tar_gz


def build(folder: Path) -> Path:
    return tar_gz(folder / "deep.tar.gz", {"app.py": APP, "d/" * 40 + "x.py": b""})
