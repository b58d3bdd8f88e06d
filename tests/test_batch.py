"""``grader batch``: every submission gets a row, resume re-grades nothing."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import tomllib
import zipfile
from pathlib import Path
from typing import Any

import pytest

from grader.candidates import discover
from grader.errors import UsageError
from grader.staging import StagedSubmission, staged_candidates
from grader.submission import ARCHIVE_SUFFIXES, tree_hash

from .conftest import GOLDEN, ROOT, Cli
from .test_redteam import REDTEAM, built_submission


def _make_batch(root: Path) -> dict[str, str]:
    """A mixed batch of golden hello-world submissions; returns id -> expected status."""
    expected: dict[str, str] = {}
    for case in sorted((GOLDEN / "hello-world").iterdir()):
        shutil.copytree(case, root / case.name)
        expected[case.name] = (case / "expected.toml").read_text().split('"')[1]
    with zipfile.ZipFile(root / "zipped.zip", "w") as archive:
        archive.write(GOLDEN / "hello-world" / "no-escape" / "app.py", "app.py")
    expected["zipped"] = "failed"
    (root / "broken.zip").write_text("not a zip at all")
    expected["broken"] = "error"
    (root / "notes.txt").write_text("skipped: neither a folder, an archive nor a .py file")
    return expected


def _rows(out: Path) -> dict[str, dict[str, str]]:
    with open(out / "results.csv", encoding="utf-8") as handle:
        return {row["id"]: row for row in csv.DictReader(handle)}


def _run_batch(cli: Cli, tmp_path: Path, sandbox: str, jobs: str) -> None:
    expected = _make_batch(tmp_path / "subs")
    out = tmp_path / "out"
    first = cli(
        "batch",
        "hello-world",
        str(tmp_path / "subs"),
        "--out",
        str(out),
        "--sandbox",
        sandbox,
        "--jobs",
        jobs,
    )
    assert first.exit_code == 0, first.output
    rows = _rows(out)
    assert {i: r["status"] for i, r in rows.items()} == expected
    assert rows["no-escape"]["failed_tests"] == "test_hello_escapes_html"
    assert "not a readable archive" in rows["broken"]["message"]
    errors = [r for r in rows.values() if r["status"] == "error"]
    assert errors and all(r["message"] and r["max_score"] == "12" for r in errors)
    assert {(r["score"], r["percent"], r["failed_tests"]) for r in errors} == {("", "", "")}, errors
    document = json.loads((out / "results.json").read_text())
    assert [d["id"] for d in document] == sorted(expected)
    assert len(list((out / "results").glob("*.json"))) == len(expected)
    html = (out / "report.html").read_text()
    assert "<script src" not in html and "http://" not in html and "https://" not in html
    assert f"{len(expected)} submissions" in html

    again = cli("batch", "hello-world", str(tmp_path / "subs"), "--out", str(out), "--sandbox", sandbox)
    assert again.exit_code == 0
    assert f"(0 graded, {len(expected) - 1} reused, 1 refused while staging)" in again.stdout
    (tmp_path / "subs" / "no-escape" / "app.py").write_text(
        (GOLDEN / "hello-world" / "module-markupsafe" / "app.py").read_text()
    )
    changed = cli("batch", "hello-world", str(tmp_path / "subs"), "--out", str(out), "--sandbox", sandbox)
    assert f"(1 graded, {len(expected) - 2} reused, 1 refused while staging)" in changed.stdout
    assert _rows(out)["no-escape"]["status"] == "passed"
    forced = cli(
        "batch", "hello-world", str(tmp_path / "subs"), "--out", str(out), "--sandbox", sandbox, "--force"
    )
    assert f"({len(expected) - 1} graded, 0 reused, 1 refused while staging)" in forced.stdout


def test_local_batch_resume_and_outputs(cli: Cli, tmp_path: Path) -> None:
    _run_batch(cli, tmp_path, "local", "2")


@pytest.mark.docker
@pytest.mark.slow(seconds=30)  # the batch graded in full twice (first, --force), resumed twice
def test_docker_batch_resume_and_outputs(cli: Cli, tmp_path: Path, docker_client: Any) -> None:
    _run_batch(cli, tmp_path, "docker", "2")


def test_discover_rejects_empty_and_duplicate(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no submissions"):
        discover(tmp_path)
    (tmp_path / "alice").mkdir()
    (tmp_path / "alice.zip").write_bytes(b"")
    with pytest.raises(UsageError, match="two submissions"):
        discover(tmp_path)


def test_discover_refuses_one_apps_folder(tmp_path: Path) -> None:
    """`grader batch` pointed at one submission would grade `app` and `templates` as two candidates."""
    (tmp_path / "app.py").write_text("app = None\n")
    (tmp_path / "templates").mkdir()
    with pytest.raises(UsageError, match="holds app.py at its top: it looks like one submission") as refused:
        discover(tmp_path)
    assert "grader grade" in refused.value.format()


def test_discover_takes_lone_py_files_and_lists_what_it_skips(tmp_path: Path) -> None:
    (tmp_path / "ann").mkdir()
    (tmp_path / "bob.zip").write_bytes(b"")
    (tmp_path / "kim.py").write_text("app = None\n")
    (tmp_path / "lee.7z").write_bytes(b"7z")
    (tmp_path / "notes.txt").write_text("hi")
    (tmp_path / ".DS_Store").write_bytes(b"")
    (tmp_path / "link").symlink_to(tmp_path / "ann")
    skipped: list[tuple[str, str]] = []
    assert [s.id for s in discover(tmp_path, skipped)] == ["ann", "bob", "kim"]
    reasons = dict(skipped)
    assert sorted(reasons) == ["lee.7z", "link", "notes.txt"]
    assert "repack it as .zip" in reasons["lee.7z"]
    assert "symbolic link" in reasons["link"]
    assert ".py" in reasons["notes.txt"]


def test_batch_says_what_it_skipped_and_grades_a_lone_py_file(cli: Cli, tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    shutil.copytree(GOLDEN / "hello-world" / "no-escape", subs / "ann")
    (subs / "kim.py").write_text((ROOT / "challenges" / "hello-world" / "solution" / "app.py").read_text())
    (subs / "lee.7z").write_bytes(b"7z")
    (subs / "notes.txt").write_text("hi")
    done = cli(
        "batch", "hello-world", str(subs), "-o", str(tmp_path / "out"), "--sandbox", "local", "-j", "1"
    )
    assert done.exit_code == 0, done.output
    assert "skipped lee.7z: a .7z archive" in done.stderr
    assert "skipped notes.txt: not a folder" in done.stderr
    assert "grading 2 submissions" in done.stderr
    assert done.stderr.count("warning: --sandbox local runs the submissions' code unsandboxed") == 1
    assert _rows(tmp_path / "out")["kim"]["status"] == "passed"


def test_content_key_ignores_caches_and_sees_changes(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("a")
    before = tree_hash(tmp_path)
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "x.pyc").write_text("zz")
    assert tree_hash(tmp_path) == before
    (tmp_path / "app.py").write_text("b")
    assert tree_hash(tmp_path) != before


@pytest.mark.docker
@pytest.mark.slow(seconds=90)  # a hundred docker gradings, the hanging ones waited out to their limits
def test_a_hundred_mixed_submissions(cli: Cli, tmp_path: Path, docker_client: Any) -> None:
    """Correct, buggy, broken and hostile hello-world submissions: one right row each, then a no-op resume."""
    sources = [c for c in sorted((GOLDEN / "hello-world").iterdir()) if (c / "expected.toml").is_file()]
    sources += [
        c
        for c in sorted((GOLDEN.parent / "redteam").iterdir())
        if (c / "expected.toml").is_file()
        and not {"challenge", "alone"} & tomllib.loads((c / "expected.toml").read_text()).keys()
    ]  # an `alone` case's verdict needs the machine to itself: tests/test_redteam.py grades it so
    folder = tmp_path / "subs"
    expected: dict[str, str] = {}
    refused = 0  # refused while staging: an error row, read again (never cached) on every run
    copy = 0
    while len(expected) < 100:
        for case in sources[: 100 - len(expected)]:
            name = f"{case.name}-{copy}"
            status = tomllib.loads((case / "expected.toml").read_text())["status"]
            if (case / "build.py").is_file():
                _add_built(case, folder, name, tmp_path / "build" / name)
            else:
                shutil.copytree(case, folder / name, symlinks=True)
            expected[name] = "error" if status == "refused" else status
            refused += status == "refused"
        copy += 1
    out = tmp_path / "out"
    try:
        first = cli("batch", "hello-world", str(folder), "--out", str(out), "--jobs", "2")
        again = cli("batch", "hello-world", str(folder), "--out", str(out), "--jobs", "2")
    finally:  # a built case is 1,100 folders deep: pytest's own clean-up (shutil.rmtree) would recurse
        subprocess.run(["rm", "-rf", str(folder)], check=True)
    assert first.exit_code == 0, first.output
    rows = _rows(out)
    assert len(rows) == 100
    assert {i: r["status"] for i, r in rows.items()} == expected
    assert "100 submissions" in (out / "report.html").read_text()
    assert f"(0 graded, {100 - refused} reused, {refused} refused while staging)" in again.stdout


def _add_built(case: Path, batch: Path, name: str, scratch: Path) -> Path:
    """Build a red-team case's submission and put it into the batch folder as ``name``."""
    scratch.mkdir(parents=True)
    built = built_submission(case, scratch)
    suffix = next((s for s in sorted(ARCHIVE_SUFFIXES, key=len, reverse=True) if built.name.endswith(s)), "")
    target = batch / f"{name}{suffix if built.is_file() else ''}"
    batch.mkdir(exist_ok=True)
    built.rename(target)
    return target


