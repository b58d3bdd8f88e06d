"""Free loopback ports, for the launcher's extra instances and the local test side.

A module of its own (standard library only, mounted beside the launcher) so
that the test side does not import the app container's entry script.
"""

from __future__ import annotations

import socket


def free_port() -> int:
    """A port nothing listens on now (local mode shares the host's loopback with everything else)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
