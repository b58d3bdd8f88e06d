"""The contract of the :class:`~grader.sandbox.base.Sandbox` seam, kept by both implementations."""

from __future__ import annotations

import threading
import time

import pytest

from grader.challenges import get_challenge
from grader.errors import Cancelled
from grader.grading import grade
from grader.sandbox.base import Sandbox
from grader.sandbox.docker import DockerSandbox
from grader.sandbox.local import LocalSandbox

from .conftest import ROOT, owned_containers

#: Every route of this json-post submission hangs: its grading runs into the 60 s run deadline.
HANGING = ROOT / "tests" / "redteam" / "hang-every-route-run-timeout"


def _sandbox(name: str, request: pytest.FixtureRequest) -> Sandbox:
    if name == "docker":
        return DockerSandbox(client=request.getfixturevalue("docker_client"))
    return LocalSandbox()


@pytest.mark.parametrize("name", [pytest.param("docker", marks=pytest.mark.docker), "local"])
def test_cancel_stops_a_run_under_way_at_once(name: str, request: pytest.FixtureRequest) -> None:
    """What lets an interrupted batch stop now instead of waiting out the run deadline."""
    sandbox = _sandbox(name, request)
    challenge = get_challenge("json-post")
    raised: list[BaseException] = []

    def run() -> None:
        try:
            grade(challenge, HANGING, sandbox)
        except Cancelled as exc:
            raised.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    time.sleep(3.0)  # well into the hanging run (its deadline is a minute away)
    cancelled_at = time.monotonic()
    sandbox.cancel()
    worker.join(timeout=30)
    assert not worker.is_alive() and raised, "the run ends with Cancelled"
    assert time.monotonic() - cancelled_at < 10, "without waiting out the run deadline"
    if name == "docker":
        assert not owned_containers(request.getfixturevalue("docker_client"))
    with pytest.raises(Cancelled):
        grade(challenge, challenge.root / "solution", sandbox)  # and refuses new runs
