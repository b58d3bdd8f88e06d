"""``grader serve`` and ``grader admin ...``: run and administer the grading service.

Registered into the main ``grader`` command by :func:`register`; the
service's dependencies (the ``[service]`` extra) are imported only when one
of these commands runs, so the rest of the CLI works without them.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

import click

from ..errors import GraderError, InfrastructureError, UsageError

if TYPE_CHECKING:
    from flask import Flask
    from sqlalchemy.orm import Session

_data_dir_option = click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="GRADER_DATA_DIR",
    default="grader-data",
    show_default=True,
    help="Database (SQLite unless DATABASE_URL is set), uploads and keys.",
)


def _sandbox_option(help_text: str) -> Callable[[Any], Any]:
    """``--sandbox`` (GRADER_SANDBOX): serving and verifying a team's challenge use the same sandbox."""
    return click.option(
        "--sandbox",
        type=click.Choice(["docker", "local"]),
        envvar="GRADER_SANDBOX",
        default="docker",
        show_default=True,
        help=help_text,
    )


def _app(data_dir: Path, **config: Any) -> Flask:
    try:
        from .app import create_app
    except ImportError as exc:
        raise InfrastructureError(
            f"the service's dependencies are missing ({exc.name})", hint="pip install 'flask-grader[service]'"
        ) from None
    return create_app({"DATA_DIR": str(data_dir), **config})


@contextmanager
def _admin_session(data_dir: Path) -> Iterator[Session]:
    app = _app(data_dir, START_JOBS=False)
    with app.app_context():
        from .app import service

        db = service().db
        # --data-dir defaults to a folder of the current one: say which database this is
        database = db.engine.url.render_as_string(hide_password=True)
        click.echo(f"data folder {data_dir.resolve()}, database {database}", err=True)
        with db.session() as session:
            yield session


def _read_password(given: str | None) -> str:
    """``--password``, else asked twice on a terminal, else stdin's first line (piped: no getpass warning)."""
    if given is not None:
        return given
    if sys.stdin.isatty():
        return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))
    return sys.stdin.readline().rstrip("\r\n")


def _errors(func: Callable[..., None]) -> Callable[..., None]:
    """One line and the documented exit code, as the rest of the CLI does."""

    def wrapper(**kwargs: Any) -> None:
        try:
            func(**kwargs)
        except GraderError as exc:
            click.secho(f"error: {exc.format()}", fg="red", err=True)
            sys.exit(exc.exit_code)

    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper


@click.command()
@_data_dir_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@_sandbox_option("Where submissions are graded (local: trusted code only).")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    envvar="GRADER_WORKERS",
    default=None,
    help="Gradings at once (default: one per core).",
)
@click.option(
    "--threads",
    type=click.IntRange(1, 256),
    default=16,
    show_default=True,
    help="Threads serving HTTP requests.",
)
@_errors
def serve(data_dir: Path, host: str, port: int, sandbox: str, workers: int | None, threads: int) -> None:
    """Run the grading service (dashboard and REST API) with waitress.

    A request body may be at most GRADER_MAX_UPLOAD_MB (20) MiB plus 64 KiB;
    a body over 64 KiB needs a valid token or login, checked before it is read.
    SIGTERM or Ctrl-C stops it: gradings under way are cancelled and put
    back in the queue, and the next start grades them.
    """
    import faulthandler
    import logging

    from waitress.server import create_server

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    if sandbox == "local":
        from ..sandbox import LOCAL_SANDBOX_WARNING

        click.secho(LOCAL_SANDBOX_WARNING, fg="yellow", err=True)
    config: dict[str, Any] = {"SANDBOX": sandbox}
    if workers:
        config["WORKERS"] = workers
    app = _app(data_dir, **config)
    from .bodylimit import gated_channel, make_gate

    limit = int(app.config["MAX_CONTENT_LENGTH"])
    server = create_server(
        app,
        host=host,
        port=port,
        threads=threads,
        clear_untrusted_proxy_headers=True,
        max_request_body_size=limit + 1,  # waitress refuses a length >= this; the gate answers first
    )
    # every request's headers pass the gate before its body is read (see bodylimit.py)
    server.channel_class = gated_channel(make_gate(app, limit))  # type: ignore[union-attr]
    actual_port = server.effective_port  # type: ignore[union-attr]

    # SIGTERM and Ctrl-C raise KeyboardInterrupt: waitress's run() catches it and stops its
    # request threads; then the job runner puts what was running back in the queue.
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    click.echo(
        f"serving on http://{host}:{actual_port} (sandbox {sandbox}, data {data_dir.resolve()})", err=True
    )
    faulthandler.register(signal.SIGUSR1)  # `kill -USR1` prints every thread's stack (diagnosing a hang)
    try:
        server.run()
    except KeyboardInterrupt:
        pass  # arrived outside waitress's loop
    finally:
        app.extensions["grader"].stop()
        server.close()
        click.echo("stopped: unfinished gradings are queued for the next start", err=True)


def _interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@click.group(short_help="Administer the service: teams, users, tokens, private challenges.")
def admin() -> None:
    """Administer the service: teams, users, tokens, private challenges (run on the server).

    Every command acts on the database of --data-dir (default ./grader-data,
    relative to the current folder; or $GRADER_DATA_DIR, or DATABASE_URL) and
    prints which one on stderr: pass the folder `grader serve` uses.
    """


def _team(session: Session, name: str) -> Any:
    from sqlalchemy import select

    from .models import Team

    team = session.scalar(select(Team).where(Team.name == name))
    if team is None:
        raise UsageError(f"no team named {name!r}", hint="create it with `grader admin create-team`")
    return team


