"""A fork server for the local sandbox: one warm Python that forks each run's test runner.

Starting ``python -m grader.testkit.runner`` costs about 0.15 s of interpreter
start-up and pytest/Flask imports before any test, on every run. The zygote
(the pattern of multiprocessing's ``forkserver`` and Android's zygote) pays it
once per grader process: it starts like that runner would (same interpreter,
same base environment, so the same ``sys.flags``, locale and bytecode
setting), imports what the runner imports *before* it loads a submission
(``zygote_server.PRELOAD``), then forks one child per run. The child becomes
the runner (``runpy``, as ``-m`` does) in its own session, with the run's
stdout/stderr, working folder, environment and ``sys.argv``, and with no
other descriptor of the zygote's. This module is the grader's side; the
zygote's program is :mod:`.zygote_server`. Standard library only.

Where a forked runner differs from a fresh one, and why no verdict moves:

* ``sys.modules`` holds ``PRELOAD`` already; the runner imports all of it
  before the submission's code runs, so that code meets the same modules
  (``tests/test_sandbox_zygote.py`` compares the sets) and can shadow no
  more and no fewer names. Not preloaded: gunicorn and ``appkit.introspect``,
  which only the runner's own subprocesses (inspector, launcher) import.
* The string hash seed is the zygote's, shared by its children: random
  either way. ``random`` reseeds after a fork (CPython 3.7+), as do
  ``tempfile``'s names and ``threading``; ``time.tzset()`` and
  ``tempfile.tempdir`` are redone for the run's environment.
* Resource limits and umask are the grader's when the zygote started.
* Preloaded modules saw the zygote's environment (the base one, without the
  challenge's ``[env]``) on import; only pytest's ``_argcomplete`` reads one
  then (``_ARGCOMPLETE``).
* A child ends as a fresh runner does: the runner itself ends with
  ``os._exit`` once its report is out (a submission's threads and ``atexit``
  hooks never hold a run); should it end otherwise (a usage error), the
  child does what an interpreter's exit does that can be seen (non-daemon
  threads joined, ``atexit``, output flushed), not the teardown of every
  module.

The zygote lives as long as its grader process: it exits on end-of-file on its
socket, which comes when the grader closes it (at exit) or dies, SIGKILL
included, since the kernel closes a dead process's descriptors. (Not
``PR_SET_PDEATHSIG``: that fires when the *thread* that started it ends, and
any batch worker thread may be the first to run.) On that end-of-file it
SIGKILLs the process groups of the runs still under way, whose grader is gone.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading

from . import zygote_server
from .zygote_server import MAX_MESSAGE, RUNNER_MODULE, kill_group

#: How the zygote starts: ``zygote_server.py`` run as ``__main__`` by path, so that nothing but its
#: ``PRELOAD`` (not even ``grader.sandbox``) is imported in it.
_BOOT = "import runpy, sys; runpy.run_path(sys.argv.pop(1), run_name='__main__')"
START_TIMEOUT = 30.0
SPAWN_TIMEOUT = 30.0


class ZygoteUnavailable(Exception):
    """The fork server could not be started, or has died: run in a fresh Python instead."""


class ZygoteProcess:
    """A runner forked by the zygote: the part of ``subprocess.Popen`` the local sandbox uses."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self._ended = threading.Event()

    def wait(self, timeout: float | None = None) -> int:
        """The exit code (negative: killed by that signal), as ``Popen.wait``."""
        if not self._ended.wait(timeout):
            raise subprocess.TimeoutExpired(RUNNER_MODULE, timeout or 0.0)
        if self.returncode is None:
            raise ZygoteUnavailable("the fork server ended during the run")
        return self.returncode

    def _end(self, code: int | None) -> None:
        self.returncode = code
        self._ended.set()


