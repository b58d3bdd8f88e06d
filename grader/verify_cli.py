"""``grader verify``: are the challenges sound, and (``--mutants``) are their suites strong?

Registered into the main ``grader`` command by :func:`register`, which is
handed the CLI's own error handling; the checks themselves live in
:mod:`grader.verify` and :mod:`grader.mutation`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from .challenges import get_challenge, list_challenges
from .errors import UsageError
from .output import emit
from .output.text import clean
from .sandbox import SANDBOXES, make_sandbox


def register(main: click.Group, handle_errors: Callable[[Any], Any]) -> None:
    """Add ``verify`` to ``main``."""

    @main.command(short_help="Check that challenges are sound.")
    @click.argument("challenge_ids", metavar="[ID]...", nargs=-1)
    @click.option(
        "--sandbox",
        "sandbox_names",
        type=click.Choice(SANDBOXES),
        multiple=True,
        help="Sandbox(es) to verify in (default: both).",
    )
    @click.option(
        "--junit", "junit", type=click.Path(path_type=Path), help="Also write the checks as JUnit XML."
    )
    @click.option(
        "--mutants", is_flag=True, help="Mutation testing: grade mutants of each reference solution."
    )
    @click.option(
        "--min-score",
        type=click.FloatRange(0, 1),
        default=0.9,
        show_default=True,
        help="With --mutants: exit 1 when a challenge's mutation score is lower.",
    )
    @click.option(
        "--format",
        "output_format",
        type=click.Choice(["text", "json", "markdown"]),
        default="text",
        show_default=True,
        help="With --mutants: how to print the report (markdown: a CI job summary).",
    )
    @click.option(
        "--jobs", "-j", type=click.IntRange(1, 64), default=None, help="With --mutants: gradings at once."
    )
    @handle_errors
    def verify(
        challenge_ids: tuple[str, ...],
        sandbox_names: tuple[str, ...],
        junit: Path | None,
        mutants: bool,
        min_score: float,
        output_format: str,
        jobs: int | None,
    ) -> None:
        """Check that every challenge (or the given ones) is sound; --mutants: that its suite is strong."""
        from grader.challenges import challenge_folders
        from grader.verify import soundness_line, to_junit, verify_folder

        if mutants:
            challenges = [get_challenge(i) for i in challenge_ids] if challenge_ids else list_challenges()
            from grader.mutation.command import verify_mutants

            if len(sandbox_names) > 1:
                raise UsageError("--mutants runs in one sandbox", hint="pass one --sandbox (default: docker)")
            if junit is not None:
                raise UsageError(
                    "--junit is for the soundness checks", hint="with --mutants use --format json"
                )
            runner = make_sandbox(sandbox_names[0] if sandbox_names else "docker")
            sys.exit(
                verify_mutants(challenges, runner, min_score, output_format, jobs or os.cpu_count() or 1)
            )
        if output_format != "text":
            raise UsageError(
                "--format applies to --mutants", hint="use --junit FILE for the soundness checks"
            )
        folders = [get_challenge(i).root for i in challenge_ids] if challenge_ids else challenge_folders()
        sandboxes = [make_sandbox(name) for name in (sandbox_names or SANDBOXES)]
        failed = 0
        reports = []
        for folder in folders:
            report = verify_folder(folder, sandboxes, lambda m: click.secho(m, dim=True, err=True))
            for check in report.checks:
                mark = click.style("ok  ", fg="green") if check.ok else click.style("FAIL", fg="red")
                detail = f"  ({clean(check.detail)})" if check.detail and not check.ok else ""
                click.echo(f"{mark} {report.challenge}: {check.name}{detail}")
            failed += not report.ok
            reports.append(report)
        if junit is not None:
            emit(to_junit(reports), junit)
        click.echo(soundness_line(len(folders) - failed, len(folders)))
        sys.exit(1 if failed else 0)
