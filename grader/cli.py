"""The ``grader`` command: parse, call :mod:`grader`, map errors to exit codes.

Exit codes: 0 all tests passed; 1 graded but not all passed, or the
submission could not be graded (status ``error``); 2 bad usage or bad input;
3 the grader itself could not run (Docker, image, a broken challenge);
130 interrupted (Ctrl-C or SIGTERM), after removing the run's containers.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import time
import tomllib
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from grader import __version__
from grader.challenges import Challenge, get_challenge, list_challenges
from grader.errors import GraderError, InvalidSubmission, UsageError
from grader.output import FORMATS
from grader.grading import grade
from grader.output.text import challenge_table, grade_text
from grader.results import GradeResult, load_result
from grader.sandbox.base import Sandbox

MARKER_FILE = ".grader.toml"
SANDBOXES = ("docker", "local")
EXIT_INTERRUPTED = 130
F = TypeVar("F", bound=Callable[..., Any])


def _handle_errors(func: F) -> F:
    """Turn a :class:`GraderError` into one line on stderr and its exit code.

    An interrupt has unwound through the sandboxes' ``finally`` blocks by the
    time it gets here, so the containers are gone: say so and exit 130, the
    shell's code for SIGINT, which no verdict uses.
    """

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except GraderError as exc:
            click.secho(f"error: {exc.format()}", fg="red", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("\ninterrupted: nothing of this run is left behind", err=True)
            sys.exit(EXIT_INTERRUPTED)

    return wrapper  # type: ignore[return-value]


_sandbox_option = click.option(
    "--sandbox",
    type=click.Choice(SANDBOXES),
    default="docker",
    show_default=True,
    help="docker: isolated, official. local: in-process, only for code you trust.",
)


def _result_options(func: F) -> F:
    """``--format`` and ``--output``, shared by the commands that print a result."""
    func = click.option(
        "--output", "-o", type=click.Path(path_type=Path), help="Write the result to a file."
    )(func)
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(sorted(FORMATS)),
        default="text",
        show_default=True,
        help="How to print the result.",
    )(func)


def make_sandbox(name: str) -> Sandbox:
    """The sandbox named on the command line."""
    if name == "local":
        from grader.sandbox.local import LocalSandbox

        return LocalSandbox()
    from grader.sandbox.docker import DockerSandbox

    return DockerSandbox()


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text)
        return
    try:
        output.write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror}") from None


def _exit_for(result: GradeResult) -> None:
    sys.exit(0 if result.status == "passed" else 1)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="grader")
def main() -> None:
    """Grade Flask code challenges with hidden tests in a Docker sandbox."""
    signal.signal(signal.SIGTERM, _terminate)


def _terminate(signum: int, frame: object) -> None:
    """SIGTERM unwinds like Ctrl-C: sandboxes remove their containers in ``finally``."""
    raise KeyboardInterrupt


@main.command("list")
@_handle_errors
def list_command() -> None:
    """List the available challenges."""
    click.echo(challenge_table(list_challenges()))


@main.command()
@click.argument("challenge_id", metavar="ID")
@_handle_errors
def show(challenge_id: str) -> None:
    """Print a challenge's statement."""
    challenge = get_challenge(challenge_id)
    click.echo(challenge.statement.read_text(encoding="utf-8"))


@main.command()
@click.argument("challenge_id", metavar="ID")
@click.argument("directory", required=False, type=click.Path(path_type=Path))
@_handle_errors
def start(challenge_id: str, directory: Path | None) -> None:
    """Start a challenge in DIRECTORY (default ./ID): stub, public tests, statement."""
    challenge = get_challenge(challenge_id)
    target = directory or Path(challenge.id)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise UsageError(f"{target} already exists and is not empty", hint="choose another folder")
    shutil.copytree(challenge.stub_dir, target, dirs_exist_ok=True)
    shutil.copytree(challenge.public_tests, target / "tests", dirs_exist_ok=True)
    shutil.copy(challenge.statement, target / "README.md")
    (target / MARKER_FILE).write_text(
        f'# written by `grader start`; `grader test` reads it\nchallenge = "{challenge.id}"\n',
        encoding="utf-8",
    )
    click.echo(f"Started {challenge.id} in {target}/")
    click.echo(f"  read      {target / 'README.md'}")
    click.echo(f"  edit      {target / 'app.py'}")
    click.echo(f"  test      grader test {target}")
    click.echo(f"  grade     grader grade {challenge.id} {target}")


