"""A package with a create_app() factory; the routes live in a blueprint."""

import json

from flask import Flask
from werkzeug.exceptions import HTTPException

from .api import api


def create_app() -> Flask:
    app = Flask(__name__)
    app.config["USERS"] = []
    app.register_blueprint(api, url_prefix="/api")

    @app.errorhandler(HTTPException)
    def handle_http_error(exc: HTTPException):
        response = exc.get_response()  # keeps the Allow header of a 405
        response.data = json.dumps({"error": exc.description or "request failed"})
        response.content_type = "application/json"
        return response

    return app
