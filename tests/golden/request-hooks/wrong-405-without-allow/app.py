import os
import string
import time
import uuid

from flask import Flask, abort, g, request

HEX = set(string.hexdigits.lower()) - set("ABCDEF")


def is_canonical(value):
    groups = value.split("-")
    return (
        len(value) == 36
        and [len(part) for part in groups] == [8, 4, 4, 4, 12]
        and all(ch in HEX for part in groups for ch in part)
    )


app = Flask(__name__)
state = {"counter": 0}


@app.before_request
def remember_request():
    g.start_ns = time.perf_counter_ns()
    sent = request.headers.get("X-Request-ID")
    g.request_id = sent if sent is not None and is_canonical(sent) else uuid.uuid4().hex
    g.request_id = str(uuid.UUID(g.request_id)) if g.request_id != sent else sent


@app.before_request
def guard_api():
    if request.path.startswith("/api/") and request.headers.get("X-API-Key") != os.getenv("API_KEY"):
        abort(401)


@app.after_request
def finish(response):
    response.headers["X-Request-ID"] = g.request_id
    response.headers["X-Response-Time-Ms"] = str((time.perf_counter_ns() - g.start_ns) // 1_000_000)
    return response


@app.errorhandler(401)
@app.errorhandler(404)
@app.errorhandler(405)
def error_json(error):
    return {"error": error.name.lower()}, error.code


@app.get("/health")
def health():
    return {"status": "ok"}


@app.get("/whoami")
def whoami():
    return {"request_id": g.request_id}


@app.get("/api/counter")
def get_counter():
    return {"value": state["counter"]}


@app.post("/api/counter")
def bump_counter():
    state["counter"] += 1
    return {"value": state["counter"]}
