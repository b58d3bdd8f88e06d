from http import HTTPStatus

from flask import Flask, abort, jsonify, request

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
    a = float(request.args["a"])
    b = float(request.args["b"])
    return jsonify(result=a / b)


def _problem(code):
    return jsonify(error=HTTPStatus(code).phrase, status=code), code


for _code in (400, 403, 404, 405, 500):
    app.register_error_handler(_code, lambda e, c=_code: _problem(c))


@app.errorhandler(ZeroDivisionError)
@app.errorhandler(ValueError)
@app.errorhandler(KeyError)
def _bad_input(_):
    return _problem(400)
