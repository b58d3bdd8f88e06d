from dataclasses import asdict, dataclass

from flask import Flask, abort, jsonify, request
from werkzeug.exceptions import HTTPException


@dataclass
class User:
    id: int
    name: str
    email: str


class UserStore:
    def __init__(self):
        self.items: list[User] = []

    def add(self, name: str, email: str) -> User:
        user = User(len(self.items) + 1, name, email)
        self.items.append(user)
        return user

    def find(self, user_id: int) -> User | None:
        return next((u for u in self.items if u.id == user_id), None)


app = Flask(__name__)
store = UserStore()


@app.errorhandler(HTTPException)
def json_errors(exc):
    return jsonify(error=exc.description), exc.code


def json_body():
    if not request.is_json:
        abort(415, "send application/json")
    body = request.get_json(silent=True)
    if body is None and request.get_data().strip() != b"null":
        abort(400, "malformed JSON")
    return body


@app.post("/api/data")
def receive():
    return jsonify(received=json_body())


@app.post("/api/users")
def register():
    body = json_body()
    if not isinstance(body, dict):
        abort(400, "an object is required")
    fields = {key: body.get(key) for key in ("name", "email")}
    for key, value in fields.items():
        if not isinstance(value, str) or not value.strip():
            abort(400, f"{key} must be a non-empty string")
    if "@" not in fields["email"]:
        abort(400, "email is invalid")
    return jsonify(asdict(store.add(**fields))), 201


@app.get("/api/users/<int:user_id>")
def fetch(user_id):
    user = store.find(user_id)
    if user is None:
        abort(404, "user not found")
    return jsonify(asdict(user))
