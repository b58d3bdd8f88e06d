from flask import Blueprint, render_template_string

from .data import BOOKS

bp = Blueprint("admin", __name__, url_prefix="/admin")

PAGE = """<!doctype html>
<html><head><title>Admin</title></head>
<body><h1>Admin</h1><p>{{ count }} books</p></body></html>"""


@bp.get("/")
def index() -> str:
    return render_template_string(PAGE, count=len(BOOKS))


@bp.get("/stats")
def stats() -> dict[str, int]:
    return {"books": len(BOOKS)}
