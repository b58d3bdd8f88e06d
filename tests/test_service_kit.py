"""The starter kit: the statement, the stub and the public tests of every challenge, never anything else."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path, PurePosixPath

import pytest

from grader.challenges import Challenge, list_challenges, load_challenge
from grader.service.kit import build_kit
from grader.submission import regular_files


def _unpack(data: bytes, target: Path) -> list[str]:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        names = archive.getnames()
        archive.extractall(target, filter="data")
    return names


def _files(folder: Path) -> dict[str, bytes]:
    return {relative.as_posix(): (folder / relative).read_bytes() for relative, _ in regular_files(folder)}


@pytest.mark.parametrize("challenge", list_challenges(), ids=lambda c: c.id)
def test_the_kit_holds_no_hidden_test_and_no_solution(challenge: Challenge, tmp_path: Path) -> None:
    names = _unpack(build_kit(challenge), tmp_path)
    assert not [n for n in names if "hidden" in n.split("/") or "solution" in n.split("/")]
    kit_bytes = {(tmp_path / n).read_bytes() for n in names}
    stub = set(_files(challenge.stub_dir).values())
    for name, content in _files(challenge.hidden_tests).items():
        assert not [n for n in names if n.endswith(PurePosixPath(name).name)], name
        assert content not in kit_bytes
    for content in _files(challenge.solution_dir).values():
        assert content not in kit_bytes or content in stub  # a template the stub gives as is
    assert (tmp_path / "README.md").read_bytes() == challenge.statement.read_bytes()
    for relative, _ in regular_files(challenge.public_tests):
        public = (challenge.public_tests / relative).read_bytes()
        assert (tmp_path / "tests" / relative).read_bytes() == public


@pytest.mark.parametrize("challenge", list_challenges(), ids=lambda c: c.id)
def test_the_kits_own_copy_loads_as_the_same_challenge(challenge: Challenge, tmp_path: Path) -> None:
    _unpack(build_kit(challenge), tmp_path)
    copy = load_challenge(tmp_path / ".grader" / challenge.id, starter_kit=True)
    assert (copy.id, copy.version, copy.points, copy.limits, copy.env, copy.server) == (
        challenge.id, challenge.version, challenge.points, challenge.limits, challenge.env, challenge.server,
    )  # fmt: skip
    with pytest.raises(Exception, match="missing"):
        load_challenge(tmp_path / ".grader" / challenge.id)  # a kit is not a whole challenge
