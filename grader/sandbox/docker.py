"""The ``docker`` sandbox: the official way to grade.

Two containers per run, both from the sandbox image, both labelled and both
removed in a ``finally`` whatever happens:

* **app**: the candidate's code, served by gunicorn on 127.0.0.1:8000.
  ``network_mode=none`` (loopback only), non-root, read-only root, all
  capabilities dropped, no-new-privileges, memory/CPU/pids limits, small
  tmpfs for ``/tmp`` and the upload folder, the submission copy mounted
  read-only. Only :mod:`grader.appkit` is mounted beside it.
* **tests**: the trusted runner and the hidden suite, joined to the app
  container's network namespace only (``network_mode=container:<app>``), so
  the two share a loopback and nothing else: no files, no processes. Its
  single stdout line is the report; the candidate cannot write to it.

The host enforces the whole-run deadline itself and watches the app: if it
dies, the runner is stopped at once and the result says why.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from ..appkit.serve import DEFAULT_PORT as APP_PORT
from ..errors import Cancelled, DockerUnavailable, ImageMissing, InfrastructureError
from ..testkit.runner import REPORT_PREFIX
from .base import UPLOAD_ENV, AppExit, RunOutcome, RunRequest

IMAGE = "flask-grader-sandbox:latest"
LABEL = "org.flask-grader"
LABEL_RUN = "org.flask-grader.run"
#: Which grader process owns a container: prune leaves a live owner's alone.
LABEL_OWNER = "org.flask-grader.owner"
SANDBOX_UID = "10001:10001"
POLL_SECONDS = 0.05
_PACKAGE = Path(__file__).resolve().parents[1]


def connect() -> Any:
    """A Docker client, or :class:`DockerUnavailable` saying how to get one."""
    try:
        import docker
        from docker.errors import DockerException
    except ImportError:  # pragma: no cover - docker is a dependency
        raise DockerUnavailable(
            "the Docker SDK for Python is not installed", hint="pip install docker"
        ) from None
    try:
        client = docker.from_env(timeout=30)
        client.ping()
    except DockerException as exc:
        raise DockerUnavailable(
            f"cannot reach a Docker engine ({str(exc).splitlines()[0][:160]})",
            hint="start it (`sudo dockerd &` or `sudo systemctl start docker`) or use --sandbox local",
        ) from None
    return client


def _options(memory_mb: int, cpus: float, pids: int, env: dict[str, str]) -> dict[str, Any]:
    """What both containers get: the hardening flags, limits and environment."""
    from docker.types import LogConfig

    return {
        "user": SANDBOX_UID,
        "read_only": True,
        "cap_drop": ["ALL"],
        "security_opt": ["no-new-privileges"],
        "mem_limit": f"{memory_mb}m",
        "memswap_limit": f"{memory_mb}m",
        "nano_cpus": int(cpus * 1e9),
        "pids_limit": pids,
        "ulimits": _ulimits(),
        "log_config": LogConfig(type="json-file", config={"max-size": "1m", "max-file": "1"}),
        "environment": {
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONUNBUFFERED": "1",
            "HOME": "/tmp",
            "PYTHONPATH": "/opt/grader",
            **env,
        },
        "detach": True,
    }


def _ulimits() -> list[Any]:
    from docker.types import Ulimit

    return [Ulimit(name="nofile", soft=256, hard=256), Ulimit(name="fsize", soft=32 * 2**20, hard=32 * 2**20)]


def _tail(container: Any, stream: str, limit: int = 4000) -> str:
    from docker.errors import APIError

    try:
        raw = container.logs(stdout=stream == "stdout", stderr=stream == "stderr", tail=200)
    except APIError:
        return ""
    text: str = raw.decode("utf-8", errors="replace")
    return text[-limit:]


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
            raise ImageMissing(
                f"the sandbox image {self.image_name} is not built",
                hint="run `grader sandbox build`",
            ) from None
        return str(image.id)

    def run(self, request: RunRequest) -> RunOutcome:
        from docker.errors import APIError

        if self._cancelled.is_set():
            raise Cancelled()
        image = self.image_id()
        limits = request.limits
        run_id = uuid.uuid4().hex[:12]
        labels = {LABEL: "1", LABEL_RUN: run_id, LABEL_OWNER: owner()}
        containers: list[Any] = []
        try:
            app = self.client.containers.create(
                image,
                command=["python", "-m", "grader_appkit.serve", "/submission"],
                name=f"grader-app-{run_id}",
                network_mode="none",
                working_dir="/submission",
                labels=labels,
                volumes={
                    str(request.app_dir): {"bind": "/submission", "mode": "ro"},
                    str(_PACKAGE / "appkit"): {"bind": "/opt/grader/grader_appkit", "mode": "ro"},
                },
                tmpfs={
                    "/tmp": "rw,nosuid,nodev,size=64m",
                    "/uploads": "rw,nosuid,nodev,noexec,size=32m,uid=10001,gid=10001",
                },
                **_options(limits.memory_mb, limits.cpus, limits.pids, {UPLOAD_ENV: "/uploads"}),
            )
            containers.append(app)
            tests = self.client.containers.create(
                image,
                command=[
                    "python",
                    "-m",
                    "grader.testkit.runner",
                    "--tests",
                    "/grader/tests",
                    "--app-url",
                    f"127.0.0.1:{APP_PORT}",
                    "--start-timeout",
                    str(limits.start_timeout),
                    "--test-timeout",
                    str(limits.test_timeout),
                ],
                name=f"grader-tests-{run_id}",
                network_mode=f"container:{app.id}",
                labels=labels,
                volumes={
                    str(_PACKAGE): {"bind": "/opt/grader/grader", "mode": "ro"},
                    str(request.tests_dir): {"bind": "/grader/tests", "mode": "ro"},
                },
                tmpfs={"/tmp": "rw,nosuid,nodev,size=64m"},
                **_options(512, 1.0, 64, {}),
            )
            containers.append(tests)
            app.start()
            self._join(app, tests)
            return self._watch(app, tests, limits.run_timeout, image)
        except APIError as exc:
            # not the submission's doing: the engine failed or someone removed our containers
            detail = str(exc.explanation or exc).splitlines()[0][:200]
            raise InfrastructureError(
                f"the Docker engine failed during the run ({detail})",
                hint="check `docker info`; another `grader sandbox prune --all` may have removed it",
            ) from None
        finally:
            self._remove(containers)

    def _join(self, app: Any, tests: Any) -> None:
        """Start the runner in the (started) app container's network namespace.

        An app that exits at once (``sys.exit`` or a crash at import) can be
        gone before the runner joins it, and Docker then refuses to start the
        runner ("cannot join network of a non running container"). That is the
        app's doing, not the engine's: :meth:`_watch` reports the exit.
        """
        from docker.errors import APIError

        try:
            tests.start()
        except APIError:
            app.reload()
            if app.status not in ("exited", "dead"):
                raise

    def _watch(self, app: Any, tests: Any, run_timeout: float, image: str) -> RunOutcome:
        deadline = time.monotonic() + run_timeout
        timed_out = False
        limits_hit: list[str] = []
        while True:
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
                limits_hit.append("run_timeout")
                self._stop(tests)
                break
            time.sleep(POLL_SECONDS)
        app.reload()
        state = app.attrs["State"]
        app_stderr = _tail(app, "stderr")
        app_exit = None
        if app.status in ("exited", "dead"):
            app_exit = AppExit(
                exit_code=state.get("ExitCode"),
                oom_killed=bool(state.get("OOMKilled")),
                log_tail=_tail(app, "stdout") + app_stderr,
            )
        # Docker flags OOMKilled only for PID 1; gunicorn reports a worker the kernel killed
        if state.get("OOMKilled") or "Perhaps out of memory" in app_stderr:
            limits_hit.append("memory")
        report = self._report(tests)
        return RunOutcome(
            sandbox=self.name,
            report=report,
            app_exit=app_exit,
            timed_out=timed_out,
            image=image,
            limits_hit=limits_hit,
            runner_log=_tail(tests, "stderr"),
        )

    def _stop(self, tests: Any) -> None:
        """SIGTERM first: the runner then reports the tests that did finish."""
        from docker.errors import APIError

        try:
            tests.stop(timeout=1)
        except APIError:
            return

    def _report(self, tests: Any) -> dict[str, Any] | None:
        from docker.errors import APIError

        try:
            raw = tests.logs(stdout=True, stderr=False)
        except APIError:
            return None
        for line in reversed(raw.decode("utf-8", errors="replace").splitlines()):
            if line.startswith(REPORT_PREFIX):
                try:
                    parsed = json.loads(line[len(REPORT_PREFIX) :])
                except ValueError:
                    return None
                return parsed if isinstance(parsed, dict) else None
        return None

    def _remove(self, containers: list[Any]) -> None:
        from docker.errors import APIError

        for container in reversed(containers):
            try:
                container.remove(force=True, v=True)
            except APIError:  # NotFound included: already gone is fine
                continue


def owner(pid: int | None = None) -> str:
    """This process's owner label: ``host:pid``."""
    return f"{socket.gethostname()}:{pid or os.getpid()}"


def _owner_alive(label: str | None) -> bool:
    host, _, pid = (label or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def prune(client: Any = None, *, everything: bool = False) -> int:
    """Remove what killed gradings left behind; return how many objects were removed.

    A container whose owning grader process is still running on this host is
    a grading in progress and is left alone, unless ``everything`` is set.
    """
    from docker.errors import APIError  # NotFound is one: already gone is fine

    client = client or connect()
    removed = 0
    filters = {"label": LABEL}
    for container in client.containers.list(all=True, filters=filters):
        if not everything and _owner_alive(container.labels.get(LABEL_OWNER)):
            continue
        try:
            container.remove(force=True, v=True)
            removed += 1
        except APIError:
            continue
    for collection in (client.networks, client.volumes):
        for item in collection.list(filters=filters):
            try:
                item.remove()
                removed += 1
            except APIError:
                continue
    return removed
