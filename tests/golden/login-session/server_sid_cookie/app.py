"""No Flask session: a random session id in a cookie of its own, sessions kept on the server."""

import hashlib
import hmac
import os
import secrets
import string
import threading

from flask import Flask, g, request

ALLOWED = set(string.ascii_lowercase + string.digits + "_")
COOKIE = "sid"


def hash_password(password, salt=None):
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**10, r=8, p=1)  # cheap on purpose
    return salt, digest


def create_app():
    app = Flask(__name__)
    app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
    accounts = {}  # username -> (salt, digest)
    sessions = {}  # sid -> username
    lock = threading.Lock()

    def error(message, status):
        return {"error": message}, status

    def payload():
        if not request.is_json:
            return None
        data = request.get_json(silent=True)
        return data if isinstance(data, dict) else None

    def verify(username, password):
        stored = accounts.get(username)
        if stored is None or not isinstance(password, str):
            return False
        return hmac.compare_digest(hash_password(password, stored[0])[1], stored[1])

    @app.before_request
    def load_session():
        g.sid = request.cookies.get(COOKIE)
        g.user = sessions.get(g.sid)

    @app.route("/register", methods=["POST"])
    def register():
        data = payload()
        if data is None:
            return error("a JSON object is required", 400)
        username, password = data.get("username"), data.get("password")
        if not isinstance(username, str) or not 3 <= len(username) <= 32 or not set(username) <= ALLOWED:
            return error("username must be 3-32 of a-z, 0-9, _", 400)
        if not isinstance(password, str) or len(password) < 8:
            return error("password must be at least 8 characters", 400)
        with lock:
            if username in accounts:
                return error("this username is taken", 409)
            accounts[username] = hash_password(password)
        return {"username": username}, 201

    @app.route("/login", methods=["POST"])
    def login():
        data = payload() or {}
        username = data.get("username")
        if not isinstance(username, str) or not verify(username, data.get("password")):
            return error("bad username or password", 401)
        sid = secrets.token_urlsafe(32)
        with lock:
            sessions[sid] = username
        response = app.make_response({"username": username})
        response.set_cookie(COOKIE, sid, httponly=True, samesite="Lax")
        return response

    @app.route("/me")
    def me():
        if g.user is None:
            return error("log in first", 401)
        return {"username": g.user}

    @app.route("/logout", methods=["POST"])
    def logout():
        with lock:
            sessions.pop(g.sid, None)
        response = app.make_response(("", 204))
        response.delete_cookie(COOKIE, httponly=True, samesite="Lax")
        return response

    @app.route("/password", methods=["POST"])
    def password():
        if g.user is None:
            return error("log in first", 401)
        data = payload() or {}
        if not verify(g.user, data.get("old")):
            return error("the old password is wrong", 401)
        new = data.get("new")
        if not isinstance(new, str) or len(new) < 8:
            return error("the new password must be at least 8 characters", 400)
        with lock:
            accounts[g.user] = hash_password(new)
        return "", 204

    return app
