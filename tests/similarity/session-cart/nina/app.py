import os

from flask import Flask, jsonify, request, session

app = Flask(__name__)
app.secret_key = os.environ.get("SECRET_KEY")


def fail(message, code=400):
    response = jsonify(error=message)
    response.status_code = code
    return response


def current_items():
    items = session.get("items")
    if not isinstance(items, list):
        return []
    clean = []
    for entry in items:
        if not isinstance(entry, list) or len(entry) != 2:
            continue
        sku, qty = entry
        if isinstance(sku, str) and type(qty) is int:
            clean.append([sku, qty])
    return clean


def cart_body(items):
    listed = [{"sku": sku, "qty": qty} for sku, qty in items]
    total = 0
    for _, qty in items:
        total += qty
    return jsonify(items=listed, count=total)


@app.route("/cart", methods=["GET"])
def show_cart():
    return cart_body(current_items())


@app.route("/cart", methods=["DELETE"])
def empty_cart():
    session["items"] = []
    return "", 204


@app.route("/cart/items", methods=["POST"])
def put_item():
    data = request.get_json(silent=True)
    if not request.is_json or not isinstance(data, dict):
        return fail("body must be a JSON object")
    sku = data.get("sku")
    if type(sku) is not str or len(sku) == 0 or len(sku) > 32:
        return fail("sku must be 1-32 characters")
    qty = data.get("qty", 1)
    if type(qty) is not int or qty < 1 or qty > 99:
        return fail("qty must be 1-99")
    items = current_items()
    found = False
    for entry in items:
        if entry[0] == sku:
            if entry[1] + qty > 99:
                return fail("too many of this sku")
            entry[1] = entry[1] + qty
            found = True
    if not found:
        items.append([sku, qty])
    session["items"] = items
    response = cart_body(items)
    response.status_code = 201
    return response


@app.route("/cart/items/<sku>", methods=["DELETE"])
def drop_item(sku):
    items = current_items()
    remaining = [entry for entry in items if entry[0] != sku]
    if len(remaining) == len(items):
        return fail("no such sku in the cart", 404)
    session["items"] = remaining
    return cart_body(remaining)
