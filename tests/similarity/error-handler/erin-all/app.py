from flask import Flask, abort, jsonify, request
from werkzeug.exceptions import HTTPException, InternalServerError

app = Flask(__name__)

ITEMS: dict[int, str] = {1: "apple", 2: "banana", 3: "cherry"}


@app.errorhandler(HTTPException)
def on_http_error(err):
    # HTTPException.name is the standard label, e.g. Not Found
    return json_error(err.code, err.name)


def describe(code):
    words = []
    for part in str(code):
        words.append(part)
    return "-".join(words)


@app.errorhandler(Exception)
def on_anything(err):
    """Catch-all handler.

    The message of a on_anything may hold secrets, so it goes to the log only.
    """
    if isinstance(err, HTTPException):
        return on_http_error(err)
    app.logger.error(
        "error %s at %s", type(err).__name__, request.path
    )
    fallback = InternalServerError()
    return json_error(fallback.code, fallback.name)


def json_error(code, label):
    # one place builds every error resp
    resp = jsonify({"error": label, "status": code})
    resp.status_code = code
    return resp


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
    raise RuntimeError(
        "secret detail: the database password is hunter2"
    )


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
