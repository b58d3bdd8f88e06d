"""Id and timing in a WSGI middleware around Flask; the key check is a Flask hook."""

import os
import re
import time
import uuid

from flask import Flask, request

UUID_RE = re.compile(r"^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$")


class RequestIdMiddleware:
    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        sent = environ.get("HTTP_X_REQUEST_ID", "")
        request_id = sent if UUID_RE.match(sent) and len(sent) == 36 else str(uuid.uuid4())
        environ["request_id"] = request_id

        def stamped_start_response(status, headers, exc_info=None):
            headers = [(k, v) for k, v in headers if k.lower() not in ("x-request-id", "x-response-time-ms")]
            headers.append(("X-Request-ID", request_id))
            headers.append(("X-Response-Time-Ms", "%.2f" % ((time.perf_counter() - started) * 1000)))
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, stamped_start_response)


app = Flask(__name__)
app.wsgi_app = RequestIdMiddleware(app.wsgi_app)
counter = [0]


@app.before_request
def require_key():
    if request.path.startswith("/api/") and request.headers.get("X-API-Key", "") != os.environ.get("API_KEY"):
        return {"error": "missing or wrong X-API-Key"}, 401


@app.errorhandler(404)
def not_found(e):
    return {"error": "not found"}, 404


@app.errorhandler(405)
def not_allowed(e):
    return {"error": "method not allowed"}, 405, dict(e.get_headers()) | {"Content-Type": "application/json"}


@app.route("/health")
def health():
    return {"status": "ok"}


@app.route("/whoami")
def whoami():
    return {"request_id": request.environ["request_id"]}


@app.route("/api/counter", methods=["GET", "POST"])
def counter_view():
    if request.method == "POST":
        counter[0] += 1
    return {"value": counter[0]}
