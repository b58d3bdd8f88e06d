from flask import Flask, jsonify, request
from flask.typing import ResponseReturnValue


def create_app() -> Flask:
    app = Flask(__name__)
    app.config["GREETING"] = "Hello"
    app.config["MAX_ITEMS"] = 10
    app.config.from_prefixed_env("APP")

    @app.route("/config")
    def config() -> ResponseReturnValue:
        return jsonify(greeting=app.config["GREETING"], max_items=app.config["MAX_ITEMS"])

    @app.route("/greet/<name>")
    def greet(name: str) -> ResponseReturnValue:
        return jsonify(message=f"{app.config['GREETING']}, {name}!")

    @app.route("/items")
    def items() -> ResponseReturnValue:
        n = request.args.get("n", type=int)
        if n is None or n < 1 or n > app.config["MAX_ITEMS"]:
            return jsonify(error="n must be an integer between 1 and MAX_ITEMS"), 400
        return jsonify(items=list(range(1, n + 1)))

    return app


app = create_app()
