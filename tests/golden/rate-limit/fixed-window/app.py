import functools
import math
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, jsonify, request


class FixedWindowLimiter:
    """Each client's window starts at its first request and lasts `window` seconds."""

    def __init__(self, limit: int, window: int) -> None:
        self.limit, self.window = limit, window
        self.clients: dict[str, tuple[float, int]] = {}
        self.lock = threading.Lock()

    def hit(self, key: str) -> tuple[bool, int, float]:
        now = time.time()
        with self.lock:
            start, count = self.clients.get(key, (now, 0))
            if now - start >= self.window:
                start, count = now, 0
            allowed = count < self.limit
            if allowed:
                count += 1
            self.clients[key] = (start, count)
        return allowed, self.limit - count, start + self.window - now


def rate_limited(limiter: FixedWindowLimiter) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            key = request.headers.get("X-Client-Id") or request.remote_addr or "?"
            allowed, remaining, seconds = limiter.hit(key)
            if allowed:
                response = jsonify(view(*args, **kwargs))
            else:
                response = jsonify(error="rate limit exceeded")
                response.status_code = 429
                response.headers["Retry-After"] = str(max(1, math.ceil(seconds)))
            response.headers["X-RateLimit-Limit"] = str(limiter.limit)
            response.headers["X-RateLimit-Remaining"] = str(remaining)
            response.headers["X-RateLimit-Reset"] = str(max(0, math.ceil(seconds)))
            return response

        return wrapper

    return decorate


def create_app() -> Flask:
    app = Flask(__name__)
    limiter = FixedWindowLimiter(int(os.environ.get("RATE_LIMIT", 5)), int(os.environ.get("RATE_WINDOW", 60)))

    @app.route("/api/quote")
    @rate_limited(limiter)
    def quote() -> dict[str, str]:
        return {"quote": "Talk is cheap. Show me the code."}

    @app.route("/health")
    def health() -> Any:
        return jsonify(status="ok")

    return app
