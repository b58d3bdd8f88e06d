"""Children forked from a process that has Flask and gunicorn imported already.

Starting the inspector and the server as new Pythons (``python -I ...``)
costs each of them the interpreter's start and the import of Flask,
Werkzeug and gunicorn, before the candidate's code is even read: about a
third of a second of one grading, repeated for every submission. The
launcher imports all of that once (before the submission arrives, when the
container is pooled) and forks a child for each job instead, as
multiprocessing's ``forkserver`` and Android's zygote do.

What a child gets, before any candidate code runs:

* only the file descriptors it is given: every other one inherited from the
  launcher (the control port's socket, a runner's connection being served)
  is pointed at ``/dev/null``, so the candidate's code can neither read nor
  answer on the grader's channels;
* a process group of its own when asked (the inspector: killed as a group);
* default signal dispositions, its working folder and its environment;
* a dumpable process again (the launcher made itself non-dumpable; the
  child is the candidate's process, as an ``exec``-ed one would be).

The child never returns into the launcher's code: it ends with ``os._exit``.
Standard library only: this runs in the candidate's container.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable, Mapping

_PR_SET_DUMPABLE = 4
#: Signals the launcher handles itself; a child starts with the defaults.
_RESET_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGUSR1, signal.SIGCHLD, signal.SIGALRM)


class ForkedProcess:
    """The parent's handle on a forked child, with the part of ``subprocess.Popen`` the launcher uses.

    Thread-safe as Popen is: one thread may block in :meth:`wait` while
    another polls (the launcher's main thread waits for the server that a
    control thread restarts); only the lock holder reaps.
    """

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self._lock = threading.Lock()

    def _reap(self, flags: int) -> None:
        try:
            pid, status = os.waitpid(self.pid, flags)
        except ChildProcessError:  # reaped elsewhere (SIGCHLD ignored): the status is lost
            self.returncode = 255
            return
        if pid:
            self.returncode = os.waitstatus_to_exitcode(status)

    def poll(self) -> int | None:
        if self.returncode is None and self._lock.acquire(blocking=False):
            try:
                if self.returncode is None:
                    self._reap(os.WNOHANG)
            finally:
                self._lock.release()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the child's end; ``timeout`` (seconds) raises ``subprocess.TimeoutExpired``, as Popen."""
        if timeout is None:
            with self._lock:
                if self.returncode is None:
                    self._reap(0)
            assert self.returncode is not None
            return self.returncode
        deadline = time.monotonic() + timeout
        while self.poll() is None:
            if time.monotonic() >= deadline:
                raise subprocess.TimeoutExpired(f"pid {self.pid}", timeout)
            time.sleep(0.005)
        assert self.returncode is not None
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


def _only_fds(keep: Mapping[int, int]) -> None:
    """Put each ``keep`` source fd at its target number; point every other fd above 2 at /dev/null.

    Pointing rather than closing: a Python object of the launcher's that still
    holds such a number (a socket) can then never close a file the
    candidate's code opened later under the same number.
    """
    staged = {target: os.dup(source) for target, source in keep.items()}
    for target, copy in staged.items():
        os.dup2(copy, target)
        os.close(copy)
    null = os.open(os.devnull, os.O_RDWR)
    wanted = set(keep) | {0, 1, 2, null}
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd not in wanted:
            try:
                os.dup2(null, fd)
            except OSError:  # the listing's own descriptor, closed by now
                continue
    os.close(null)


def _dumpable() -> None:
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_DUMPABLE, 1, 0, 0, 0)
    except (OSError, AttributeError):
        return


def fork_child(
    job: Callable[[], int],
    *,
    fds: Mapping[int, int],
    cwd: str,
    env: Mapping[str, str],
    new_session: bool,
) -> ForkedProcess:
    """Fork; the child runs ``job()`` with only ``fds`` (target -> source), ``cwd`` and ``env``.

    ``fds`` must map 0, 1 and 2 (and any channel) to the parent's descriptors.
    The child's exit status is ``job``'s return value, 1 if it raised.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        return ForkedProcess(pid)
    code = 1
    try:
        if new_session:
            os.setsid()
        for signum in _RESET_SIGNALS:
            signal.signal(signum, signal.SIG_DFL)
        _only_fds(fds)
        _dumpable()
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(env)
        code = job()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # noqa: BLE001 - a child never unwinds into the launcher's stack
        traceback.print_exc()
        code = 1
    finally:
        os._exit(code)
