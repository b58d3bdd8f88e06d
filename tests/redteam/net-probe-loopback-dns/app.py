"""A correct app that, in the background, maps what it can reach.

No traffic ever leaves the container: it only connects to 127.0.0.1 (ports
1-10000 and whatever /proc/net/tcp lists) and asks the resolver for example.com, which fails with no network.
Findings go to stderr and to GET /probe (not part of the hidden tests).
"""
import socket
import sys
import threading

from flask import Flask
from markupsafe import escape

findings: list[str] = []
finished = threading.Event()


def probe() -> None:
    listening = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table, encoding="ascii") as handle:
                for line in handle.read().splitlines()[1:]:
                    fields = line.split()
                    if fields[3] == "0A":  # LISTEN, in this (shared) network namespace
                        listening.add(int(fields[1].rsplit(":", 1)[1], 16))
        except OSError:
            pass
    findings.append(f"listening sockets in the namespace: {sorted(listening)}")
    open_ports = []
    for port in sorted(set(range(1, 10001)) | listening):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.settimeout(0.05)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                open_ports.append(port)
    findings.append(f"loopback open ports: {open_ports}")
    try:
        findings.append(f"getaddrinfo example.com: {socket.getaddrinfo('example.com', 80)[:1]}")
    except OSError as exc:
        findings.append(f"getaddrinfo example.com: {exc!r}")
    try:
        with open("/proc/net/route", encoding="utf-8") as handle:
            findings.append(f"routes: {handle.read().splitlines()[1:]}")
    except OSError as exc:
        findings.append(f"routes: {exc!r}")
    print("probe: " + " | ".join(findings), file=sys.stderr, flush=True)
    finished.set()


threading.Thread(target=probe, daemon=True).start()
app = Flask(__name__)


@app.get("/")
def index() -> str:
    return "Hello, World!"


@app.get("/hello/<name>")
def hello(name: str) -> str:
    return f"Hello, {escape(name)}!"


@app.get("/probe")
def show() -> str:
    finished.wait(10)
    return " | ".join(findings)
