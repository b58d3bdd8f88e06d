"""The suite's API (cookies, new clients, app_env, HTML, facts) behaves the same in both sandboxes."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import ROOT, Cli

FIXTURES = ROOT / "tests" / "fixtures" / "challenges"
CAPABILITIES = FIXTURES / "capabilities"


@pytest.mark.parametrize("sandbox", ["local", pytest.param("docker", marks=pytest.mark.docker)])
def test_every_capability_works(cli: Cli, sandbox: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRADER_CHALLENGES", str(FIXTURES))
    code, result = cli.grade_json("capabilities", CAPABILITIES / "solution", sandbox)
    failed = {t["name"]: t["message"][:300] for t in result["tests"] if t["status"] != "passed"}
    assert (code, result["status"], result["score"]) == (0, "passed", 11), failed


@pytest.mark.parametrize("sandbox", ["local", pytest.param("docker", marks=pytest.mark.docker)])
def test_instances_restarts_and_workers(cli: Cli, sandbox: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """app_with_env, restart_app (data kept) and [server] workers, local mode serving from a process."""
    monkeypatch.setenv("GRADER_CHALLENGES", str(FIXTURES))
    code, result = cli.grade_json("instances", FIXTURES / "instances" / "solution", sandbox)
    failed = {t["name"]: t["message"][:300] for t in result["tests"] if t["status"] != "passed"}
    assert (code, result["status"], result["score"]) == (0, "passed", 4), failed


def test_the_stub_fails_them(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each capability test can fail: an app with none of the routes passes none of them."""
    monkeypatch.setenv("GRADER_CHALLENGES", str(FIXTURES))
    _, result = cli.grade_json("capabilities", CAPABILITIES / "stub", "local")
    passed = [t["name"] for t in result["tests"] if t["status"] == "passed"]
    assert passed == [], passed


def test_env_placeholders_are_drawn_per_run(monkeypatch: pytest.MonkeyPatch) -> None:
    from grader.challenges import get_challenge

    monkeypatch.setenv("GRADER_CHALLENGES", str(FIXTURES))
    challenge = get_challenge("capabilities")
    first, second = challenge.run_env(), challenge.run_env()
    assert first["SECRET_KEY"] != second["SECRET_KEY"]
    assert first["API_KEY"] == "k-123" and first["DATA_DIR"] == "{data}"


@pytest.mark.parametrize(
    ("table", "says"),
    [
        ('[env]\nPYTHONPATH = "x"\n', "reserved"),
        ('[env]\nlower = "x"\n', "UPPER_CASE"),
        ("[env]\nA = 1\n", "string"),
    ],
)
def test_a_bad_env_table_is_the_authors_error(tmp_path: Any, table: str, says: str) -> None:
    from grader.challenges import load_challenge
    from grader.errors import ChallengeError

    root = tmp_path / "c"
    for part in ("stub", "solution", "tests/hidden", "tests/public"):
        (root / part).mkdir(parents=True)
    (root / "README.md").write_text("x")
    (root / "challenge.toml").write_text(
        f'id = "c"\ntitle = "t"\ndifficulty = "easy"\nversion = "1"\npoints = 1\n{table}'
    )
    with pytest.raises(ChallengeError, match=says):
        load_challenge(root)
