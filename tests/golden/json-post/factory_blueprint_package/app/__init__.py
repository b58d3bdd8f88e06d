"""A package with a create_app() factory; the routes live in a blueprint."""

from flask import Flask
from werkzeug.exceptions import HTTPException

from .api import api


def create_app() -> Flask:
    app = Flask(__name__)
    app.config["USERS"] = []
    app.register_blueprint(api, url_prefix="/api")

    @app.errorhandler(HTTPException)
    def handle_http_error(exc: HTTPException):
        return {"error": exc.description or "request failed"}, exc.code

    return app
