"""Users in a list looked up by users[id - 1]: id 0 wraps round to the last user."""

from flask import Flask, jsonify, request

app = Flask(__name__)
users = []


def error(message, status):
    return jsonify(error=message), status


@app.post("/api/data")
def echo():
    if not request.is_json:
        return error("expected application/json", 415)
    value = request.get_json(silent=True)
    if value is None and request.get_data().strip() != b"null":
        return error("malformed JSON", 400)
    return jsonify(received=value)


@app.post("/api/users")
def create_user():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return error("expected a JSON object", 400)
    name, email = body.get("name"), body.get("email")
    if not isinstance(name, str) or not name:
        return error("invalid name", 400)
    if not isinstance(email, str) or "@" not in email:
        return error("invalid email", 400)
    user = {"id": len(users) + 1, "name": name, "email": email}
    users.append(user)
    return jsonify(user), 201


@app.get("/api/users/<int:user_id>")
def get_user(user_id):
    try:
        return jsonify(users[user_id - 1])  # users[-1] for id 0
    except IndexError:
        return error("user not found", 404)
