import html
from typing import Any

from flask import Flask, request


def create_app() -> Flask:
    """A new app each call: defaults, then APP_* environment variables (JSON-parsed)."""
    app = Flask(__name__)
    app.config.update(GREETING="Hello", MAX_ITEMS=10)
    app.config.from_prefixed_env("APP")

    def error(message: str, status: int = 400) -> tuple[dict[str, str], int]:
        return {"error": message}, status

    @app.get("/config")
    def config() -> dict[str, Any]:
        return {"greeting": app.config["GREETING"], "max_items": app.config["MAX_ITEMS"]}

    @app.get("/greet/<name>")
    def greet(name: str) -> dict[str, str]:
        return {"message": f"{app.config['GREETING']}, {html.escape(name)}!"}  # "safe" output

    @app.get("/items")
    def items() -> Any:
        limit = app.config["MAX_ITEMS"]
        raw = request.args.get("n", "")
        try:
            n = int(raw)
        except ValueError:
            return error("n must be an integer")
        if not 1 <= n <= limit:
            return error(f"n must be between 1 and {limit}")
        return {"items": list(range(1, n + 1))}

    return app
