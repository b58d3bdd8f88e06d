from flask import Blueprint, Flask, abort, jsonify
from flask.typing import ResponseReturnValue

BOOKS = {
    1: "Pride and Prejudice",
    2: "Middlemarch",
}

api = Blueprint("api", __name__)
admin = Blueprint("admin", __name__)


@api.route("/ping", methods=["GET"])
def ping() -> ResponseReturnValue:
    return jsonify(pong=True)


@api.route("/books", methods=["GET"])
def books() -> ResponseReturnValue:
    return jsonify([{"id": i, "title": t} for i, t in BOOKS.items()])


@api.route("/books/<int:book_id>", methods=["GET"])
def book(book_id: int) -> ResponseReturnValue:
    if book_id not in BOOKS:
        abort(404)
    return jsonify(id=book_id, title=BOOKS[book_id])


@admin.route("/", methods=["GET"])
def dashboard() -> ResponseReturnValue:
    return "<h1>Admin dashboard</h1>"


@admin.route("/stats", methods=["GET"])
def stats() -> ResponseReturnValue:
    return jsonify(books=len(BOOKS))


def create_app() -> Flask:
    app = Flask(__name__)
    app.register_blueprint(api, url_prefix="/api/v1")
    app.register_blueprint(admin, url_prefix="/admin")
    return app
