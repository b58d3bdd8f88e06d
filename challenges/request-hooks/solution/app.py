import hmac
import os
import re
import threading
import time
import uuid

from flask import Flask, g, request

CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

app = Flask(__name__)

_counter = 0
_lock = threading.Lock()


@app.before_request
def start_request():
    """Runs first: the id and the clock exist for every response, the 401 included."""
    g.started = time.perf_counter_ns()
    sent = request.headers.get("X-Request-ID", "")
    g.request_id = sent if CANONICAL_UUID.fullmatch(sent) else str(uuid.uuid4())


@app.before_request
def check_api_key():
    """Before-request hooks run before routing errors are raised, so unknown /api/ paths get 401 too."""
    if request.path.startswith("/api/"):
        given = request.headers.get("X-API-Key", "")
        if not hmac.compare_digest(given.encode(), os.environ["API_KEY"].encode()):
            return {"error": "a valid X-API-Key header is required"}, 401
    return None


@app.after_request
def add_headers(response):
    response.headers["X-Request-ID"] = g.request_id
    elapsed_ms = (time.perf_counter_ns() - g.started) / 1_000_000
    response.headers["X-Response-Time-Ms"] = f"{elapsed_ms:.3f}"
    return response


@app.errorhandler(404)
def not_found(error):
    return {"error": "not found"}, 404


@app.errorhandler(405)
def method_not_allowed(error):
    # The Allow header stays (get_headers() also holds an HTML Content-Type, not kept).
    allow = [(name, value) for name, value in error.get_headers() if name == "Allow"]
    return {"error": "method not allowed"}, 405, allow


@app.get("/health")
def health():
    return {"status": "ok"}


@app.get("/whoami")
def whoami():
    return {"request_id": g.request_id}


@app.get("/api/counter")
def read_counter():
    return {"value": _counter}


@app.route("/api/counter", methods=["POST"])
def increment_counter():
    global _counter
    with _lock:
        _counter += 1
        return {"value": _counter}
