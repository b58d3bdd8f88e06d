"""A zip holding one file 1,100 folders deep (the round-2 RecursionError)."""

from __future__ import annotations

from pathlib import Path

from tests.redteam.craft import APP, write_zip


def build(folder: Path) -> Path:
    return write_zip(folder / "deep.zip", {"app.py": APP, "d/" * 1100 + "x.py": b""})
