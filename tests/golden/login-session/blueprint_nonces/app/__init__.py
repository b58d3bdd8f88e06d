import os

from flask import Flask
from werkzeug.exceptions import HTTPException

from .auth import auth


def create_app():
    app = Flask(__name__)
    app.config.from_mapping(
        SECRET_KEY=os.environ["SECRET_KEY"],
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=True,
    )
    app.register_blueprint(auth)

    @app.errorhandler(HTTPException)
    def as_json(exc):
        headers = {"Allow": ", ".join(exc.valid_methods)} if exc.code == 405 else {}
        return {"error": exc.description or exc.name}, exc.code, headers

    return app
