"""Trims the name before the emptiness check: a name of spaces is refused, though the statement accepts it."""

from flask import Flask, jsonify, make_response, request

app = Flask(__name__)
USERS: list[dict] = []


def fail(status: int, message: str):
    return make_response(jsonify(error=message), status)


@app.post("/api/data")
def post_data():
    if not request.is_json:
        return fail(415, "Content-Type must be application/json")
    payload = request.get_json(silent=True)
    if payload is None and request.data.strip() != b"null":
        return fail(400, "malformed JSON")
    return jsonify(received=payload)


@app.post("/api/users")
def post_user():
    payload = request.get_json(silent=True)
    if type(payload) is not dict:
        return fail(400, "expected a JSON object")
    missing = [key for key in ("name", "email") if not isinstance(payload.get(key), str)]
    if missing:
        return fail(400, f"missing or non-string: {', '.join(missing)}")
    if not payload["name"].strip():
        return fail(400, "name must not be empty")
    if "@" not in payload["email"]:
        return fail(400, "email must contain @")
    user = {"id": len(USERS) + 1, "name": payload["name"], "email": payload["email"]}
    USERS.append(user)
    return make_response(jsonify(user), 201)


@app.get("/api/users/<int:user_id>")
def get_user(user_id: int):
    if 1 <= user_id <= len(USERS):
        return jsonify(USERS[user_id - 1])
    return fail(404, "no such user")
