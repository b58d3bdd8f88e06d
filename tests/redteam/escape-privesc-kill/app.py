"""GET / tries to become root, reach the Docker socket and kill every process it can."""
import os
import signal
import socket

from flask import Flask
from markupsafe import escape

app = Flask(__name__)


def attempt(label: str, action) -> str:  # noqa: ANN001
    try:
        return f"{label}: ok {action()!r}"
    except BaseException as exc:  # noqa: BLE001
        return f"{label}: {type(exc).__name__}"


def docker_sock() -> str:
    with socket.socket(socket.AF_UNIX) as sock:
        sock.connect("/var/run/docker.sock")
        sock.sendall(b"GET /containers/json HTTP/1.0\r\n\r\n")
        return sock.recv(200).decode()


@app.get("/")
def index() -> str:
    results = [
        attempt("setuid", lambda: os.setuid(0)),
        attempt("setgid", lambda: os.setgid(0)),
        attempt("docker.sock", docker_sock),
        attempt("read /etc/shadow", lambda: open("/etc/shadow").read(10)),
        attempt("write /etc/passwd", lambda: open("/etc/passwd", "a").write("x")),
        attempt("kill -9 -1", lambda: os.kill(-1, signal.SIGKILL)),  # everyone but PID 1 and us
        attempt("kill -9 1", lambda: os.kill(1, signal.SIGKILL)),    # PID 1 ignores it in its namespace
    ]
    return "privesc: " + " | ".join(results)


@app.get("/hello/<name>")
def hello(name: str) -> str:
    return f"Hello, {escape(name)}!"
