from typing import Any

from flask import Flask, request


def create_app() -> Flask:
    app = Flask(__name__)
    app.config.update(GREETING="Hello", MAX_ITEMS=10)
    app.config.from_prefixed_env()

    @app.get("/config")
    def config() -> dict[str, Any]:
        return {"greeting": app.config["GREETING"], "max_items": app.config["MAX_ITEMS"]}

    @app.get("/greet/<name>")
    def greet(name: str) -> dict[str, str]:
        return {"message": f"{app.config['GREETING']}, {name}!"}

    @app.get("/items")
    def items() -> Any:
        n = request.args.get("n", type=int)
        if n is None or not 1 <= n <= app.config["MAX_ITEMS"]:
            return {"error": "bad n"}, 400
        return {"items": list(range(1, n + 1))}

    return app
