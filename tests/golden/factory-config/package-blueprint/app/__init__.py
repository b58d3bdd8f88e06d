import json
import os

from flask import Flask
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from .views import bp

DEFAULTS = {"GREETING": "Hello", "MAX_ITEMS": 10}


def _from_environment() -> dict[str, object]:
    found: dict[str, object] = {}
    for key, value in os.environ.items():
        if key.startswith("APP_"):
            try:
                found[key[4:]] = json.loads(value)
            except ValueError:
                found[key[4:]] = value
    return found


def create_app() -> Flask:
    app = Flask(__name__)
    app.config.from_mapping(DEFAULTS)
    app.config.update(_from_environment())
    app.register_blueprint(bp)

    @app.errorhandler(HTTPException)
    def as_json(exc: HTTPException) -> tuple[dict[str, str], int, dict[str, str]]:
        headers = {"Allow": ", ".join(exc.valid_methods)} if isinstance(exc, MethodNotAllowed) else {}
        return {"error": exc.description or exc.name}, exc.code or 500, headers

    return app
