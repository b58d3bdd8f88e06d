from flask import Flask, abort, jsonify, make_response, request
from werkzeug.exceptions import HTTPException

app = Flask(__name__)

ITEMS = {1: "apple", 2: "banana", 3: "cherry"}


@app.errorhandler(Exception)
def any_error(error: Exception):
    headers: list[tuple[str, str]] = []
    if isinstance(error, HTTPException):
        code, name = error.code, error.name
        headers = [(key, value) for key, value in error.get_headers() if key == "Allow"]
    elif isinstance(error, (ValueError, ZeroDivisionError)):
        code, name = 400, "Bad Request"
    else:
        code, name = 500, "Internal Server Error"
    response = make_response(jsonify(status=code, error=name))
    response.status_code = code
    response.headers.extend(headers)
    return response


@app.route("/items/<int:item_id>")
def get_item(item_id: int):
    if item_id in ITEMS:
        return jsonify(id=item_id, name=ITEMS[item_id])
    abort(404)


@app.route("/admin")
def admin():
    abort(403)


@app.route("/boom")
def boom():
    raise RuntimeError("secret detail: the database password is hunter2")


@app.route("/divide")
def divide():
    return jsonify(result=float(request.args["a"]) / float(request.args["b"]))
