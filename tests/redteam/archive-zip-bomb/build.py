"""A zip of six 10 MiB members of zeros (60 KB sent)."""

from __future__ import annotations

from pathlib import Path

from tests.redteam.craft import MIB, write_zip


def build(folder: Path) -> Path:
    return write_zip(folder / "bomb.zip", {f"f{i}.py": bytes(10 * MIB) for i in range(6)})
