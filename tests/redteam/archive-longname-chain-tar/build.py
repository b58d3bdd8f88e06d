"""A .tar.gz of 3,000 GNU long-name records before one member (tarfile recurses once per record)."""

from __future__ import annotations

from pathlib import Path

from tests.redteam.craft import APP, END, header, padded, write_gz


def build(folder: Path) -> Path:
    record = [header("././@LongLink", 8, b"L"), padded(b"app.py\0\0")]
    parts = record * 3000 + [header("app.py", len(APP)), padded(APP), END]
    return write_gz(folder / "chain.tar.gz", parts)
