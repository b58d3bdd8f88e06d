"""The candidate's side of an invitation: ``grader start --invite LINK [DIR]`` and ``grader submit [DIR]``.

The link is the one the hiring team sent (``https://host/i/<token>``); its
token is the candidate's only credential. ``start`` downloads the starter
kit (statement, stub, public tests) into a folder and writes ``.grader.toml``
naming the invitation (readable by the candidate only: it holds the token).
Starting again downloads the kit again: the statement, the public tests and
the kit's own copy are refreshed, every other file of the folder is kept.

``submit`` stages the folder exactly as ``grader grade`` does
(:func:`grader.staging.staged_submission`: no links, size caps, cache
folders skipped), packs it without ``.grader.toml`` and ``.grader/`` (the
token never travels inside a submission), uploads it and prints the receipt.

HTTP is the standard library's ``urllib``; a refusal is the service's own
one line (exit 4, :class:`~grader.errors.ServiceRefused`), a service that
cannot be reached exits 3.
"""

from __future__ import annotations

import io
import json
import os
import tarfile
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import click

from .errors import ServiceRefused, ServiceUnreachable, UsageError
from .staging import staged_submission
from .submission import packed
from .workspace import KIT_DIR, MARKER_FILE, invitation_of, read_marker

TIMEOUT_SECONDS = 60
#: The largest kit accepted (a statement, a stub and public tests are far smaller).
MAX_KIT_BYTES = 20 * 2**20
#: Kit files that belong to the kit, refreshed on every start; any other file is the candidate's.
KIT_OWNED = ("README.md", "tests", KIT_DIR)


def parse_link(link: str) -> tuple[str, str]:
    """(service base URL, token) of an invitation link ``http(s)://host[/prefix]/i/<token>``."""
    parts = urlsplit(link.strip())
    segments = parts.path.rstrip("/").split("/")
    if parts.scheme not in ("http", "https") or not parts.netloc or len(segments) < 3 or segments[-2] != "i":
        raise UsageError(
            f"{link[:100]!r} is not an invitation link",
            hint="copy the whole link, such as https://host/i/...",
        )
    base = f"{parts.scheme}://{parts.netloc}{'/'.join(segments[:-2])}"
    return base, segments[-1]


def _problem_line(error: urllib.error.HTTPError) -> str:
    """The service's one line (``detail`` of its problem body), or the status if it sent none."""
    try:
        body = json.loads(error.read(64 * 1024) or b"{}")
    except (ValueError, OSError):
        body = {}
    detail = body.get("detail") if isinstance(body, dict) else None
    return str(detail) if detail else f"the service answered HTTP {error.code}"


def _call(request: urllib.request.Request, limit: int) -> bytes:
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310 - http(s) only
            data: bytes = answer.read(limit + 1)
    except urllib.error.HTTPError as exc:
        line = _problem_line(exc)
        if exc.code >= 500:
            raise ServiceUnreachable(line, hint="try again later") from None
        raise ServiceRefused(line) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ServiceUnreachable(
            f"cannot reach {request.full_url.split('/i/')[0]}: {reason}",
            hint="check the link and your network",
        ) from None
    if len(data) > limit:
        raise ServiceUnreachable("the service sent more than expected", hint="check the link")
    return data


def download_kit(link: str) -> bytes:
    base, token = parse_link(link)
    return _call(urllib.request.Request(f"{base}/i/{token}/kit"), MAX_KIT_BYTES)


def _kit_members(data: bytes) -> list[tuple[PurePosixPath, bytes]]:
    """The kit's regular files as (safe relative path, bytes): anything else is refused."""
    members: list[tuple[PurePosixPath, bytes]] = []
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
            for member in archive.getmembers():
                path = PurePosixPath(member.name)
                if not member.isfile() or path.is_absolute() or ".." in path.parts or not path.parts:
                    raise ServiceUnreachable(f"the starter kit holds an unsafe entry {member.name[:80]!r}")
                handle = archive.extractfile(member)
                members.append((path, handle.read() if handle else b""))
    except (tarfile.TarError, EOFError, OSError):
        raise ServiceUnreachable("the starter kit could not be read", hint="run the command again") from None
    return members


def _write_marker(target: Path, challenge_id: str, link: str) -> None:
    marker = target / MARKER_FILE
    text = (
        "# written by `grader start --invite`; `grader test` and `grader submit` read it.\n"
        "# It holds your invitation link: keep it to yourself.\n"
        f"challenge = {json.dumps(challenge_id)}\n"
        f"invitation = {json.dumps(link)}\n"
    )
    fd = os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    marker.chmod(0o600)


def _kit_challenge(members: list[tuple[PurePosixPath, bytes]]) -> str:
    ids = {
        p.parts[1]
        for p, _ in members
        if len(p.parts) == 3 and p.parts[0] == KIT_DIR and p.name == "challenge.toml"
    }
    if len(ids) != 1:
        raise ServiceUnreachable("the starter kit names no challenge", hint="run the command again")
    return ids.pop()


def start_from_arguments(link: str | None, first: str | None, second: Path | None) -> Path:
    """``grader start --invite LINK [DIR]``: the first argument is the folder, there is no second."""
    if link is None:
        raise UsageError(
            "give the challenge to start", hint="grader start ID [DIR], or grader start --invite LINK"
        )
    if second is not None:
        raise UsageError("give only the folder with --invite", hint="grader start --invite LINK [DIR]")
    return start_invited(link, Path(first) if first else None)


