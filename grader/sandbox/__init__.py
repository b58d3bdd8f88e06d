"""Sandboxes: where a suite runs against an app (see base.Sandbox)."""

from __future__ import annotations

from .base import Sandbox

#: The sandboxes, by the name the CLI and the service use.
SANDBOXES = ("docker", "local")


def make_sandbox(name: str) -> Sandbox:
    """The sandbox called ``name`` (its modules are imported only when asked for)."""
    if name == "local":
        from .local import LocalSandbox

        return LocalSandbox()
    from .docker import DockerSandbox

    return DockerSandbox()
