"""Loopback ports held from the moment they are chosen until the run ends.

A module of its own (standard library only, mounted beside the launcher) so
that the test side does not import the app container's entry script.

Local mode shares the host's loopback with everything else: a port looked
up as free and bound later can be taken in between (by another local
grading's app, or as the local end of any outgoing connection), and the
tests would then talk to whatever holds it. So a port is never looked up:
a socket is bound (port 0 picks one) and that socket is what serves it,
passed by descriptor to the launcher and on to gunicorn (``fd://``), which
makes it listen. Bound but not yet listening, it refuses connections and
keeps the port this run's.
"""

from __future__ import annotations

import socket
import time

#: How often :func:`wait_free` tries the port.
FREE_POLL_SECONDS = 0.02


def bound_socket(port: int = 0) -> socket.socket:
    """A TCP socket bound to ``127.0.0.1:port`` (0: any free port), not listening yet.

    A fixed port (the control port, in a container's loopback of its own)
    is bound with ``SO_REUSEADDR``, as servers bind theirs (gunicorn does):
    the connections of the previous app that joined the same kept runner's
    loopback (:mod:`grader.sandbox.kept`) may linger in ``TIME_WAIT``, which
    would refuse the bind, while a port another socket still listens on is
    refused all the same. Port 0 (local mode) goes without: there, two
    sockets that both asked for it could be given one port.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        if port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
    except OSError:
        sock.close()
        raise
    return sock


def port_of(sock: socket.socket) -> int:
    return int(sock.getsockname()[1])


def wait_free(port: int, timeout: float) -> bool:
    """Wait until no socket listens on ``127.0.0.1:port`` (a bind succeeds); False if none did in time.

    A server that ended may leave processes that still hold its listening
    socket: gunicorn's master SIGKILLs workers that outlive its graceful
    timeout and exits without waiting for them, and a process the app
    forked inherits the socket too. While one holds it, connections are
    queued there and reset when it goes, so a server started in its place
    (a restart) must not be announced before the port is free.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            bound_socket(port).close()
            return True
        except OSError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(FREE_POLL_SECONDS)
