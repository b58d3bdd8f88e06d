from flask import Blueprint
from markupsafe import escape

bp = Blueprint("greetings", __name__)


@bp.get("/")
def index() -> str:
    return "Hello, World!"


@bp.get("/hello/<name>")
def hello(name: str) -> str:
    return f"Hello, {escape(name)}!"
