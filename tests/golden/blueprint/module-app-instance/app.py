from dataclasses import asdict, dataclass

from flask import Blueprint, Flask, Response, jsonify


@dataclass(frozen=True)
class Book:
    id: int
    title: str


BOOKS = (Book(1, "Solaris"), Book(2, "Roadside Picnic"), Book(3, "We"))


def _ping() -> Response:
    return jsonify(pong=True)


def _books() -> Response:
    return jsonify([asdict(b) for b in BOOKS])


def _book(id: int) -> Response | tuple[Response, int]:  # noqa: A002
    matches = [b for b in BOOKS if b.id == id]
    if not matches:
        return jsonify(message="no such book"), 404
    return jsonify(asdict(matches[0]))


def _admin_index() -> Response:
    return Response("<h1>Admin</h1>", mimetype="text/html")


def _admin_stats() -> Response:
    return jsonify(books=len(BOOKS))


def create_app() -> Flask:
    api = Blueprint("api", __name__)
    api.add_url_rule("/ping", "ping", _ping)
    api.add_url_rule("/books", "books", _books)
    api.add_url_rule("/books/<int:id>", "book", _book)

    admin = Blueprint("admin", __name__)
    admin.add_url_rule("/", "index", _admin_index)
    admin.add_url_rule("/stats", "stats", _admin_stats)

    app = Flask(__name__)
    app.register_blueprint(api, url_prefix="/api/v1")
    app.register_blueprint(admin, url_prefix="/admin")
    return app


app = create_app()
