"""The shipped suites are strong: every challenge reaches the mutation score CI requires.

Also the proof that the measurement is honest: the same challenge with its
hidden suite cut down to the happy path scores far below the threshold and
names its survivors. The CI-wide check runs in the local sandbox; the docker
test grades the first mutant of each operator (kind) of every challenge in
docker and requires the local run's verdict for each, so the local run stands
for the real sandbox.
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
HAPPY_PATH = ("test_data_echoes_object", "test_create_user", "test_get_user")


def _mutants(cli: Cli, *args: str) -> tuple[int, dict[str, Any]]:
    result = cli("verify", "--mutants", *args, "--format", "json", "--jobs", "2")
    return result.exit_code, json.loads(result.stdout)


@pytest.fixture(scope="module")
def local_run() -> tuple[int, dict[str, Any]]:
    """Every challenge's mutants graded in the local sandbox, once for the module's tests."""
    return _mutants(Cli(), "--sandbox", "local", "--min-score", str(MIN_SCORE))


@pytest.mark.slow
def test_every_challenge_reaches_the_min_score(local_run: tuple[int, dict[str, Any]]) -> None:
    code, document = local_run
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
    """The first mutant of each kind of every shipped challenge."""
    picked: dict[tuple[str, str], Mutant] = {}
    for folder in sorted((ROOT / "challenges").iterdir()):
        if (folder / "challenge.toml").is_file():
            for mutant in generate_mutants(get_challenge(folder.name).solution_dir):
                picked.setdefault((folder.name, mutant.kind), mutant)
    return [(name, mutant) for (name, _), mutant in picked.items()]


def _verdicts(sandbox: Sandbox, sample: list[tuple[str, Mutant]]) -> dict[tuple[str, str], str]:
    """(challenge, mutant id) -> status of each sampled mutant graded in ``sandbox``, two at once."""
    runs = {name: MutationRun(get_challenge(name), sandbox, jobs=1) for name, _ in sample}
    with tempfile.TemporaryDirectory(prefix="grader-mutants-") as scratch, ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(lambda item: runs[item[0]].grade_mutant(item[1], Path(scratch)), sample))
    return {(name, o.mutant.id): o.status for (name, _), o in zip(sample, outcomes, strict=True)}


@pytest.mark.docker
@pytest.mark.slow
def test_one_mutant_per_operator_of_every_challenge_grades_alike_in_docker(
    docker_client: object, local_run: tuple[int, dict[str, Any]]
) -> None:
    from grader.sandbox.docker import DockerSandbox

    sample = _one_per_kind()
    kinds = {mutant.kind for _, mutant in sample}
    assert {"env-constant", "time-frozen", "template-safe-added", "template-block-dropped"} <= kinds, kinds
    assert len({name for name, _ in sample}) == 15
    local = {(c["challenge"], m["id"]): m["status"] for c in local_run[1]["challenges"] for m in c["mutants"]}
    docker = _verdicts(DockerSandbox(), sample)
    differ = {key: (status, local[key]) for key, status in docker.items() if status != local[key]}
    assert not differ, f"(docker, local) verdicts differ: {differ}"
    assert sum(status == "killed" for status in docker.values()) >= len(sample) // 2, docker
