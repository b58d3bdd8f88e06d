"""Correct routes and statuses, but errors from get_json() are Flask's HTML pages."""

from flask import Flask, jsonify, request

app = Flask(__name__)
users = {}


@app.post("/api/data")
def echo():
    return jsonify(received=request.get_json())  # raises 400/415 as HTML error pages


@app.post("/api/users")
def create_user():
    body = request.get_json()
    if not isinstance(body, dict):
        return jsonify(error="expected a JSON object"), 400
    name, email = body.get("name"), body.get("email")
    if not isinstance(name, str) or not name:
        return jsonify(error="invalid name"), 400
    if not isinstance(email, str) or "@" not in email:
        return jsonify(error="invalid email"), 400
    user = {"id": len(users) + 1, "name": name, "email": email}
    users[user["id"]] = user
    return jsonify(user), 201


@app.get("/api/users/<int:user_id>")
def get_user(user_id):
    if user_id not in users:
        return jsonify(error="user not found"), 404
    return jsonify(users[user_id])