@admin.command("create-team", short_help="Create a team.")
@_data_dir_option
@click.argument("name")
@_errors
def create_team(data_dir: Path, name: str) -> None:
    """Create a team NAME."""
    from sqlalchemy import select

    from .models import Team

    with _admin_session(data_dir) as session:
        if session.scalar(select(Team).where(Team.name == name)) is not None:
            raise UsageError(f"a team named {name!r} already exists", hint="choose another name")
        team = Team(name=name)
        session.add(team)
        session.flush()
        click.echo(f"created team {name} (id {team.id})")


@admin.command("create-user", short_help="Create a dashboard user (password: 8+ characters).")
@_data_dir_option
@click.option("--team", "team_name", required=True, help="The team the user belongs to.")
@click.argument("username")
@click.option(
    "--password",
    default=None,
    help="At least 8 characters; asked twice if not given, or read from the first line of piped stdin.",
)
@_errors
def create_user(data_dir: Path, team_name: str, username: str, password: str | None) -> None:
    """Create a dashboard user USERNAME in a team (password: at least 8 characters)."""
    from sqlalchemy import select

    from .auth import new_user
    from .models import User

    password = _read_password(password)
    if len(password) < 8:
        raise UsageError("the password is too short", hint="use at least 8 characters")
    with _admin_session(data_dir) as session:
        team = _team(session, team_name)
        if session.scalar(select(User).where(User.username == username)) is not None:
            raise UsageError(f"a user named {username!r} already exists", hint="choose another name")
        new_user(session, team, username, password)
        click.echo(f"created user {username} in team {team_name}")


@admin.command("create-token", short_help="Create an API token, printed once.")
@_data_dir_option
@click.option("--team", "team_name", required=True, help="The team the token acts for.")
@click.option("--name", default="", help="A label to recognise the token by.")
@_errors
def create_token(data_dir: Path, team_name: str, name: str) -> None:
    """Create an API token; it is printed once (only its hash is stored)."""
    from .auth import new_token

    with _admin_session(data_dir) as session:
        row, token = new_token(session, _team(session, team_name), name)
        click.echo(f"token {row.id} for team {team_name} (shown once, keep it safe):", err=True)
        click.echo(token)


@admin.command("revoke-token", short_help="Revoke an API token.")
@_data_dir_option
@click.argument("token_id", type=int)
@_errors
def revoke_token(data_dir: Path, token_id: int) -> None:
    """Revoke the API token with id TOKEN_ID (see list-tokens)."""
    from .auth import revoke_token as revoke

    with _admin_session(data_dir) as session:
        if not revoke(session, token_id):
            raise UsageError(f"no token with id {token_id}", hint="see `grader admin list-tokens`")
        click.echo(f"revoked token {token_id}")


@admin.command("list-tokens", short_help="List the API tokens.")
@_data_dir_option
@_errors
def list_tokens(data_dir: Path) -> None:
    """List API tokens (id, team, label, prefix, revoked)."""
    from sqlalchemy import select

    from .models import ApiToken, Team

    with _admin_session(data_dir) as session:
        for token, team in session.execute(select(ApiToken, Team).join(Team, Team.id == ApiToken.team_id)):
            revoked = f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "active"
            click.echo(f"{token.id}\t{team.name}\t{token.name or '-'}\t{token.prefix}...\t{revoked}")


@admin.command("add-challenge", short_help="Add a team's own challenge folder (verified first).")
@_data_dir_option
@click.option("--team", "team_name", required=True, help="The team it belongs to (only that team sees it).")
@_sandbox_option("Where to verify it: the sandbox `grader serve` grades in.")
@click.option(
    "--timeout",
    type=click.FloatRange(1, 3600),
    envvar="GRADER_VERIFY_SECONDS",
    default=600.0,
    show_default=True,
    help="Longest the verification may take; past it, the challenge is refused.",
)
@click.argument("path", type=click.Path(path_type=Path))
@_errors
def add_challenge(data_dir: Path, team_name: str, sandbox: str, timeout: float, path: Path) -> None:
    """Add the challenge folder (or .zip/.tar.gz) PATH as the team's next version of its id.

    It is checked as `grader verify` checks a challenge (the reference
    solution passes both suites, the stub does not, golden cases get their
    verdicts) before the team can use it. Exit 0: added and sound; 1: refused,
    one line per reason on stderr; 2: a usage error (no such team or path,
    an unsafe archive).
    """
    import shutil

    from ..sandbox import make_sandbox
    from .app import service
    from .private import UnsoundChallenge, add_private
    from .private_verify import verify_upload

    with _admin_session(data_dir) as session:
        team = _team(session, team_name)
        running = service()
        try:
            row = add_private(session, running.data_dir, running.intake.scratch, team.id, path, str(path))
        except UnsoundChallenge as exc:
            for reason in exc.problems:
                click.secho(f"refused: {reason}", fg="red", err=True)
            sys.exit(exc.exit_code)
        session.commit()
        click.echo(f"verifying {row.challenge_id} revision {row.revision} ({sandbox} sandbox)...", err=True)
        try:
            runner = make_sandbox(sandbox)
            row = verify_upload(running.db, running.data_dir, running.intake.scratch, row.id, runner, timeout)
        finally:
            shutil.rmtree(running.intake.scratch, ignore_errors=True)
    if row.status != "ready":
        for reason in row.problems:
            click.secho(f"refused: {reason}", fg="red", err=True)
        sys.exit(1)
    click.echo(f"added {row.challenge_id} version {row.version} for team {team_name}")


def register(main: click.Group) -> None:
    """Add ``serve`` and ``admin`` to the ``grader`` command."""
    main.add_command(serve)
    main.add_command(admin)
