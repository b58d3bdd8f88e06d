"""A .tar.gz whose app.py is a link to /etc/passwd."""

from __future__ import annotations

import tarfile
from pathlib import Path


def build(folder: Path) -> Path:
    path = folder / "link.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        info = tarfile.TarInfo("app.py")
        info.type = tarfile.SYMTYPE
        info.linkname = "/etc/passwd"
        archive.addfile(info)
    return path
