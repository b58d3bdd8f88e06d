import os
import re
import secrets
import threading
from typing import Any

from flask import Flask, request, session
from werkzeug.security import check_password_hash, generate_password_hash

app = Flask(__name__)
app.config.update(
    SECRET_KEY=os.environ["SECRET_KEY"],
    SESSION_COOKIE_HTTPONLY=True,
    SESSION_COOKIE_SAMESITE="Lax",
)

USERNAME = re.compile(r"[a-z0-9_]{3,32}")
MIN_PASSWORD = 8
# A proper salted hash with few iterations: the mutation check grades this solution
# dozens of times, and werkzeug's default (scrypt) takes ~0.4 s a hash here. A real
# app keeps the default; the statement requires no particular method.
HASH_METHOD = "pbkdf2:sha256:1000"

_lock = threading.Lock()
_password_hashes: dict[str, str] = {}  # username -> hash
_sessions: dict[str, str] = {}  # live session id -> username; the cookie only carries the id


def error(message: str, status: int) -> tuple[dict[str, str], int]:
    return {"error": message}, status


def json_object() -> dict[str, Any] | None:
    body = request.get_json(silent=True) if request.is_json else None
    return body if isinstance(body, dict) else None


def valid_password(value: Any) -> bool:
    return isinstance(value, str) and len(value) >= MIN_PASSWORD


def current_user() -> str | None:
    """The logged-in username: the session's id must still be live on the server."""
    sid = session.get("sid")
    return _sessions.get(sid) if isinstance(sid, str) else None


@app.post("/register")
def register() -> Any:
    body = json_object()
    if body is None:
        return error("expected a JSON object", 400)
    username, password = body.get("username"), body.get("password")
    if not isinstance(username, str) or not USERNAME.fullmatch(username):
        return error("username: 3 to 32 of a-z, 0-9 and _", 400)
    if not valid_password(password):
        return error(f"password: at least {MIN_PASSWORD} characters", 400)
    hashed = generate_password_hash(password, method=HASH_METHOD)
    with _lock:
        if username in _password_hashes:
            return error("username already taken", 409)
        _password_hashes[username] = hashed
    return {"username": username}, 201


@app.post("/login")
def login() -> Any:
    body = json_object()
    username = body.get("username") if body else None
    password = body.get("password") if body else None
    if not isinstance(username, str) or not isinstance(password, str):
        return error("expected a JSON object with a username and a password", 400)
    hashed = _password_hashes.get(username)
    if hashed is None or not check_password_hash(hashed, password):
        return error("wrong username or password", 401)
    sid = secrets.token_urlsafe(32)
    with _lock:
        _sessions[sid] = username
    session.clear()
    session["sid"] = sid
    return {"username": username}


@app.get("/me")
def me() -> Any:
    username = current_user()
    if username is None:
        return error("not logged in", 401)
    return {"username": username}


@app.route("/logout", methods=["GET", "POST"])
def logout() -> Any:
    sid = session.get("sid")
    with _lock:
        if isinstance(sid, str):
            _sessions.pop(sid, None)
    session.clear()
    return "", 204


@app.post("/password")
def change_password() -> Any:
    username = current_user()
    if username is None:
        return error("not logged in", 401)
    body = json_object()
    if body is None:
        return error("expected a JSON object", 400)
    old, new = body.get("old"), body.get("new")
    if not isinstance(old, str) or not check_password_hash(_password_hashes[username], old):
        return error("wrong password", 401)
    if not valid_password(new):
        return error(f"the new password needs at least {MIN_PASSWORD} characters", 400)
    hashed = generate_password_hash(new, method=HASH_METHOD)
    with _lock:
        _password_hashes[username] = hashed
    return "", 204
