"""Folders made by ``grader start``: the marker, and what ``grader grade``'s arguments mean."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.challenges import get_challenge
from grader.errors import InvalidSubmission, UnknownChallenge, UsageError
from grader.workspace import MARKER_FILE, grade_target, marked_challenge, start_workspace


@pytest.fixture
def started(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    target = tmp_path / "hw"
    start_workspace(get_challenge("hello-world"), target)
    monkeypatch.chdir(tmp_path)
    return target


def test_start_marks_the_folder(started: Path) -> None:
    assert marked_challenge(started) == "hello-world"
    assert marked_challenge(started.parent) is None
    with pytest.raises(UsageError, match="not empty"):
        start_workspace(get_challenge("hello-world"), started)


def test_grade_arguments(started: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    challenge, path = grade_target("hw", None)  # a started folder, by path
    assert (challenge.id, path) == ("hello-world", Path("hw"))
    challenge, path = grade_target("json-post", None)  # an id: this folder
    assert (challenge.id, path) == ("json-post", Path("."))
    challenge, path = grade_target("json-post", "hw")
    assert (challenge.id, path) == ("json-post", Path("hw"))
    with pytest.raises(UsageError, match="was not started with `grader start`"):
        grade_target(None, None)  # tmp_path itself was not started
    monkeypatch.chdir(started)
    challenge, path = grade_target(None, None)
    assert (challenge.id, path) == ("hello-world", Path("."))


def test_one_argument_that_is_neither(started: Path) -> None:
    (started.parent / "plain").mkdir()
    with pytest.raises(UsageError) as refused:
        grade_target("plain", None)
    assert refused.value.format() == (
        "plain was not started with `grader start`: give the challenge too: grader grade ID plain"
    )
    with pytest.raises(UnknownChallenge):
        grade_target("no-such-thing", None)


def test_a_damaged_marker_is_refused(started: Path) -> None:
    (started / MARKER_FILE).write_text("challenge = [")
    with pytest.raises(InvalidSubmission, match="not valid TOML"):
        marked_challenge(started)
    (started / MARKER_FILE).write_text("other = 1\n")
    with pytest.raises(InvalidSubmission, match="names no challenge"):
        marked_challenge(started)
