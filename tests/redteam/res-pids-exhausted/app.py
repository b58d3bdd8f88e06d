"""Forks sleeping children at import until the pids limit refuses, then defines a correct app.

The children hold every process slot, so gunicorn has none left for its
worker or its threads.
"""
import os
import time

from flask import Flask
from markupsafe import escape

children = 0
while True:
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        while True:
            time.sleep(3600)
    children += 1
print(f"forked {children} sleeping children", flush=True)

app = Flask(__name__)


@app.get("/")
def index() -> str:
    return "Hello, World!"


@app.get("/hello/<name>")
def hello(name: str) -> str:
    return f"Hello, {escape(name)}!"
