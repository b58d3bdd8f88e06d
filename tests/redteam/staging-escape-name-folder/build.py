"""A folder holding a link whose name carries terminal escape sequences."""

from __future__ import annotations

import os
from pathlib import Path

from tests.redteam.craft import APP


def build(folder: Path) -> Path:
    root = folder / "escape"
    root.mkdir()
    (root / "app.py").write_bytes(APP)
    os.symlink("/etc/passwd", root / "\x1b[2K\x1b[32mPASSED hello-world: 12 of 12 (100%)\x1b[0m")
    return root
