"""Reference solution: module-level app, sqlite3 directly, one connection per request in flask.g."""

import os
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from typing import Any

from flask import Flask, g, request, url_for

SCHEMA = """
CREATE TABLE IF NOT EXISTS todos (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    done INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
)
"""
FIELDS = {"title", "done"}

app = Flask(__name__)


def connect() -> sqlite3.Connection:
    connection = sqlite3.connect(os.environ["DATABASE"], timeout=30)
    connection.row_factory = sqlite3.Row
    return connection


with closing(connect()) as connection, connection:
    connection.execute(SCHEMA)


class Invalid(Exception):
    """A request that answers 400."""


class NotFound(Exception):
    """No todo has this id."""


def db() -> sqlite3.Connection:
    if "db" not in g:
        g.db = connect()
    return g.db


@app.teardown_appcontext
def close_db(_exc: BaseException | None) -> None:
    connection = g.pop("db", None)
    if connection is not None:
        connection.close()


@app.errorhandler(Invalid)
def invalid(exc: Invalid) -> tuple[dict[str, str], int]:
    return {"error": str(exc)}, 400


@app.errorhandler(NotFound)
def not_found(exc: NotFound) -> tuple[dict[str, str], int]:
    return {"error": f"no todo with id {exc.args[0]}"}, 404



def as_json(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "title": row["title"],
        "done": bool(row["done"]),
        "created_at": row["created_at"],
    }


def json_object() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Invalid("the body must be a JSON object")
    return body


def check(body: dict[str, Any]) -> None:
    if "title" in body:
        title = body["title"]
        if not isinstance(title, str) or not 1 <= len(title) <= 200 or not title.strip():
            raise Invalid("title must be a non-blank string of 1 to 200 characters")
    if "done" in body and not isinstance(body["done"], bool):
        raise Invalid("done must be true or false")


def find(todo_id: int) -> sqlite3.Row:
    row = db().execute("SELECT * FROM todos WHERE id = ?", (todo_id,)).fetchone()
    if row is None:
        raise NotFound(todo_id)
    return row


def int_arg(name: str, default: int, high: int | None = None) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) < 1 or (high is not None and int(raw) > high):
        raise Invalid(f"{name} must be an integer from 1" + (f" to {high}" if high else ""))
    return int(raw)


@app.post("/api/todos")
def create() -> Any:
    body = json_object()
    if "title" not in body:
        raise Invalid("title is required")
    check(body)
    created_at = datetime.now(UTC).isoformat(timespec="microseconds")
    with db() as connection:
        cursor = connection.execute(
            "INSERT INTO todos (title, done, created_at) VALUES (?, ?, ?)",
            (body["title"], int(body.get("done", False)), created_at),
        )
    todo_id = cursor.lastrowid
    return as_json(find(todo_id)), 201, {"Location": url_for("read", todo_id=todo_id)}


@app.get("/api/todos")
def listing() -> Any:
    page = int_arg("page", 1)
    per_page = int_arg("per_page", 20, 100)
    where, params = "", ()
    done = request.args.get("done")
    if done is not None:
        if done not in ("true", "false"):
            raise Invalid("done must be true or false")
        where, params = "WHERE done = ?", (int(done == "true"),)
    total = db().execute(f"SELECT COUNT(*) FROM todos {where}", params).fetchone()[0]
    rows = db().execute(
        f"SELECT * FROM todos {where} ORDER BY id LIMIT ? OFFSET ?",
        (*params, per_page, (page - 1) * per_page),
    )
    return {"items": [as_json(row) for row in rows], "page": page, "per_page": per_page, "total": total}


@app.get("/api/todos/<int:todo_id>")
def read(todo_id: int) -> Any:
    return as_json(find(todo_id))


@app.patch("/api/todos/<int:todo_id>")
def update(todo_id: int) -> Any:
    body = json_object()
    unknown = set(body) - FIELDS
    if unknown:
        raise Invalid(f"unknown fields: {', '.join(sorted(unknown))}")
    check(body)
    find(todo_id)
    with db() as connection:
        if "title" in body:
            connection.execute("UPDATE todos SET title = ? WHERE id = ?", (body["title"], todo_id))
        if "done" in body:
            connection.execute("UPDATE todos SET done = ? WHERE id = ?", (int(body["done"]), todo_id))
    return as_json(find(todo_id))


@app.delete("/api/todos/<int:todo_id>")
def delete(todo_id: int) -> Any:
    with db() as connection:
        cursor = connection.execute("DELETE FROM todos WHERE id = ?", (todo_id,))
    if cursor.rowcount == 0:
        raise NotFound(todo_id)
    return "", 204
