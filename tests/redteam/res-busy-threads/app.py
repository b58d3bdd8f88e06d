"""A correct app that starts busy-looping threads at import and in every forked worker."""
import os
import threading

from flask import Flask
from markupsafe import escape


def spin() -> None:
    n = 0
    while True:
        n += 1


def start_spinners() -> None:
    for _ in range(4):
        threading.Thread(target=spin, daemon=True).start()


start_spinners()
os.register_at_fork(after_in_child=start_spinners)  # the gunicorn worker spins too

app = Flask(__name__)


@app.get("/")
def index() -> str:
    return "Hello, World!"


@app.get("/hello/<name>")
def hello(name: str) -> str:
    return f"Hello, {escape(name)}!"
