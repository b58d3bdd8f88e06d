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


def bound_socket(port: int = 0) -> socket.socket:
    """A TCP socket bound to ``127.0.0.1:port`` (0: any free port), not listening yet."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError:
        sock.close()
        raise
    return sock


def port_of(sock: socket.socket) -> int:
    return int(sock.getsockname()[1])
