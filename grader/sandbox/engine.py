"""The connection to the Docker engine, shared by the sandbox, the image builder and prune.

A module of its own so that :mod:`.docker` (which runs containers) and
:mod:`.owner` (which finds and removes leftovers) both depend on it and not
on each other.
"""

from __future__ import annotations

from typing import Any

from ..errors import DockerUnavailable


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
            hint="start it (`sudo systemctl start docker`, or `sudo dockerd &`; to install it: "
            "`sudo apt-get install docker.io`, or run ./scripts/demo.sh). --sandbox local is no fallback "
            "for code you did not write: it runs the submission unsandboxed, with your rights",
        ) from None
    return client
