"""The ``docker`` sandbox: the official way to grade.

Two containers per run, both from the sandbox image, both labelled and both
handed for removal in a ``finally`` whatever happens (:mod:`.reaper` removes
them off the critical path; the process waits for it when it exits). Their
specifications are built by pure functions (:func:`app_spec`, :func:`runner_spec`), so the hardening is
unit-tested without an engine, as docker-py builds its create arguments:

* **app**: the candidate's code. Its first process is the launcher
  (:mod:`grader.appkit.launch`), started by path with ``python -I`` so that
  nothing in the submission can shadow it; it inspects the app in a process
  of its own and publishes the facts, or why the app failed, on the control
  port, then serves the app with gunicorn on 127.0.0.1:8000.
  ``network_mode=none`` (loopback only), non-root, read-only root, all
  capabilities dropped, no-new-privileges, memory/CPU/pids limits, small
  tmpfs for ``/tmp`` and the upload folder, the submission copy mounted
  read-only. Only :mod:`grader.appkit` and :mod:`grader.protocol` are
  mounted beside it: never the hidden tests.
* **tests**: the trusted runner and the hidden suite, joined to the app
  container's network namespace only (``network_mode=container:<app>``), so
  the two share a loopback and nothing else: no files, no processes. Its
  single stdout line is the report; the candidate cannot write to it.

The host enforces the whole-run deadline itself and watches the app: if it
dies, the runner is stopped at once. What the host records about limits
comes from the engine and the kernel (the OOM record of the container's
memory cgroup), never from anything the app printed.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..errors import Cancelled, ChallengeError, ImageMissing, InfrastructureError
from ..protocol import APP_PORT, REPORT_PREFIX, Limit, ProtocolError, RunReport, load
from .base import (
    APP_ENV_VAR,
    UPLOAD_ENV,
    AppExit,
    PhaseClock,
    RunOutcome,
    RunRequest,
    resolve_env,
    runner_phases,
)
from .engine import connect
from .owner import LABEL, LABEL_OWNER, LABEL_RUN, PruneReport, owner, owner_labels, prune
from .reaper import remove_later

__all__ = [
    "IMAGE",
    "LABEL",
    "LABEL_OWNER",
    "LABEL_RUN",
    "DockerSandbox",
    "PruneReport",
    "connect",
    "owner",
    "prune",
]

IMAGE = "flask-grader-sandbox:latest"
SANDBOX_UID = "10001:10001"
POLL_SECONDS = 0.05
#: Where the grader's code is mounted in both containers (the folder holding ``grader``).
GRADER_MOUNT = "/opt/grader"
LAUNCHER = f"{GRADER_MOUNT}/grader/appkit/launch.py"
_PACKAGE = Path(__file__).resolve().parents[1]
#: Where the cgroup of a container records OOM kills, by cgroup layout (v1 cgroupfs, v2 cgroupfs, v2 systemd).
_OOM_FILES = (
    "/sys/fs/cgroup/memory/docker/{id}/memory.oom_control",
    "/sys/fs/cgroup/docker/{id}/memory.events",
    "/sys/fs/cgroup/system.slice/docker-{id}.scope/memory.events",
)


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


def app_spec(request: RunRequest, image: str, run_id: str, labels: dict[str, str]) -> dict[str, Any]:
    """The candidate's container: launcher by path, no network, only appkit and the protocol beside it."""
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
        ],
        "name": f"grader-app-{run_id}",
        "network_mode": "none",
        "working_dir": "/submission",
        "labels": labels,
        "volumes": {
            str(request.app_dir): {"bind": "/submission", "mode": "ro"},
            str(grader / "__init__.py"): {"bind": f"{GRADER_MOUNT}/grader/__init__.py", "mode": "ro"},
            str(grader / "protocol.py"): {"bind": f"{GRADER_MOUNT}/grader/protocol.py", "mode": "ro"},
            str(grader / "appkit"): {"bind": f"{GRADER_MOUNT}/grader/appkit", "mode": "ro"},
        },
        "tmpfs": {
            "/tmp": "rw,nosuid,nodev,size=64m",
            "/uploads": "rw,nosuid,nodev,noexec,size=32m,uid=10001,gid=10001",
        },
        **hardening(limits.memory_mb, limits.cpus, limits.pids, _app_env(request)),
    }


