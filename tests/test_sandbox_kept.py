"""Kept runners (grader/sandbox/kept.py, grader/testkit/kept.py): one trusted runner, many apps in turn.

The hardening is checked as data (the specs); reuse, isolation between
submissions and ownership against the real engine.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from grader.challenges import get_challenge
from grader.grading import grade, run_request
from grader.sandbox import pool
from grader.sandbox.docker import DockerSandbox
from grader.sandbox.kept import runners
from grader.sandbox.pool import GO_MOUNT, Slot
from grader.sandbox.specs import APP_ENV_VAR, app_spec, kept_runner_spec, runner_spec

from .conftest import (
    PRUNE_GROUP,
    ROOT,
    containers_of_runs,
    grader_to_kill,
    owned_containers,
    prune_from_the_shell,
    stderr_if_ended,
)

pytestmark = pytest.mark.usefixtures("own_pool")  # each test its own pool key: no runner of another test


def _waiting(client: Any) -> dict[str, str]:
    """This test's runners waiting now (of its pool folder; the process keeps others'), name -> id.

    Runners and their apps, each of which mounts its go folder from the pool folder.
    """
    ids = runners().waiting_ids()
    root = pool.pool_dir()
    listed = client.containers.list(all=True, sparse=True)
    return {
        c.attrs["Names"][0].lstrip("/"): c.id
        for c in listed
        if c.id in ids
        and any(Path(m.get("Source", "")).is_relative_to(root) for m in c.attrs.get("Mounts") or [])
    }


def test_a_kept_runner_is_the_pairs_runner_owning_a_loopback_its_apps_join(tmp_path: Path) -> None:
    request = run_request(get_challenge("hello-world"), ROOT)
    slot = Slot(f"{'a' * 12}", tmp_path)
    kept = kept_runner_spec(request, "img", "n", {}, slot)
    pair = runner_spec(request, "img", "n", {}, "app-id", slot)
    assert kept["network_mode"] == "none"
    command = kept["command"]
    assert command[-1] == "--kept" and command[command.index("--wait-for") + 1] == GO_MOUNT
    assert APP_ENV_VAR not in kept["environment"], "each run's app environment comes in its go file"
    same = ("user", "read_only", "cap_drop", "security_opt", "mem_limit", "pids_limit", "volumes", "tmpfs")
    assert {k: kept[k] for k in same} == {k: pair[k] for k in same}
    app = app_spec(request, "img", "n", {}, slot, network="container:runner-id")
    assert app["network_mode"] == "container:runner-id"
    assert app_spec(request, "img", "n", {}, slot)["network_mode"] == "none"


@pytest.mark.docker
def test_one_runner_grades_submissions_in_turn_each_in_an_app_container_of_its_own(
    docker_client: Any, tmp_path: Path
) -> None:
    """Right, wrong, right again through one kept runner: each verdict its own, each app removed after it."""
    challenge = get_challenge("hello-world")
    sandbox = DockerSandbox(client=docker_client, spares=0, kept=1)
    assert sandbox.warm(run_request(challenge, challenge.root)) == 1
    wrong = tmp_path / "wrong"
    wrong.mkdir()
    (wrong / "app.py").write_text(
        "from flask import Flask\napp = Flask(__name__)\n@app.get('/')\ndef index():\n    return 'Hi'\n"
    )
    before = _waiting(docker_client)
    runner = {name: cid for name, cid in before.items() if name.startswith("grader-tests-")}
    assert len(runner) == 1 and len(before) == 2, before
    apps_seen = set(before.values()) - set(runner.values())
    right = challenge.root / "solution"
    for folder, status in ((right, "passed"), (wrong, "failed"), (right, "passed")):
        result = grade(challenge, folder, sandbox)
        assert result.status == status, result.message
        assert "create" not in result.timing, "graded by the kept runner, not a pair made for it"
        now = _waiting(docker_client)
        assert set(runner.values()) <= set(now.values()), "the same runner is kept"
        app = set(now.values()) - set(runner.values())
        assert len(app) == 1 and not app & apps_seen, "a new app container for the next submission"
        apps_seen |= app
        assert not owned_containers(docker_client), "the graded app's container is removed"
    tests_passed = [t.status.value for t in result.tests]
    assert tests_passed and set(tests_passed) == {"passed"}, "no state of the wrong submission's run remains"


@pytest.mark.docker
def test_a_run_whose_app_died_ends_its_runner_too(docker_client: Any, tmp_path: Path) -> None:
    """Only a run that ended as runs should gives its runner back; here the app's server exits at once."""
    challenge = get_challenge("hello-world")
    sandbox = DockerSandbox(client=docker_client, spares=0, kept=1)
    assert sandbox.warm(run_request(challenge, challenge.root)) == 1
    runner = {n: c for n, c in _waiting(docker_client).items() if n.startswith("grader-tests-")}
    (tmp_path / "app.py").write_text(
        "import os, sys\nfrom flask import Flask\napp = Flask(__name__)\n"
        "if sys.argv[0].endswith('serve.py'):\n    os._exit(3)\n"
    )
    result = grade(challenge, tmp_path, sandbox)
    assert result.status == "error" and result.headline == "the app exited with code 3"
    assert runners().settle()
    ids = {c.id for c in docker_client.containers.list(all=True, sparse=True)}
    assert len(runner) == 1 and not set(runner.values()) & ids, "its runner is removed, not kept"
    assert not owned_containers(docker_client)
    assert grade(challenge, challenge.root / "solution", sandbox).status == "passed"


