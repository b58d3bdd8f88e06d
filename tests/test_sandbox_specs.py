"""The containers' specifications, checked as data: no engine needed (as docker-py tests its create args)."""

from __future__ import annotations

from pathlib import Path

from grader.challenges import Limits
from grader.protocol import APP_PORT
from grader.sandbox.base import RunRequest
from grader.sandbox.docker import LAUNCHER, SANDBOX_UID, app_spec, runner_spec
from grader.sandbox.pool import GO_FILE, GO_MOUNT, Slot

REQUEST = RunRequest(app_dir=Path("/tmp/sub"), tests_dir=Path("/tmp/hidden"), limits=Limits(memory_mb=128))
LABELS = {"org.flask-grader": "1"}
SLOT = Slot("0123456789ab", Path("/pool/0123456789ab"))


def _hardened(spec: dict[str, object]) -> None:
    assert spec["user"] == SANDBOX_UID
    assert spec["read_only"] is True
    assert spec["cap_drop"] == ["ALL"]
    assert spec["security_opt"] == ["no-new-privileges"]
    assert spec["pids_limit"] and spec["nano_cpus"]
    assert spec["mem_limit"] == spec["memswap_limit"], "no swap beyond the memory limit"


def test_the_app_container_is_hardened_and_offline() -> None:
    spec = app_spec(REQUEST, "sha256:img", "grader-app-run1", LABELS, SLOT)
    _hardened(spec)
    assert spec["network_mode"] == "none"
    assert spec["mem_limit"] == "128m"
    assert spec["labels"] == LABELS


def test_the_launcher_starts_by_path_in_isolated_mode() -> None:
    """Breach 1: ``python -m`` would search the submission's folder first; ``-I`` and a path do not."""
    command = app_spec(REQUEST, "sha256:img", "grader-app-run1", LABELS, SLOT)["command"]
    assert command[:2] == ["python", "-I"]
    assert LAUNCHER in command and "-m" not in command


def test_only_the_appkit_and_the_protocol_are_mounted_beside_the_app() -> None:
    volumes = app_spec(REQUEST, "sha256:img", "grader-app-run1", LABELS, SLOT)["volumes"]
    binds = {v["bind"]: v["mode"] for v in volumes.values()}
    assert all(mode == "ro" for mode in binds.values())
    assert set(binds) == {
        "/submission",
        GO_MOUNT,
        "/opt/grader/grader/__init__.py",
        "/opt/grader/grader/protocol.py",
        "/opt/grader/grader/appkit",
    }
    assert str(REQUEST.tests_dir) not in volumes, "hidden tests never enter the app's container"
    assert volumes[str(SLOT.submission)]["bind"] == "/submission"


def test_the_runner_joins_the_apps_loopback_and_holds_the_suite() -> None:
    spec = runner_spec(REQUEST, "sha256:img", "grader-tests-run1", LABELS, "abc123", SLOT)
    _hardened(spec)
    assert spec["network_mode"] == "container:abc123"
    assert f"127.0.0.1:{APP_PORT}" in spec["command"]
    assert spec["volumes"][str(REQUEST.tests_dir)] == {"bind": "/grader/tests", "mode": "ro"}


def test_both_wait_for_the_go_file_that_only_the_host_writes() -> None:
    """A pooled pair runs nothing of its submission before the go: both processes wait for it."""
    app = app_spec(REQUEST, "sha256:img", "grader-pool-run1", LABELS, SLOT)
    tests = runner_spec(REQUEST, "sha256:img", "grader-poolt-run1", LABELS, "abc123", SLOT)
    for spec in (app, tests):
        command = spec["command"]
        assert command[command.index("--wait-for") + 1] == GO_FILE
        assert spec["volumes"][str(SLOT.go)] == {"bind": GO_MOUNT, "mode": "ro"}
