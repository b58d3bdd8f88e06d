"""The echo checks the content type, but /api/users parses any body with force=True."""

import json

from flask import Flask, jsonify, request

app = Flask(__name__)
users = {}


def error(message, status):
    return jsonify(error=message), status


@app.post("/api/data")
def echo():
    if not request.is_json:
        return error("expected application/json", 415)
    try:
        value = json.loads(request.get_data())
    except ValueError:
        return error("malformed JSON", 400)
    return jsonify(received=value)


@app.post("/api/users")
def create_user():
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, dict):
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
        return error("user not found", 404)
    return jsonify(users[user_id])
