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


def make_sandbox(name: str, *, at_once: int | None = None) -> Sandbox:
    """The sandbox called ``name`` (its modules are imported only when asked for).

    ``at_once``: how many gradings the caller runs at a time (a batch's
    jobs); the docker sandbox keeps that many spare pairs per challenge
    (``GRADER_POOL`` still turns them off with 0).
    """
    if name == "local":
        from .local import LocalSandbox

        return LocalSandbox()
    from .docker import DockerSandbox
    from .pool import spares_wanted

    wanted = spares_wanted()
    return DockerSandbox(spares=min(wanted, 1) * (at_once or wanted))
