import json
import os

from flask import Flask
from werkzeug.exceptions import HTTPException

from . import db
from .todos import bp


def create_app():
    app = Flask(__name__)
    app.config["DATABASE"] = os.environ["DATABASE"]
    db.init_app(app)
    app.register_blueprint(bp, url_prefix="/api")

    @app.errorhandler(HTTPException)
    def as_json(exc):
        response = exc.get_response()  # keeps a 405's Allow header
        response.set_data(json.dumps({"error": exc.description or exc.name}))
        response.content_type = "application/json"
        return response

    return app
