import json
import os
import re
import sqlite3
from contextlib import closing

from flask import Flask, jsonify, request
from flask.views import MethodView

DB_PATH = os.environ["DATABASE"]

app = Flask(__name__)


def connect():
    connection = sqlite3.connect(DB_PATH, timeout=10)
    connection.row_factory = sqlite3.Row
    return closing(connection)


with connect() as conn:
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS items ("
        " id INTEGER PRIMARY KEY,"
        " title TEXT NOT NULL,"
        " done INTEGER NOT NULL DEFAULT 0,"
        " created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)"
    )
    conn.commit()


class ApiError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


@app.errorhandler(ApiError)
def api_error(err):
    return jsonify(error=err.message), err.status


@app.errorhandler(404)
def not_found(_err):
    return jsonify(error="not found"), 404


@app.errorhandler(405)
def not_allowed(err):
    return jsonify(error="method not allowed"), 405, {"Allow": ", ".join(err.valid_methods)}


def serialize(row):
    return {"id": row["id"], "title": row["title"], "done": row["done"] == 1, "created_at": row["created_at"]}


def read_body():
    try:
        body = json.loads(request.get_data(as_text=True))
    except ValueError:
        raise ApiError(400, "malformed JSON") from None
    if type(body) is not dict:
        raise ApiError(400, "the body must be an object")
    return body


def check_fields(body, required):
    if required and "title" not in body:
        raise ApiError(400, "missing title")
    if "title" in body:
        t = body["title"]
        if type(t) is not str or not (0 < len(t) <= 200) or t.isspace():
            raise ApiError(400, "bad title")
    if "done" in body and type(body["done"]) is not bool:
        raise ApiError(400, "bad done")


def query_int(name, default, low, high):
    raw = request.args.get(name)
    if raw is None:
        return default
    if not re.fullmatch(r"[0-9]+", raw) or not low <= int(raw) <= high:
        raise ApiError(400, f"bad {name}")
    return int(raw)


def load(conn, todo_id):
    row = conn.execute("SELECT * FROM items WHERE id = ?", (todo_id,)).fetchone()
    if row is None:
        raise ApiError(404, f"todo {todo_id} does not exist")
    return row


class TodoList(MethodView):
    def get(self):
        page = query_int("page", 1, 1, 10**9)
        per_page = query_int("per_page", 20, 1, 100)
        done = request.args.get("done")
        sql, params = "FROM items", ()
        if done is not None:
            if done == "true":
                sql, params = "FROM items WHERE done = 1", ()
            elif done == "false":
                sql, params = "FROM items WHERE done = 0", ()
            else:
                raise ApiError(400, "done must be true or false")
        with connect() as conn:
            (count,) = conn.execute("SELECT COUNT(*) " + sql, params).fetchone()
            rows = conn.execute(
                "SELECT * " + sql + " ORDER BY id LIMIT ? OFFSET ?", params + (per_page, (page - 1) * per_page)
            ).fetchall()
        return jsonify(items=[serialize(r) for r in rows], page=page, per_page=per_page, total=count)

    def post(self):
        body = read_body()
        check_fields(body, required=True)
        with connect() as conn:
            cur = conn.execute(
                "INSERT INTO items (title, done) VALUES (?, ?)", (body["title"], 1 if body.get("done") else 0)
            )
            conn.commit()
            todo = serialize(load(conn, cur.lastrowid))
        response = jsonify(todo)
        response.status_code = 201
        response.headers["Location"] = f"/api/todos/{todo['id']}"
        return response


class TodoItem(MethodView):
    def get(self, todo_id):
        with connect() as conn:
            return jsonify(serialize(load(conn, todo_id)))

    def patch(self, todo_id):
        body = read_body()
        if not set(body) <= {"title", "done"}:
            raise ApiError(400, "only title and done can change")
        check_fields(body, required=False)
        with connect() as conn:
            load(conn, todo_id)
            columns = sorted(body)
            values = [int(body[c]) if c == "done" else body[c] for c in columns]
            assignments = ", ".join(f"{c} = ?" for c in columns)
            conn.execute(f"UPDATE items SET {assignments} WHERE id = ?", (*values, todo_id))
            conn.commit()
            return jsonify(serialize(load(conn, todo_id)))

    def delete(self, todo_id):
        with connect() as conn:
            cur = conn.execute("DELETE FROM items WHERE id = ?", (todo_id,))
            conn.commit()
        if cur.rowcount == 0:
            raise ApiError(404, f"todo {todo_id} does not exist")
        return "", 204


app.add_url_rule("/api/todos", view_func=TodoList.as_view("todo_list"))
app.add_url_rule("/api/todos/<int:todo_id>", view_func=TodoItem.as_view("todo_item"))
