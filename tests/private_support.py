"""A small private challenge written on the fly, for the private challenge tests.

``ping`` promises one route, ``GET /ping`` answers ``pong``. Its hidden
test's name is chosen per test (``hidden_test``), so a result naming it
proves which stored suite graded the submission.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

SOLUTION = """from flask import Flask

app = Flask(__name__)


@app.get("/ping")
def ping():
    return "{answer}"
"""

STUB = """from flask import Flask

app = Flask(__name__)

# TODO: GET /ping answers "pong"
"""

HIDDEN = """import pytest


@pytest.mark.points(3)
def {name}(client):
    response = client.get("/ping")
    assert response.status == 200, response.describe()
    assert response.text.strip() == "pong", response.describe()
"""

PUBLIC = """def test_public_ping(client):
    assert client.get("/ping").status == 200
"""


def write_challenge(
    folder: Path,
    challenge_id: str,
    *,
    hidden_test: str = "test_ping_answers_pong",
    answer: str = "pong",
    version: str = "1",
    manifest_extra: str = "",
) -> Path:
    """The challenge folder ``folder`` (any name: the service never uses it); ``answer`` is the solution's."""
    (folder / "solution").mkdir(parents=True)
    (folder / "stub").mkdir()
    (folder / "tests" / "hidden").mkdir(parents=True)
    (folder / "tests" / "public").mkdir(parents=True)
    (folder / "challenge.toml").write_text(
        f'id = "{challenge_id}"\ntitle = "Ping"\ndifficulty = "easy"\nversion = "{version}"\npoints = 3\n'
        + manifest_extra,
        encoding="utf-8",
    )
    (folder / "README.md").write_text('# Ping\n\n`GET /ping` answers "pong".\n', encoding="utf-8")
    (folder / "solution" / "app.py").write_text(SOLUTION.format(answer=answer), encoding="utf-8")
    (folder / "stub" / "app.py").write_text(STUB, encoding="utf-8")
    (folder / "tests" / "hidden" / "test_hidden.py").write_text(HIDDEN.format(name=hidden_test), "utf-8")
    (folder / "tests" / "public" / "test_public.py").write_text(PUBLIC, encoding="utf-8")
    return folder


def zipped(folder: Path, top: str = "my-upload") -> bytes:
    """``folder`` as a .zip holding one top folder ``top`` (as people zip a folder)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, f"{top}/{path.relative_to(folder).as_posix()}")
    return buffer.getvalue()


def app_zip(answer: str) -> bytes:
    """A submission to ``ping`` whose ``/ping`` answers ``answer``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", SOLUTION.format(answer=answer))
    return buffer.getvalue()
