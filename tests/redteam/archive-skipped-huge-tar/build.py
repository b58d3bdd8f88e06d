"""A .tar.gz whose __MACOSX member (skipped, but tar must read past it) declares 100 GiB."""

from __future__ import annotations

from pathlib import Path

from tests.redteam.craft import APP, MIB, header, padded, write_gz, zeros


def build(folder: Path) -> Path:
    parts = [header("app.py", len(APP)), padded(APP), header("__MACOSX/._app.py", 100 * 1024 * MIB)]
    return write_gz(folder / "skipped.tar.gz", [*parts, zeros(8 * MIB)])
