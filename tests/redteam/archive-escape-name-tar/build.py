"""A .tar.gz whose oversized member's name retitles the terminal, erases the line and prints a fake PASSED."""

from __future__ import annotations

from pathlib import Path

from tests.redteam.craft import MIB, header, write_gz, zeros


def build(folder: Path) -> Path:
    name = "\x1b]0;pwned\x07\r\x1b[2K\x1b[32mPASSED hello-world: 12/12 (100%)\x1b[0m.py"
    return write_gz(folder / "escape.tar.gz", [header(name, 30 * MIB), zeros(MIB)])
