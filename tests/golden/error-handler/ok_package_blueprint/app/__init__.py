from flask import Flask

from .errors import errors
from .views import api


def create_app() -> Flask:
    app = Flask(__name__)
    app.register_blueprint(api)
    app.register_blueprint(errors)
    return app
