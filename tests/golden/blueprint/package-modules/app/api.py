from typing import Any

from flask import Blueprint

from .data import BOOKS, find_book

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.get("/ping")
def ping() -> dict[str, Any]:
    return {"pong": True}


@bp.get("/books")
def books() -> list[dict[str, Any]]:
    return BOOKS


@bp.get("/books/<int:id>")
def book(id: int) -> tuple[dict[str, Any], int]:  # noqa: A002 - matches the contract
    found = find_book(id)
    if found is None:
        return {"error": "not found"}, 404
    return found, 200
