"""A docker grading's two containers as data: pure functions of the request (as docker-py's create args).

Kept apart from :mod:`.docker` (which runs them) so that the hardening is
unit-tested without an engine, and so that :mod:`.spares` makes pooled
pairs from the very same specs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..protocol import APP_PORT
from .base import APP_ENV_VAR, UPLOAD_ENV, RunRequest, resolve_env
from .pool import GO_FILE, GO_MOUNT, IDLE_SECONDS, Slot

SANDBOX_UID = "10001:10001"
#: A kept runner's log at most (a report is a few kilobytes, tens for the largest suites).
KEPT_LOG_SIZE = "32m"
#: Where the grader's code is mounted in both containers (the folder holding ``grader``).
GRADER_MOUNT = "/opt/grader"
LAUNCHER = f"{GRADER_MOUNT}/grader/appkit/launch.py"
_PACKAGE = Path(__file__).resolve().parents[1]


def hardening(memory_mb: int, cpus: float, pids: int, env: dict[str, str]) -> dict[str, Any]:
    """What both containers get: the hardening flags, limits and environment."""
    return {
        "user": SANDBOX_UID,
        "read_only": True,
        "cap_drop": ["ALL"],
        "security_opt": ["no-new-privileges"],
        "mem_limit": f"{memory_mb}m",
        "memswap_limit": f"{memory_mb}m",
        "nano_cpus": int(cpus * 1e9),
        "pids_limit": pids,
        "ulimits": [
            {"Name": "nofile", "Soft": 256, "Hard": 256},
            {"Name": "fsize", "Soft": 32 * 2**20, "Hard": 32 * 2**20},
        ],
        "log_config": {"Type": "json-file", "Config": {"max-size": "1m", "max-file": "1"}},
        "environment": {"PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1", "HOME": "/tmp", **env},
        "detach": True,
    }


def app_spec(
    request: RunRequest,
    image: str,
    name: str,
    labels: dict[str, str],
    slot: Slot,
    network: str = "none",
) -> dict[str, Any]:
    """The candidate's container: launcher by path, no network, only appkit and the protocol beside it.

    Its submission folder is the slot's, empty until the host fills it and
    creates the go file, which the launcher waits for (:mod:`.pool`).
    ``network``: ``none`` (a loopback of its own, which its pair's runner
    joins), or ``container:<id>`` of a kept runner, whose loopback it joins
    (:mod:`.kept`; the runner has none other either).
    """
    limits = request.limits
    grader = _PACKAGE
    return {
        "image": image,
        "command": [
            "python",
            "-I",
            "-B",
            "-u",
            LAUNCHER,
            "/submission",
            "--start-timeout",
            f"{limits.start_timeout:g}",
            "--workers",
            str(request.workers),
            "--wait-for",
            GO_FILE,
            "--idle-timeout",
            f"{IDLE_SECONDS:g}",
        ],
        "name": name,
        "network_mode": network,
        "working_dir": "/submission",
        "labels": labels,
        "volumes": {
            str(slot.submission): {"bind": "/submission", "mode": "ro"},
            str(slot.go): {"bind": GO_MOUNT, "mode": "ro"},
            str(grader / "__init__.py"): {"bind": f"{GRADER_MOUNT}/grader/__init__.py", "mode": "ro"},
            str(grader / "protocol.py"): {"bind": f"{GRADER_MOUNT}/grader/protocol.py", "mode": "ro"},
            str(grader / "appkit"): {"bind": f"{GRADER_MOUNT}/grader/appkit", "mode": "ro"},
        },
        "tmpfs": {
            "/tmp": "rw,nosuid,nodev,size=64m",
            "/uploads": "rw,nosuid,nodev,noexec,size=32m,uid=10001,gid=10001",
        },
        **hardening(limits.memory_mb, limits.cpus, limits.pids, app_env(request)),
    }


def runner_spec(
    request: RunRequest, image: str, name: str, labels: dict[str, str], app_id: str, slot: Slot
) -> dict[str, Any]:
    """The trusted runner's container: the suite, in the app's network namespace and nothing else of it."""
    limits = request.limits
    return {
        "image": image,
        "command": [
            "python",
            "-m",
            "grader.testkit.runner",
            "--tests",
            "/grader/tests",
            "--app-url",
            f"127.0.0.1:{APP_PORT}",
            "--start-timeout",
            f"{limits.start_timeout:g}",
            "--test-timeout",
            f"{limits.test_timeout:g}",
            *(["--exitfirst"] if request.first_failure else []),
            "--wait-for",
            GO_FILE,
            "--idle-timeout",
            f"{IDLE_SECONDS:g}",
        ],
        "name": name,
        "network_mode": f"container:{app_id}",
        "labels": labels,
        "volumes": {
            str(_PACKAGE): {"bind": f"{GRADER_MOUNT}/grader", "mode": "ro"},
            str(request.tests_dir): {"bind": "/grader/tests", "mode": "ro"},
            str(slot.go): {"bind": GO_MOUNT, "mode": "ro"},
        },
        "tmpfs": {"/tmp": "rw,nosuid,nodev,size=64m"},
        **hardening(512, 1.0, 64, {"PYTHONPATH": GRADER_MOUNT, APP_ENV_VAR: json.dumps(app_env(request))}),
    }


def kept_runner_spec(
    request: RunRequest, image: str, name: str, labels: dict[str, str], slot: Slot
) -> dict[str, Any]:
    """A kept runner's container (:mod:`.kept`): the pair's runner, owning a loopback its apps join.

    The same command, mounts and hardening as :func:`runner_spec`, but
    ``network_mode=none`` (the apps join it, one at a time), the go folder
    holds one go file per run, and the app's environment comes in each go
    file (each app draws its own secrets), not in this container's.
    """
    spec = runner_spec(request, image, name, labels, "", slot)
    spec["command"] = [GO_MOUNT if part == GO_FILE else part for part in spec["command"]] + ["--kept"]
    spec["network_mode"] = "none"
    spec["environment"] = {k: v for k, v in spec["environment"].items() if k != APP_ENV_VAR}
    # room for every report of its runs (:data:`.kept.RUNS`): its log is never rotated under a reader
    spec["log_config"] = {"Type": "json-file", "Config": {"max-size": KEPT_LOG_SIZE, "max-file": "1"}}
    return spec


def app_env(request: RunRequest) -> dict[str, str]:
    """The candidate's environment: the challenge's ``[env]`` and the writable folder (the runner gets it)."""
    return {**resolve_env(request.env, "/uploads"), UPLOAD_ENV: "/uploads"}


def create(client: Any, spec: dict[str, Any]) -> Any:
    from docker.types import LogConfig, Ulimit

    options = dict(spec)
    options["ulimits"] = [Ulimit(name=u["Name"], soft=u["Soft"], hard=u["Hard"]) for u in spec["ulimits"]]
    options["log_config"] = LogConfig(type=spec["log_config"]["Type"], config=spec["log_config"]["Config"])
    return client.containers.create(options.pop("image"), **options)
