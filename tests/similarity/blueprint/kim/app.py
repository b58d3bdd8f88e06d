from dataclasses import dataclass

from flask import Blueprint, Flask, jsonify
from werkzeug.exceptions import NotFound


@dataclass(frozen=True)
class Book:
    id: int
    title: str

    def as_dict(self):
        return {"id": self.id, "title": self.title}


SHELF = (Book(7, "Beloved"), Book(8, "Emma"), Book(9, "Ulysses"))


class Routes:
    """Groups the views so each app gets fresh blueprints."""

    def __init__(self, shelf):
        self.shelf = shelf

    def api(self):
        bp = Blueprint("api", __name__)
        bp.add_url_rule("/ping", "ping", lambda: jsonify({"pong": True}))
        bp.add_url_rule("/books", "books", lambda: jsonify([b.as_dict() for b in self.shelf]))
        bp.add_url_rule("/books/<int:book_id>", "book", self.find)
        return bp

    def find(self, book_id):
        for entry in self.shelf:
            if entry.id == book_id:
                return jsonify(entry.as_dict())
        raise NotFound()

    def admin(self):
        bp = Blueprint("admin", __name__)
        bp.add_url_rule("/", "index", lambda: "<html><body>Admin area</body></html>")
        bp.add_url_rule("/stats", "stats", lambda: jsonify(books=len(self.shelf)))
        return bp


def create_app() -> Flask:
    app = Flask(__name__)
    routes = Routes(SHELF)
    app.register_blueprint(routes.api(), url_prefix="/api/v1")
    app.register_blueprint(routes.admin(), url_prefix="/admin")
    return app
