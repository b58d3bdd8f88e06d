"""Logout marks the user as logged out on the server; the next login clears the mark,
which revives every cookie the user was ever given."""

import os
import re

from flask import Flask, request, session
from werkzeug.security import check_password_hash, generate_password_hash

app = Flask(__name__)
app.config.update(SECRET_KEY=os.environ["SECRET_KEY"], SESSION_COOKIE_SAMESITE="Lax")

HASHES = {}
LOGGED_OUT = set()


def data():
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


def user():
    name = session.get("username")
    return name if name in HASHES and name not in LOGGED_OUT else None


@app.post("/register")
def register():
    if not isinstance(request.get_json(silent=True), dict):
        return {"error": "expected a JSON object"}, 400
    name, password = data().get("username"), data().get("password")
    if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9_]{3,32}", name):
        return {"error": "invalid username"}, 400
    if not isinstance(password, str) or len(password) < 8:
        return {"error": "invalid password"}, 400
    if name in HASHES:
        return {"error": "taken"}, 409
    HASHES[name] = generate_password_hash(password, "pbkdf2:sha256:2000")
    return {"username": name}, 201


@app.post("/login")
def login():
    name, password = data().get("username"), data().get("password")
    if not isinstance(name, str) or not isinstance(password, str):
        return {"error": "bad request"}, 400
    if name not in HASHES or not check_password_hash(HASHES[name], password):
        return {"error": "wrong username or password"}, 401
    LOGGED_OUT.discard(name)
    session["username"] = name
    return {"username": name}


@app.get("/me")
def me():
    name = user()
    return ({"username": name}, 200) if name else ({"error": "not logged in"}, 401)


@app.post("/logout")
def logout():
    name = user()
    if name:
        LOGGED_OUT.add(name)
    session.clear()
    return "", 204


@app.post("/password")
def password():
    name = user()
    if not name:
        return {"error": "not logged in"}, 401
    old, new = data().get("old"), data().get("new")
    if not isinstance(old, str) or not check_password_hash(HASHES[name], old):
        return {"error": "wrong password"}, 401
    if not isinstance(new, str) or len(new) < 8:
        return {"error": "too short"}, 400
    HASHES[name] = generate_password_hash(new, "pbkdf2:sha256:2000")
    return "", 204
