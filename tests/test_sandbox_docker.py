"""The Docker sandbox's guarantees, observed from inside and outside the containers."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from grader.challenges import get_challenge
from grader.grading import grade
from grader.sandbox.docker import IMAGE, LABEL, LABEL_OWNER, DockerSandbox, owner
from grader.sandbox.owner import LABEL_PIDNS, pid_namespace
from grader.sandbox.reaper import drain

from .conftest import PRUNE_GROUP, ROOT, Cli, owned_containers, warm_spare

PROBE = ROOT / "tests" / "fixtures" / "challenges"


@pytest.mark.docker
def test_sandbox_properties_hold_inside_the_app_container(
    cli: Cli, docker_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a pair made for the run, and in a spare made before it (the pool keeps every property)."""
    monkeypatch.setenv("GRADER_CHALLENGES", str(PROBE))
    for pooled in (False, True):
        if pooled:
            warm_spare("probe")
        code, result = cli.grade_json("probe", PROBE / "probe" / "solution", "docker")
        failed = {t["name"]: t["message"][:200] for t in result["tests"] if t["status"] != "passed"}
        assert result["status"] == "passed", failed
        assert code == 0
        assert not owned_containers(docker_client), "every container is removed after the run"
    assert "claim" in result["timing"] and "create" not in result["timing"], "the second ran in a spare"


def test_local_mode_is_not_a_sandbox(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """SECURITY.md says so; the probe shows it (host network, writable submission copy)."""
    monkeypatch.setenv("GRADER_CHALLENGES", str(PROBE))
    _, result = cli.grade_json("probe", PROBE / "probe" / "solution", "local")
    assert result["status"] == "failed"
    failed = {t["name"] for t in result["tests"] if t["status"] != "passed"}
    # the host's interfaces are visible, and so are the hidden tests on the host's disk
    assert {"test_no_network", "test_hidden_tests_invisible", "test_memory_limited"} <= failed


@pytest.mark.docker
@pytest.mark.xdist_group(PRUNE_GROUP)  # prunes: never while another test's planted container must stay
def test_prune_removes_only_what_this_host_provably_owns(cli: Cli, docker_client: Any) -> None:
    """A shared engine: other hosts', other PID namespaces' and live gradings are left alone."""

    def create(owner_label: str, namespace: str | None = pid_namespace()) -> Any:
        labels = {LABEL: "1", LABEL_OWNER: owner_label}
        if namespace is not None:
            labels[LABEL_PIDNS] = namespace
        return docker_client.containers.create(IMAGE, command=["true"], labels=labels, network_mode="none")

    never = 2**22 + 17  # above the kernel's pid_max default: never alive
    dead = create(owner(pid=never))
    live = create(owner())
    elsewhere = [
        create(f"another-host:{never}"),
        create(owner(pid=never), namespace="4026530000"),  # same host name, another PID namespace
        create(owner(pid=never), namespace=None),  # no namespace label proves nothing
    ]
    try:
        result = cli("sandbox", "prune")
        assert result.exit_code == 0
        assert "container(s) alone" in result.stdout
        # sparse: no inspect per container, which fails when another grading removes one meanwhile
        ids = {c.id for c in docker_client.containers.list(all=True, sparse=True, filters={"label": LABEL})}
        assert dead.id not in ids
        assert live.id in ids and all(c.id in ids for c in elsewhere)
    finally:
        for container in [live, *elsewhere]:
            container.remove(force=True)


def test_unreachable_docker_is_exit_3_with_a_fix(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    result = cli("grade", "hello-world", str(ROOT / "examples" / "hello-world-submission"))
    assert result.exit_code == 3
    assert "cannot reach a Docker engine" in result.stderr and "dockerd" in result.stderr
    assert "apt-get install docker.io" in result.stderr, "says how to get Docker"
    assert "unsandboxed" in result.stderr, "never offers local mode as a safe fallback"
    assert "Traceback" not in result.stderr


@pytest.mark.docker
def test_missing_image_is_exit_3_with_a_fix(
    cli: Cli, docker_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRADER_IMAGE", "flask-grader-sandbox:never-built")
    result = cli("grade", "hello-world", str(ROOT / "examples" / "hello-world-submission"))
    assert result.exit_code == 3
    assert "flask-grader-sandbox:never-built (GRADER_IMAGE) is not on this Docker host" in result.stderr
    # `grader sandbox build` builds only the default name: it is not offered as the fix
    assert "builds only flask-grader-sandbox:latest" in result.stderr
    assert "unset GRADER_IMAGE" in result.stderr
    assert "run `grader sandbox build`" not in result.stderr


@pytest.mark.docker
def test_the_original_submission_is_never_modified(cli: Cli, docker_client: Any, tmp_path: Path) -> None:
    submission = tmp_path / "sub"
    submission.mkdir()
    (submission / "app.py").write_text((ROOT / "challenges/hello-world/solution/app.py").read_text())
    before = {p.name: p.stat().st_mtime_ns for p in submission.rglob("*")}
    code, result = cli.grade_json("hello-world", submission, "docker")
    assert code == 0 and result["status"] == "passed"
    assert {p.name: p.stat().st_mtime_ns for p in submission.rglob("*")} == before


class _SlowJoin(DockerSandbox):
    """Starts the runner only once the app has exited: the race an instant exit can win."""

    def _join(self, app: Any, tests: Any) -> None:
        app.wait(timeout=60)
        super()._join(app, tests)


@pytest.mark.docker
def test_an_app_gone_before_the_runner_starts_is_the_apps_exit(docker_client: Any, tmp_path: Path) -> None:
    """Docker refuses to join a stopped container's namespace; that is no engine failure (exit 3).

    The app loads in the inspector, then its server process ends at once, which ends the container.
    """
    (tmp_path / "app.py").write_text(
        "import os, sys\nfrom flask import Flask\napp = Flask(__name__)\n"
        "if sys.argv[0].endswith('serve.py'):\n    os._exit(3)\n"
    )
    result = grade(get_challenge("hello-world"), tmp_path, _SlowJoin(client=docker_client, spares=0))
    assert result.status == "error"
    assert result.headline == "the app exited with code 3"
    assert drain(), "the run's containers are removed in the background, and waited for"
    assert not owned_containers(docker_client)


def _launcher_imports() -> list[str]:
    """Every top-level module name the launcher, the inspector and the server import."""
    code = (
        "import sys\n"
        "base = {m.split('.')[0] for m in sys.modules}\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "import grader.appkit.launch, grader.appkit.inspector, grader.appkit.serve\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules} - base)))\n"
    )
    out = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, check=True)
    return [name for name in out.stdout.split() if not name.startswith("_")]


@pytest.mark.docker
def test_no_module_of_the_launcher_can_be_shadowed_by_the_submission(
    cli: Cli, docker_client: Any, tmp_path: Path
) -> None:
    """Breach 1: a submission ships a module under every name the launcher imports; none is used."""
    names = _launcher_imports()
    assert {"grader", "flask", "json", "subprocess", "gunicorn"} <= set(names)
    submission = tmp_path / "submission"
    shutil.copytree(ROOT / "challenges" / "hello-world" / "solution", submission)
    for name in names:
        (submission / f"{name}.py").write_text(
            "import os\nos._exit(97)  # imported: the launcher was replaced\n"
        )
    code, result = cli.grade_json("hello-world", submission, "docker")
    assert (code, result["status"], result["score"]) == (0, "passed", 12), result["message"][:500]
