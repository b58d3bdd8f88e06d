import json
import os
import re
from dataclasses import dataclass
from typing import Any

from flask import Flask, request

PREFIX = "APP_"


def _parse(raw: str) -> Any:
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return raw


@dataclass(frozen=True)
class Settings:
    greeting: Any = "Hello"
    max_items: int = 10

    @classmethod
    def from_environ(cls) -> "Settings":
        values: dict[str, Any] = {}
        for name in ("GREETING", "MAX_ITEMS"):
            if PREFIX + name in os.environ:
                values[name.lower()] = _parse(os.environ[PREFIX + name])
        return cls(**values)


def create_app() -> Flask:
    settings = Settings.from_environ()
    app = Flask(__name__)

    @app.get("/config")
    def config() -> dict[str, Any]:
        return {"greeting": settings.greeting, "max_items": settings.max_items}

    @app.get("/greet/<name>")
    def greet(name: str) -> dict[str, str]:
        return {"message": f"{settings.greeting}, {name}!"}

    @app.get("/items")
    def items() -> Any:
        raw = request.args.get("n", "")
        if not re.fullmatch(r"-?\d+", raw):
            return {"error": f"n must be an integer, got {raw!r}"}, 400
        n = int(raw)
        if n < 1 or n > settings.max_items:
            return {"error": f"n must be in 1..{settings.max_items}"}, 400
        return {"items": [i + 1 for i in range(n)]}

    return app
