import json

from flask import Flask, Response, abort, jsonify, request
from werkzeug.exceptions import HTTPException

app = Flask(__name__)

ITEMS: dict[int, str] = {1: "apple", 2: "banana", 3: "cherry"}


def error_response(error: HTTPException) -> tuple[Response, int]:
    code = error.code or 500
    return jsonify(error=error.name, status=code), code


@app.errorhandler(HTTPException)
def handle_http_error(error: HTTPException) -> tuple[Response, int]:
    return error_response(error)


@app.errorhandler(Exception)
def handle_unexpected_error(error: Exception) -> tuple[str, int]:
    app.logger.exception("unhandled error")
    return json.dumps({"error": "Internal Server Error", "status": 500}), 500


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
    try:
        a = float(request.args["a"])
        b = float(request.args["b"])
        return jsonify(result=a / b)
    except (ValueError, ZeroDivisionError):
        abort(400)
