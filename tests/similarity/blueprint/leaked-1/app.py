from typing import Any

from flask import Blueprint, Flask, abort

ITEMS: list[dict[str, Any]] = [
    {"id": 1, "title": "Emma"},
    {"id": 2, "title": "Walden"},
    {"id": 3, "title": "Ulysses"},
]

api = Blueprint("api", __name__)
admin = Blueprint("admin", __name__)


@api.get("/ping")
def alive() -> dict[str, bool]:
    return {"pong": True}


@api.get("/books")
def everything() -> list[dict[str, Any]]:
    return ITEMS


@api.get("/books/<int:bid>")
def single(bid: int) -> dict[str, Any]:
    for item in ITEMS:
        if item["id"] == bid:
            return item
    abort(404)


@admin.get("/")
def panel() -> str:
    return "<h2>Admin</h2>"


@admin.get("/stats")
def numbers() -> dict[str, int]:
    return {"books": len(ITEMS)}


def create_app() -> Flask:
    app = Flask(__name__)
    app.register_blueprint(api, url_prefix="/api/v1")
    app.register_blueprint(admin, url_prefix="/admin")
    return app
