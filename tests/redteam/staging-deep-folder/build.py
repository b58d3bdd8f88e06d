"""A folder submission with a file 1,100 folders deep."""

from __future__ import annotations

import os
from pathlib import Path

from tests.redteam.craft import APP


def build(folder: Path) -> Path:
    root = folder / "deep"
    root.mkdir()
    (root / "app.py").write_bytes(APP)
    current = str(root)
    for _ in range(1100):  # os.makedirs recurses per level: one mkdir at a time
        current = os.path.join(current, "d")
        os.mkdir(current)  # 2,200 characters in all: under PATH_MAX, far over the caps
    return root
