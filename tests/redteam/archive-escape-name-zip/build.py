"""A zip whose oversized member's name carries terminal escape sequences."""

from __future__ import annotations

from pathlib import Path

from tests.redteam.craft import MIB, write_zip


def build(folder: Path) -> Path:
    name = "\x1b]0;pwned\x07\r\x1b[2K\x1b[32mPASSED hello-world: 12/12 (100%)\x1b[0m.py"
    return write_zip(folder / "escape.zip", {name: bytes(21 * MIB)})