STAGING_CASES = sorted(
    case.name
    for case in REDTEAM.iterdir()
    if case.name.startswith(("archive-", "staging-", "escape-symlink"))
)


def test_a_batch_of_hostile_staging_cases_writes_every_row(cli: Cli, tmp_path: Path) -> None:
    """Every archive/staging red-team case in one batch, next to a correct submission: a row each."""
    folder = tmp_path / "subs"
    shutil.copytree(GOLDEN / "hello-world" / "module-markupsafe", folder / "good")
    needles = {}
    for name in STAGING_CASES:
        case = REDTEAM / name
        if (case / "build.py").is_file():
            _add_built(case, folder, name, tmp_path / "build" / name)
        else:
            shutil.copytree(case, folder / name, symlinks=True)
        needles[name] = tomllib.loads((case / "expected.toml").read_text())["message_contains"]
    out = tmp_path / "out"
    try:
        result = cli(
            "batch", "hello-world", str(folder), "--out", str(out), "--sandbox", "local", "--jobs", "2"
        )
    finally:
        subprocess.run(["rm", "-rf", str(folder)], check=True)
    assert result.exit_code == 0, result.output
    rows = _rows(out)
    assert set(rows) == {"good", *STAGING_CASES}
    assert rows["good"]["status"] == "passed"
    for name, wanted in needles.items():
        assert rows[name]["status"] == "error", name
        assert rows[name]["message"].isprintable(), name
        for needle in wanted:
            assert needle in rows[name]["message"], (name, rows[name]["message"])


