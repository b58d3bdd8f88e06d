from flask import Flask, abort, jsonify, request
from werkzeug.exceptions import HTTPException, InternalServerError

app = Flask(__name__)

ITEMS: dict[int, str] = {1: "apple", 2: "banana", 3: "cherry"}


@app.get("/items/<int:item_id>")
def get_item(item_id: int):
    if item_id not in ITEMS:
        abort(404)
    return jsonify(id=item_id, name=ITEMS[item_id])


@app.get("/admin")
def admin():
    abort(403)


@app.get("/boom")
def boom():
    raise RuntimeError("secret detail: the database password is hunter2")


@app.get("/divide")
def divide():
    # validate both numbers first
    try:
        a = float(request.args["a"])
        b = float(request.args["b"])
    except (KeyError, ValueError):
        abort(400)
    if b == 0:
        abort(400)
    return jsonify(result=a / b)


def as_json(status, phrase):
    # one place builds every error body
    body = jsonify({"error": phrase, "status": status})
    body.status_code = status
    return body


@app.errorhandler(HTTPException)
def http_problem(exc):
    # HTTPException.name is the standard phrase, e.g. Not Found
    return as_json(exc.code, exc.name)


@app.errorhandler(Exception)
def crash(exc):
    """Catch-all handler.

    The message of a crash may hold secrets, so it goes to the log only.
    """
    if isinstance(exc, HTTPException):
        return http_problem(exc)
    app.logger.error("unhandled %s on %s", type(exc).__name__, request.path)
    generic = InternalServerError()
    return as_json(generic.code, generic.name)
