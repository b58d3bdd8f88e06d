import math
import os
import threading
import time
from typing import Any

from flask import Flask, g, request

app = Flask(__name__)

LIMIT = int(os.environ.get("RATE_LIMIT", "5"))
WINDOW = int(os.environ.get("RATE_WINDOW", "60"))

_windows: dict[str, list[float]] = {}
_lock = threading.Lock()


@app.before_request
def limit() -> Any:
    """Every request of the app is counted and limited, /health included."""
    now = time.monotonic()
    client = request.headers.get("X-Client-Id") or f"addr:{request.remote_addr}"
    with _lock:
        window = _windows.get(client)
        if window is None or now - window[0] >= WINDOW:
            window = _windows[client] = [now, 0]
        allowed = window[1] < LIMIT
        if allowed:
            window[1] += 1
        g.rate = (max(0, LIMIT - int(window[1])), max(0, math.ceil(window[0] + WINDOW - now)))
    if not allowed:
        return {"error": "too many requests"}, 429, {"Retry-After": str(max(1, g.rate[1]))}
    return None


@app.after_request
def headers(response: Any) -> Any:
    remaining, reset = g.rate
    response.headers["X-RateLimit-Limit"] = str(LIMIT)
    response.headers["X-RateLimit-Remaining"] = str(remaining)
    response.headers["X-RateLimit-Reset"] = str(reset)
    return response


@app.get("/api/quote")
def quote() -> dict[str, str]:
    return {"quote": "Simple is better than complex."}


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}
