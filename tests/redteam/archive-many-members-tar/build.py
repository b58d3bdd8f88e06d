"""A .tar.gz of three 19 MiB members: each under the file cap, together over the total."""

from __future__ import annotations

from pathlib import Path

from tests.redteam.craft import MIB, header, write_gz, zeros


def build(folder: Path) -> Path:
    parts = []
    for i in range(3):
        parts += [header(f"f{i}.py", 19 * MIB), zeros(19 * MIB)]
    return write_gz(folder / "many.tar.gz", parts)
