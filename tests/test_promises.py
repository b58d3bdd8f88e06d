"""Promise coverage (grader/promises.py, ``grader verify --promises``): read statically, fail loudly."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from grader.challenges import load_challenge
from grader.promises import check_promises, statement_promises

from .conftest import ROOT, Cli

TAGGED = ROOT / "tests" / "fixtures" / "promises" / "hello-tagged"
HIDDEN = Path("tests") / "hidden" / "test_hidden.py"


def _tagged_copy(tmp_path: Path) -> Path:
    """hello-world with the tagged statement and marked suites of the fixture laid over it."""
    folder = tmp_path / "hello-world"
    shutil.copytree(ROOT / "challenges" / "hello-world", folder)
    shutil.copytree(TAGGED, folder, dirs_exist_ok=True)
    manifest = folder / "challenge.toml"
    text = manifest.read_text(encoding="utf-8")
    if "class =" not in text:  # the shipped manifest before the challenge branches land
        text = text.replace('reason = "', 'class = "same-behaviour"\nreason = "')
    manifest.write_text(text, encoding="utf-8")
    return folder


def _cut(folder: Path, test_name: str) -> None:
    """Remove one test function (with its decorators) from the hidden suite."""
    path = folder / HIDDEN
    source = path.read_text(encoding="utf-8")
    blocks = re.split(r"\n\n\n", source)
    kept = [b for b in blocks if f"def {test_name}(" not in b]
    assert len(kept) == len(blocks) - 1
    path.write_text("\n\n\n".join(kept), encoding="utf-8")


def test_every_marker_form_is_read(tmp_path: Path) -> None:
    report = check_promises(_tagged_copy(tmp_path))
    assert report.ok, report.problems
    assert [p.id for p in report.promises] == [
        "index",
        "greet",
        "escape",
        "unicode",
        "post-405",
        "unknown-url",
    ]
    ids = {t.nodeid: t.ids for t in report.tests if t.suite == "hidden"}
    base = HIDDEN.as_posix()
    assert ids == {
        f"{base}::test_index_says_hello": ("index",),  # module pytestmark (a list of marks)
        f"{base}::TestHello::test_hello_name": ("index", "greet"),  # class decorator
        f"{base}::TestHello::test_hello_escapes_html": ("index", "greet", "escape"),
        f"{base}::TestUnicode::test_hello_unicode": ("index", "unicode"),  # class pytestmark
        f"{base}::test_post_index_not_allowed": ("index", "post-405"),
        f"{base}::test_unknown_paths_404": ("index", "unknown-url"),
    }
    assert report.checking("greet", "public") == ["tests/public/test_public.py::test_hello_name"]


def test_a_removed_test_orphans_its_promise(
    tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _tagged_copy(tmp_path)
    _cut(folder, "test_post_index_not_allowed")
    monkeypatch.setenv("GRADER_CHALLENGES", str(tmp_path))
    result = cli("verify", "--promises", "hello-world")
    assert result.exit_code == 1, result.output
    assert "promise [#post-405] (README.md:10) is checked by no hidden test" in result.stdout
    assert result.stdout.count("problem:") == 1


def test_public_tests_alone_do_not_cover(tmp_path: Path) -> None:
    folder = _tagged_copy(tmp_path)
    _cut(folder, "test_index_says_hello")
    path = folder / HIDDEN
    path.write_text(path.read_text(encoding="utf-8").replace(', pytest.mark.promises("index")', ""))
    report = check_promises(folder)
    assert report.checking("index", "public")
    assert report.problems == ["promise [#index] (README.md:6) is checked by no hidden test"]


@pytest.mark.parametrize(
    "edit, problem",
    [
        (
            ('@pytest.mark.promises("unknown-url")', '@pytest.mark.promises("unknown-urls")'),
            "unknown promise [#unknown-urls]",
        ),
        ((', pytest.mark.promises("index")]', "]"), "test_index_says_hello (line 9) names no promise"),
        (
            ('@pytest.mark.promises("post-405")', "@pytest.mark.promises(ID)"),
            "must list ids as string literals",
        ),
    ],
    ids=["unknown-id", "no-marker", "not-a-literal"],
)
def test_marker_problems(tmp_path: Path, edit: tuple[str, str], problem: str) -> None:
    folder = _tagged_copy(tmp_path)
    path = folder / HIDDEN
    path.write_text(path.read_text(encoding="utf-8").replace(*edit), encoding="utf-8")
    report = check_promises(folder)
    assert any(problem in p for p in report.problems), report.problems


def test_statement_problems() -> None:
    promises, problems = statement_promises("- a [#one]\n- b [#two] [#one]\n- c [#Bad_Tag]\n- d [#x--y]\n")
    assert [p.id for p in promises] == ["one", "two"]
    assert problems == [
        "README.md:2: promise [#one] is already tagged on line 1",
        "README.md:3: malformed tag [#Bad_Tag]: use lowercase letters, digits and single hyphens",
        "README.md:4: malformed tag [#x--y]: use lowercase letters, digits and single hyphens",
    ]


def test_duplicate_id_fails_the_command(tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _tagged_copy(tmp_path)
    readme = folder / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8") + "\n- Again. [#index]\n", encoding="utf-8")
    monkeypatch.setenv("GRADER_CHALLENGES", str(tmp_path))
    result = cli("verify", "--promises", "hello-world", "--format", "json")
    assert result.exit_code == 1
    (challenge,) = json.loads(result.stdout)["challenges"]
    assert any("is already tagged on line 6" in p for p in challenge["problems"])


@pytest.mark.parametrize("output_format", ["text", "json", "markdown"])
def test_formats_list_each_promise_with_its_tests(
    tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch, output_format: str
) -> None:
    _tagged_copy(tmp_path)
    monkeypatch.setenv("GRADER_CHALLENGES", str(tmp_path))
    result = cli("verify", "--promises", "--format", output_format)
    assert result.exit_code == 0, result.output
    if output_format == "json":
        document = json.loads(result.stdout)
        assert document["ok"]
        escape = document["challenges"][0]["promises"][2]
        assert escape["id"] == "escape"
        assert escape["hidden"] == [f"{HIDDEN.as_posix()}::TestHello::test_hello_escapes_html"]
    elif output_format == "markdown":
        assert "| `#escape` | TestHello::test_hello_escapes_html | - |" in result.stdout
    else:
        assert "  [#escape] hidden: TestHello::test_hello_escapes_html; public: -" in result.stdout


def test_promises_refuses_sandbox_options(cli: Cli) -> None:
    result = cli("verify", "--promises", "--mutants")
    assert result.exit_code == 2
    assert "--promises reads statements and tests only" in result.stderr


def test_tags_and_markers_do_not_break_loading_or_verify(
    tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    challenge = load_challenge(_tagged_copy(tmp_path))
    assert challenge.id == "hello-world"
    assert "[#escape]" in challenge.statement.read_text(encoding="utf-8")
    monkeypatch.setenv("GRADER_CHALLENGES", str(tmp_path))
    result = cli("verify", "hello-world", "--sandbox", "local")
    assert result.exit_code == 0, result.output
    assert "FAIL" not in result.stdout


def test_every_shipped_challenge_has_every_promise_tested(cli: Cli) -> None:
    """Passes once the challenge branches (tags and markers, issue 18) are merged."""
    result = cli("verify", "--promises", "--format", "json")
    document = json.loads(result.stdout)
    problems = {c["challenge"]: c["problems"] for c in document["challenges"] if c["problems"]}
    assert not problems, problems
    assert result.exit_code == 0
    assert len(document["challenges"]) == 15
