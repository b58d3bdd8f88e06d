"""The zygote's program: preload the runner's imports, then fork a runner per request.

Run by path (``zygote.py`` starts it), so that nothing but :data:`PRELOAD` is
imported in it, not even ``grader.sandbox``; standard library only. The
grader's side, and how a forked runner compares with a fresh one, are in
:mod:`grader.sandbox.zygote`.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import runpy
import select
import signal
import socket
import sys
import tempfile
import threading
import time
import traceback

#: What the runner imports before it loads the submission (``_local_target`` in local mode).
PRELOAD = (
    "argparse",
    "pytest",
    "flask.cli",
    "grader.protocol",
    "grader.appkit.inspection",
    "grader.appkit.loader",
    "grader.testkit.client",
    "grader.testkit.instances",
    "grader.testkit.plugin",
)
RUNNER_MODULE = "grader.testkit.runner"
#: The largest request or answer read (a run's argv and environment are a few KiB).
MAX_MESSAGE = 256 * 1024


def kill_group(pid: int) -> None:
    """SIGKILL a run's process group (its leader's pid), if it is still there."""
    with contextlib.suppress(OSError):
        os.killpg(pid, signal.SIGKILL)


def serve(fd: int) -> None:
    """Preload, say ready, then fork runners until end-of-file, reaping each through its pidfd."""
    sock = socket.socket(fileno=fd)
    for name in PRELOAD:
        __import__(name)
    os.close(os.pidfd_open(os.getpid()))  # a kernel without pidfds (before 5.3): not ready, never used
    sock.send(b"ready")
    children: dict[int, int] = {}  # pidfd -> pid
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    try:
        while True:
            for ready, _ in poller.poll():
                if ready != sock.fileno():
                    pid = children.pop(ready)
                    poller.unregister(ready)
                    os.close(ready)
                    _, status = os.waitpid(pid, 0)
                    sock.send(json.dumps({"exited": pid, "code": os.waitstatus_to_exitcode(status)}).encode())
                    continue
                message, fds, _, _ = socket.recv_fds(sock, MAX_MESSAGE, 4)
                if not message:
                    return
                request = json.loads(message)
                try:
                    pid = _fork(request, fds[0])
                    pidfd = _pidfd(pid)
                except OSError as exc:
                    sock.send(json.dumps({"id": request["id"], "error": f"fork failed: {exc}"}).encode())
                    continue
                finally:
                    for received in fds:
                        os.close(received)
                children[pidfd] = pid
                poller.register(pidfd, select.POLLIN)
                sock.send(json.dumps({"id": request["id"], "pid": pid}).encode())
    finally:  # the grader is gone (or closed us): nobody waits for these runs
        for pid in children.values():
            kill_group(pid)


def _pidfd(pid: int) -> int:
    """A descriptor that polls readable when ``pid`` ends; without one the child is ended at once."""
    try:
        return os.pidfd_open(pid)
    except OSError:
        kill_group(pid)
        os.waitpid(pid, 0)
        raise


def _fork(request: dict[str, object], output: int) -> int:
    """Fork the runner's process: its own session, ``output`` as stdout/stderr, no other fd of ours.

    Signal handlers are left as they are: the zygote installs none, so they are
    a fresh interpreter's (SIGINT raises KeyboardInterrupt, SIGPIPE ignored),
    which SIG_DFL everywhere would not be.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        return pid
    code = 70  # EX_SOFTWARE: the child failed before the runner started
    try:
        os.setsid()
        os.dup2(output, 1)
        os.dup2(output, 2)
        os.closerange(3, os.sysconf("SC_OPEN_MAX"))
        code = _become_runner(request)
    finally:
        os._exit(code)


def _become_runner(request: dict[str, object]) -> int:
    """What ``python -m grader.testkit.runner ARGV`` does, interpreter exit included."""
    cwd, env, argv = request["cwd"], request["env"], request["argv"]
    assert isinstance(cwd, str) and isinstance(env, dict) and isinstance(argv, list)
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    time.tzset()
    tempfile.tempdir = None
    sys.path[0] = cwd  # ``-m`` puts the working folder first
    sys.argv = [RUNNER_MODULE, *argv]
    try:
        runpy.run_module(RUNNER_MODULE, run_name="__main__", alter_sys=True)
        code = 0
    except SystemExit as exc:
        code = _exit_code(exc.code)
    except BaseException:  # noqa: BLE001 - as the interpreter does: print it, exit 1
        traceback.print_exc()
        code = 1
    shutdown = getattr(threading, "_shutdown", None)
    if shutdown is not None:
        shutdown()  # an interpreter waits for non-daemon threads at exit: so does this child
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    return code


def _exit_code(code: object) -> int:
    """``SystemExit.code`` as the interpreter turns it into an exit status."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


if __name__ == "__main__":
    serve(int(sys.argv[1]))
    os._exit(0)  # nothing to flush: skip tearing down pytest and Flask (the grader waits for this exit)
