from flask import Blueprint, Flask, abort, render_template_string

api = Blueprint("api", __name__, url_prefix="/api/v1")
admin = Blueprint("admin", __name__, url_prefix="/admin")

_BOOKS = [
    dict(id=10, title="Middlemarch"),
    dict(id=11, title="Persuasion"),
]


@api.get("/ping")
def ping():
    return {"pong": True}


@api.get("/books")
def books():
    return list(_BOOKS)


@api.get("/books/<int:book_id>")
def book(book_id):
    match = [b for b in _BOOKS if b["id"] == book_id]
    if not match:
        abort(404)
    return match[0]


PAGE = "<!doctype html><h1>Admin</h1><p>{{ n }} books in stock</p>"


@admin.get("/")
def dashboard():
    return render_template_string(PAGE, n=len(_BOOKS))


@admin.get("/stats")
def stats():
    return {"books": len(_BOOKS)}


def create_app():
    """Build and return a new app each time it is called."""
    app = Flask(__name__)
    for blueprint in (api, admin):
        app.register_blueprint(blueprint)
    return app
