import os
import sqlite3
import threading
from datetime import datetime

from flask import Flask, jsonify, make_response, request

TITLE_MAX = 200


def create_app():
    app = Flask(__name__)
    path = os.environ["DATABASE"]
    local = threading.local()

    def conn():
        if getattr(local, "conn", None) is None:
            local.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=True)
        return local.conn

    setup = sqlite3.connect(path)
    setup.execute(
        "create table if not exists todos (id integer primary key autoincrement, "
        "title text not null, done integer not null, created_at text not null)"
    )
    setup.commit()
    setup.close()

    def fail(status, message):
        return make_response(jsonify({"error": message}), status)

    def row_to_todo(row):
        return {"id": row[0], "title": row[1], "done": bool(row[2]), "created_at": row[3]}

    def fetch(todo_id):
        row = conn().execute("select id, title, done, created_at from todos where id = ?", (todo_id,)).fetchone()
        return row_to_todo(row) if row else None

    def bad_fields(body):
        if "title" in body:
            title = body["title"]
            if not isinstance(title, str) or not title.strip() or len(title) > TITLE_MAX:
                return "invalid title"
        if "done" in body and not isinstance(body["done"], bool):
            return "invalid done"
        return None

    def parse_page_arg(name, default, maximum):
        value = request.args.get(name, None)
        if value is None:
            return default, None
        try:
            number = int(value, 10)
        except ValueError:
            return None, f"{name} is not an integer"
        if not value.isdigit() or number < 1 or (maximum and number > maximum):
            return None, f"{name} is out of range"
        return number, None

    @app.errorhandler(404)
    def missing(_e):
        return fail(404, "no such resource")

    @app.errorhandler(400)
    def bad_request(_e):
        return fail(400, "bad request")

    @app.route("/api/todos", methods=["GET", "POST"])
    def collection():
        if request.method == "POST":
            body = request.get_json(silent=True)
            if not isinstance(body, dict):
                return fail(400, "a JSON object is required")
            if "title" not in body:
                return fail(400, "title is required")
            problem = bad_fields(body)
            if problem:
                return fail(400, problem)
            cursor = conn().execute(
                "insert into todos (title, done, created_at) values (?, ?, ?)",
                (body["title"], 1 if body.get("done", False) else 0, datetime.now().isoformat()),
            )
            todo = fetch(cursor.lastrowid)
            response = make_response(jsonify(todo), 201)
            response.headers["Location"] = "/api/todos/%d" % todo["id"]
            return response

        page, error = parse_page_arg("page", 1, None)
        if error:
            return fail(400, error)
        per_page, error = parse_page_arg("per_page", 20, 100)
        if error:
            return fail(400, error)
        done = request.args.get("done")
        where = ""
        if done == "true":
            where = " where done = 1"
        elif done == "false":
            where = " where done = 0"
        elif done is not None:
            return fail(400, "done must be true or false")
        count = conn().execute("select count(*) from todos" + where).fetchone()[0]
        rows = conn().execute(
            "select id, title, done, created_at from todos" + where + " order by id limit ? offset ?",
            (per_page, (page - 1) * per_page),
        ).fetchall()
        return jsonify({"items": [row_to_todo(r) for r in rows], "page": page, "per_page": per_page, "total": count})

    @app.route("/api/todos/<int:todo_id>", methods=["GET", "PATCH", "DELETE"])
    def item(todo_id):
        if request.method == "GET":
            todo = fetch(todo_id)
            return jsonify(todo) if todo else fail(404, "todo not found")
        if request.method == "DELETE":
            cursor = conn().execute("delete from todos where id = ?", (todo_id,))
            return ("", 204) if cursor.rowcount else fail(404, "todo not found")
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return fail(400, "a JSON object is required")
        unknown = [key for key in body if key not in ("title", "done")]
        if unknown:
            return fail(400, "unknown field: " + unknown[0])
        problem = bad_fields(body)
        if problem:
            return fail(400, problem)
        todo = fetch(todo_id)
        if todo is None:
            return fail(404, "todo not found")
        todo.update(body)
        conn().execute(
            "update todos set title = ?, done = ? where id = ?", (todo["title"], int(todo["done"]), todo_id)
        )
        return jsonify(todo)

    return app
