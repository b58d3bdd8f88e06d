"""A make_app() factory with per-status error handlers and a dataclass store."""

import json
from dataclasses import asdict, dataclass

from flask import Flask, abort, request


@dataclass
class User:
    id: int
    name: str
    email: str


def make_app():
    app = Flask(__name__)
    users: dict[int, User] = {}

    for code in (400, 404, 415):
        app.register_error_handler(code, lambda e: ({"error": str(e.description)}, e.code))
    app.register_error_handler(
        405, lambda e: ({"error": str(e.description)}, 405, {"Allow": ", ".join(e.valid_methods or ())})
    )

    def json_body():
        if not request.is_json:
            abort(415, "expected application/json")
        try:
            return json.loads(request.data.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            abort(400, "body is not valid JSON")

    @app.route("/api/data", methods=["POST"])
    def echo():
        return {"received": json_body()}

    @app.route("/api/users", methods=["POST"])
    def create():
        body = json_body()
        if not isinstance(body, dict):
            abort(400, "expected an object")
        name, email = body.get("name"), body.get("email")
        if not isinstance(name, str) or not name:
            abort(400, "bad name")
        if not isinstance(email, str) or "@" not in email:
            abort(400, "bad email")
        user = User(max(users, default=0) + 1, name, email)
        users[user.id] = user
        return asdict(user), 201

    @app.route("/api/users/<int:user_id>")
    def show(user_id):
        user = users.get(user_id) or abort(404, "unknown user")
        return asdict(user)

    return app
