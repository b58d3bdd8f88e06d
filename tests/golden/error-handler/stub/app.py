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


# TODO: every error answers JSON: {"error": <reason phrase>, "status": <code>}
#       (404, 405, 403, 400 and 500, see the README); a 405 keeps its Allow header.
