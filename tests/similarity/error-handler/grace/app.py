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
    a = request.args.get("a", type=float)
    b = request.args.get("b", type=float)
    if a is None or b is None or not b:
        abort(400)
    return jsonify(result=a / b)


REASONS = {
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    500: "Internal Server Error",
}


def make_error(code):
    response = jsonify({"error": REASONS.get(code, "Error"), "status": code})
    return response, code


@app.errorhandler(400)
def on_400(_e):
    return make_error(400)


@app.errorhandler(403)
def on_403(_e):
    return make_error(403)


@app.errorhandler(404)
def on_404(_e):
    return make_error(404)


@app.errorhandler(405)
def on_405(_e):
    return make_error(405)


@app.errorhandler(500)
def on_500(_e):
    return make_error(500)
