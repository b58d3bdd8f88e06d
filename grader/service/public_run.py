"""The public tests' outcome of a web-page submission, for invitations with ``shows: public``.

``grader submit`` runs the public tests on the candidate's own machine; a
candidate who uploads from the web page has no grader, so the service runs
them once, when the upload arrives, in the sandbox it grades in (the same
limits; the public tests are the kit's, nothing secret). The outcome is
kept beside the stored submission as ``public-tests.json`` (a name chosen
here, never from the upload) and shown with the receipt: how many passed
and each public test's name and verdict. The hidden suite is not involved.

The run happens in the upload's request, after the submission is committed:
it costs one more grading of a small public suite, bounded by the
invitation's rate limit and submission count. If the grader cannot run it
(an engine fault), the receipt says so and the submission stands.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..challenges import Challenge
from ..errors import InfrastructureError, UsageError
from ..grading import grade
from ..protocol import Suite
from ..sandbox import make_sandbox
from .catalog import gradable
from .datadir import private_file
from .intake import stored_submission

FILE_NAME = "public-tests.json"


def outcome_path(data_dir: Path, stored_path: str) -> Path:
    """Where a submission's public outcome is kept: next to its stored archive."""
    return (data_dir / stored_path).parent / FILE_NAME


def run_public(
    challenge: Challenge, data_dir: Path, stored: Path, key: str, label: str, sandbox_name: str, scratch: Path
) -> dict[str, Any]:
    """Grade the stored submission against the public suite; the outcome as the receipt shows it.

    ``stored`` is the tree the intake staged and kept (graded from that
    copy, as the job runner does: :class:`~grader.staging.StagedSubmission`).
    Why ``grade`` and not ``grade_safely``: the safe function grades the
    hidden suite only. The submission's own faults (:class:`UsageError`,
    an app that does not start) become an ``error`` outcome with its
    one-line message; an engine fault is ``unavailable``, never a verdict.
    """
    target = stored_submission(stored, key, label)
    sandbox = make_sandbox(sandbox_name)
    try:
        # a private challenge's suite is copied where the sandbox can read it (see catalog.gradable)
        with gradable(challenge, data_dir, scratch) as runnable:
            result = grade(runnable, target, sandbox, suite=Suite.PUBLIC, scratch=scratch)
    except UsageError as exc:
        return {"status": "error", "message": exc.format().replace(str(stored), label), "tests": []}
    except InfrastructureError:
        return {"status": "unavailable", "message": "the public tests could not be run now", "tests": []}
    tests = [{"name": t.name, "status": str(t.status)} for t in result.tests]
    outcome: dict[str, Any] = {
        "status": str(result.status),
        "passed": sum(1 for t in result.tests if str(t.status) == "passed"),
        "total": len(tests),
        "tests": tests,
    }
    if str(result.status) == "error":  # no app, an import error: the candidate's own app's message
        outcome["message"] = result.message.replace(str(stored), label)
    return outcome


def keep(data_dir: Path, stored_path: str, outcome: dict[str, Any]) -> None:
    with private_file(outcome_path(data_dir, stored_path)) as handle:
        handle.write(json.dumps(outcome).encode())


def kept(data_dir: Path, stored_path: str) -> dict[str, Any] | None:
    """The outcome kept for a submission, or None (not a ``shows: public`` upload, or not run)."""
    path = outcome_path(data_dir, stored_path)
    if not stored_path or not path.is_file():
        return None
    loaded = json.loads(path.read_text(encoding="utf-8"))
    return loaded if isinstance(loaded, dict) else None
