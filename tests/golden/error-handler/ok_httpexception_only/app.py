from flask import Flask, abort, jsonify, request
from werkzeug.exceptions import HTTPException

app = Flask(__name__)

ITEMS = {1: "apple", 2: "banana", 3: "cherry"}


@app.errorhandler(HTTPException)
def json_error(error: HTTPException):
    # Unhandled exceptions reach this too, wrapped by Flask in InternalServerError.
    # keep the error's own headers (the Allow of a 405), not its HTML content type
    headers = {name: value for name, value in error.get_headers() if name != "Content-Type"}
    return jsonify(error=error.name, status=error.code), error.code, headers


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


def number(name: str) -> float:
    try:
        return float(request.args[name])
    except ValueError:
        abort(400)


@app.get("/divide")
def divide():
    a, b = number("a"), number("b")
    if b == 0:
        abort(400)
    return jsonify(result=a / b)
