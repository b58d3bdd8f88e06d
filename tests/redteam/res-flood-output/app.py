"""A correct app that floods stdout and stderr from threads (master and worker)."""
import os
import sys
import threading

from flask import Flask
from markupsafe import escape

LINE = "GRADER-REPORT " + "A" * 1000 + "\n"


def flood(stream) -> None:
    while True:
        try:
            stream.write(LINE)
        except Exception:  # noqa: BLE001
            pass


def start() -> None:
    for stream in (sys.stdout, sys.stderr):
        threading.Thread(target=flood, args=(stream,), daemon=True).start()


start()
os.register_at_fork(after_in_child=start)

app = Flask(__name__)


@app.get("/")
def index() -> str:
    return "Hello, World!"


@app.get("/hello/<name>")
def hello(name: str) -> str:
    return f"Hello, {escape(name)}!"
