"""A .tar.gz whose pax record overrides the next member's size (to 100 GiB)."""

from __future__ import annotations

from pathlib import Path

from tests.redteam.craft import APP, END, header, padded, write_gz


def build(folder: Path) -> Path:
    record = b"21 size=107374182400\n"
    parts = [header("./PaxHeaders/app.py", len(record), b"x"), padded(record)]
    return write_gz(folder / "paxsize.tar.gz", [*parts, header("app.py", len(APP)), padded(APP), END])
