"""Serves back what its symlinks (secret.txt -> /etc/passwd, hostetc -> /etc) reach."""
import os

from flask import Flask
from markupsafe import escape

app = Flask(__name__)


def peek(path: str) -> str:
    if os.path.islink(path):
        return f"{path}=link"
    if os.path.isdir(path):
        return f"{path}=dir:{sorted(os.listdir(path))[:5]}"
    if os.path.isfile(path):
        with open(path, encoding="utf-8", errors="replace") as handle:
            return f"{path}=file:{handle.read(80)!r}"
    return f"{path}=missing"


@app.get("/")
def index() -> str:
    return "leak check: " + ", ".join(peek(p) for p in ("secret.txt", "hostetc"))


@app.get("/hello/<name>")
def hello(name: str) -> str:
    return f"Hello, {escape(name)}!"
