import math
import os
import threading
import time
from collections import defaultdict, deque

from flask import Flask, request
from flask.typing import ResponseReturnValue

app = Flask(__name__)
LIMIT = int(os.getenv("RATE_LIMIT", "5"))
WINDOW = float(os.getenv("RATE_WINDOW", "60"))

log: defaultdict[str, deque[float]] = defaultdict(deque)
lock = threading.Lock()


@app.get("/api/quote")
def quote() -> ResponseReturnValue:
    client = request.headers.get("X-Client-Id", "") or str(request.remote_addr)
    now = time.monotonic()
    with lock:
        times = log[client]
        while times and times[0] <= now - WINDOW:
            times.popleft()
        allowed = len(times) < LIMIT
        if allowed:
            times.append(now)
        remaining = LIMIT - len(times)
        wait = 0 if remaining > 0 else math.ceil(times[0] + WINDOW - now)
    headers = {
        "X-RateLimit-Limit": LIMIT,
        "X-RateLimit-Remaining": remaining,
        "X-RateLimit-Reset": wait,
    }
    if not allowed:
        headers["Retry-After"] = max(1, wait)
        return {"error": f"slow down: try again in {max(1, wait)} s"}, 429, headers
    return {"quote": "Premature optimization is the root of all evil."}, headers


@app.get("/health")
def health() -> ResponseReturnValue:
    return {"status": "ok"}
