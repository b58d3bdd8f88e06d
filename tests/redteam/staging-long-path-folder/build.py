"""A folder submission whose file path is 3 folders of 200 characters."""

from __future__ import annotations

from pathlib import Path

from tests.redteam.craft import APP


def build(folder: Path) -> Path:
    root = folder / "long"
    deep = root.joinpath(*["p" * 200] * 3)
    deep.mkdir(parents=True)
    (root / "app.py").write_bytes(APP)
    (deep / "x.py").write_bytes(b"")
    return root
