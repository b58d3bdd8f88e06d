"""The contract of the :class:`~grader.sandbox.base.Sandbox` seam, kept by both implementations."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from grader.challenges import get_challenge
from grader.errors import Cancelled
from grader.grading import grade
from grader.sandbox.base import Sandbox
from grader.sandbox.docker import DockerSandbox
from grader.sandbox.local import LocalSandbox
from grader.sandbox.reaper import drain

from .conftest import ROOT, owned_containers, pooled_request

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
        assert drain(), "the cancelled run's containers are handed to the reaper and removed"
        assert not owned_containers(request.getfixturevalue("docker_client"))
    with pytest.raises(Cancelled):
        grade(challenge, challenge.root / "solution", sandbox)  # and refuses new runs


def test_a_view_swallowing_exceptions_cannot_swallow_the_test_deadline(tmp_path: Path) -> None:
    """Local mode runs the view in the runner process: its ``except Exception`` must not eat the deadline."""
    (tmp_path / "app.py").write_text(
        "import time\nfrom flask import Flask\napp = Flask(__name__)\n\n"
        "@app.get('/')\ndef index():\n    while True:\n        try:\n            time.sleep(0.05)\n"
        "        except Exception:\n            pass\n"
    )
    started = time.monotonic()
    result = grade(get_challenge("hello-world"), tmp_path, LocalSandbox())
    assert time.monotonic() - started < 30
    index = next(t for t in result.tests if t.name == "test_index_says_hello")
    assert index.status == "failed" and "timed out" in index.message
    assert "test_timeout" in result.limits_hit


def test_a_failed_comparison_shows_both_sides_of_the_diff() -> None:
    """pytest's ``+`` lines are the actual value: only its ``+  where`` explanations are noise."""
    result = grade(
        get_challenge("hello-world"), ROOT / "tests/golden/hello-world/double-escape", LocalSandbox()
    )
    message = next(t.message for t in result.tests if t.name == "test_hello_escapes_html")
    assert "- Hello, &lt;b&gt;!" in message
    assert "+ Hello, &amp;lt;b&amp;gt;!" in message
    assert "where" not in message


@pytest.mark.parametrize("name", [pytest.param("docker", marks=pytest.mark.docker), "local"])
def test_a_load_error_names_its_cause_and_shows_only_the_candidates_frames(
    name: str, request: pytest.FixtureRequest
) -> None:
    result = grade(
        get_challenge("hello-world"), ROOT / "tests/redteam/broken-import-error", _sandbox(name, request)
    )
    assert result.headline == (
        "app.py raised ModuleNotFoundError while loading: "
        "No module named 'flask_sqlalchemy_that_is_not_installed'"
    )
    assert 'File "app.py", line 2' in result.message, "paths relative to the submission"
    for foreign in ("/opt/grader", "flask/cli.py", "grader-sub-", "importlib", "site-packages"):
        assert foreign not in result.message


def test_the_users_environment_does_not_reach_the_app_in_local_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A variable on the grader's machine must not change a verdict (docker passes none either)."""
    (tmp_path / "app.py").write_text(
        "import os\nfrom flask import Flask\napp = Flask(__name__)\n\n"
        "@app.get('/')\ndef index():\n    return os.environ.get('APP_GREETING', 'Hello') + ', World!'\n"
    )
    monkeypatch.setenv("APP_GREETING", "Bonjour")
    result = grade(get_challenge("hello-world"), tmp_path, LocalSandbox())
    index = next(t for t in result.tests if t.name == "test_index_says_hello")
    assert index.status == "passed", index.message


@pytest.mark.parametrize("name", [pytest.param("docker", marks=pytest.mark.docker), "local"])
def test_first_failure_stops_the_suite_and_reports_the_rest_as_not_run(
    name: str, request: pytest.FixtureRequest
) -> None:
    """What makes mutation testing affordable: one failing test kills a mutant."""
    result = grade(
        get_challenge("hello-world"),
        ROOT / "examples/hello-world-submission",
        _sandbox(name, request),
        first_failure=True,
    )
    statuses = [t.status for t in result.tests]
    first = statuses.index("failed")
    assert result.status == "failed" and first < len(statuses) - 1
    assert statuses[first + 1 :] == ["error"] * (len(statuses) - first - 1)
    assert all(
        t.message == "not run: the suite stopped at the first failing test" for t in result.tests[first + 1 :]
    )


#: The phases each sandbox reports, in the order they happen (``app_ready`` overlaps the runner's).
PHASES = {
    "docker": [
        "stage", "create", "app_start", "runner_start", "runner_import", "app_wait", "collect", "tests",
        "exit", "app_ready", "teardown",
    ],
    # a spare pair: claimed, filled, go (its containers and Pythons started before the submission)
    "pooled": [
        "stage", "claim", "runner_import", "app_wait", "collect", "tests", "exit", "app_ready", "teardown",
    ],
    "local": ["stage", "runner_import", "app_wait", "collect", "tests", "exit", "teardown"],
}  # fmt: skip


def _phase_sandbox(name: str, request: pytest.FixtureRequest) -> Sandbox:
    client = request.getfixturevalue("docker_client") if name != "local" else None
    if name == "docker":
        return DockerSandbox(client=client, spares=0)
    if name == "pooled":
        sandbox = DockerSandbox(client=client, spares=1)
        assert sandbox.warm(pooled_request("hello-world")) >= 1
        return sandbox
    return LocalSandbox()


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("docker", marks=pytest.mark.docker),
        pytest.param("pooled", marks=pytest.mark.docker),
        "local",
    ],
)
def test_a_result_splits_its_time_into_phases(name: str, request: pytest.FixtureRequest) -> None:
    """What issue 21's measurements read: every phase, none negative, together within the duration."""
    challenge = get_challenge("hello-world")
    result = grade(challenge, challenge.root / "solution", _phase_sandbox(name, request))
    assert result.status == "passed"
    assert list(result.timing) == PHASES[name]
    assert all(seconds >= 0 for seconds in result.timing.values())
    sequential = sum(v for k, v in result.timing.items() if k != "app_ready")
    assert 0 < sequential <= result.duration + 0.05
    assert result.timing["tests"] > 0
    # a spare's runner imported before its go: what is left is waking up, which can take under 0.5 ms
    assert result.timing["runner_import"] > 0 or name == "pooled"
    assert drain()
