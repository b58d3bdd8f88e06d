"""A zip member whose path is 3 folders of 200 characters."""

from __future__ import annotations

from pathlib import Path

from tests.redteam.craft import APP, write_zip


def build(folder: Path) -> Path:
    return write_zip(folder / "long.zip", {"app.py": APP, ("p" * 200 + "/") * 3 + "x.py": b""})