def start_invited(link: str, target: Path | None) -> Path:
    """Download the kit into ``target`` (default ./<challenge id>); returns the folder."""
    link = link.strip()
    parse_link(link)
    members = _kit_members(download_kit(link))
    challenge_id = _kit_challenge(members)
    folder = target or Path(challenge_id)
    again = folder.is_dir() and invitation_of(folder) == link
    if folder.exists() and (not folder.is_dir() or (any(folder.iterdir()) and not again)):
        other = read_marker(folder) if folder.is_dir() else None
        what = (
            "was started for another challenge or invitation" if other else "already exists and is not empty"
        )
        raise UsageError(f"{folder} {what}", hint="choose another folder")
    folder.mkdir(parents=True, exist_ok=True)
    kept = 0
    for path, data in members:
        destination = folder.joinpath(*path.parts)
        if again and path.parts[0] not in KIT_OWNED and destination.exists():
            kept += 1
            continue  # the candidate's own file (their app.py): never overwritten
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(data)
    _write_marker(folder, challenge_id, link)
    click.echo(f"{'Downloaded the kit again' if again else 'Started'} {challenge_id} in {folder}/")
    if again:
        click.echo(f"  kept      your {kept} file(s) of the stub; statement and public tests refreshed")
    click.echo(f"  read      {folder / 'README.md'}")
    click.echo(f"  test      grader test {folder}")
    click.echo(f"  submit    grader submit {folder}")
    return folder


def _pack(app_dir: Path) -> bytes:
    """The staged folder as a .tar.gz, without the marker and the kit's copy (they hold the link)."""
    return packed(app_dir, keep=lambda relative: relative.parts[0] not in (MARKER_FILE, KIT_DIR))


def _multipart(name: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/gzip\r\n\r\n"
    ).encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def submit_folder(directory: Path) -> dict[str, Any]:
    """Stage, pack and upload ``directory``; returns the service's receipt."""
    link = invitation_of(directory)
    if link is None:
        raise UsageError(
            f"{directory} was not started from an invitation", hint="run `grader start --invite LINK` first"
        )
    base, token = parse_link(link)
    with staged_submission(directory) as staged:
        data = _pack(staged.root)
    body, content_type = _multipart("submission.tar.gz", data)
    request = urllib.request.Request(
        f"{base}/i/{token}/submissions", data=body, method="POST", headers={"Content-Type": content_type}
    )
    receipt = json.loads(_call(request, 1 << 20))
    if not isinstance(receipt, dict):
        raise ServiceUnreachable("the service's receipt could not be read")
    return receipt


def receipt_lines(receipt: dict[str, Any]) -> list[str]:
    """The receipt as printed: id, content hash, time, submissions used, and what the invitation shows."""
    lines = [
        f"submission {receipt.get('submission')} received at {receipt.get('received_at')}",
        f"  content   sha256 {receipt.get('content_hash')}",
        f"  used      {receipt.get('used')}; the last one before {receipt.get('closes_at')} counts",
    ]
    score = receipt.get("score")
    if isinstance(score, dict) and score.get("score") is None:  # an error: not graded, no score
        lines.append(f"  score     no score: it could not be graded ({score.get('verdict')})")
    elif isinstance(score, dict):
        lines.append(f"  score     {score.get('score')} / {score.get('max_score')} ({score.get('verdict')})")
    elif receipt.get("shows") == "hidden":
        lines.append(f"  score     not graded yet: see it with `grader receipt {receipt.get('submission')}`")
    return lines


def fetch_receipt(directory: Path, submission_id: int) -> dict[str, Any]:
    link = invitation_of(directory)
    if link is None:
        raise UsageError(
            f"{directory} was not started from an invitation", hint="run it in the folder you submitted"
        )
    base, token = parse_link(link)
    receipt = json.loads(_call(urllib.request.Request(f"{base}/i/{token}/receipts/{submission_id}"), 1 << 20))
    if not isinstance(receipt, dict):
        raise ServiceUnreachable("the service's receipt could not be read")
    return receipt


def _public_line(directory: Path) -> str:
    """The public tests' outcome on this machine (an invitation that shows the public tests)."""
    from .grading import grade
    from .protocol import Suite
    from .sandbox import make_sandbox
    from .workspace import challenge_of

    challenge = challenge_of(directory, hint="", starter_kit=True)
    result = grade(challenge, directory, make_sandbox("local"), suite=Suite.PUBLIC)
    passed = sum(1 for t in result.tests if t.status == "passed")
    return f"  public    {passed} of {len(result.tests)} public tests passed (run here, as `grader test`)"


def register(main: click.Group, handle_errors: Callable[[Any], Any]) -> None:
    """Add ``grader submit`` and ``grader receipt`` to the command group."""

    @main.command("submit", short_help="Hand in a folder started from an invitation.")
    @click.argument("directory", required=False, default=".", type=click.Path(path_type=Path))
    @handle_errors
    def submit(directory: Path) -> None:
        """Stage DIRECTORY as `grader grade` would and upload it to the hiring team; print the receipt.

        You may submit again until the deadline: the last submission counts.
        """
        receipt = submit_folder(directory)
        for line in receipt_lines(receipt):
            click.echo(line)
        if receipt.get("shows") == "public":
            click.echo(_public_line(directory))

    @main.command("receipt", short_help="Show the receipt of a submission made with `grader submit`.")
    @click.argument("submission_id", metavar="ID", type=click.IntRange(1, 2**31 - 1))
    @click.argument("directory", required=False, default=".", type=click.Path(path_type=Path))
    @handle_errors
    def receipt_command(submission_id: int, directory: Path) -> None:
        """Print the receipt of submission ID of the invitation DIRECTORY was started from."""
        for line in receipt_lines(fetch_receipt(directory, submission_id)):
            click.echo(line)
