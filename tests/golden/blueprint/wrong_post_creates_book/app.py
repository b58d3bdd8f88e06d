from typing import Any

from flask import Blueprint, Flask, abort, request

BOOKS: list[dict[str, Any]] = [
    {"id": 1, "title": "Dune"},
    {"id": 2, "title": "The Left Hand of Darkness"},
    {"id": 3, "title": "Neuromancer"},
]

api = Blueprint("api", __name__)
admin = Blueprint("admin", __name__)


@api.get("/ping")
def ping() -> dict[str, bool]:
    return {"pong": True}


@api.route("/books", methods=["GET", "POST"])
def list_books() -> Any:
    if request.method == "POST":
        book = {"id": len(BOOKS) + 1, "title": str(request.get_json(silent=True) or "untitled")}
        BOOKS.append(book)
        return book, 201
    return BOOKS


@api.get("/books/<int:book_id>")
def get_book(book_id: int) -> dict[str, Any]:
    for book in BOOKS:
        if book["id"] == book_id:
            return book
    abort(404)


@admin.get("/")
def index() -> str:
    return "<!doctype html><title>Admin</title><h1>Admin</h1>"


@admin.get("/stats")
def stats() -> dict[str, int]:
    return {"books": len(BOOKS)}


def create_app() -> Flask:
    app = Flask(__name__)
    app.register_blueprint(api, url_prefix="/api/v1")
    app.register_blueprint(admin, url_prefix="/admin")
    return app
