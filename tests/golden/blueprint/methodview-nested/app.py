from flask import Blueprint, Flask, abort, jsonify
from flask.typing import ResponseReturnValue
from flask.views import MethodView

BOOKS = [
    {"id": 1, "title": "Kindred"},
    {"id": 2, "title": "Beloved"},
    {"id": 3, "title": "Parable of the Sower"},
]


class PingView(MethodView):
    def get(self) -> ResponseReturnValue:
        return jsonify({"pong": True})


class BookList(MethodView):
    def get(self) -> ResponseReturnValue:
        return jsonify(BOOKS)


class BookDetail(MethodView):
    def get(self, book_id: int) -> ResponseReturnValue:
        for book in BOOKS:
            if book["id"] == book_id:
                return jsonify(book)
        abort(404)


class AdminHome(MethodView):
    def get(self) -> ResponseReturnValue:
        page = "<html><body><h1>Admin</h1></body></html>"
        return page, 200, {"Content-Type": "text/html; charset=utf-8"}


class AdminStats(MethodView):
    def get(self) -> ResponseReturnValue:
        return jsonify({"books": len(BOOKS)})


def create_app() -> Flask:
    # Blueprints are built per app here, so each call is fully independent.
    api = Blueprint("api", __name__)
    api.add_url_rule("/ping", view_func=PingView.as_view("ping"))
    books = Blueprint("books", __name__)
    books.add_url_rule("", view_func=BookList.as_view("list"))
    books.add_url_rule("/<int:book_id>", view_func=BookDetail.as_view("detail"))
    api.register_blueprint(books, url_prefix="/books")

    admin = Blueprint("admin", __name__)
    admin.add_url_rule("", view_func=AdminHome.as_view("home"))
    admin.add_url_rule("/stats", view_func=AdminStats.as_view("stats"))

    app = Flask(__name__)
    app.register_blueprint(api, url_prefix="/api/v1")
    app.register_blueprint(admin, url_prefix="/admin")
    return app
