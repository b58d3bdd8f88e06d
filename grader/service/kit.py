"""The starter kit a candidate downloads: statement, stub and public tests, never anything else.

The kit is built from an allow-list of the challenge's parts
(``README.md``, ``stub/``, ``tests/public/``), never by copying the
challenge folder and removing what is secret: a new secret file added to a
challenge later cannot leak by being forgotten. Its layout is the folder
``grader start`` makes, plus ``.grader/`` holding what ``grader test`` needs
without the challenge being installed (a private challenge never is):

    README.md                   the statement
    app.py ...                  the stub
    tests/...                   the public tests
    .grader/<id>/challenge.toml     the manifest's grading fields (id, version, limits, env)
    .grader/<id>/README.md          the statement again
    .grader/<id>/tests/public/...   the public tests again, as ``grader test`` runs them

Links, and cache or VCS folders, are never packed (:func:`grader.submission.regular_files`).
"""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

from ..challenges import Challenge
from ..submission import regular_files
from ..workspace import KIT_DIR


def _toml_string(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid TOML basic string


def manifest(challenge: Challenge) -> str:
    """The kit's ``challenge.toml``: what grading the public tests needs, no mutation notes."""
    lines = [
        "# the challenge as `grader test` runs it; written by the service",
        f"id = {_toml_string(challenge.id)}",
        f"title = {_toml_string(challenge.title)}",
        f"difficulty = {_toml_string(challenge.difficulty)}",
        f"version = {_toml_string(challenge.version)}",
        f"points = {challenge.points!r}",
    ]
    if challenge.topic:
        lines.append(f"topic = {_toml_string(challenge.topic)}")
    limits = challenge.limits
    lines += ["", "[limits]"] + [
        f"{name} = {getattr(limits, name)!r}" for name in limits.__dataclass_fields__
    ]
    if challenge.env:
        lines += ["", "[env]"] + [f"{name} = {_toml_string(value)}" for name, value in challenge.env]
    if challenge.server is not None:
        lines += ["", "[server]", f"workers = {challenge.server.workers}"]
    return "\n".join(lines) + "\n"


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    archive.addfile(info, io.BytesIO(data))


def kit_files(challenge: Challenge) -> list[tuple[str, Path]]:
    """The (kit name, challenge file) pairs the kit holds, from the allow-list only."""
    own = f"{KIT_DIR}/{challenge.id}"
    pairs = [("README.md", challenge.statement), (f"{own}/README.md", challenge.statement)]
    for relative, _ in regular_files(challenge.stub_dir):
        pairs.append((relative.as_posix(), challenge.stub_dir / relative))
    for relative, _ in regular_files(challenge.public_tests):
        pairs.append((f"tests/{relative.as_posix()}", challenge.public_tests / relative))
        pairs.append((f"{own}/tests/public/{relative.as_posix()}", challenge.public_tests / relative))
    return pairs


def build_kit(challenge: Challenge) -> bytes:
    """The kit as a ``.tar.gz`` (built in memory: a statement, a stub and a few tests are small)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, path in kit_files(challenge):
            _add_bytes(archive, name, path.read_bytes())
        _add_bytes(archive, f"{KIT_DIR}/{challenge.id}/challenge.toml", manifest(challenge).encode())
    return buffer.getvalue()
