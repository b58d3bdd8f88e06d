from flask import Blueprint, Flask, abort, redirect, url_for
from werkzeug.wrappers import Response

TITLES = ["A Wizard of Earthsea", "The Tombs of Atuan"]

api = Blueprint("api", __name__)
admin = Blueprint("admin", __name__, static_folder=None)


@api.get("/ping")
def ping() -> dict[str, bool]:
    return {"pong": True}


@api.get("/books")
def books() -> list[dict[str, object]]:
    return [{"id": n, "title": t} for n, t in enumerate(TITLES, start=1)]


@api.get("/books/<int:book_id>")
def book(book_id: int) -> dict[str, object]:
    if not 1 <= book_id <= len(TITLES):
        abort(404)
    return {"id": book_id, "title": TITLES[book_id - 1]}


@admin.get("")
def bare() -> Response:
    return redirect(url_for("admin.home"))


@admin.get("/")
def home() -> str:
    return "<p>Admin area</p>"


@admin.get("/stats")
def stats() -> dict[str, int]:
    return {"books": len(TITLES)}


def create_app(config: dict[str, object] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(config or {})
    app.register_blueprint(api, url_prefix="/api/v1/")
    app.register_blueprint(admin, url_prefix="/admin")
    return app
