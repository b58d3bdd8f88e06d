import math
import os
import threading
import time
from typing import Any

from flask import Flask, request

app = Flask(__name__)

LIMIT = int(os.environ.get("RATE_LIMIT", "5"))
WINDOW = int(os.environ.get("RATE_WINDOW", "60"))

# client -> [start of its current window (monotonic seconds), requests counted in it]
_windows: dict[str, list[float]] = {}
_lock = threading.Lock()


def _client() -> str:
    return request.headers.get("X-Client-Id") or f"addr:{request.remote_addr}"


def _take() -> tuple[bool, int, int]:
    """Count one request for this client: (allowed, remaining, seconds until its window resets)."""
    now = time.monotonic()
    with _lock:
        window = _windows.get(_client())
        if window is None or now - window[0] >= WINDOW:
            window = _windows[_client()] = [now, 0]
        allowed = window[1] < LIMIT
        if allowed:
            window[1] += 1
        remaining = max(0, LIMIT - int(window[1]))
        reset = max(0, math.ceil(window[0] + WINDOW - now))
    return allowed, remaining, reset


@app.route("/api/quote", methods=["GET", "POST"])
def quote() -> Any:
    allowed, remaining, reset = _take()
    headers = [
        ("X-RateLimit-Limit", str(LIMIT)),
        ("X-RateLimit-Remaining", str(remaining)),
        ("X-RateLimit-Reset", str(reset)),
    ]
    if not allowed:
        headers.append(("Retry-After", str(max(1, reset))))
        return {"error": "too many requests"}, 429, headers
    return {"quote": "Simple is better than complex."}, 200, headers


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}
