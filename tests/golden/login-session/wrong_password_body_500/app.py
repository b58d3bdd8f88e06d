"""Flask's session holds the username and the user's session generation; a logout bumps it."""

import os
import re

from flask import Flask, jsonify, request, session
from werkzeug.security import check_password_hash, generate_password_hash

app = Flask(__name__)
app.secret_key = os.environ["SECRET_KEY"]
app.config["SESSION_COOKIE_SAMESITE"] = "Lax"

# few iterations keep this golden submission fast; a real app keeps werkzeug's default
HASH_METHOD = "pbkdf2:sha256:2000"
USERS = {}  # username -> {"hash": ..., "generation": int}


def body():
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else None


def who():
    name, generation = session.get("user"), session.get("generation")
    user = USERS.get(name) if isinstance(name, str) else None
    if user is None or user["generation"] != generation:
        return None
    return name


@app.post("/register")
def register():
    data = body()
    if data is None:
        return jsonify(error="JSON object required"), 400
    name, password = data.get("username"), data.get("password")
    if not isinstance(name, str) or re.fullmatch(r"[a-z0-9_]{3,32}", name) is None:
        return jsonify(error="invalid username"), 400
    if not isinstance(password, str) or len(password) < 8:
        return jsonify(error="password too short"), 400
    if name in USERS:
        return jsonify(error="username taken"), 409
    USERS[name] = {"hash": generate_password_hash(password, HASH_METHOD), "generation": 0}
    return jsonify(username=name), 201


@app.post("/login")
def login():
    data = body() or {}
    name, password = data.get("username"), data.get("password")
    user = USERS.get(name) if isinstance(name, str) else None
    if user is None or not isinstance(password, str) or not check_password_hash(user["hash"], password):
        return jsonify(error="invalid credentials"), 401
    session.clear()
    session["user"] = name
    session["generation"] = user["generation"]
    return jsonify(username=name)


@app.get("/me")
def me():
    name = who()
    if name is None:
        return jsonify(error="unauthorized"), 401
    return jsonify(username=name)


@app.post("/logout")
def logout():
    name = who()
    if name is not None:
        USERS[name]["generation"] += 1  # every cookie of this user issued so far is now refused
    session.clear()
    return "", 204


@app.post("/password")
def change_password():
    name = who()
    if name is None:
        return jsonify(error="unauthorized"), 401
    data = request.get_json()  # no check: a list or a string body fails on .get (500)
    old, new = data.get("old"), data.get("new")
    user = USERS[name]
    if not check_password_hash(user["hash"], old):  # a non-string old fails too (500)
        return jsonify(error="wrong password"), 401
    if not isinstance(new, str) or len(new) < 8:
        return jsonify(error="password too short"), 400
    user["hash"] = generate_password_hash(new, HASH_METHOD)
    user["generation"] += 1  # log out every other session ...
    session["generation"] = user["generation"]  # ... but keep this one
    return "", 204
