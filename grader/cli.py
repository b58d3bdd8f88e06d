"""The ``grader`` command: parse, call :mod:`grader`, map errors to exit codes.

The console script is :func:`grader.entry.main`, which handles Ctrl-C while
this module is being imported, then calls :data:`main` here. Every error a
user sees is one line, ``error: what is wrong: what to do``, click's own
usage errors included; exit codes are in :data:`EXIT_CODES` and ``--help``.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Sequence
from functools import wraps
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from grader import __version__
from grader.challenges import Challenge, get_challenge, list_challenges
from grader.errors import EXIT_INTERRUPTED, GraderError
from grader.grading import grade
from grader.output import FORMATS, emit, render, render_many
from grader.output.saved import load_saved
from grader.output.text import challenge_table, clean
from grader.protocol import Suite
from grader.results import GradeResult
from grader.sandbox import LOCAL_SANDBOX_WARNING, SANDBOXES, make_sandbox
from grader.sandbox.reaper import drain
from grader.workspace import challenge_of, grade_target, start_workspace, started_for

EXIT_CODES = """\b
Exit codes:
  0    graded, every hidden test passed (other commands: done)
  1    graded but not every test passed, or the submission could
       not be graded (status "error": no app, an import error)
  2    bad usage or bad input (unknown challenge, missing path)
  3    the grader itself could not run (Docker, image, challenge,
       the hiring team's service unreachable)
  4    refused by the hiring team's service (start --invite, submit)
  130  interrupted by Ctrl-C or SIGTERM, after cleaning up"""
F = TypeVar("F", bound=Callable[..., Any])


def _error(message: str, code: int) -> NoReturn:
    """The one error line every failure prints, control characters removed (messages quote input)."""
    click.secho(f"error: {clean(message)}", fg="red", err=True)
    sys.exit(code)


def _interrupted(message: str) -> NoReturn:
    click.echo(f"\ninterrupted: {message}", err=True)
    sys.exit(EXIT_INTERRUPTED)


class _Grader(click.Group):
    """The command group, with click's usage errors in the grader's one-line style.

    The commands of modules of their own are registered when one of them is
    asked for (click's lazy subcommands): a candidate's `grader grade` does not
    import the service's, the invitations' or similarity's code to start.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *_LAZY})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in _LAZY and cmd_name not in self.commands:
            _register(_LAZY[cmd_name])
        return super().get_command(ctx, cmd_name)

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
    ) -> Any:
        """Run the command; click's ``Error: ...`` plus usage becomes ``error: ...: see --help`` (exit 2)."""
        try:
            value = super().main(
                args, prog_name, complete_var, standalone_mode=False, windows_expand_args=windows_expand_args
            )
        except click.exceptions.NoArgsIsHelpError as exc:  # bare `grader`: the help is the answer
            exc.show()
            sys.exit(exc.exit_code)
        except click.UsageError as exc:
            command = exc.ctx.command_path if exc.ctx else "grader"
            message = " ".join(exc.format_message().split()).rstrip(".")
            _error(f"{message}: see `{command} --help`", exc.exit_code)
        except click.ClickException as exc:
            _error(" ".join(exc.format_message().split()), exc.exit_code)
        except click.Abort:  # Ctrl-C while click itself was running (before or after a command)
            _interrupted("nothing was started")
        except BrokenPipeError:  # `grader list | head`: the reader left, nothing to say
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no flush error at exit
            sys.exit(1)
        if not standalone_mode:
            return value
        sys.exit(value if isinstance(value, int) else 0)


def _handle_errors(func: F) -> F:
    """Turn a :class:`GraderError` into one line on stderr and its exit code.

    An interrupt has unwound through the sandboxes' ``finally`` blocks by the
    time it gets here, which handed the containers to the reaper: wait for
    it, say so and exit 130, the shell's code for SIGINT, which no verdict
    uses. Every command ends by waiting for the reaper (bounded), so a
    command's containers are gone when it returns, in-process too.
    """

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except GraderError as exc:
            drain()
            _error(exc.format(), exc.exit_code)
        except KeyboardInterrupt:
            drain()
            _interrupted("nothing of this run is left behind")
        finally:
            drain()

    return wrapper  # type: ignore[return-value]


#: True when this process is the ``grader`` command itself (:mod:`grader.entry`), not a caller
#: driving the commands in-process (tests, scripts): the process ends when its command does.
CONSOLE = False

_sandbox_option = click.option(
    "--sandbox",
    type=click.Choice(SANDBOXES),
    default="docker",
    show_default=True,
    help="docker: isolated, official. local: in-process, only for code you trust.",
)


_broker_option = click.option(
    "--broker",
    envvar="GRADER_BROKER_URL",
    default=None,
    metavar="URL",
    help="Redis URL of the grading workers' broker (default: $GRADER_BROKER_URL; none: grade here).",
)


_broker_key_option = click.option(
    "--broker-key-file",
    envvar="GRADER_BROKER_KEY_FILE",
    default=None,
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="FILE",
    help="File holding the key that signs broker jobs and results (not readable by others; "
    "default: $GRADER_BROKER_KEY_FILE, else the key itself in $GRADER_BROKER_KEY).",
)


def _warn(message: str) -> None:
    """A warning line on stderr, clear of a live progress line."""
    prefix = "\r\033[K" if sys.stderr.isatty() else ""
    click.echo(prefix + click.style(f"warning: {clean(message)}", fg="yellow"), err=True)


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


_emit = emit


def _exit_for(result: GradeResult) -> None:
    sys.exit(0 if result.status == "passed" else 1)


def _warn_if_started_for_another(path: Path, challenge: Challenge) -> None:
    """Grading a `grader start` folder against a different challenge is almost always a slip."""
    other = started_for(path)
    if other is not None and other != challenge.id:
        message = f"{path} was started for {other}; grading it against {challenge.id}"
        click.secho(f"warning: {clean(message)}", fg="yellow", err=True)


@click.group(
    "grader",
    cls=_Grader,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog=EXIT_CODES,
)
@click.version_option(__version__, prog_name="grader")
def main() -> None:
    """Grade Flask code challenges with hidden tests in a Docker sandbox."""


@main.command("list", short_help="List the challenges.")
@click.option(
    "--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@_handle_errors
def list_command(output_format: str) -> None:
    """List the available challenges, with level, topic and points."""
    challenges = list_challenges()
    if output_format == "json":
        fields = ("id", "title", "topic", "difficulty", "points", "version")
        click.echo(json.dumps([{f: getattr(c, f) for f in fields} for c in challenges], indent=2))
    else:
        click.echo(challenge_table(challenges))


@main.command(short_help="Print a challenge's statement.")
@click.argument("challenge_id", metavar="ID")
@_handle_errors
def show(challenge_id: str) -> None:
    """Print a challenge's statement."""
    challenge = get_challenge(challenge_id)
    click.echo(challenge.statement.read_text(encoding="utf-8"))


@main.command(short_help="Start a challenge in a new folder.")
@click.argument("challenge_id", metavar="ID", required=False)
@click.argument("directory", required=False, type=click.Path(path_type=Path))
@click.option(
    "--invite", metavar="LINK", help="Start from a hiring team's invitation: `start --invite LINK [DIR]`."
)
@_handle_errors
def start(challenge_id: str | None, directory: Path | None, invite: str | None) -> None:
    """Start a challenge in DIRECTORY (default ./ID): stub, public tests, statement (or a team's kit)."""
    if invite is not None or challenge_id is None:
        from grader.invite_cli import start_from_arguments

        start_from_arguments(invite, challenge_id, directory)
        return
    challenge = get_challenge(challenge_id)
    target = directory or Path(challenge.id)
    start_workspace(challenge, target)
    click.echo(f"Started {challenge.id} in {target}/")
    click.echo(f"  read      {target / 'README.md'}")
    click.echo(f"  edit      {target / 'app.py'}")
    click.echo(f"  test      grader test {target}")
    click.echo(f"  grade     grader grade {challenge.id} {target}")


@main.command(short_help="Run the public tests, fast, unsandboxed.")
@click.argument("directory", required=False, default=".", type=click.Path(path_type=Path))
@click.option("--challenge", "challenge_id", metavar="ID", help="Challenge id (default: from .grader.toml).")
@_result_options
@_handle_errors
def test(directory: Path, challenge_id: str | None, output_format: str, output: Path | None) -> None:
    """Run the public tests on DIRECTORY, in-process (fast, no isolation)."""
    if challenge_id:
        challenge = get_challenge(challenge_id)
        _warn_if_started_for_another(directory, challenge)
    else:
        challenge = challenge_of(directory, hint="pass --challenge ID", starter_kit=True)
    result = grade(challenge, directory, make_sandbox("local"), suite=Suite.PUBLIC)
    _emit(render(result, output_format), output)
    _exit_for(result)


@main.command("grade", short_help="Grade a submission with the hidden tests.")
@click.argument("first", metavar="[ID]", required=False)
@click.argument("second", metavar="[PATH]", required=False)
@_sandbox_option
@_result_options
@_handle_errors
def grade_command(
    first: str | None, second: str | None, sandbox: str, output_format: str, output: Path | None
) -> None:
    """Grade the submission at PATH (folder, .zip or .tar.gz) with challenge ID's hidden tests.

    In a folder made by `grader start`, ID and PATH can be left out: the
    folder is graded against its own challenge (from .grader.toml). With one
    argument, a folder made by `grader start` is PATH, anything else is ID
    (and PATH is the current folder).
    """
    challenge, path = grade_target(first, second)
    _warn_if_started_for_another(path, challenge)
    if CONSOLE:  # one grading, then this process ends: it leaves the next spare to a child of its own
        from grader.sandbox import spares

        spares.DETACHED = True
    result = grade(challenge, path, make_sandbox(sandbox, one_shot=CONSOLE))
    _emit(render(result, output_format), output)
    _exit_for(result)


@main.command("render", short_help="Print a saved result in another format.")
@click.argument("result_file", metavar="RESULT.json", type=click.Path(path_type=Path))
@_result_options
@_handle_errors
def render_command(result_file: Path, output_format: str, output: Path | None) -> None:
    """Print a saved result in another format, without grading again.

    RESULT.json is a file written by `grade --format json`, or by `batch`:
    OUT/results/ID.json (one submission) or OUT/results.json (all of them,
    rendered one after the other). Exits 0 once rendered, whatever the
    verdict: the grading's own exit code is the verdict.
    """
    saved = load_saved(result_file)
    if saved.is_list:
        named = [(s.id or f"#{n}", s.result) for n, s in enumerate(saved.results, 1)]
        _emit(render_many(named, output_format), output)
    else:
        _emit(render(saved.results[0].result, output_format), output)


@main.command(short_help="Grade a folder of submissions in parallel.")
@click.argument("challenge_id", metavar="ID")
@click.argument("folder", type=click.Path(path_type=Path))
@click.option(
    "--output",
    "-o",
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
@_broker_option
@_broker_key_option
@click.option("--no-similarity", is_flag=True, help="Skip the similarity analysis between submissions.")
@_handle_errors
def batch(
    challenge_id: str,
    folder: Path,
    out: Path,
    jobs: int | None,
    sandbox: str,
    force: bool,
    broker: str | None,
    broker_key_file: Path | None,
    no_similarity: bool,
) -> None:
    """Grade every subfolder or archive of FOLDER; resumable, one bad submission never stops it."""
    from grader.batch import BatchRun, prepare_out, write_outputs
    from grader.candidates import discover
    from grader.progress import Progress, StagingProgress
    from grader.staging import staged_candidates

    challenge = get_challenge(challenge_id)
    skipped: list[tuple[str, str]] = []
    submissions = discover(folder, skipped)
    for name, reason in skipped:
        click.secho(f"skipped {clean(name)}: {reason}", fg="yellow", err=True)
    if sandbox == "local":
        click.secho(LOCAL_SANDBOX_WARNING, fg="yellow", err=True)
    if broker:
        from grader.executors.signing import load_key

        key = load_key(broker_key_file)  # exit 2, saying how to give one, before anything is written
    prepare_out(out)
    jobs = jobs or os.cpu_count() or 1
    runner = make_sandbox(sandbox, at_once=jobs)
    grader_batch = BatchRun(challenge, runner, out)
    if broker:
        from grader.executors.jobspec import redact
        from grader.executors.remote import CeleryExecutor

        grader_batch.executor = CeleryExecutor(
            broker, challenge, sandbox, grader_batch.image, key=key, force=force, warn=_warn
        )
        click.echo(
            f"grading {len(submissions)} submissions of {challenge.id} on the workers of {redact(broker)}",
            err=True,
        )
    else:
        click.echo(f"grading {len(submissions)} submissions of {challenge.id} with {jobs} job(s)", err=True)
    # read once: graded, compared and shown from here
    with staged_candidates(submissions, on_staged=StagingProgress(len(submissions))) as staged:
        try:
            summary = grader_batch.run(
                submissions,
                staged,
                jobs,
                force=force,
                on_result=Progress(len(submissions)),
                on_interrupt=_finishing,
            )
        except KeyboardInterrupt:
            _interrupted("finished results are kept; run the same command to continue")
        from grader.similarity.cli import batch_similarity

        similarity = None if no_similarity else batch_similarity(challenge, staged)
        write_outputs(out, challenge, summary, {s.id: s.path for s in submissions}, similarity, staged)
    click.echo(
        f"{len(summary.results)} submissions: {summary.count('passed')} passed, "
        f"{summary.count('failed')} failed, {summary.count('error')} error "
        f"({summary.counts}). Report: {out / 'report.html'}"
    )


def _finishing(running: int) -> None:
    if running:
        click.echo(f"\ninterrupted: stopping the {running} grading(s) under way...", err=True, nl=False)


#: Command name -> the module part that registers it (see :class:`_Grader`).
_LAZY = {
    "sandbox": "host",
    "worker": "host",
    "verify": "verify",
    "submit": "invite",
    "receipt": "invite",
    "serve": "service",
    "admin": "service",
    "similar": "similar",
}


def _register(part: str) -> None:
    """Import one module of commands and add its commands to :data:`main`."""
    if part == "host":
        from grader.host_cli import register as host

        host(main, _handle_errors, _broker_option, _broker_key_option, _sandbox_option)
    elif part == "verify":
        from grader.verify_cli import register as verify

        verify(main, _handle_errors)
    elif part == "invite":
        from grader.invite_cli import register as invite

        invite(main, _handle_errors)
    elif part == "service":
        from grader.service.cli import register as service

        service(main)
    else:
        from grader.similarity.cli import register as similar

        similar(main, _handle_errors)


if __name__ == "__main__":  # ``python -m grader.cli``; the console script goes through grader.entry
    main()
