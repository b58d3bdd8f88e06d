"""A zip whose secret.txt is a link (Unix mode in the external attributes) to /etc/passwd."""

from __future__ import annotations

import zipfile
from pathlib import Path

from tests.redteam.craft import APP


def build(folder: Path) -> Path:
    path = folder / "link.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("app.py", APP)
        info = zipfile.ZipInfo("secret.txt")
        info.external_attr = 0o120777 << 16
        archive.writestr(info, "/etc/passwd")
    return path
