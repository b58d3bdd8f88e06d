"""Module-level app, @app.route(methods=...), jsonify, itertools.count ids, JSON error handlers."""

import itertools

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

app = Flask(__name__)

users = {}
next_id = itertools.count(1)


@app.errorhandler(HTTPException)
def json_error(exc):
    # keep the Allow header a 405 carries (the HTTP rules)
    allow = [(name, value) for name, value in exc.get_headers() if name == "Allow"]
    return jsonify(error=exc.description or exc.name), exc.code, allow


@app.route("/api/data", methods=["POST"])
def data():
    value = request.get_json()  # 415 for a non-JSON type, 400 for malformed JSON
    return jsonify(received=value)


@app.route("/api/users", methods=["POST"])
def users_create():
    body = request.get_json()
    if not isinstance(body, dict):
        return jsonify(error="body must be a JSON object"), 400
    name = body.get("name")
    email = body.get("email")
    if not (isinstance(name, str) and name):
        return jsonify(error="invalid name"), 400
    if not (isinstance(email, str) and "@" in email):
        return jsonify(error="invalid email"), 400
    user_id = next(next_id)
    users[user_id] = {"id": user_id, "name": name, "email": email}
    return jsonify(users[user_id]), 201


@app.route("/api/users/<int:user_id>", methods=["GET"])
def users_show(user_id):
    if user_id not in users:
        return jsonify(error="user not found"), 404
    return jsonify(users[user_id])
