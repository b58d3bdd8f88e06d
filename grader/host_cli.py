"""Commands that look after a grading host: the sandbox image, leftovers, and Celery workers.

Registered into the main ``grader`` command by :func:`register`, which is
handed the CLI's own error handling and ``--broker`` option so that these
commands behave exactly like the rest.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from .errors import UsageError

Decorator = Callable[[Any], Any]


def register(
    main: click.Group,
    handle_errors: Decorator,
    broker_option: Decorator,
    broker_key_option: Decorator,
    sandbox_option: Decorator,
) -> None:
    """Add ``sandbox build``, ``sandbox prune`` and ``worker`` to ``main``."""

    @main.group(short_help="Build or clean up the Docker sandbox.")
    def sandbox() -> None:
        """Manage the Docker sandbox."""

    @sandbox.command("build", short_help="Build the sandbox image.")
    @click.option(
        "--base",
        type=click.Choice(["auto", "python", "debian"]),
        default="auto",
        show_default=True,
        help="python: FROM python:3.11-slim (registry). debian: debootstrap, no registry.",
    )
    @click.option("--rebuild-base", is_flag=True, help="Rebuild the cached Debian base image.")
    @handle_errors
    def sandbox_build(base: str, rebuild_base: bool) -> None:
        """Build the sandbox image (works without an image registry)."""
        from grader.sandbox.image import IMAGE, build

        image_id = build(
            base, progress=lambda m: click.secho(m, dim=True, err=True), rebuild_base=rebuild_base
        )
        click.echo(f"built {IMAGE} ({image_id[:19]})")

    @sandbox.command("prune", short_help="Remove leftovers of killed runs.")
    @click.option("--all", "everything", is_flag=True, help="Also remove gradings still in progress.")
    @handle_errors
    def sandbox_prune(everything: bool) -> None:
        """Remove containers, networks and volumes left by killed runs."""
        from grader.sandbox.docker import prune

        click.echo(str(prune(everything=everything)))

    @main.command(short_help="Grade jobs from a broker on this host.")
    @broker_option
    @broker_key_option
    @sandbox_option
    @click.option(
        "--concurrency",
        "-c",
        type=click.IntRange(1, 64),
        default=None,
        help="Gradings run at once on this host (default: one per core).",
    )
    @click.option("--hostname", "-n", default=None, help="Worker name in results (default: grader@<host>).")
    @handle_errors
    def worker(
        broker: str | None,
        broker_key_file: Path | None,
        sandbox: str,
        concurrency: int | None,
        hostname: str | None,
    ) -> None:
        """Grade jobs from the broker on this host (needs Docker and the sandbox image).

        Only jobs signed with the broker key (GRADER_BROKER_KEY or
        --broker-key-file, the same as the batch's) are graded, and only in
        this worker's own sandbox (--sandbox, docker by default): a job
        asking for another is refused.
        """
        import socket

        from grader.executors.signing import load_key
        from grader.executors.worker import preflight, start_worker

        if not broker:
            raise UsageError("no broker", hint="pass --broker redis://HOST:6379/0 or set GRADER_BROKER_URL")
        key = load_key(broker_key_file)
        if sandbox == "local":
            click.secho(
                "warning: --sandbox local: every job's code runs unsandboxed on this host as this user; "
                "only for code you trust",
                fg="yellow",
                err=True,
            )
        runtime, found = preflight(broker, key, sandbox)
        name = hostname or f"grader@{socket.gethostname()}"
        concurrency = concurrency or os.cpu_count() or 1
        click.echo(f"worker {name}: {concurrency} at once; {found}", err=True)
        start_worker(broker, name, concurrency, runtime)