_KILLED_WHILE_KEPT = """
import sys, time
sys.path.insert(0, {root!r})
from grader.challenges import get_challenge
from grader.grading import grade, run_request
from grader.sandbox.docker import DockerSandbox

sandbox = DockerSandbox(spares=0, kept=2)
challenge = get_challenge("hello-world")
sandbox.warm(run_request(challenge, challenge.root))
result = grade(challenge, challenge.root / "solution", sandbox)
print(result.status, "create" not in result.timing, flush=True)
time.sleep(3600)
"""


@pytest.mark.docker
@pytest.mark.xdist_group(PRUNE_GROUP)
def test_a_grader_killed_while_runners_are_kept_leaves_nothing_after_prune(docker_client: Any) -> None:
    """SIGKILL with runners and their apps waiting: `grader sandbox prune` removes them and their folders."""
    with grader_to_kill(_KILLED_WHILE_KEPT) as (proc, line):
        assert line == "passed True", stderr_if_ended(proc) or line
        everything = owned_containers(docker_client, proc.pid)
        assert len(everything) >= 3, "kept runners (two) and their apps, one of them being replaced"
        runs = {c.attrs["Labels"][pool.LABEL_RUN] for c in everything}
    prune_from_the_shell()
    assert not containers_of_runs(docker_client, runs), "prune leaves nothing"
    kept_folders = [
        f"{run}: {sorted(f.name for f in (pool.pool_dir() / run).iterdir())}"
        for run in runs
        if (pool.pool_dir() / run).exists()
    ]
    assert not kept_folders, f"nor their folders: {kept_folders}"
    assert not owned_containers(docker_client, proc.pid)


class _Container:
    """A stand-in container (this unit test only): refused by the engine on every removal, or removed."""

    client = None  # what the next app would be made with (not made here)

    def __init__(self, refused: bool) -> None:
        self.refused, self.removals = refused, 0

    def remove(self, **options: Any) -> None:
        from docker.errors import APIError

        self.removals += 1
        if self.refused:
            raise APIError("409 Conflict: Could not kill running container x, cannot remove - is not running")


@pytest.mark.parametrize("app_removed", [True, False])
def test_a_runner_whose_last_app_is_not_surely_gone_gets_no_next_app(
    app_removed: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two apps never share a loopback: an app the engine would not remove ends its runner too."""
    from grader.sandbox import reaper
    from grader.sandbox.kept import Kept, KeptRunners

    monkeypatch.setattr(reaper, "RETRY_SECONDS", (0.0, 0.0))
    attached: list[Kept] = []
    monkeypatch.setattr(KeptRunners, "_attach", lambda self, client, kept, *rest: attached.append(kept))
    app, runner = _Container(refused=not app_removed), _Container(refused=False)
    kept = Kept("key", runner, Slot.make(tmp_path, "a" * 12), app=app, app_slot=Slot.make(tmp_path, "b" * 12))
    request = run_request(get_challenge("hello-world"), ROOT / "challenges" / "hello-world")
    KeptRunners()._recycle(kept, True, request, "image", tmp_path)
    assert attached == ([kept] if app_removed else [])
    assert runner.removals == (0 if app_removed else 1)
