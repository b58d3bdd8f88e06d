import os
from typing import Any

from flask import Flask, request


def create_app() -> Flask:
    app = Flask(__name__)
    greeting = os.environ.get("APP_GREETING", "Hello")
    max_items = int(os.environ.get("APP_MAX_ITEMS", "10"))

    @app.get("/config")
    def config() -> dict[str, Any]:
        return {"greeting": greeting, "max_items": max_items}

    @app.get("/greet/<name>")
    def greet(name: str) -> dict[str, str]:
        return {"message": f"{greeting}, {name}!"}

    @app.get("/items")
    def items() -> Any:
        n = request.args.get("n", type=int)
        if n is None or not 1 <= n <= max_items:
            return {"error": "bad n"}, 400
        return {"items": list(range(1, n + 1))}

    return app
