"""A folder holding a named pipe (reading it would block the grader forever)."""

from __future__ import annotations

import os
from pathlib import Path

from tests.redteam.craft import APP


def build(folder: Path) -> Path:
    root = folder / "fifo"
    root.mkdir()
    (root / "app.py").write_bytes(APP)
    os.mkfifo(root / "data.txt")
    return root
