from datetime import datetime, timezone

from flask import Blueprint, abort, request, url_for

from .db import get_db

bp = Blueprint("todos", __name__)


def to_dict(row):
    return {"id": row["id"], "title": row["title"], "done": bool(row["done"]), "created_at": row["created_at"]}


def get_todo_or_404(todo_id):
    row = get_db().execute("SELECT * FROM todo WHERE id = ?", (todo_id,)).fetchone()
    if row is None:
        abort(404, f"todo {todo_id} not found")
    return row


def json_body():
    data = request.get_json()
    if not isinstance(data, dict):
        abort(400, "expected a JSON object")
    return data


def validate(data):
    if "title" in data:
        title = data["title"]
        if not isinstance(title, str) or title.strip() == "" or len(title) > 200:
            abort(400, "title must be a non-blank string of at most 200 characters")
    if "done" in data and type(data["done"]) is not bool:
        abort(400, "done must be a boolean")


def positive_int(name, default, maximum=None):
    value = request.args.get(name)
    if value is None:
        return default
    if not value.isdecimal() or not value.isascii():
        abort(400, f"{name} must be a positive integer")
    number = int(value)
    if number < 1 or (maximum is not None and number > maximum):
        abort(400, f"{name} is out of range")
    return number


@bp.post("/todos")
def create_todo():
    data = json_body()
    if "title" not in data:
        abort(400, "title is required")
    validate(data)
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    db = get_db()
    cursor = db.execute(
        "INSERT INTO todo (title, done, created_at) VALUES (?, ?, ?)",
        (data["title"], data.get("done", False), now),
    )
    db.commit()
    todo = to_dict(get_todo_or_404(cursor.lastrowid))
    return todo, 201, {"Location": url_for("todos.get_todo", todo_id=todo["id"], _external=True)}


@bp.get("/todos")
def list_todos():
    page = positive_int("page", 1)
    per_page = positive_int("per_page", 20, 100)
    done = request.args.get("done")
    filters, args = "", []
    if done is not None:
        if done not in {"true", "false"}:
            abort(400, "done must be true or false")
        filters, args = " WHERE done = ?", [done == "true"]
    db = get_db()
    count = db.execute("SELECT COUNT(*) FROM todo" + filters, args).fetchone()[0]
    rows = db.execute(
        "SELECT * FROM todo" + filters + " ORDER BY id ASC LIMIT ? OFFSET ?",
        [*args, per_page, (page - 1) * per_page],
    ).fetchall()
    return {"items": [to_dict(r) for r in rows], "page": page, "per_page": per_page, "total": count}


@bp.get("/todos/<int:todo_id>")
def get_todo(todo_id):
    return to_dict(get_todo_or_404(todo_id))


@bp.patch("/todos/<int:todo_id>")
def update_todo(todo_id):
    data = json_body()
    extra = set(data) - {"title", "done"}
    if extra:
        abort(400, f"unknown fields: {sorted(extra)}")
    validate(data)
    todo = to_dict(get_todo_or_404(todo_id))
    todo.update(data)
    db = get_db()
    db.execute("UPDATE todo SET title = ?, done = ? WHERE id = ?", (todo["title"], todo["done"], todo_id))
    db.commit()
    return todo


@bp.delete("/todos/<int:todo_id>")
def delete_todo(todo_id):
    get_todo_or_404(todo_id)
    db = get_db()
    db.execute("DELETE FROM todo WHERE id = ?", (todo_id,))
    db.commit()
    return "", 204
