"""Every request, on any path and method, blocks forever.

Aimed at json-post (17+ hidden tests): 5 s per test adds up past the
whole-run limit (60 s; 20 s in the test's copy of json-post, see expected.toml),
so the host's deadline, not the per-test one, ends the run.
"""
import threading

from flask import Flask

app = Flask(__name__)
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


@app.route("/", methods=METHODS)
@app.route("/<path:anything>", methods=METHODS)
def everything(anything: str = "") -> str:
    threading.Event().wait()
    return ""
