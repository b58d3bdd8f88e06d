import os
import threading
import time
from dataclasses import dataclass

from flask import request


def identify() -> str:
    client_id = request.headers.get("X-Client-Id")
    return f"id:{client_id}" if client_id else f"ip:{request.remote_addr}"


@dataclass
class State:
    allowed: bool
    remaining: int
    reset: int

    def headers(self, limit: int) -> dict[str, str]:
        values = {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
        }
        if not self.allowed:
            values["Retry-After"] = str(max(1, self.reset))
        return values


class Limits:
    """Fixed windows aligned to the clock; every request counts, refused ones too."""

    def __init__(self, limit: int, window: int) -> None:
        self.limit, self.window = limit, window
        self.counts: dict[tuple[str, int], int] = {}
        self.lock = threading.Lock()

    @classmethod
    def from_environment(cls) -> "Limits":
        return cls(int(os.environ.get("RATE_LIMIT", "5")), int(os.environ.get("RATE_WINDOW", "60")))

    def check(self, client: str) -> State:
        now = time.time()
        slot = int(now // self.window)
        with self.lock:
            count = self.counts[(client, slot)] = self.counts.get((client, slot), 0) + 1
        reset = int((slot + 1) * self.window - now) + 1
        return State(count <= self.limit, max(0, self.limit - count), reset)
