"""A limiter in before_request that counts every request except /health, unknown URLs included."""

import math
import os
import threading
import time

from flask import Flask, g, request

app = Flask(__name__)

LIMIT = int(os.environ.get("RATE_LIMIT", "5"))
WINDOW = int(os.environ.get("RATE_WINDOW", "60"))

_windows = {}
_lock = threading.Lock()


@app.before_request
def count():
    if request.path == "/health":
        return None
    client = request.headers.get("X-Client-Id") or request.remote_addr
    now = time.monotonic()
    with _lock:
        start, used = _windows.get(client, (now, 0))
        if now - start >= WINDOW:
            start, used = now, 0
        allowed = used < LIMIT
        if allowed:
            used += 1
        _windows[client] = (start, used)
    g.rate = (LIMIT - used, max(0, math.ceil(start + WINDOW - now)))
    if not allowed:
        return {"error": "slow down"}, 429, {"Retry-After": str(max(1, g.rate[1]))}
    return None


@app.after_request
def headers(response):
    if "rate" in g:
        response.headers["X-RateLimit-Limit"] = str(LIMIT)
        response.headers["X-RateLimit-Remaining"] = str(g.rate[0])
        response.headers["X-RateLimit-Reset"] = str(g.rate[1])
    return response


@app.get("/api/quote")
def quote():
    return {"quote": "Now is better than never."}


@app.get("/health")
def health():
    return {"status": "ok"}
