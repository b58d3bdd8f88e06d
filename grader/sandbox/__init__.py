"""Sandboxes: where a suite runs against an app (see base.Sandbox)."""

from __future__ import annotations

from .base import Sandbox

#: The sandboxes, by the name the CLI and the service use.
SANDBOXES = ("docker", "local")
#: Printed once by the commands that grade other people's code (batch, serve) in the local sandbox.
LOCAL_SANDBOX_WARNING = (
    "warning: --sandbox local runs the submissions' code unsandboxed, with your rights and your network: "
    "use it only for code you trust; grade others' code with --sandbox docker (SECURITY.md)"
)


def make_sandbox(name: str) -> Sandbox:
    """The sandbox called ``name`` (its modules are imported only when asked for)."""
    if name == "local":
        from .local import LocalSandbox

        return LocalSandbox()
    from .docker import DockerSandbox

    return DockerSandbox()