def runner_spec(
    request: RunRequest, image: str, run_id: str, labels: dict[str, str], app_id: str
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
        ],
        "name": f"grader-tests-{run_id}",
        "network_mode": f"container:{app_id}",
        "labels": labels,
        "volumes": {
            str(_PACKAGE): {"bind": f"{GRADER_MOUNT}/grader", "mode": "ro"},
            str(request.tests_dir): {"bind": "/grader/tests", "mode": "ro"},
        },
        "tmpfs": {"/tmp": "rw,nosuid,nodev,size=64m"},
        **hardening(512, 1.0, 64, {"PYTHONPATH": GRADER_MOUNT, APP_ENV_VAR: json.dumps(_app_env(request))}),
    }


def _app_env(request: RunRequest) -> dict[str, str]:
    """The candidate's environment: the challenge's ``[env]`` and the writable folder."""
    return {**resolve_env(request.env, "/uploads"), UPLOAD_ENV: "/uploads"}


def _create(client: Any, spec: dict[str, Any]) -> Any:
    from docker.types import LogConfig, Ulimit

    options = dict(spec)
    options["ulimits"] = [Ulimit(name=u["Name"], soft=u["Soft"], hard=u["Hard"]) for u in spec["ulimits"]]
    options["log_config"] = LogConfig(type=spec["log_config"]["Type"], config=spec["log_config"]["Config"])
    return client.containers.create(options.pop("image"), **options)


def _tail(container: Any, stream: str, limit: int = 4000) -> str:
    from docker.errors import APIError

    try:
        raw = container.logs(stdout=stream == "stdout", stderr=stream == "stderr", tail=200)
    except APIError:
        return ""
    text: str = raw.decode("utf-8", errors="replace")
    return text[-limit:]


def oom_kills(container_id: str) -> int:
    """How many processes the kernel's OOM killer ended in the container's memory cgroup.

    Docker's ``OOMKilled`` flag can miss a killed process that is not the
    container's first one (a gunicorn worker, the inspector); the cgroup's
    own counter does not. Must be read before the container is removed.
    """
    for pattern in _OOM_FILES:
        try:
            text = Path(pattern.format(id=container_id)).read_text(encoding="ascii")
        except OSError:
            continue
        for line in text.splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill" and value.strip().isdigit():
                return int(value)
    return 0


def _await_exit(container: Any, ended: threading.Event, timeout: float) -> None:
    """Block until the engine says ``container`` stopped (or the wait fails), then set ``ended``."""
    from docker.errors import APIError
    from requests.exceptions import RequestException

    try:
        container.wait(timeout=timeout)
    except (APIError, RequestException):  # removed, engine gone, read timeout: the loop polls instead
        pass
    finally:
        ended.set()


