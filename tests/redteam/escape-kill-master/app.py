"""Correct, except that GET / asks PID 1 (gunicorn's master) to shut down, then stalls.

The stall outlasts gunicorn's graceful timeout (3 s) and the test's own limit
(5 s), so the outcome does not depend on timing: GET / is never answered and
nothing is served afterwards.
"""

import os
import signal
import time

from flask import Flask
from markupsafe import escape

app = Flask(__name__)


@app.get("/")
def index() -> str:
    os.kill(1, signal.SIGTERM)
    os.kill(os.getppid(), signal.SIGINT)
    time.sleep(6)
    return "Hello, World!"


@app.get("/hello/<name>")
def hello(name: str) -> str:
    return f"Hello, {escape(name)}!"
