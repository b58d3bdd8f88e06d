"""Is an uploaded private challenge sound? ``grader verify``'s checks, bounded, off the request thread.

The checks are exactly :func:`grader.verify.verify_challenge`'s (the
reference solution scores full marks on the hidden suite and passes the
public one, the stub does not, the hidden points add up, a second run agrees)
plus the upload's golden cases if it carries any
(``golden/<case>/expected.toml`` with ``status`` and optional
``must_fail``), all in the service's configured sandbox.

Why a background thread: verifying grades the solution three times and the
stub once, seconds each in Docker, too long for an HTTP request. The API
answers ``202`` with the upload ``verifying``; :class:`Verifier` (one thread,
one verification at a time, so uploads never crowd out gradings) makes it
``ready`` or ``refused``. A verification is bounded: past
``GRADER_VERIFY_SECONDS`` (default 600) its sandbox is cancelled and the
upload refused, saying so. Uploads left ``verifying`` by a stopped service
are verified again at the next start. ``grader admin add-challenge`` runs the
same :func:`verify_upload` in the foreground.
"""

from __future__ import annotations

import logging
import queue
import threading
import tomllib
from pathlib import Path

from sqlalchemy import select

from ..challenges import Challenge
from ..errors import Cancelled, InfrastructureError
from ..grading import grade
from ..output.text import clean
from ..sandbox import make_sandbox
from ..sandbox.base import Sandbox
from ..submission import shown
from ..verify import verify_challenge
from .catalog import gradable, load_private
from .db import Database
from .models import PrivateChallenge, utcnow
from .private import MAX_GOLDEN

log = logging.getLogger(__name__)
DEFAULT_SECONDS = 600.0


def _golden_problems(challenge: Challenge, sandbox: Sandbox) -> list[str]:
    """Each golden case of the upload must get the verdict its ``expected.toml`` records."""
    cases = sorted(p.parent for p in challenge.root.glob("golden/*/expected.toml"))
    problems: list[str] = []
    if len(cases) > MAX_GOLDEN:
        return [f"golden cases: {len(cases)} found, at most {MAX_GOLDEN} are verified; remove some"]
    for case in cases:
        try:
            expected = tomllib.loads((case / "expected.toml").read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            problems.append(f"golden case {case.name}: expected.toml is not valid TOML")
            continue
        status = expected.get("status")
        if status not in ("passed", "failed"):
            problems.append(f'golden case {case.name}: expected.toml needs status = "passed" or "failed"')
            continue
        result = grade(challenge, case, sandbox)
        if result.status != status:
            problems.append(f"golden case {case.name}: expected {status}, got {result.status}")
            continue
        not_passed = {t.name.split("[")[0] for t in result.tests if t.status != "passed"}
        for name in expected.get("must_fail", []):
            if str(name) not in not_passed:
                problems.append(f"golden case {case.name}: {name} should fail but passed")
    return problems


def soundness_problems(challenge: Challenge, sandbox: Sandbox) -> list[str]:
    """Every failed check, one line each (empty: the challenge is sound)."""
    report = verify_challenge(challenge, [sandbox])
    problems = [
        f"{check.name}" + (f" ({clean(check.detail)})" if check.detail else "")
        for check in report.checks
        if not check.ok
    ]
    return problems + _golden_problems(challenge, sandbox)


def _one_line(problem: str) -> str:
    """A reason as one line a page or a terminal shows whole (a suite's traceback is cut to its start)."""
    first = next((line.strip() for line in clean(problem).splitlines() if line.strip()), "")
    return shown(first, 300)


def verify_upload(
    db: Database,
    data_dir: Path,
    scratch: Path,
    row_id: int,
    sandbox: Sandbox,
    seconds: float,
    stopping: threading.Event | None = None,
) -> PrivateChallenge:
    """Verify one stored upload in ``sandbox`` and record ``ready`` or ``refused`` with its problems.

    A grader fault (Docker down) or the time bound refuses the upload with
    that reason: the team sees why and can upload it again. When the service
    is ``stopping`` (it cancels the sandbox), nothing is recorded: the upload
    stays ``verifying`` and the next start verifies it again.
    """
    with db.session() as session:
        row = session.get_one(PrivateChallenge, row_id)
        challenge = load_private(data_dir, row)
    timer = threading.Timer(seconds, sandbox.cancel)
    timer.daemon = True
    problems: list[str] | None = None
    try:
        timer.start()
        with gradable(challenge, data_dir, scratch) as runnable:
            problems = soundness_problems(runnable, sandbox)
    except Cancelled:
        if stopping is not None and stopping.is_set():
            return row
        problems = [f"verification took longer than {seconds:g} s: make the suites faster, then upload again"]
    except InfrastructureError as exc:
        problems = [f"the grader could not verify it: {exc.format()}; upload it again later"]
    finally:
        timer.cancel()
        if stopping is None or not stopping.is_set():
            row = _record(db, row_id, problems)
    return row


def _record(db: Database, row_id: int, problems: list[str] | None) -> PrivateChallenge:
    with db.session() as session:
        row = session.get_one(PrivateChallenge, row_id)
        if problems is None:  # a grader bug: never leave the upload "verifying" forever
            problems = ["verification stopped by an internal error; see the service's log"]
        row.status = "refused" if problems else "ready"
        row.problems = [_one_line(p) for p in problems]
        row.finished_at = utcnow()
    return row


class Verifier:
    """One background thread verifying uploads in order (see the module docstring)."""

    def __init__(
        self, db: Database, data_dir: Path, scratch: Path, sandbox_name: str, seconds: float
    ) -> None:
        self.db = db
        self.data_dir = data_dir
        self.scratch = scratch
        self.sandbox_name = sandbox_name
        self.seconds = seconds
        self._queue: queue.Queue[int] = queue.Queue()
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._sandbox: Sandbox | None = None
        self._thread = threading.Thread(target=self._loop, name="verify", daemon=True)

    def start(self) -> None:
        """Start the thread; verify again the uploads a stopped service left ``verifying``."""
        with self.db.session() as session:
            left = session.scalars(
                select(PrivateChallenge.id).where(PrivateChallenge.status == "verifying")
            ).all()
        for row_id in left:
            self.submit(row_id)
        self._thread.start()

    def submit(self, row_id: int) -> None:
        self._queue.put(row_id)

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                row_id = self._queue.get(timeout=1.0)
            except queue.Empty:
                continue
            with self._lock:
                if self._stopping.is_set():
                    return
                self._sandbox = sandbox = make_sandbox(self.sandbox_name)
            try:
                row = verify_upload(
                    self.db, self.data_dir, self.scratch, row_id, sandbox, self.seconds, self._stopping
                )
                log.info("private challenge %s r%s: %s", row.challenge_id, row.revision, row.status)
            finally:
                with self._lock:
                    self._sandbox = None

    def stop(self) -> None:
        """Cancel the verification under way (it stays ``verifying``; the next start runs it again)."""
        with self._lock:
            self._stopping.set()
            if self._sandbox is not None:
                self._sandbox.cancel()
        if self._thread.is_alive():
            self._thread.join(timeout=30)
