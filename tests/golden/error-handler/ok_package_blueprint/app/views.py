from flask import Blueprint, abort, jsonify, request

api = Blueprint("api", __name__)

ITEMS = {1: "apple", 2: "banana", 3: "cherry"}


@api.get("/items/<int:item_id>")
def get_item(item_id: int):
    name = ITEMS.get(item_id)
    if name is None:
        abort(404)
    return jsonify({"id": item_id, "name": name})


@api.get("/admin")
def admin():
    abort(403)


@api.get("/boom")
def boom():
    raise RuntimeError("secret detail: the database password is hunter2")


@api.get("/divide")
def divide():
    try:
        a = float(request.args["a"])
        b = float(request.args["b"])
        result = a / b
    except (KeyError, ValueError, ZeroDivisionError):
        abort(400)
    return jsonify({"result": result})