def _challenge_of(directory: Path) -> Challenge:
    marker = directory / MARKER_FILE
    try:
        data = tomllib.loads(marker.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(
            f"{directory} was not started with `grader start`",
            hint="pass --challenge ID",
        ) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        raise InvalidSubmission(
            f"{marker} is not valid TOML", hint="delete it and pass --challenge ID"
        ) from None
    return get_challenge(str(data.get("challenge", "")))


@main.command()
@click.argument("directory", required=False, default=".", type=click.Path(path_type=Path))
@click.option("--challenge", "challenge_id", metavar="ID", help="Challenge id (default: from .grader.toml).")
@_handle_errors
def test(directory: Path, challenge_id: str | None) -> None:
    """Run the public tests on DIRECTORY, in-process (fast, no isolation)."""
    challenge = get_challenge(challenge_id) if challenge_id else _challenge_of(directory)
    result = grade(challenge, directory, make_sandbox("local"), suite="public")
    click.echo(grade_text(result))
    _exit_for(result)


@main.command("grade")
@click.argument("challenge_id", metavar="ID")
@click.argument("path", type=click.Path(path_type=Path))
@_sandbox_option
@_result_options
@_handle_errors
def grade_command(
    challenge_id: str, path: Path, sandbox: str, output_format: str, output: Path | None
) -> None:
    """Grade the submission at PATH (folder, .zip or .tar.gz) with the hidden tests."""
    challenge = get_challenge(challenge_id)
    result = grade(challenge, path, make_sandbox(sandbox))
    _emit(FORMATS[output_format](result), output)
    _exit_for(result)


@main.command()
@click.argument("result_file", metavar="RESULT.json", type=click.Path(path_type=Path))
@_result_options
@_handle_errors
def render(result_file: Path, output_format: str, output: Path | None) -> None:
    """Print a result saved by `grade --format json` in another format, without grading again.

    Exits 0 once rendered, whatever the verdict: the grading's own exit code
    is the verdict.
    """
    _emit(FORMATS[output_format](load_result(result_file)), output)


@main.command()
@click.argument("challenge_ids", metavar="[ID]...", nargs=-1)
@click.option(
    "--sandbox",
    "sandbox_names",
    type=click.Choice(SANDBOXES),
    multiple=True,
    help="Sandbox(es) to verify in (default: both).",
)
@click.option("--junit", "junit", type=click.Path(path_type=Path), help="Also write the checks as JUnit XML.")
@click.option("--mutants", is_flag=True, help="Mutation testing: grade mutants of each reference solution.")
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
@_handle_errors
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
    from grader.verify import to_junit, verify_challenge

    challenges = [get_challenge(i) for i in challenge_ids] if challenge_ids else list_challenges()
    if mutants:
        from grader.mutation.command import verify_mutants

        if len(sandbox_names) > 1:
            raise UsageError("--mutants runs in one sandbox", hint="pass one --sandbox (default: docker)")
        if junit is not None:
            raise UsageError("--junit is for the soundness checks", hint="with --mutants use --format json")
        runner = make_sandbox(sandbox_names[0] if sandbox_names else "docker")
        sys.exit(verify_mutants(challenges, runner, min_score, output_format, jobs or os.cpu_count() or 1))
    if output_format != "text":
        raise UsageError("--format applies to --mutants", hint="use --junit FILE for the soundness checks")
    sandboxes = [make_sandbox(name) for name in (sandbox_names or SANDBOXES)]
    failed = 0
    reports = []
    for challenge in challenges:
        report = verify_challenge(challenge, sandboxes, lambda m: click.secho(m, dim=True, err=True))
        for check in report.checks:
            mark = click.style("ok  ", fg="green") if check.ok else click.style("FAIL", fg="red")
            detail = f"  ({check.detail})" if check.detail and not check.ok else ""
            click.echo(f"{mark} {challenge.id}: {check.name}{detail}")
        failed += not report.ok
        reports.append(report)
    if junit is not None:
        _emit(to_junit(reports), junit)
    click.echo(f"{len(challenges) - failed} of {len(challenges)} challenges are sound")
    sys.exit(1 if failed else 0)


class _Progress:
    """One live line on stderr: done/total, passed/failed/error counts, rate."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self.counts = {"passed": 0, "failed": 0, "error": 0}
        self.started = time.monotonic()
        self.live = sys.stderr.isatty()

    def __call__(self, submission: Any, result: GradeResult, reused: bool) -> None:
        self.done += 1
        self.counts[result.status] = self.counts.get(result.status, 0) + 1
        elapsed = max(time.monotonic() - self.started, 1e-6)
        width = len(str(self.total))
        line = (
            f"[{self.done:>{width}}/{self.total}] "
            f"{click.style(str(self.counts['passed']) + ' passed', fg='green')}  "
            f"{click.style(str(self.counts['failed']) + ' failed', fg='red')}  "
            f"{click.style(str(self.counts['error']) + ' error', fg='magenta')}  "
            f"{60 * self.done / elapsed:.0f}/min  {submission.id}: {result.status}"
            f"{' (cached)' if reused else ''}"
        )
        if self.live:
            click.echo("\r\033[K" + line, nl=self.done == self.total, err=True)
        else:
            click.echo(line, err=True)


@main.command()
@click.argument("challenge_id", metavar="ID")
@click.argument("folder", type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path),
    required=True,
    help="Folder for results.csv, results.json, report.html and per-submission results.",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(1, 64),
    default=None,
    help="Gradings run at once (default: one per core).",
)
@_sandbox_option
@click.option("--force", is_flag=True, help="Re-grade submissions that already have a result.")
@_handle_errors
def batch(challenge_id: str, folder: Path, out: Path, jobs: int | None, sandbox: str, force: bool) -> None:
    """Grade every subfolder or archive of FOLDER; resumable, one bad submission never stops it."""
    from grader.batch import Batch, discover, write_outputs

    challenge = get_challenge(challenge_id)
    submissions = discover(folder)
    runner = make_sandbox(sandbox)
    jobs = jobs or os.cpu_count() or 1
    click.echo(f"grading {len(submissions)} submissions of {challenge.id} with {jobs} job(s)", err=True)
    progress = _Progress(len(submissions))
    grader_batch = Batch(challenge, runner, out)
    try:
        summary = grader_batch.run(
            submissions, jobs, force=force, on_result=progress, on_interrupt=_finishing
        )
    except KeyboardInterrupt:
        click.echo("\ninterrupted: finished results are kept; run the same command to continue", err=True)
        sys.exit(EXIT_INTERRUPTED)
    write_outputs(out, challenge, summary)
    click.echo(
        f"{len(summary.results)} submissions: {summary.count('passed')} passed, "
        f"{summary.count('failed')} failed, {summary.count('error')} error "
        f"({summary.graded} graded, {summary.reused} reused). Report: {out / 'report.html'}"
    )


def _finishing(running: int) -> None:
    if running:
        click.echo(f"\ninterrupted: stopping the {running} grading(s) under way...", err=True, nl=False)


@main.group()
def sandbox() -> None:
    """Manage the Docker sandbox."""


@sandbox.command("build")
@click.option(
    "--base",
    type=click.Choice(["auto", "python", "debian"]),
    default="auto",
    show_default=True,
    help="python: FROM python:3.11-slim (registry). debian: debootstrap, no registry.",
)
@click.option("--rebuild-base", is_flag=True, help="Rebuild the cached Debian base image.")
@_handle_errors
def sandbox_build(base: str, rebuild_base: bool) -> None:
    """Build the sandbox image (works without an image registry)."""
    from grader.sandbox.image import IMAGE, build

    image_id = build(base, progress=lambda m: click.secho(m, dim=True, err=True), rebuild_base=rebuild_base)
    click.echo(f"built {IMAGE} ({image_id[:19]})")


@sandbox.command("prune")
@click.option("--all", "everything", is_flag=True, help="Also remove gradings still in progress.")
@_handle_errors
def sandbox_prune(everything: bool) -> None:
    """Remove containers, networks and volumes left by killed runs."""
    from grader.sandbox.docker import prune

    click.echo(f"removed {prune(everything=everything)} leftover object(s)")


if __name__ == "__main__":
    main()
