"""A local grading keeps the suite's assert-rewritten bytecode in the grader's cache, and nothing else.

pytest rewrites a test module's asserts on every import unless it may keep
the result (grader/testkit/bytecode.py): the runner lets it, only while the
suite is collected and only under the grader's own cache folder, so a
submission's folder and the challenge's folder stay as they were. A home
that cannot hold that folder costs the rewrite, never the grading.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader.challenges import get_challenge
from grader.grading import grade
from grader.sandbox import make_sandbox

from .conftest import ROOT

#: hello-world's solution, importing a module of its own lazily, in a view (that is, after collection)
APP = """
from flask import Flask
from markupsafe import escape

app = Flask(__name__)


@app.get("/")
def index() -> str:
    import greeting

    return greeting.TEXT


@app.get("/hello/<name>")
def hello(name: str) -> str:
    return f"Hello, {escape(name)}!"
"""


def test_the_suites_rewritten_bytecode_is_cached_for_the_next_grading_and_nothing_else(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    challenges = tmp_path / "challenges"
    shutil.copytree(ROOT / "challenges" / "hello-world", challenges / "hello-world")
    monkeypatch.setenv("GRADER_CHALLENGES", str(challenges))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    submission = tmp_path / "submission"
    submission.mkdir()
    (submission / "app.py").write_text(APP)
    (submission / "greeting.py").write_text('TEXT = "Hello, World!"\n')
    challenge = get_challenge("hello-world")
    cache = tmp_path / "cache" / "flask-grader" / "bytecode"

    first = grade(challenge, submission, make_sandbox("local"))
    assert first.status == "passed", first.message
    suite = challenge.hidden_tests / "test_hidden.py"
    cached = list(cache.rglob("test_hidden.*-pytest-*.pyc"))
    assert [p.parent for p in cached] == [cache / suite.parent.relative_to("/")], "beside its source's path"
    assert not list(cache.rglob("app.*.pyc")) and not list(cache.rglob("greeting.*.pyc")), "the submission's"
    assert not list(challenges.rglob("__pycache__")) and not list(submission.rglob("__pycache__"))
    written = cached[0].stat()

    second = grade(challenge, submission, make_sandbox("local"))
    assert [(t.name, t.status) for t in second.tests] == [(t.name, t.status) for t in first.tests]
    again = cached[0].stat()
    assert (again.st_ino, again.st_mtime_ns) == (written.st_ino, written.st_mtime_ns), "read, not rewritten"

    suite.write_text(suite.read_text() + "\n\ndef test_added_later():\n    assert False\n")
    third = grade(challenge, submission, make_sandbox("local"))
    assert "test_added_later" in [t.name for t in third.tests], "a changed suite is rewritten, never stale"


def test_a_home_that_cannot_hold_the_cache_only_costs_the_rewrite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "cache"
    blocked.write_text("a file where the cache folder would be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    challenge = get_challenge("hello-world")
    result = grade(challenge, challenge.solution_dir, make_sandbox("local"))
    assert result.status == "passed", result.message