class _FlakyOnce:
    """The real local sandbox behind the protocol seam, failing like the engine once."""

    name = "local"

    def __init__(self) -> None:
        from grader.sandbox.local import LocalSandbox

        self.inner = LocalSandbox()
        self.calls = 0

    def identity(self) -> str:
        return self.inner.identity()

    def cancel(self) -> None:
        self.inner.cancel()

    def run(self, request: Any) -> Any:
        from grader.errors import InfrastructureError

        self.calls += 1
        if self.calls == 1:
            raise InfrastructureError("the Docker engine failed during the run (runc hiccup)")
        return self.inner.run(request)


class _Failing(_FlakyOnce):
    """The real local sandbox, raising ``error`` for every submission holding ``boom.txt``."""

    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error

    def run(self, request: Any) -> Any:
        self.calls += 1
        if (request.app_dir / "boom.txt").exists():
            raise self.error
        return self.inner.run(request)


def test_an_unexpected_exception_becomes_that_submissions_error_row(tmp_path: Path) -> None:
    from grader.batch import BatchRun
    from grader.candidates import Candidate
    from grader.challenges import get_challenge

    shutil.copytree(GOLDEN / "hello-world" / "module-markupsafe", tmp_path / "boom")
    (tmp_path / "boom" / "boom.txt").write_text("")
    sandbox = _Failing(RecursionError("maximum recursion depth exceeded \x1b[2K"))
    batch = BatchRun(get_challenge("hello-world"), sandbox, tmp_path / "out")
    good = Candidate("good", GOLDEN / "hello-world" / "module-markupsafe")
    subs = [Candidate("boom", tmp_path / "boom"), good]
    with staged_candidates(subs) as staged:
        summary = batch.run(subs, staged, jobs=1)
    assert summary.results["good"].status == "passed"
    boom = summary.results["boom"]
    assert boom.status == "error" and boom.score is None
    assert "RecursionError: maximum recursion depth exceeded \\x1b[2K" in boom.message
    assert json.loads((tmp_path / "out" / "results" / "boom.json").read_text())["result"]["status"] == "error"