class DockerSandbox:
    """Grades in two hardened containers; see the module docstring."""

    name = "docker"

    def __init__(self, image: str | None = None, client: Any = None) -> None:
        self.image_name = image or os.environ.get("GRADER_IMAGE", IMAGE)
        self._client = client
        self._cancelled = threading.Event()

    def cancel(self) -> None:
        self._cancelled.set()

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = connect()
        return self._client

    def identity(self) -> str:
        return self.image_id()

    def image_id(self) -> str:
        from docker.errors import ImageNotFound

        try:
            image = self.client.images.get(self.image_name)
        except ImageNotFound:
            if self.image_name == IMAGE:
                raise ImageMissing(
                    f"the sandbox image {IMAGE} is not built", hint="run `grader sandbox build`"
                ) from None
            # `grader sandbox build` would build the default name and leave this error as it is
            raise ImageMissing(
                f"the sandbox image {self.image_name} (GRADER_IMAGE) is not on this Docker host",
                hint=f"build or pull it under that name (`grader sandbox build` builds only {IMAGE}), "
                "or unset GRADER_IMAGE to use the default image",
            ) from None
        return str(image.id)

    def run(self, request: RunRequest) -> RunOutcome:
        from docker.errors import APIError

        if self._cancelled.is_set():
            raise Cancelled()
        image = self.image_id()
        run_id = uuid.uuid4().hex[:12]
        labels = {LABEL: "1", LABEL_RUN: run_id, **owner_labels()}
        containers: list[Any] = []
        clock = PhaseClock()
        try:
            app = _create(self.client, app_spec(request, image, run_id, labels))
            containers.append(app)
            tests = _create(self.client, runner_spec(request, image, run_id, labels, app.id))
            containers.append(tests)
            clock.lap("create")
            app.start()
            clock.lap("app_start")
            app_started = time.time()
            self._join(app, tests)
            clock.lap("runner_start")
            launched = time.time()
            outcome = self._watch(app, tests, request.limits.run_timeout, image)
            clock.laps.update(runner_phases(outcome.report, launched, time.time()))
            ready = dict(outcome.report.stamps).get("ready") if outcome.report else None
            if ready is not None:
                clock.laps["app_ready"] = round(max(ready - app_started, 0.0), 3)  # overlaps the above
        except APIError as exc:
            # not the submission's doing: the engine failed or someone removed our containers
            detail = str(exc.explanation or exc).splitlines()[0][:200]
            raise InfrastructureError(
                f"the Docker engine failed during the run ({detail})",
                hint="check `docker info`; another `grader sandbox prune --all` may have removed it",
            ) from None
        finally:
            clock.restart()
            self._remove(containers)
            clock.lap("teardown")
        return replace(outcome, timing=clock.laps)

    def _join(self, app: Any, tests: Any) -> None:
        """Start the runner in the (started) app container's network namespace.

        An app that exits at once can be gone before the runner joins it, and
        Docker then refuses to start the runner ("cannot join network of a non
        running container"). That is the app's doing, not the engine's:
        :meth:`_watch` reports the exit.
        """
        from docker.errors import APIError

        try:
            tests.start()
        except APIError:
            app.reload()
            if app.status not in ("exited", "dead"):
                raise

    def _watch(self, app: Any, tests: Any, run_timeout: float, image: str) -> RunOutcome:
        """Until the runner ends, the app dies, the deadline or a cancel; the engine says when one ends.

        A blocking ``wait`` per container, not a state query every poll; should one fail, the loop polls.
        """
        deadline = time.monotonic() + run_timeout
        timed_out = False
        ended = threading.Event()
        for container in (tests, app):
            threading.Thread(
                target=_await_exit, args=(container, ended, run_timeout + 30), daemon=True
            ).start()
        while True:
            if ended.is_set():  # a container ended (or a wait failed: from then on, every turn looks)
                tests.reload()
                if tests.status in ("exited", "dead"):
                    break
                app.reload()
                if app.status in ("exited", "dead"):
                    self._stop(tests)
                    break
            if self._cancelled.is_set():
                raise Cancelled()  # run()'s finally removes both containers
            if time.monotonic() > deadline:
                timed_out = True
                self._stop(tests)
                break
            if ended.is_set():
                time.sleep(POLL_SECONDS)
            else:
                ended.wait(POLL_SECONDS)
        app.reload()
        state = app.attrs["State"]
        limits: list[Limit] = [Limit.RUN_TIMEOUT] if timed_out else []
        if state.get("OOMKilled") or oom_kills(app.id):
            limits.append(Limit.MEMORY)
        app_exit = None
        if app.status in ("exited", "dead"):
            app_exit = AppExit(exit_code=state.get("ExitCode"), log_tail=_tail(app, "stderr"))
        return RunOutcome(
            sandbox=self.name,
            report=self._report(tests),
            app_exit=app_exit,
            timed_out=timed_out,
            image=image,
            limits_hit=tuple(limits),
            runner_log=_tail(tests, "stderr"),
        )

    def _stop(self, tests: Any) -> None:
        """SIGTERM first: the runner then reports the tests that did finish."""
        from docker.errors import APIError

        try:
            tests.stop(timeout=1)
        except APIError:
            return

    def _report(self, tests: Any) -> RunReport | None:
        """The runner's last report line, validated; the runner is trusted, so a bad one is our bug."""
        from docker.errors import APIError

        try:
            raw = tests.logs(stdout=True, stderr=False)
        except APIError:
            return None
        for line in reversed(raw.decode("utf-8", errors="replace").splitlines()):
            if line.startswith(REPORT_PREFIX):
                try:
                    report = load(line[len(REPORT_PREFIX) :], RunReport)
                except ProtocolError as exc:
                    raise ChallengeError(f"the test runner returned an invalid report: {exc}") from None
                assert isinstance(report, RunReport)
                return report
        return None

    def _remove(self, containers: list[Any]) -> None:
        """Hand the run's containers to the reaper: removed in the background, waited for at exit."""
        remove_later(list(reversed(containers)))
