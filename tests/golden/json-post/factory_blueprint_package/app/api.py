from typing import Any

from flask import Blueprint, abort, current_app, request

api = Blueprint("api", __name__)


@api.post("/data")
def echo() -> dict[str, Any]:
    return {"received": request.get_json()}


def _valid_user(body: Any) -> bool:
    if not isinstance(body, dict):
        return False
    name, email = body.get("name"), body.get("email")
    return isinstance(name, str) and name != "" and isinstance(email, str) and "@" in email


@api.post("/users")
def create_user():
    body = request.get_json()
    if not _valid_user(body):
        abort(400, description="expected {'name': non-empty string, 'email': string with '@'}")
    users: list[dict[str, Any]] = current_app.config["USERS"]
    user = {"id": len(users) + 1, "name": body["name"], "email": body["email"]}
    users.append(user)
    return user, 201


@api.get("/users/<int:user_id>")
def get_user(user_id: int):
    for user in current_app.config["USERS"]:
        if user["id"] == user_id:
            return user
    abort(404, description=f"user {user_id} does not exist")
