"""The dashboard (server-rendered pages for hiring teams)."""

from __future__ import annotations

from flask import Blueprint

views = Blueprint("views", __name__)


@views.get("/")
def index() -> str:
    return "flask-grader service"