class _Pending:
    """A spawn request waiting for its pid (or the reason there is none)."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.proc: ZygoteProcess | None = None
        self.error = "the fork server ended"


class Zygote:
    """The grader's side of one fork server; safe to use from many threads at once.

    Requests carry an id and are answered with the id and the child's pid; exit
    codes come later, by pid. One reader thread delivers both.
    """

    def __init__(self, env: dict[str, str]) -> None:
        self._lock = threading.Lock()
        self._ids = itertools.count()
        self._pending: dict[int, _Pending] = {}
        self._running: dict[int, ZygoteProcess] = {}
        self._dead = False
        if not hasattr(os, "pidfd_open"):
            raise ZygoteUnavailable("the fork server needs Linux (pidfd_open)")
        try:
            ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        except OSError as exc:
            raise ZygoteUnavailable(f"no socket for the fork server: {exc}") from None
        home = tempfile.mkdtemp(prefix="grader-zygote-")  # empty, as a fresh runner's HOME is
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-c", _BOOT, zygote_server.__file__, str(theirs.fileno())],
                pass_fds=(theirs.fileno(),),
                env={**env, "HOME": home},
                cwd=home,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # a terminal's Ctrl-C is the grader's to handle
            )
        except OSError as exc:
            ours.close()
            shutil.rmtree(home, ignore_errors=True)
            raise ZygoteUnavailable(f"the fork server did not start: {exc}") from None
        finally:
            theirs.close()
        try:
            ours.settimeout(START_TIMEOUT)
            ready = ours.recv(64) == b"ready"
            ours.settimeout(None)
        except OSError:
            ready = False
        finally:
            shutil.rmtree(home, ignore_errors=True)
        if not ready:
            ours.close()
            self._proc.kill()
            self._reap()
            raise ZygoteUnavailable("the fork server did not get ready")
        self._sock = ours
        threading.Thread(target=self._read, name="zygote-reader", daemon=True).start()

    @property
    def alive(self) -> bool:
        return not self._dead

    def spawn(self, argv: list[str], env: dict[str, str], cwd: str, output: int) -> ZygoteProcess:
        """Fork a runner for ``argv`` with ``output`` as its stdout and stderr; answers at once."""
        pending = _Pending()
        with self._lock:
            if self._dead:
                raise ZygoteUnavailable("the fork server has ended")
            ident = next(self._ids)
            self._pending[ident] = pending
            message = json.dumps({"id": ident, "argv": argv, "env": env, "cwd": cwd}).encode()
            try:
                socket.send_fds(self._sock, [message], [output], socket.MSG_NOSIGNAL)
            except OSError as exc:
                del self._pending[ident]
                raise ZygoteUnavailable(f"the fork server is unreachable: {exc}") from None
        if not pending.done.wait(SPAWN_TIMEOUT):
            with self._lock:
                self._pending.pop(ident, None)
            raise ZygoteUnavailable("the fork server did not answer")
        if pending.proc is None:
            raise ZygoteUnavailable(pending.error)
        return pending.proc

    def _read(self) -> None:
        """Deliver each answer: a pid to its request, an exit code to its process."""
        try:
            while message := self._sock.recv(MAX_MESSAGE):
                answer = json.loads(message)
                with self._lock:
                    if "exited" in answer:
                        ended = self._running.pop(answer["exited"], None)
                        if ended is not None:
                            ended._end(answer["code"])
                        continue
                    pending = self._pending.pop(answer["id"], None)
                    proc = None
                    if "pid" in answer:
                        proc = self._running[answer["pid"]] = ZygoteProcess(answer["pid"])
                        if pending is None:  # its requester gave up waiting: nobody will run it
                            kill_group(proc.pid)
                    if pending is not None:
                        pending.proc, pending.error = proc, answer.get("error", "")
                        pending.done.set()
        except (OSError, ValueError, KeyError):
            pass
        finally:
            self._end()

    def _end(self) -> None:
        """The zygote is gone: fail every request and run waiting on it, reap it."""
        with self._lock:
            self._dead = True
            for pending in self._pending.values():
                pending.done.set()
            for proc in self._running.values():
                proc._end(None)
            self._pending.clear()
            self._running.clear()
            self._sock.close()
        self._reap()

    def _reap(self) -> None:
        try:
            self._proc.wait(timeout=5.0)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait(timeout=5.0)

    @property
    def pid(self) -> int:
        return self._proc.pid

    def close(self) -> None:
        """End the zygote (end-of-file on its socket) and reap it."""
        with self._lock:
            self._dead = True
            with contextlib.suppress(OSError):
                self._sock.shutdown(socket.SHUT_RDWR)
        self._reap()


_Key = tuple[tuple[str, str], ...]
_zygotes: dict[_Key, Zygote] = {}
_failed: set[_Key] = set()
_zygotes_lock = threading.Lock()


def shared_zygote(env: dict[str, str]) -> Zygote:
    """This process's zygote for the base environment ``env``: started on first use, again if it died.

    Raises :class:`ZygoteUnavailable` if it cannot start (and then never tries again for ``env``).
    """
    key = tuple(sorted(env.items()))
    with _zygotes_lock:
        zygote = _zygotes.get(key)
        if zygote is not None and zygote.alive:
            return zygote
        if key in _failed:
            raise ZygoteUnavailable("the fork server could not start earlier")
        try:
            _zygotes[key] = zygote = Zygote(env)
        except ZygoteUnavailable:
            _failed.add(key)
            raise
        return zygote


def _close_all() -> None:
    for zygote in list(_zygotes.values()):
        zygote.close()


def _forget_all() -> None:
    """In a process forked from the grader: close its copies of the sockets (those zygotes are not its)."""
    global _zygotes_lock
    _zygotes_lock = threading.Lock()
    for zygote in _zygotes.values():
        zygote._sock.close()
    _zygotes.clear()


atexit.register(_close_all)
os.register_at_fork(after_in_child=_forget_all)
