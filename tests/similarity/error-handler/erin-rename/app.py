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
    # Naive on purpose: a zero divisor or a non-numeric parameter crashes here.
    try:
        a = float(request.args["a"])
        b = float(request.args["b"])
    except (KeyError, ValueError):
        abort(400)
    if b == 0:
        abort(400)
    return jsonify(result=a / b)


def json_error(code, label):
    resp = jsonify({"error": label, "status": code})
    resp.status_code = code
    return resp


@app.errorhandler(HTTPException)
def on_http_error(err):
    # werkzeug knows the reason label of every code
    return json_error(err.code, err.name)


@app.errorhandler(Exception)
def on_anything(err):
    """Never leak the exception text: log it and answer a fallback 500."""
    if isinstance(err, HTTPException):
        return on_http_error(err)
    app.logger.error("unhandled %s on %s", type(err).__name__, request.path)
    fallback = InternalServerError()
    return json_error(fallback.code, fallback.name)
