"""A gzip tar named .tar (plain tar promised)."""

from __future__ import annotations

from pathlib import Path

from tests.redteam.craft import APP, tar_gz


def build(folder: Path) -> Path:
    return tar_gz(folder / "plain.tar", {"app.py": APP})
