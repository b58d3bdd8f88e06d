"""The shipped suites are strong: every challenge reaches the mutation score CI requires.

Also the proof that the measurement is honest: the same challenge with its
hidden suite cut down to the happy path scores far below the threshold and
names its survivors. The CI-wide check runs in the local sandbox; one docker
test grades one mutant of each operator (kind) in both sandboxes and requires
the same verdicts, so the local run stands for the real sandbox.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from grader.challenges import get_challenge
from grader.mutation.generate import Mutant, generate_mutants
from grader.mutation.run import MutationRun
from grader.sandbox.base import Sandbox

from .conftest import ROOT, Cli

#: Every surviving mutant is a missing test or a declared (capped, classed) equivalent.
MIN_SCORE = 1.0
#: Challenges whose mutants, one per operator, are graded in both sandboxes: together they
#: cover the Flask, logic, environment, clock and template operators.
BOTH_SANDBOXES = ("hello-world", "rate-limit", "jinja-templates")
HAPPY_PATH = ("test_data_echoes_object", "test_create_user", "test_get_user")


def _mutants(cli: Cli, *args: str) -> tuple[int, dict[str, Any]]:
    result = cli("verify", "--mutants", *args, "--format", "json", "--jobs", "2")
    return result.exit_code, json.loads(result.stdout)


@pytest.mark.slow
def test_every_challenge_reaches_the_min_score(cli: Cli) -> None:
    code, document = _mutants(cli, "--sandbox", "local", "--min-score", str(MIN_SCORE))
    shipped = {p.name for p in (ROOT / "challenges").iterdir() if (p / "challenge.toml").is_file()}
    assert {c["challenge"] for c in document["challenges"]} == shipped
    for challenge in document["challenges"]:
        survivors = [m["id"] for m in challenge["mutants"] if m["status"] == "survived"]
        assert challenge["score"] >= MIN_SCORE, f"{challenge['challenge']}: survivors {survivors}"
        assert not challenge["problems"], challenge["problems"]
        for mutant in challenge["mutants"]:
            if mutant["status"] == "equivalent":
                assert mutant["reason"], mutant["id"]
    assert code == 0 and document["ok"]


def _happy_path_copy(tmp_path: Path) -> None:
    folder = tmp_path / "json-post"
    shutil.copytree(ROOT / "challenges" / "json-post", folder)
    hidden = folder / "tests" / "hidden" / "test_hidden.py"
    source = hidden.read_text(encoding="utf-8")
    helpers, *tests = re.split(r"\n\n\n(?=@pytest\.mark\.)", source)
    kept = [t for t in tests if re.search(r"def (\w+)\(", t).group(1) in HAPPY_PATH]  # type: ignore[union-attr]
    assert len(kept) == len(HAPPY_PATH)
    hidden.write_text("\n\n\n".join([helpers, *kept]) + "\n", encoding="utf-8")


@pytest.mark.slow
def test_a_happy_path_suite_scores_far_below_and_names_survivors(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _happy_path_copy(tmp_path)
    monkeypatch.setenv("GRADER_CHALLENGES", str(tmp_path))
    code, document = _mutants(cli, "json-post", "--sandbox", "local", "--min-score", str(MIN_SCORE))
    assert code == 1 and not document["ok"]
    (challenge,) = document["challenges"]
    assert challenge["score"] < 0.6, challenge["score"]
    survivors = {m["id"]: m for m in challenge["mutants"] if m["status"] == "survived"}
    # the validation the happy path never exercises: each removed check survives
    for removed in ("app.py:41:guard-removed", "app.py:43:guard-removed", "app.py:54:guard-removed"):
        assert removed in survivors, sorted(survivors)
        assert survivors[removed]["diff"].count("\n-") >= 1 and survivors[removed]["why"]


def _one_per_kind() -> list[tuple[str, Mutant]]:
    """The first mutant of each kind over :data:`BOTH_SANDBOXES`, in that order."""
    picked: dict[str, tuple[str, Mutant]] = {}
    for name in BOTH_SANDBOXES:
        for mutant in generate_mutants(get_challenge(name).solution_dir):
            picked.setdefault(mutant.kind, (name, mutant))
    return list(picked.values())


def _verdicts(sandbox: Sandbox, sample: list[tuple[str, Mutant]]) -> list[tuple[str, str, str]]:
    """(challenge, mutant id, status) of each sampled mutant graded in ``sandbox``, two at once."""
    runs = {name: MutationRun(get_challenge(name), sandbox, jobs=1) for name in BOTH_SANDBOXES}
    with tempfile.TemporaryDirectory(prefix="grader-mutants-") as scratch, ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(lambda item: runs[item[0]].grade_mutant(item[1], Path(scratch)), sample))
    return [(name, o.mutant.id, o.status) for (name, _), o in zip(sample, outcomes, strict=True)]


@pytest.mark.docker
@pytest.mark.slow
def test_one_mutant_per_operator_grades_alike_in_docker_and_local(docker_client: object) -> None:
    from grader.sandbox.docker import DockerSandbox
    from grader.sandbox.local import LocalSandbox

    sample = _one_per_kind()
    kinds = {mutant.kind for _, mutant in sample}
    assert {"env-constant", "time-frozen", "template-safe-added", "template-block-dropped"} <= kinds, kinds
    assert any(m.file.startswith("templates/") for _, m in sample)
    docker = _verdicts(DockerSandbox(), sample)
    local = _verdicts(LocalSandbox(), sample)
    assert docker == local
    assert sum(status == "killed" for *_, status in docker) >= len(sample) // 2, docker