def test_a_broken_challenge_is_not_retried_and_stops_the_batch(tmp_path: Path) -> None:
    from grader.batch import BatchRun
    from grader.candidates import Candidate
    from grader.challenges import get_challenge
    from grader.errors import ChallengeError

    shutil.copytree(GOLDEN / "hello-world" / "module-markupsafe", tmp_path / "sub")
    (tmp_path / "sub" / "boom.txt").write_text("")
    sandbox = _Failing(ChallengeError("hello-world: the hidden suite is missing"))
    batch = BatchRun(get_challenge("hello-world"), sandbox, tmp_path / "out")
    subs = [Candidate("sub", tmp_path / "sub")]
    with pytest.raises(ChallengeError), staged_candidates(subs) as staged:
        batch.run(subs, staged, jobs=1)
    assert sandbox.calls == 1, "a broken challenge fails the same way again: no retry"


def test_a_transient_engine_failure_is_retried_once(tmp_path: Path) -> None:
    from grader.batch import BatchRun
    from grader.candidates import Candidate
    from grader.challenges import get_challenge

    sandbox = _FlakyOnce()
    batch = BatchRun(get_challenge("hello-world"), sandbox, tmp_path / "out")
    submission = Candidate("ok", GOLDEN / "hello-world" / "module-markupsafe")
    with staged_candidates([submission]) as staged:
        summary = batch.run([submission], staged, jobs=1)
    assert summary.results["ok"].status == "passed"
    assert sandbox.calls == 2


@pytest.mark.parametrize("stored", ["[]", '"text"', '{"cache_key": "KEY", "result": []}', "{"])
def test_a_damaged_stored_result_is_graded_again(tmp_path: Path, stored: str) -> None:
    from grader.batch import BatchRun, cache_key
    from grader.candidates import Candidate
    from grader.challenges import get_challenge
    from grader.sandbox.local import LocalSandbox

    batch = BatchRun(get_challenge("hello-world"), LocalSandbox(), tmp_path / "out")
    submission = Candidate("ok", GOLDEN / "hello-world" / "module-markupsafe")
    with staged_candidates([submission]) as staged:
        copy = staged["ok"]
        assert isinstance(copy, StagedSubmission)
        key = cache_key(copy.key, batch.challenge_hash, batch.image)
        batch.results_dir.mkdir(parents=True)
        (batch.results_dir / "ok.json").write_text(stored.replace("KEY", key))
        assert batch.cached(submission, key) is None
        summary = batch.run([submission], staged, jobs=1)
    assert summary.graded == 1 and summary.results["ok"].status == "passed"


def test_discover_refuses_names_that_read_alike(tmp_path: Path) -> None:
    """Composed and decomposed Zoë, or Ann and ann, would be one row (one file on some disks)."""
    (tmp_path / "Zo\u00eb").mkdir()
    (tmp_path / "Zoe\u0308").mkdir()
    with pytest.raises(UsageError, match="named alike"):
        discover(tmp_path)
    shutil.rmtree(tmp_path / "Zoe\u0308")
    (tmp_path / "Zoe").mkdir()  # another person: told apart
    assert [s.id for s in discover(tmp_path)] == ["Zoe", "Zo\u00eb"]


@pytest.mark.slow
def test_results_csv_neutralises_formulas(cli: Cli, tmp_path: Path) -> None:
    """Finding 14 of issue 17: ids starting with = + - @ (or a tab) are quoted for spreadsheets (OWASP)."""
    labels = ["=1+1", "+SUM(A1)", "-2", "@cmd", "\tx", "plain"]
    for label in labels:
        shutil.copytree(GOLDEN / "hello-world" / "no-comma", tmp_path / "subs" / label)
    out = tmp_path / "out"
    result = cli("batch", "hello-world", str(tmp_path / "subs"), "--out", str(out), "--sandbox", "local")
    assert result.exit_code == 0, result.output
    assert sorted(_rows(out)) == sorted(["'=1+1", "'+SUM(A1)", "'-2", "'@cmd", "'\tx", "plain"])
    assert sorted(d["id"] for d in json.loads((out / "results.json").read_text())) == sorted(labels)
