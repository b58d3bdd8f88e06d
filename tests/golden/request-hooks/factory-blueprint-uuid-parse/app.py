import os
import time
import uuid

from flask import Blueprint, Flask, current_app, g, jsonify, request
from flask.views import MethodView
from werkzeug.exceptions import HTTPException


def canonical_or_new(value):
    try:
        parsed = uuid.UUID(value)
    except (TypeError, ValueError):
        return str(uuid.uuid4())
    return value if str(parsed) == value else str(uuid.uuid4())


class CounterAPI(MethodView):
    def get(self):
        return jsonify(value=current_app.config["COUNTER"]["value"])

    def post(self):
        counter = current_app.config["COUNTER"]
        counter["value"] += 1
        return jsonify(value=counter["value"])


def create_app():
    app = Flask(__name__)
    app.config["COUNTER"] = {"value": 0}
    app.config["API_KEY"] = os.environ["API_KEY"]

    api = Blueprint("api", __name__, url_prefix="/api")
    api.add_url_rule("/counter", view_func=CounterAPI.as_view("counter"))
    app.register_blueprint(api)

    @app.before_request
    def begin():
        g.t0 = time.monotonic()
        g.rid = canonical_or_new(request.headers.get("X-Request-ID"))
        if request.path.startswith("/api/") and request.headers.get("X-API-Key") != app.config["API_KEY"]:
            return jsonify(error="unauthorised"), 401

    @app.after_request
    def stamp(response):
        response.headers["X-Request-ID"] = g.rid
        response.headers["X-Response-Time-Ms"] = str(round((time.monotonic() - g.t0) * 1000, 2))
        return response

    @app.errorhandler(HTTPException)
    def as_json(error):
        response = error.get_response()  # a 405 keeps its Allow header
        response.set_data(jsonify(error=error.name).get_data())
        response.content_type = "application/json"
        return response

    @app.route("/health")
    def health():
        return jsonify(status="ok")

    @app.route("/whoami")
    def whoami():
        return jsonify(request_id=g.rid)

    return app
