"""Shared fixtures: the real CLI entry point, and the real Docker engine.

Docker tests never skip silently: if the engine or the image is missing they
fail with the reason, because a grader whose sandbox is untested is untested.
Run ``pytest -m "not docker"`` for the fast local subset.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from grader.cli import main

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-snapshots",
        action="store_true",
        help="rewrite tests/golden/*/*/snapshot.json from the local verdicts (review the diff)",
    )


class Cli:
    """Runs ``grader`` in-process through click, as the console script would."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str) -> Any:
        return self.runner.invoke(main, list(args), catch_exceptions=False)

    def grade_json(self, challenge: str, path: Path | str, sandbox: str) -> tuple[int, dict[str, Any]]:
        result = self("grade", challenge, str(path), "--sandbox", sandbox, "--format", "json")
        if not result.stdout.strip():
            pytest.fail(f"grade printed no result (exit {result.exit_code}): {result.stderr.strip()}")
        return result.exit_code, json.loads(result.stdout)


@pytest.fixture(scope="session")
def cli() -> Cli:
    return Cli()


@pytest.fixture(scope="session")
def docker_client() -> Any:
    from grader.sandbox.docker import DockerSandbox

    sandbox = DockerSandbox()
    sandbox.image_id()  # fails the test with "run grader sandbox build" if missing
    return sandbox.client


def owned_containers(client: Any, pid: int | None = None, **filters: str) -> list[Any]:
    """Containers a grader process created (this one by default); other gradings may run too."""
    from grader.sandbox.docker import LABEL_OWNER, owner

    label = {"label": f"{LABEL_OWNER}={owner(pid)}"}
    # sparse: the list answer itself; a full list inspects each container and fails if one is
    # removed meanwhile (another grading finishing)
    return list(client.containers.list(all=True, sparse=True, filters={**label, **filters}))
