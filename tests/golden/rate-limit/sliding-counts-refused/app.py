import math
import os
import time

from flask import Flask, Response, jsonify, request

LIMIT = int(os.environ.get("RATE_LIMIT") or 5)
WINDOW = int(os.environ.get("RATE_WINDOW") or 60)

app = Flask(__name__)
history: dict[str, list[float]] = {}


@app.route("/api/quote", methods=["GET"])
def quote() -> Response:
    who = request.headers.get("X-Client-Id") or request.remote_addr or ""
    now = time.monotonic()
    recent = [t for t in history.get(who, []) if now - t < WINDOW] + [now]
    history[who] = recent
    allowed = len(recent) <= LIMIT
    if allowed:
        response = jsonify({"quote": "Now is better than never."})
        wait = 0.0
    else:
        # allowed again once enough of the recent requests have left the window
        wait = recent[len(recent) - LIMIT] + WINDOW - now
        response = jsonify({"error": "too many requests"})
        response.status_code = 429
        response.headers["Retry-After"] = str(max(1, math.ceil(wait)))
    response.headers["X-RateLimit-Limit"] = str(LIMIT)
    response.headers["X-RateLimit-Remaining"] = str(max(0, LIMIT - len(recent)))
    response.headers["X-RateLimit-Reset"] = str(math.ceil(wait))
    return response


@app.route("/health", methods=["GET"])
def health() -> Response:
    return jsonify({"status": "ok"})
