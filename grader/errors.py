"""Every error the grader raises on purpose, under one root.

::

    GraderError                      (exit 3 unless a subclass says otherwise)
    ├── UsageError                   exit 2: the caller asked for something wrong
    │   ├── UnknownChallenge
    │   ├── SubmissionNotFound
    │   ├── InvalidSubmission        empty folder, not an archive, unsafe archive
    │   └── InvalidResult            a saved result file is unreadable or damaged
    ├── Cancelled                    exit 130: Sandbox.cancel() stopped the run (Ctrl-C in a batch)
    ├── ServiceRefused               exit 4: the hiring team's service refused (`grader start --invite`,
    │                                `grader submit`): invitation unknown, revoked or closed, submissions used
    └── InfrastructureError          exit 3: the grader itself could not run
        ├── DockerUnavailable        Docker not installed or the daemon is down
        ├── ImageMissing             the sandbox image was never built
        ├── ImageBuildError
        ├── ChallengeError           a challenge folder is broken (the author's bug)
        └── ServiceUnreachable       the hiring team's service did not answer

A submission that *can* be graded but has no app, fails to import or never
starts is not an error here: it yields a result with status ``error``.
Each class knows its exit code, so ``cli.py`` only maps errors to exits.
"""

from __future__ import annotations

#: The exit code of an interrupted command (Ctrl-C, SIGTERM): the shell's code for SIGINT.
EXIT_INTERRUPTED = 130


class GraderError(Exception):
    """Root of the hierarchy; ``str(err)`` is one line meant for a person."""

    exit_code = 3

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def format(self) -> str:
        """The one line printed by the CLI: what is wrong and what to do."""
        return f"{self.message}: {self.hint}" if self.hint else self.message


class UsageError(GraderError):
    """Bad usage or bad input."""

    exit_code = 2


class UnknownChallenge(UsageError):
    """No challenge has that id."""


class SubmissionNotFound(UsageError):
    """The submission path does not exist."""


class InvalidSubmission(UsageError):
    """The submission exists but cannot be used as one."""


class InvalidResult(UsageError):
    """A result file given to ``grader render`` is not a grader result."""


class Cancelled(GraderError):
    """A run stopped by :meth:`Sandbox.cancel`: no verdict, and nothing to retry or cache."""

    exit_code = EXIT_INTERRUPTED

    def __init__(self, message: str = "the run was cancelled", *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)


class ServiceRefused(GraderError):
    """The hiring team's service answered no: the message is the service's own one line."""

    exit_code = 4


class InfrastructureError(GraderError):
    """Something the grader depends on is not there or not working."""

    exit_code = 3


class DockerUnavailable(InfrastructureError):
    """No Docker engine can be reached."""


class ImageMissing(InfrastructureError):
    """The sandbox image has not been built on this host."""


class ImageBuildError(InfrastructureError):
    """Building the sandbox image failed."""


class ChallengeError(InfrastructureError):
    """A challenge folder or manifest is invalid."""


class ServiceUnreachable(InfrastructureError):
    """The hiring team's service could not be reached, or answered something that is not the service."""
