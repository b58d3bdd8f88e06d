import json

from flask import Flask, abort, jsonify, request

app = Flask(__name__)
users = {}


def error(message, status):
    return jsonify(error=message), status


def parse():
    """(True, value) for a valid JSON body, else (False, None)."""
    if not request.is_json:
        return False, None
    try:
        return True, json.loads(request.get_data(as_text=True))
    except ValueError:
        return False, None


@app.post("/api/data")
def echo():
    ok, value = parse()
    if not ok:
        return error("invalid JSON body", 400)
    return jsonify(received=value)


@app.post("/api/users")
def create_user():
    ok, body = parse()
    if not ok or not isinstance(body, dict):
        return error("expected a JSON object", 400)
    name, email = body.get("name"), body.get("email")
    if not isinstance(name, str) or not name:
        return error("invalid name", 400)
    if not isinstance(email, str) or "@" not in email:
        return error("invalid email", 400)
    user = {"id": len(users) + 1, "name": name, "email": email}
    users[user["id"]] = user
    return jsonify(user), 201


@app.get("/api/users/<int:user_id>")
def get_user(user_id):
    if user_id not in users:
        abort(404)  # Flask's HTML 404 page, no JSON error
    return jsonify(users[user_id])
