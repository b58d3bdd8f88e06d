import json
import threading
from typing import Any

from flask import Flask, request
from markupsafe import escape

app = Flask(__name__)

_users: dict[int, dict[str, Any]] = {}
_lock = threading.Lock()


def error(message: str, status: int) -> tuple[dict[str, str], int]:
    return {"error": message}, status


def read_json() -> tuple[bool, Any]:
    """Return (True, value) for a valid JSON body, (False, None) otherwise."""
    if not request.is_json:
        return False, None
    try:
        return True, json.loads(request.get_data())
    except ValueError:
        return False, None


@app.post("/api/data")
def echo() -> Any:
    ok, value = read_json()
    if not ok:
        return error("expected a valid JSON body (Content-Type: application/json)", 400)
    return {"received": escape(value) if isinstance(value, str) else value}


@app.post("/api/users")
def create_user() -> Any:
    _, body = read_json()
    if not isinstance(body, dict):  # an invalid body reads as None, which is no object
        return error("expected a JSON object", 400)
    name, email = body.get("name"), body.get("email")
    if not isinstance(name, str) or not name:
        return error("name must be a non-empty string", 400)
    if not isinstance(email, str) or "@" not in email:
        return error("email must be a string containing @", 400)
    with _lock:
        user = {"id": len(_users) + 1, "name": escape(name), "email": escape(email)}
        _users[user["id"]] = user
    return user, 201


@app.get("/api/users/<int:user_id>")
def get_user(user_id: int) -> Any:
    user = _users.get(user_id)
    if user is None:
        return error(f"no user with id {user_id}", 404)
    return user
