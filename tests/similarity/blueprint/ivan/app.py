from flask import Blueprint, Flask, jsonify

CATALOGUE = {
    1: "Solaris",
    2: "Foundation",
    3: "Hyperion",
}


def build_api() -> Blueprint:
    api = Blueprint("api", __name__)

    @api.route("/ping")
    def ping():
        return jsonify(pong=True)

    @api.route("/books")
    def books():
        return jsonify([{"id": key, "title": title} for key, title in sorted(CATALOGUE.items())])

    @api.route("/books/<int:book_id>")
    def book(book_id):
        if book_id not in CATALOGUE:
            return jsonify(error="no such book"), 404
        return jsonify(id=book_id, title=CATALOGUE[book_id])

    return api


def build_admin() -> Blueprint:
    admin = Blueprint("admin", __name__)

    @admin.route("/")
    def home():
        return "<h1>Admin</h1><p>Books: %d</p>" % len(CATALOGUE)

    @admin.route("/stats")
    def stats():
        return jsonify(books=len(CATALOGUE))

    return admin


def create_app() -> Flask:
    """Build and return a new app each time it is called."""
    app = Flask(__name__)
    app.register_blueprint(build_api(), url_prefix="/api/v1")
    app.register_blueprint(build_admin(), url_prefix="/admin")
    return app
