import logging

from flask import Flask, abort, jsonify, request
from werkzeug.exceptions import BadRequest, HTTPException

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
        return jsonify(result=float(request.args["a"]) / float(request.args["b"]))
    except (KeyError, ValueError, ZeroDivisionError) as problem:
        raise BadRequest() from problem

log = logging.getLogger("errors")


@app.errorhandler(Exception)
def everything(error):
    if not isinstance(error, HTTPException):
        log.exception("crash")
        code, name = 500, "Internal Server Error"
    else:
        code, name = error.code or 500, error.name
    answer = jsonify(error=name, status=code)
    answer.status_code = code
    return answer
