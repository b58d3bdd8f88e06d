"""Sandboxes: where a suite runs against an app (see base.Sandbox)."""

from __future__ import annotations

from typing import Any

from .base import Sandbox

#: The sandboxes, by the name the CLI and the service use.
SANDBOXES = ("docker", "local")
#: Printed once by the commands that grade other people's code (batch, serve) in the local sandbox.
LOCAL_SANDBOX_WARNING = (
    "warning: --sandbox local runs the submissions' code unsandboxed, with your rights and your network: "
    "use it only for code you trust; grade others' code with --sandbox docker (SECURITY.md)"
)


def make_sandbox(
    name: str, *, at_once: int | None = None, one_shot: bool = False, client: Any = None
) -> Sandbox:
    """The sandbox called ``name`` (its modules are imported only when asked for).

    The docker sandbox keeps containers ready for the next grading of a
    challenge. A process that grades once and exits (``one_shot``: ``grader
    grade`` typed in a shell) keeps spare pairs, which outlive it for the
    next such command (:mod:`.pool`). Any other keeps runners of its own
    (:mod:`.kept`): two per grading it runs at a time (``at_once``: a
    batch's jobs, the service's grading threads; while one runner's next
    app starts, the other's waits), made at its first grading of a
    challenge; or, without ``at_once``, two, made at its second (a
    challenge graded once gets none). It also claims spare pairs
    others left, but makes none. ``GRADER_POOL=0`` turns both off.
    ``client``: a Docker client to share (a worker's), else one is made on use.
    """
    if name == "local":
        from .local import LocalSandbox

        return LocalSandbox()
    from .docker import DockerSandbox
    from .pool import spares_wanted

    wanted = spares_wanted()
    if one_shot:
        return DockerSandbox(client=client, spares=wanted)
    kept = min(wanted, 1) * 2 * (at_once or 1)
    return DockerSandbox(client=client, spares=wanted, kept=kept, kept_after=1 if at_once else 2)
