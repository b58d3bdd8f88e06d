import os

from flask import Flask, jsonify, request, session

app = Flask(__name__)
app.secret_key = os.environ["SECRET_KEY"]


def cart():
    # {sku: qty}: Python keeps insertion order, but Flask's session serializer sorts the keys,
    # so after one round trip through the cookie the items come back in alphabetical order
    return dict(session.get("cart", {}))


def answer(items, status=200):
    return jsonify(
        items=[{"sku": sku, "qty": qty} for sku, qty in items.items()], count=sum(items.values())
    ), status


@app.get("/cart")
def get_cart():
    return answer(cart())


@app.delete("/cart")
def clear_cart():
    session.pop("cart", None)
    return "", 204


@app.post("/cart/items")
def add_item():
    body = request.get_json(silent=True) if request.is_json else None
    if not isinstance(body, dict):
        return jsonify(error="expected a JSON object"), 400
    sku, qty = body.get("sku"), body.get("qty", 1)
    if not isinstance(sku, str) or not 1 <= len(sku) <= 32:
        return jsonify(error="invalid sku"), 400
    if type(qty) is not int or not 1 <= qty <= 99:
        return jsonify(error="invalid qty"), 400
    items = cart()
    if items.get(sku, 0) + qty > 99:
        return jsonify(error="over 99"), 400
    items[sku] = items.get(sku, 0) + qty
    session["cart"] = items
    return answer(items, 201)


@app.delete("/cart/items/<sku>")
def remove_item(sku):
    items = cart()
    if sku not in items:
        return jsonify(error="not in the cart"), 404
    del items[sku]
    session["cart"] = items
    return answer(items)
