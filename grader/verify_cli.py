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
        "--promises",
        is_flag=True,
        help="Promise coverage: map each [#id] of a statement to the tests that check it.",
    )
    @click.option(
        "--min-score",
        type=click.FloatRange(0, 1),
        default=1.0,
        show_default=True,
        help="With --mutants: exit 1 when a challenge's mutation score is lower.",
    )
    @click.option(
        "--format",
        "output_format",
        type=click.Choice(["text", "json", "markdown"]),
        default="text",
        show_default=True,
        help="With --mutants or --promises: how to print the report (markdown: a CI job summary).",
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
        promises: bool,
        min_score: float,
        output_format: str,
        jobs: int | None,
    ) -> None:
        """Check that every challenge (or the given ones) is sound; --mutants: that its suite is strong."""
        from grader.challenges import challenge_folders
        from grader.verify import soundness_line, to_junit, verify_folder

        if promises:
            if mutants or sandbox_names or junit is not None:
                raise UsageError(
                    "--promises reads statements and tests only",
                    hint="drop --mutants, --sandbox and --junit",
                )
            sys.exit(_verify_promises(challenge_ids, output_format))
        if mutants:
            challenges = [get_challenge(i) for i in challenge_ids] if challenge_ids else list_challenges()
            from grader.mutation.command import verify_mutants

            if len(sandbox_names) > 1:
                raise UsageError("--mutants runs in one sandbox", hint="pass one --sandbox (default: docker)")
            if junit is not None:
                raise UsageError(
                    "--junit is for the soundness checks", hint="with --mutants use --format json"
                )
            jobs = jobs or os.cpu_count() or 1
            runner = make_sandbox(sandbox_names[0] if sandbox_names else "docker", at_once=jobs)
            sys.exit(verify_mutants(challenges, runner, min_score, output_format, jobs))
        if output_format != "text":
            raise UsageError(
                "--format applies to --mutants and --promises",
                hint="use --junit FILE for the soundness checks",
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


def _verify_promises(challenge_ids: tuple[str, ...], output_format: str) -> int:
    """Print the promise coverage of the given challenges (default: all); 1 when one has a problem.

    Folders are read without loading their manifests: coverage is about the
    statement and the suites, and stays readable while a manifest is broken
    (plain ``grader verify`` reports that).
    """
    from grader.challenges import challenge_folders, challenges_root
    from grader.promises import check_promises
    from grader.promises_report import RENDERERS

    if challenge_ids:
        folders = []
        for challenge_id in challenge_ids:
            folder = challenges_root() / challenge_id
            if "/" in challenge_id or not (folder / "challenge.toml").is_file():
                get_challenge(challenge_id)  # raises UnknownChallenge with a suggestion
            folders.append(folder)
    else:
        folders = challenge_folders()
    reports = [check_promises(folder) for folder in folders]
    click.echo(RENDERERS[output_format](reports))
    return 0 if all(r.ok for r in reports) else 1
