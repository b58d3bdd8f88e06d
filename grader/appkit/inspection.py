"""The trusted half of inspection: run the inspector, read its one message.

Used by the launcher in the candidate's container (docker mode) and by the
runner (local mode). The inspector is a process of its own, and it writes
exactly one :mod:`grader.protocol` message on a private pipe. It is either
forked from the caller (``fork=True``: the launcher, which has imported
Flask and the inspector before any candidate code; see :mod:`.fork`) or
started by path with ``python -I`` so that nothing in the submission can
shadow it. This
side enforces the start deadline on the whole inspection, reads at most
:data:`~grader.protocol.MAX_MESSAGE_BYTES`, and refuses a channel that
carries anything but one message.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from ..protocol import AppFailure, Facts, FailureKind, ProtocolError, load
from .fork import ForkedProcess, fork_child

INSPECTOR = Path(__file__).resolve().with_name("inspector.py")
#: How long the inspector may take to exit once its message is written.
EXIT_GRACE_SECONDS = 2.0


def launch_command(script: Path, *args: str) -> list[str]:
    """``python -I SCRIPT ARGS``: isolated mode, so no path from the submission is searched first."""
    return [sys.executable, "-I", "-B", "-u", str(script), *args]


def inspect_submission(
    directory: str,
    timeout: float,
    *,
    output: int | None = None,
    env: dict[str, str] | None = None,
    fork: bool = False,
) -> Facts | AppFailure:
    """Import the app in a separate process and return its facts, or why it failed.

    ``output`` is where the candidate's own prints go (an fd; inherited by default).
    """
    read_end, write_end = os.pipe()
    deadline = time.monotonic() + timeout
    try:
        proc: subprocess.Popen[bytes] | ForkedProcess
        if fork:
            proc = _forked(directory, write_end, output, env)
        else:
            proc = subprocess.Popen(
                launch_command(INSPECTOR, directory, "--channel", str(write_end)),
                pass_fds=(write_end,),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=output,
                cwd=directory,
                env=env,
                start_new_session=True,
            )
    finally:
        os.close(write_end)
    try:
        return _receive(read_end, proc, deadline, timeout)
    finally:
        os.close(read_end)
        _kill_group(proc)


#: The inspection channel's number in a forked inspector.
_CHANNEL_FD = 3


def _forked(directory: str, channel: int, output: int | None, env: dict[str, str] | None) -> ForkedProcess:
    """The inspector as a child of this process, in a session of its own, with only its fds."""
    from . import inspector

    out = 1 if output is None else output
    null = os.open(os.devnull, os.O_RDONLY)
    try:
        return fork_child(
            lambda: as_script(inspector.main, str(INSPECTOR), [directory, "--channel", str(_CHANNEL_FD)]),
            fds={0: null, 1: out, 2: out if output is not None else 2, _CHANNEL_FD: channel},
            cwd=directory,
            env=dict(os.environ if env is None else env),
            new_session=True,
        )
    finally:
        os.close(null)


def as_script(main: Callable[[list[str]], int], script: str, args: list[str]) -> int:
    """Run ``main`` with ``sys.argv`` as the script started by path would have it (the app may look)."""
    sys.argv = [script, *args]
    return main(args)


def _receive(
    fd: int, proc: subprocess.Popen[bytes] | ForkedProcess, deadline: float, timeout: float
) -> Facts | AppFailure:
    buffer = b""
    while b"\n" not in buffer:
        left = deadline - time.monotonic()
        if left <= 0:
            return AppFailure(
                FailureKind.START_TIMEOUT,
                f"the app did not start listening within {timeout:g} s (it was still loading)",
            )
        ready, _, _ = select.select([fd], [], [], min(left, 0.1))
        if not ready:
            continue
        chunk = os.read(fd, 65536)
        if not chunk:
            return _ended(proc, max(0.0, deadline - time.monotonic()))
        buffer += chunk
        if len(buffer) > 1024 * 1024:
            return AppFailure(FailureKind.TAMPERED, "the app wrote into the grader's inspection channel")
    line, _, rest = buffer.partition(b"\n")
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=EXIT_GRACE_SECONDS)
    if rest or _more(fd):
        return AppFailure(FailureKind.TAMPERED, "the app wrote into the grader's inspection channel")
    try:
        message = load(line, Facts, AppFailure)
    except ProtocolError as exc:
        return AppFailure(
            FailureKind.TAMPERED, f"the grader's inspection channel carried a bad message ({exc})"
        )
    assert isinstance(message, Facts | AppFailure)
    return message


def _more(fd: int) -> bool:
    ready, _, _ = select.select([fd], [], [], 0)
    return bool(ready) and bool(os.read(fd, 1))


def _ended(proc: subprocess.Popen[bytes] | ForkedProcess, left: float) -> AppFailure:
    """The channel closed with no message: the app's code ended the process while loading."""
    try:
        code = proc.wait(timeout=min(left, EXIT_GRACE_SECONDS))
    except subprocess.TimeoutExpired:
        code = None
    if code is not None and code < 0:
        how = f"was killed by signal {-code} ({_signal_name(-code)})"
    elif code is not None:
        how = f"exited with code {code}"
    else:
        how = "closed the grader's channel"
    return AppFailure(
        FailureKind.STOPPED, f"the app's process {how} while loading, before it could be inspected"
    )


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return "unknown"


def _kill_group(proc: subprocess.Popen[bytes] | ForkedProcess) -> None:
    """The inspector and anything it spawned are gone once inspection is over."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)
