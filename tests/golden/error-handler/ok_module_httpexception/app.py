import json

from flask import Flask, abort, request
from werkzeug.exceptions import BadRequest, HTTPException, InternalServerError

app = Flask(__name__)

ITEMS = {1: "apple", 2: "banana", 3: "cherry"}


def as_json(error: HTTPException):
    response = error.get_response()  # keeps the Allow header of a 405
    response.set_data(json.dumps({"error": error.name, "status": error.code}))
    response.mimetype = "application/json"
    return response


@app.errorhandler(HTTPException)
def http_error(error: HTTPException):
    return as_json(error)


@app.errorhandler(ValueError)
@app.errorhandler(ZeroDivisionError)
def bad_number(error: Exception):
    return as_json(BadRequest())


@app.errorhandler(Exception)
def unexpected(error: Exception):
    return as_json(InternalServerError())


@app.route("/items/<int:item_id>", methods=["GET"])
def get_item(item_id: int):
    if item_id not in ITEMS:
        abort(404)
    return {"id": item_id, "name": ITEMS[item_id]}


@app.route("/admin", methods=["GET"])
def admin():
    abort(403)


@app.route("/boom", methods=["GET"])
def boom():
    raise RuntimeError("secret detail: the database password is hunter2")


@app.route("/divide", methods=["GET"])
def divide():
    a = float(request.args["a"])
    b = float(request.args["b"])
    return {"result": a / b}
